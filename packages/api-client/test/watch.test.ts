import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { waitFor } from '@kubelab/testkit';
import {
  type KubeObject,
  type WatchEvent,
  WatchLostError,
  isGone,
  metaNamespaceKey,
  resources,
} from '../src/index.js';
import { HEARTBEAT_MS, natsFixture, pod } from './helpers.js';

const fx = natsFixture();
before(() => fx.start());
afterEach(() => fx.cleanup());
after(() => fx.stop());

/** Collects events from `iter` in the background; `done` settles with the error that ended it, if any. */
function collect(iter: AsyncIterable<WatchEvent<KubeObject>>) {
  const events: WatchEvent<KubeObject>[] = [];
  const done = (async () => {
    for await (const ev of iter) events.push(ev);
  })().then(
    () => undefined,
    (err: unknown) => err,
  );
  return { events, done };
}

const summary = (evs: WatchEvent<KubeObject>[]) =>
  evs.map((e) => `${e.type} ${e.type === 'ERROR' ? e.object.code : metaNamespaceKey(e.object)}`);

describe('watch - events', () => {
  it('delivers ADDED, MODIFIED, DELETED in order from a resourceVersion', async () => {
    const { client, server } = await fx.world();
    await client.create(resources.pods, pod('before'));
    const ac = new AbortController();
    const w = collect(
      client.watch(resources.pods, {
        namespace: 'default',
        resourceVersion: server.resourceVersion,
        signal: ac.signal,
      }),
    );
    await waitFor(() => server.activeStreams === 1, { what: 'stream open' });
    const a = await client.create(resources.pods, pod('a'));
    await client.update(resources.pods, { ...a, metadata: { ...a.metadata, labels: { x: 'y' } } });
    await client.create(resources.pods, pod('b'));
    await client.delete(resources.pods, 'a', { namespace: 'default' });
    await client.create(resources.pods, pod('other-ns', 'elsewhere'));
    await waitFor(() => w.events.length >= 4, { what: '4 events' });
    assert.deepEqual(summary(w.events), [
      'ADDED default/a',
      'MODIFIED default/a',
      'ADDED default/b',
      'DELETED default/a',
    ]);
    const rvs = w.events.map((e) => Number((e.object as KubeObject).metadata.resourceVersion));
    assert.deepEqual(
      rvs,
      [...rvs].sort((x, y) => x - y),
    );
    ac.abort();
    assert.equal(await w.done, undefined, 'abort ends the iteration quietly');
    await waitFor(() => server.cancels === 1 && server.activeStreams === 0, { what: 'cancel on the server' });
  });

  it('resourceVersion 0 starts with the current objects as ADDED; label selectors filter', async () => {
    const { client, server } = await fx.world();
    await client.create(resources.pods, pod('web', 'default', { app: 'web' }));
    await client.create(resources.pods, pod('db', 'default', { app: 'db' }));
    const ac = new AbortController();
    const w = collect(
      client.watch(resources.pods, { resourceVersion: '0', labelSelector: 'app=web', signal: ac.signal }),
    );
    await waitFor(() => w.events.length >= 1);
    await client.create(resources.pods, pod('web2', 'default', { app: 'web' }));
    await waitFor(() => w.events.length >= 2);
    assert.deepEqual(summary(w.events), ['ADDED default/web', 'ADDED default/web2']);
    ac.abort();
    await w.done;
    await waitFor(() => server.activeStreams === 0);
  });

  it('break cancels the stream on the server', async () => {
    const { client, server } = await fx.world();
    await client.create(resources.pods, pod('x'));
    for await (const ev of client.watch(resources.pods, { namespace: 'default', resourceVersion: '0' })) {
      assert.equal(ev.type, 'ADDED');
      break;
    }
    await waitFor(() => server.cancels === 1 && server.activeStreams === 0, { what: 'cancel after break' });
  });

  it('END ends the iteration without error', async () => {
    const { client, server } = await fx.world();
    const w = collect(client.watch(resources.pods, { resourceVersion: server.resourceVersion }));
    await waitFor(() => server.activeStreams === 1);
    server.endStreams();
    assert.equal(await w.done, undefined);
    assert.equal(server.cancels, 0, 'no cancel for a stream the server ended');
  });
});

describe('watch - errors and loss', () => {
  it('an ERROR event carries the Status (410 Expired) and ends the stream', async () => {
    const { client, server } = await fx.world();
    const w = collect(client.watch(resources.pods, { resourceVersion: server.resourceVersion }));
    await waitFor(() => server.activeStreams === 1);
    server.expireWatches();
    assert.equal(await w.done, undefined);
    assert.deepEqual(summary(w.events), ['ERROR 410']);
    const ev = w.events[0];
    assert.ok(ev?.type === 'ERROR' && ev.object.reason === 'Expired');
  });

  it('a version older than the history: ERROR 410 event, or a 410 answer to the watch request', async () => {
    const { client, server } = await fx.world();
    const old = server.resourceVersion;
    await client.create(resources.pods, pod('a'));
    await client.create(resources.pods, pod('b'));
    server.compact();
    const w = collect(client.watch(resources.pods, { resourceVersion: old }));
    assert.equal(await w.done, undefined);
    assert.deepEqual(summary(w.events), ['ERROR 410']);

    server.tooOldAs = 'response';
    const err = await collect(client.watch(resources.pods, { resourceVersion: old })).done;
    assert.ok(isGone(err), String(err));
  });

  it('a silent stream (no END, no heartbeat) throws WatchLostError after 3 × heartbeat', async () => {
    const { client, server } = await fx.world();
    const w = collect(client.watch(resources.pods, { resourceVersion: server.resourceVersion }));
    await waitFor(() => server.activeStreams === 1);
    const dropped = Date.now();
    server.dropStreams();
    const err = await w.done;
    const lostAfterMs = Date.now() - dropped;
    assert.ok(err instanceof WatchLostError && err.reason === 'heartbeat-timeout', String(err));
    assert.ok(
      lostAfterMs >= 2 * HEARTBEAT_MS && lostAfterMs < 30 * HEARTBEAT_MS,
      `lost after ${lostAfterMs} ms`,
    );
  });

  it('heartbeats keep a quiet stream alive', async () => {
    const { client, server } = await fx.world();
    const ac = new AbortController();
    const w = collect(
      client.watch(resources.pods, { resourceVersion: server.resourceVersion, signal: ac.signal }),
    );
    await waitFor(() => server.heartbeatsSent >= 6, { what: 'six heartbeats (twice the loss limit)' });
    ac.abort();
    assert.equal(await w.done, undefined, 'not lost: heartbeats arrived');
  });

  it('a seq gap throws WatchLostError', async () => {
    const { client, server } = await fx.world();
    const w = collect(client.watch(resources.pods, { resourceVersion: server.resourceVersion }));
    await waitFor(() => server.activeStreams === 1);
    await client.create(resources.pods, pod('a'));
    await waitFor(() => w.events.length === 1);
    server.skipFrame();
    await client.create(resources.pods, pod('b'));
    const err = await w.done;
    assert.ok(err instanceof WatchLostError && err.reason === 'gap', String(err));
    assert.deepEqual(summary(w.events), ['ADDED default/a']);
    await waitFor(() => server.cancels === 1, { what: 'the client cancels a stream it gave up' });
  });
});
