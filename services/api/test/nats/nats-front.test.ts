import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ApiWatchFrame, type Bus, apiEndpoints, apiTopics, connectBus } from '@kubelab/bus';
import { seededRng, systemClock } from '@kubelab/clock';
import { silentLogger } from '@kubelab/telemetry';
import { killAll, startNatsServer, waitFor } from '@kubelab/testkit';
import type { Admission } from '../../src/core/admission.js';
import { ApiCore } from '../../src/core/api-core.js';
import { type NatsFront, startNatsFront } from '../../src/nats/nats-front.js';
import { LocalLog } from '../../src/store/command-log.js';
import { ReplicatedStore } from '../../src/store/replicated-store.js';

const admission: Admission = {
  defaults: (_i, o) => o,
  validateCreate: () => [],
  validateUpdate: () => [],
  labelSelector: () => () => true,
  fieldSelector: () => () => true,
};

describe('api over NATS', () => {
  let nats: Awaited<ReturnType<typeof startNatsServer>>;
  let server: Bus;
  let client: Bus;
  let front: NatsFront;

  before(async () => {
    nats = await startNatsServer();
    server = await connectBus({ servers: nats.url, name: 'api-0', logger: silentLogger() });
    client = await connectBus({ servers: nats.url, name: 'client', logger: silentLogger() });
    const log = new LocalLog();
    const store = new ReplicatedStore({ log, clock: systemClock });
    log.attach(store.applyEntry);
    let n = 0;
    const handler = new ApiCore({
      store,
      admission,
      clock: systemClock,
      rng: seededRng(1),
      newUid: () => `u${++n}`,
    });
    front = await startNatsFront({
      bus: server,
      handler,
      clock: systemClock,
      logger: silentLogger(),
      heartbeatMs: 100,
      authenticate: (t) => (t === 'good' ? { name: 'svc', groups: [] } : undefined),
    });
  });

  after(async () => {
    await front.stop();
    await client.close();
    await server.close();
    await killAll();
  });

  const call = (req: Record<string, unknown>) =>
    client.request(apiEndpoints.request(), { group: '', version: 'v1', token: 'good', ...req } as never);

  it('serves API calls and refuses an unknown token with 401', async () => {
    const created = await call({
      verb: 'create',
      resource: 'namespaces',
      body: { metadata: { name: 'default' } },
    });
    assert.equal(created.code, 201);
    const got = await call({ verb: 'get', resource: 'namespaces', name: 'default' });
    assert.equal(got.code, 200);
    assert.equal((got.body as { metadata: { name: string } }).metadata.name, 'default');
    const denied = await call({ verb: 'get', resource: 'namespaces', name: 'default', token: 'bad' });
    assert.equal(denied.code, 401);
  });

  it('streams watch frames in sequence with heartbeats, and the client can cancel', async () => {
    const streamId = 'w1';
    const frames: ApiWatchFrame[] = [];
    const sub = client.subscribe(apiTopics.stream(streamId));
    void (async () => {
      for await (const d of sub) frames.push(d.data);
    })();
    await client.flush();
    const opened = await client.request(apiEndpoints.watch(), {
      verb: 'watch',
      group: '',
      version: 'v1',
      resource: 'pods',
      namespace: 'default',
      token: 'good',
      streamId,
      heartbeatMs: 50,
      query: { resourceVersion: '0' },
    });
    assert.equal(opened.code, 200);
    await call({
      verb: 'create',
      resource: 'pods',
      namespace: 'default',
      body: { metadata: { name: 'p' }, spec: {} },
    });
    await waitFor(
      () => frames.some((f) => f.type === 'ADDED') && frames.some((f) => f.type === 'HEARTBEAT'),
      { what: 'an event and a heartbeat' },
    );
    assert.deepEqual(
      frames.map((f) => f.seq),
      frames.map((_, i) => i),
      'seq increases by one per frame',
    );
    assert.equal(front.streams(), 1);
    client.publish(apiTopics.cancel(streamId), undefined);
    await waitFor(() => front.streams() === 0, { what: 'the stream to close' });
    await waitFor(() => frames.some((f) => f.type === 'END'), { what: 'END frame' });
    sub.unsubscribe();
  });

  it('a watch that cannot start is answered with its Status, not a stream', async () => {
    const r = await client.request(apiEndpoints.watch(), {
      verb: 'watch',
      group: '',
      version: 'v1',
      resource: 'pods',
      token: 'good',
      streamId: 'w2',
      query: { resourceVersion: 'nope' },
    });
    assert.equal(r.code, 400);
  });
});
