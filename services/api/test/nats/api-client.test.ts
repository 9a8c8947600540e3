/**
 * kubelab's client (packages/api-client) against the real api pipeline and NATS front, over a real
 * nats-server: CRUD with Kubernetes errors, and an informer that sees every change in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createApiClient,
  isAlreadyExists,
  isNotFound,
  newSharedInformer,
  resources,
} from '@kubelab/api-client';
import { type Bus, connectBus } from '@kubelab/bus';
import { seededRng, systemClock } from '@kubelab/clock';
import { silentLogger } from '@kubelab/telemetry';
import { killAll, startNatsServer, waitFor } from '@kubelab/testkit';
import { ApiCore } from '../../src/core/api-core.js';
import { kubeAdmission } from '../../src/core/kube-admission.js';
import { type NatsFront, startNatsFront } from '../../src/nats/nats-front.js';
import { LocalLog } from '../../src/store/command-log.js';
import { ReplicatedStore } from '../../src/store/replicated-store.js';

type Cm = {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  data?: Record<string, string>;
};

describe('api-client against the api (NATS)', () => {
  let server: Bus;
  let clientBus: Bus;
  let front: NatsFront;
  const abort = new AbortController();

  before(async () => {
    const nats = await startNatsServer();
    server = await connectBus({ servers: nats.url, name: 'api-0', logger: silentLogger() });
    clientBus = await connectBus({ servers: nats.url, name: 'controller', logger: silentLogger() });
    const log = new LocalLog();
    const store = new ReplicatedStore({ log, clock: systemClock });
    log.attach(store.applyEntry);
    let n = 0;
    const core = new ApiCore({
      store,
      admission: kubeAdmission(),
      clock: systemClock,
      rng: seededRng(3),
      newUid: () => `uid-${++n}`,
    });
    front = await startNatsFront({
      bus: server,
      handler: core,
      clock: systemClock,
      logger: silentLogger(),
      heartbeatMs: 200,
      authenticate: (t) =>
        t === 'svc-token' ? { name: 'system:kube-controller-manager', groups: [] } : undefined,
    });
    await core.handle(
      {
        verb: 'create',
        group: '',
        version: 'v1',
        resource: 'namespaces',
        body: { metadata: { name: 'default' } },
      },
      { name: 'x', groups: [] },
    );
  });

  after(async () => {
    abort.abort();
    await front.stop();
    await clientBus.close();
    await server.close();
    await killAll();
  });

  const client = () =>
    createApiClient({
      bus: clientBus,
      clock: systemClock,
      rng: seededRng(5),
      logger: silentLogger(),
      token: 'svc-token',
    });

  it('creates, reads, updates and deletes with Kubernetes errors', async () => {
    const c = client();
    const created = await c.create<Cm>(
      resources.configmaps,
      { metadata: { name: 'a' }, data: { k: 'v' } },
      { namespace: 'default' },
    );
    assert.equal(created.metadata.name, 'a');
    await assert.rejects(
      c.create(resources.configmaps, { metadata: { name: 'a' } }, { namespace: 'default' }),
      (e: unknown) => isAlreadyExists(e),
    );
    const patched = await c.patch<Cm>(
      resources.configmaps,
      'a',
      { data: { k: 'w' } },
      { namespace: 'default', patchType: 'merge' },
    );
    assert.deepEqual(patched.data, { k: 'w' });
    await c.delete(resources.configmaps, 'a', { namespace: 'default' });
    await assert.rejects(c.get(resources.configmaps, 'a', { namespace: 'default' }), (e: unknown) =>
      isNotFound(e),
    );
  });

  it('an informer sees every change of every object, in order', async () => {
    const c = client();
    const seen = new Map<string, string[]>();
    const note = (name: string, what: string) => seen.set(name, [...(seen.get(name) ?? []), what]);
    const inf = newSharedInformer<Cm & { apiVersion: string; kind: string }>({
      client: c,
      ref: resources.configmaps,
      namespace: 'default',
      clock: systemClock,
      rng: seededRng(9),
      logger: silentLogger(),
      watchHeartbeatMs: 200,
    });
    inf.addEventHandler({
      onAdd: (o) => note(o.metadata.name, `add:${o.data?.v ?? ''}`),
      onUpdate: (_old, o) => note(o.metadata.name, `update:${o.data?.v ?? ''}`),
      onDelete: (o) => note('metadata' in o ? o.metadata.name : (o.key.split('/')[1] ?? ''), 'delete'),
    });
    void inf.run(abort.signal);
    await waitFor(() => inf.hasSynced(), { what: 'the informer to sync' });
    for (let i = 0; i < 20; i++) {
      const name = `cm-${i}`;
      await c.create(
        resources.configmaps,
        { metadata: { name }, data: { v: '1' } },
        { namespace: 'default' },
      );
      await c.patch(
        resources.configmaps,
        name,
        { data: { v: '2' } },
        { namespace: 'default', patchType: 'merge' },
      );
      if (i % 2 === 0) await c.delete(resources.configmaps, name, { namespace: 'default' });
    }
    await waitFor(() => [...seen.values()].filter((v) => v.length === 2 || v.length === 3).length === 20, {
      what: 'all events',
    });
    for (let i = 0; i < 20; i++) {
      const expected = i % 2 === 0 ? ['add:1', 'update:2', 'delete'] : ['add:1', 'update:2'];
      assert.deepEqual(seen.get(`cm-${i}`), expected, `cm-${i}`);
    }
    assert.equal(inf.lister().list().length, 10);
  });
});
