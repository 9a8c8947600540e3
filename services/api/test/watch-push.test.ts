import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ApiWatchFrame,
  EncodedJson,
  decodeApiWatchFrame,
  jsonCodec,
  watchFrameCodec,
} from '@kubelab/bus';
import { seededRng } from '@kubelab/clock';
import { FakeClock } from '@kubelab/testkit';
import { ApiCore } from '../src/core/api-core.js';
import type { ApiRequest, ApiWatchEvent } from '../src/core/handler.js';
import { kubeAdmission } from '../src/core/kube-admission.js';
import { ObjectJsonCache } from '../src/core/object-json.js';
import { LocalLog } from '../src/store/command-log.js';
import { ReplicatedStore } from '../src/store/replicated-store.js';
import type { StoreEvent, StoredObject } from '../src/store/types.js';
import { WatchCache, type WatchEvent } from '../src/store/watch-cache.js';

const deepFreeze = <T>(o: T): T => {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
};

const obj = (name: string, rv: number): StoredObject =>
  deepFreeze({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', resourceVersion: String(rv), labels: { ü: 'ß "q"' } },
  });

describe('object JSON cache and watch frame codec', () => {
  it('encodes a frozen object once and hands out the same bytes; others are encoded each time', () => {
    const cache = new ObjectJsonCache(2);
    const a = obj('a', 1);
    const bytes = cache.encode(a);
    assert.equal(new TextDecoder().decode(bytes), JSON.stringify(a));
    assert.equal(cache.encode(a), bytes);
    const loose = { metadata: { name: 'x' } };
    assert.notEqual(cache.encode(loose), cache.encode(loose));
    assert.equal(cache.size, 1);
    cache.encode(obj('b', 2));
    cache.encode(obj('c', 3));
    assert.equal(cache.size, 2, 'bounded: the oldest entry is evicted');
    assert.notEqual(cache.encode(a), bytes, 'a was evicted, so it is encoded afresh');
  });

  it('a frame with pre-encoded object bytes is byte-identical to the plain JSON frame and decodes the same', () => {
    const a = obj('a', 1);
    const plain = jsonCodec<ApiWatchFrame>(decodeApiWatchFrame);
    const frame: ApiWatchFrame = { seq: 7, type: 'MODIFIED', object: a };
    const spliced = watchFrameCodec.encode({
      ...frame,
      object: new EncodedJson(new TextEncoder().encode(JSON.stringify(a))),
    });
    assert.deepEqual(Buffer.from(spliced), Buffer.from(plain.encode(frame)));
    assert.deepEqual(watchFrameCodec.decode(spliced), { seq: 7, type: 'MODIFIED', object: a });
    assert.deepEqual(watchFrameCodec.decode(watchFrameCodec.encode({ seq: 1, type: 'HEARTBEAT' })), {
      seq: 1,
      type: 'HEARTBEAT',
    });
    // Anywhere else EncodedJson serializes as the value it holds.
    assert.equal(
      JSON.stringify({ x: new EncodedJson(new TextEncoder().encode('[1,"2"]')) }),
      '{"x":[1,"2"]}',
    );
  });
});

describe('watch cache - push mode (listen)', () => {
  const ev = (type: StoreEvent['type'], o: StoredObject, prev?: StoredObject): StoreEvent => ({
    type,
    resource: 'core/pods',
    object: o,
    prev,
    revision: Number(o.metadata.resourceVersion),
  });

  it('hands over the replayed events, then each pushed event synchronously, then the end', () => {
    const c = new WatchCache(0);
    c.push([ev('ADDED', obj('a', 1)), ev('ADDED', obj('b', 2))]);
    const w = c.watch({ resource: 'core/pods', fromRevision: 1 });
    const got: string[] = [];
    const ends: (Error | null)[] = [];
    w.listen({
      event: (e: WatchEvent) => got.push(`${e.type}:${e.object.metadata.name}:${e.revision}`),
      end: (err) => ends.push(err),
    });
    assert.deepEqual(got, ['ADDED:b:2']);
    c.push([ev('MODIFIED', obj('a', 3), obj('a', 1))]);
    assert.deepEqual(got, ['ADDED:b:2', 'MODIFIED:a:3'], 'delivered inside push, no await needed');
    c.reset(10);
    assert.equal(ends.length, 1);
    assert.match(String(ends[0]), /too old resource version/);
    c.push([ev('ADDED', obj('z', 11))]);
    assert.equal(got.length, 2, 'nothing after the end');
    assert.equal(c.watcherCount(), 0);
  });
});

