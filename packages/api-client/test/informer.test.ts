import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { systemClock } from '@kubelab/clock';
import { waitFor } from '@kubelab/testkit';
import {
  DeletedFinalStateUnknown,
  type EventHandler,
  type KubeObject,
  type SharedInformer,
  SharedInformerFactory,
  deletionHandlingKey,
  metaNamespaceKey,
  newSharedInformer,
  resources,
} from '../src/index.js';
import { HEARTBEAT_MS, type World, logger, natsFixture, pod, testRng } from './helpers.js';

type Pod = KubeObject & { spec: { nodeName?: string } };

const fx = natsFixture();
before(() => fx.start());
afterEach(() => fx.cleanup());
after(() => fx.stop());

const aborts: AbortController[] = [];
afterEach(() => {
  for (const ac of aborts.splice(0)) ac.abort();
});

const tuning = {
  clock: systemClock,
  logger,
  backoff: { initialMs: 10, maxMs: 100 },
  watchHeartbeatMs: HEARTBEAT_MS,
};

/** Starts an informer on pods with a recording handler. */
async function startInformer(world: World, opts: { resyncPeriodMs?: number; namespace?: string } = {}) {
  const informer = newSharedInformer<Pod>({
    ...tuning,
    ...opts,
    client: world.client,
    ref: resources.pods,
    rng: testRng(),
  });
  const log: string[] = [];
  informer.addEventHandler(recorder(log));
  informer.addIndexer('byNode', (p) => (p.spec.nodeName ? [p.spec.nodeName] : []));
  const ac = new AbortController();
  aborts.push(ac);
  const running = informer.run(ac.signal);
  assert.equal(await informer.whenSynced(ac.signal), true);
  await waitFor(() => world.server.activeStreams === 1, { what: 'the watch stream' });
  return { informer, log, ac, running };
}

/** A handler that records what it hears as short strings. */
function recorder(log: string[]): EventHandler<Pod> {
  return {
    onAdd: (p, initial) => log.push(`add ${metaNamespaceKey(p)}${initial ? ' (initial)' : ''}`),
    onUpdate: (old, p) =>
      log.push(old === p ? `resync ${metaNamespaceKey(p)}` : `update ${metaNamespaceKey(p)}`),
    onDelete: (p) =>
      log.push(`${p instanceof DeletedFinalStateUnknown ? 'tombstone' : 'delete'} ${deletionHandlingKey(p)}`),
  };
}

const waitLog = (log: string[], n: number, what = `${n} events`) =>
  waitFor(() => log.length >= n, { what: `${what}; have ${JSON.stringify(log)}` });

