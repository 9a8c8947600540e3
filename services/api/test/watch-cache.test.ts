import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoreEvent, StoredObject } from '../src/store/types.js';
import {
  WatchCache,
  type WatchEvent,
  WatchExpiredError,
  WatchOverflowError,
  transition,
} from '../src/store/watch-cache.js';

const obj = (
  name: string,
  rv: number,
  labels: Record<string, string> = {},
  namespace = 'default',
): StoredObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, resourceVersion: String(rv), labels },
});
const ev = (type: StoreEvent['type'], o: StoredObject, prev?: StoredObject): StoreEvent => ({
  type,
  resource: 'core/pods',
  object: o,
  prev,
  revision: Number(o.metadata.resourceVersion),
});

async function take(it: AsyncIterable<WatchEvent>, n: number): Promise<WatchEvent[]> {
  const out: WatchEvent[] = [];
  if (n === 0) return out;
  for await (const e of it) {
    out.push(e);
    if (out.length === n) break;
  }
  return out;
}

describe('watch cache', () => {
  it('replays kept events after fromRevision, then follows live ones, in order and once', async () => {
    const c = new WatchCache(0);
    c.push([ev('ADDED', obj('a', 1)), ev('ADDED', obj('b', 2)), ev('MODIFIED', obj('a', 3), obj('a', 1))]);
    const w = c.watch({ resource: 'core/pods', fromRevision: 1 });
    c.push([ev('DELETED', obj('b', 4), obj('b', 2))]);
    const got = await take(w, 3);
    assert.deepEqual(
      got.map((e) => [e.type, e.object.metadata.name, e.revision]),
      [
        ['ADDED', 'b', 2],
        ['MODIFIED', 'a', 3],
        ['DELETED', 'b', 4],
      ],
    );
    assert.equal(c.watcherCount(), 0, 'breaking out of the loop unregisters the watcher');
  });

  it('a watch from a revision older than the kept history fails with 410-style expiry', () => {
    const c = new WatchCache(0, 2);
    c.push([ev('ADDED', obj('a', 1)), ev('ADDED', obj('b', 2)), ev('ADDED', obj('c', 3))]);
    assert.equal(c.oldestRevision, 1);
    assert.throws(
      () => c.watch({ resource: 'core/pods', fromRevision: 0 }),
      (e: unknown) => e instanceof WatchExpiredError && /too old resource version: 0 \(1\)/.test(e.message),
    );
    assert.doesNotThrow(() => c.watch({ resource: 'core/pods', fromRevision: 1 }).close());
  });

  it('a process that started at revision N cannot serve watches from before N', () => {
    const c = new WatchCache(50);
    assert.throws(() => c.watch({ resource: 'core/pods', fromRevision: 49 }), WatchExpiredError);
    assert.doesNotThrow(() => c.watch({ resource: 'core/pods', fromRevision: 50 }).close());
  });

  it('filters by namespace and resource', async () => {
    const c = new WatchCache(0);
    const w = c.watch({ resource: 'core/pods', namespace: 'kube-system', fromRevision: 0 });
    c.push([
      ev('ADDED', obj('a', 1)),
      { ...ev('ADDED', obj('s', 2, {}, 'kube-system')), resource: 'core/services' },
      ev('ADDED', obj('k', 3, {}, 'kube-system')),
    ]);
    const [first] = await take(w, 1);
    assert.equal(first?.object.metadata.name, 'k');
  });

  it('selector transitions: starts matching → ADDED, stops matching → DELETED', () => {
    const opts = {
      resource: 'core/pods',
      fromRevision: 0,
      filter: (o: StoredObject) => o.metadata.labels?.app === 'web',
    };
    assert.equal(transition(ev('MODIFIED', obj('a', 2, { app: 'web' }), obj('a', 1)), opts)?.type, 'ADDED');
    assert.equal(transition(ev('MODIFIED', obj('a', 2), obj('a', 1, { app: 'web' })), opts)?.type, 'DELETED');
    assert.equal(
      transition(ev('MODIFIED', obj('a', 2, { app: 'web' }), obj('a', 1, { app: 'web' })), opts)?.type,
      'MODIFIED',
    );
    assert.equal(transition(ev('MODIFIED', obj('a', 2), obj('a', 1)), opts), undefined);
    assert.equal(transition(ev('DELETED', obj('a', 2), obj('a', 1, { app: 'web' })), opts)?.type, 'DELETED');
  });

  it('a consumer that falls too far behind is closed with an overflow error', async () => {
    const c = new WatchCache(0);
    const w = c.watch({ resource: 'core/pods', fromRevision: 0, queueMax: 2 });
    c.push([ev('ADDED', obj('a', 1)), ev('ADDED', obj('b', 2)), ev('ADDED', obj('c', 3))]);
    await assert.rejects(take(w, 3), WatchOverflowError);
    assert.equal(c.watcherCount(), 0);
  });

  it('reset (snapshot install) expires every live watch', async () => {
    const c = new WatchCache(0);
    const w = c.watch({ resource: 'core/pods', fromRevision: 0 });
    c.reset(100);
    await assert.rejects(take(w, 1), WatchExpiredError);
    assert.throws(() => c.watch({ resource: 'core/pods', fromRevision: 99 }), WatchExpiredError);
  });
});