describe('api core - watch in push mode', () => {
  function setup() {
    const clock = new FakeClock();
    const log = new LocalLog();
    const store = new ReplicatedStore({ log, clock });
    log.attach(store.applyEntry);
    let uid = 0;
    const core = new ApiCore({
      store,
      admission: kubeAdmission(),
      clock,
      rng: seededRng(7),
      newUid: () => `uid-${++uid}`,
      bookmarkIntervalMs: 1000,
    });
    const user = { name: 'test', groups: ['system:masters'] };
    const call = (req: Partial<ApiRequest> & { verb: string; resource: string }) =>
      core.handle({ group: '', version: 'v1', ...req }, user);
    const watch = (query: Record<string, string>) =>
      core.watch(
        { verb: 'watch', group: '', version: 'v1', resource: 'pods', namespace: 'default', query },
        user,
      );
    return { core, call, clock, store, watch };
  }
  const pod = (name: string) => ({
    metadata: { name, labels: { app: 'web' } },
    spec: { containers: [{ name: 'c', image: 'nginx' }] },
  });
  const names = (evs: ApiWatchEvent[]) =>
    evs.map((e) => `${e.type}:${(e.object as StoredObject).metadata.name ?? ''}`);

  it('delivers the same events as iteration: current objects for rv=0, then changes as they apply', async () => {
    const { call, watch } = setup();
    await call({ verb: 'create', resource: 'namespaces', body: { metadata: { name: 'default' } } });
    await call({ verb: 'create', resource: 'pods', namespace: 'default', body: pod('a') });
    const pushed = await watch({ resourceVersion: '0' });
    const iterated = await watch({ resourceVersion: '0' });
    assert.ok(pushed.ok && pushed.listen && iterated.ok);
    const got: ApiWatchEvent[] = [];
    const ends: (Error | null)[] = [];
    pushed.listen({ event: (e) => got.push(e), end: (err) => ends.push(err) });
    assert.deepEqual(names(got), ['ADDED:a']);
    await call({ verb: 'create', resource: 'pods', namespace: 'default', body: pod('b') });
    await call({ verb: 'delete', resource: 'pods', namespace: 'default', name: 'a' });
    assert.deepEqual(names(got), ['ADDED:a', 'ADDED:b', 'DELETED:a']);
    const viaIteration: ApiWatchEvent[] = [];
    for await (const e of iterated.events) {
      viaIteration.push(e);
      if (viaIteration.length === 3) break;
    }
    assert.deepEqual(viaIteration, got);
    pushed.close();
    assert.deepEqual(ends, [null]);
  });

  it('sends bookmarks with the current revision when asked, and ends at timeoutSeconds', async () => {
    const { call, clock, store, watch } = setup();
    await call({ verb: 'create', resource: 'namespaces', body: { metadata: { name: 'default' } } });
    const w = await watch({ resourceVersion: '1', allowWatchBookmarks: 'true', timeoutSeconds: '2' });
    assert.ok(w.ok && w.listen);
    const got: ApiWatchEvent[] = [];
    const ends: (Error | null)[] = [];
    w.listen({ event: (e) => got.push(e), end: (err) => ends.push(err) });
    clock.advance(1000);
    assert.equal(got.length, 1);
    assert.equal(got[0]?.type, 'BOOKMARK');
    assert.equal(
      (got[0]?.object as { metadata: { resourceVersion: string } }).metadata.resourceVersion,
      String(store.store.revision),
    );
    clock.advance(1000);
    assert.deepEqual(ends, [null]);
    const n = got.length;
    clock.advance(5000);
    assert.equal(got.length, n, 'no bookmarks after the end');
  });
});