describe('informer - sync, handlers, lister', () => {
  it('syncs, then calls handlers in event order with frozen objects; lister and indexers read the cache', async () => {
    const world = await fx.world();
    world.server.put('pods', pod('a', 'default', {}, 'node-0'));
    world.server.put('pods', pod('b', 'default', {}, 'node-1'));
    const { informer, log } = await startInformer(world);
    assert.deepEqual(log, ['add default/a (initial)', 'add default/b (initial)']);

    const a = informer.lister().get('default', 'a');
    assert.ok(a && Object.isFrozen(a) && Object.isFrozen(a.metadata) && Object.isFrozen(a.spec));
    assert.throws(() => {
      (a.metadata as { name?: string }).name = 'mutated';
    }, TypeError);

    await world.client.create(resources.pods, pod('c', 'default', {}, 'node-0'));
    const edit = structuredClone(a);
    edit.metadata.labels = { edited: 'yes' };
    await world.client.update(resources.pods, edit);
    await world.client.delete(resources.pods, 'b', { namespace: 'default' });
    await waitLog(log, 5);
    assert.deepEqual(log.slice(2), ['add default/c', 'update default/a', 'delete default/b']);

    assert.deepEqual(
      informer
        .lister()
        .byIndex('byNode', 'node-0')
        .map((p) => p.metadata.name),
      ['a', 'c'],
    );
    assert.deepEqual(informer.lister().byIndex('byNode', 'node-1'), []);
    assert.equal(informer.lister().listNamespace('default').length, 2);
    assert.equal(informer.lister().get('default', 'a')?.metadata.labels?.edited, 'yes');
    assert.equal(informer.lastSyncResourceVersion(), world.server.resourceVersion);
  });

  it('delivers a big list in chunks with event-loop turns between them (timers run), in order, then syncs', async () => {
    const world = await fx.world();
    for (let i = 0; i < 25; i++) world.server.put('pods', pod(`p-${String(i).padStart(2, '0')}`));
    const informer = newSharedInformer<Pod>({
      ...tuning,
      client: world.client,
      ref: resources.pods,
      rng: testRng(),
      deliveryChunk: 10,
    });
    const seen: string[] = [];
    let ticks = 0;
    // A task queued on each delivery: it can only run if the informer yields to the event loop.
    informer.addEventHandler({
      onAdd: (p) => {
        seen.push(`${p.metadata.name}@${ticks}`);
        setImmediate(() => ticks++);
      },
    });
    const ac = new AbortController();
    aborts.push(ac);
    void informer.run(ac.signal);
    assert.equal(await informer.whenSynced(ac.signal), true);
    assert.equal(seen.length, 25);
    assert.deepEqual(
      seen.map((s) => s.split('@')[0]),
      Array.from({ length: 25 }, (_, i) => `p-${String(i).padStart(2, '0')}`),
    );
    // Deliveries 0-9 ran in one turn, 10-19 after one more, 20-24 after another.
    const turnOf = (i: number) => Number(seen[i]?.split('@')[1]);
    assert.equal(turnOf(9), turnOf(0));
    assert.ok(turnOf(10) > turnOf(9), `no turn between chunks: ${seen.join(' ')}`);
    assert.ok(turnOf(20) > turnOf(19), `no turn between chunks: ${seen.join(' ')}`);
  });

  it('a late handler hears every cached object as an initial add; a throwing handler does not stop the others', async () => {
    const world = await fx.world();
    world.server.put('pods', pod('a'));
    const { informer } = await startInformer(world);
    const late: string[] = [];
    informer.addEventHandler({
      onAdd: () => {
        throw new Error('buggy handler');
      },
    });
    const reg = informer.addEventHandler(recorder(late));
    assert.equal(reg.hasSynced(), true);
    assert.deepEqual(late, ['add default/a (initial)']);
    await world.client.create(resources.pods, pod('b'));
    await waitLog(late, 2);
    assert.equal(late[1], 'add default/b');
    assert.ok(informer.stats.handlerErrors >= 2);
    reg.remove();
    await world.client.create(resources.pods, pod('c'));
    await waitFor(() => informer.lister().get('default', 'c'));
    assert.equal(late.length, 2, 'a removed handler hears nothing more');
  });

  it('resync re-delivers every cached object as onUpdate(obj, obj)', async () => {
    const world = await fx.world();
    world.server.put('pods', pod('a'));
    world.server.put('pods', pod('b'));
    const { log } = await startInformer(world, { resyncPeriodMs: 100 });
    await waitFor(() => log.filter((l) => l.startsWith('resync')).length >= 4, { what: 'two resync rounds' });
    assert.deepEqual(log.slice(2, 6), [
      'resync default/a',
      'resync default/b',
      'resync default/a',
      'resync default/b',
    ]);
  });
});

describe('informer - relist and re-watch', () => {
  it('re-watches after a lost stream from the last resourceVersion, missing nothing, without relisting', async () => {
    const world = await fx.world();
    world.server.put('pods', pod('a'));
    world.server.put('pods', pod('b'));
    const { informer, log } = await startInformer(world);
    world.server.dropStreams();
    world.server.put('pods', pod('c'));
    world.server.put('pods', {
      ...pod('a'),
      metadata: { name: 'a', namespace: 'default', labels: { v: '2' } },
    });
    world.server.remove('pods', 'default', 'b');
    await waitLog(log, 5);
    assert.deepEqual(log.slice(2), ['add default/c', 'update default/a', 'delete default/b']);
    assert.equal(informer.stats.lists, 1);
    assert.equal(informer.stats.lost, 1);
    assert.equal(world.server.watchRequests, 2);
  });

  it('a watch refused with 429 is retried after backoff from the same version, without relisting', async () => {
    const world = await fx.world();
    const { informer, log } = await startInformer(world);
    world.server.refuseNextWatches(2);
    world.server.dropStreams();
    world.server.put('pods', pod('during-refusals'));
    await waitLog(log, 1);
    assert.deepEqual(log, ['add default/during-refusals']);
    assert.equal(informer.stats.lists, 1);
    assert.equal(world.server.watchRequests, 4, 'first watch, two refused, the one that worked');
  });

  it('relists on 410 after a gap: missed deletions arrive as tombstones, adds and updates as such', async () => {
    const world = await fx.world();
    for (const n of ['a', 'b', 'c']) world.server.put('pods', pod(n));
    const { informer, log } = await startInformer(world);
    world.server.dropStreams();
    world.server.remove('pods', 'default', 'b');
    world.server.put('pods', {
      ...pod('c'),
      metadata: { name: 'c', namespace: 'default', labels: { v: '2' } },
    });
    world.server.put('pods', pod('d'));
    world.server.compact(); // the re-watch from the old version gets 410 → relist
    await waitLog(log, 6);
    assert.deepEqual(log.slice(3), ['add default/d', 'update default/c', 'tombstone default/b']);
    assert.equal(informer.stats.lists, 2);
    assert.equal(informer.stats.expired, 1);
    assert.deepEqual(
      informer
        .lister()
        .list()
        .map((p) => p.metadata.name),
      ['a', 'c', 'd'],
    );
    await world.client.create(resources.pods, pod('e'));
    await waitLog(log, 7, 'events after the relist');
    assert.equal(log[6], 'add default/e');
  });

  it('relists on a 410 answer to the watch request, and on an ERROR 410 event; nothing changed → no events', async () => {
    const world = await fx.world();
    world.server.put('pods', pod('a'));
    const { informer, log } = await startInformer(world);
    world.server.expireWatches();
    await waitFor(() => informer.stats.lists === 2 && world.server.activeStreams === 1, {
      what: 'relist + watch',
    });
    world.server.tooOldAs = 'response';
    world.server.dropStreams();
    world.server.put('pods', pod('z', 'other')); // moves the version on
    world.server.compact();
    await waitFor(() => informer.stats.lists === 3 && log.length === 2, {
      what: 'relist after a 410 answer',
    });
    assert.deepEqual(log, ['add default/a (initial)', 'add other/z']);
    assert.equal(informer.stats.expired, 2);
  });

  it('re-watches at once when the server ends the stream (END)', async () => {
    const world = await fx.world();
    const { informer, log } = await startInformer(world);
    await waitFor(() => world.server.activeStreams === 1);
    world.server.endStreams();
    await waitFor(() => world.server.watchRequests === 2 && world.server.activeStreams === 1);
    await world.client.create(resources.pods, pod('after-end'));
    await waitLog(log, 1);
    assert.equal(informer.stats.lists, 1);
  });

  it('keeps listing with backoff until the api answers', async () => {
    const world = await fx.world();
    world.server.put('pods', pod('a'));
    world.server.failNext(8); // two listAll calls of 4 attempts each fail
    const { informer, log } = await startInformer(world);
    assert.deepEqual(log, ['add default/a (initial)']);
    assert.equal(informer.stats.failures, 2);
  });
});

describe('informer - factory', () => {
  it('controllers asking for the same informer share one list and one watch', async () => {
    const world = await fx.world();
    world.server.put('pods', pod('a'));
    const factory = new SharedInformerFactory({ ...tuning, client: world.client, rng: testRng() });
    const fromScheduler: SharedInformer<Pod> = factory.informerFor<Pod>(resources.pods);
    const fromController: SharedInformer<Pod> = factory.informerFor<Pod>(resources.pods);
    assert.equal(fromScheduler, fromController);
    const nodes = factory.informerFor(resources.nodes, { namespace: 'ignored-for-cluster-scoped' });
    assert.equal(factory.informerFor(resources.nodes), nodes);
    const logS: string[] = [];
    const logC: string[] = [];
    fromScheduler.addEventHandler(recorder(logS));
    fromController.addEventHandler(recorder(logC));
    const ac = new AbortController();
    aborts.push(ac);
    factory.start(ac.signal);
    assert.equal(await factory.waitForCacheSync(ac.signal), true);
    await world.client.create(resources.pods, pod('b'));
    await waitLog(logC, 2);
    assert.deepEqual(logS, logC);
    assert.equal(factory.size, 2);
    await waitFor(() => world.server.activeStreams === 2, { what: 'one watch for pods, one for nodes' });
    assert.equal(world.server.watchRequests, 2, 'and no more');
    const lists = world.server.requests.filter((r) => r.verb === 'list');
    assert.equal(lists.length, 2);
    ac.abort();
    await factory.shutdown();
    await waitFor(() => world.server.activeStreams === 0, { what: 'streams cancelled on shutdown' });
  });
});
