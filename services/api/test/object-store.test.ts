import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ObjectStore } from '../src/store/object-store.js';
import type { StoreCommand, StoredObject } from '../src/store/types.js';

const NOW = '2026-01-01T00:00:00Z';
let seq = 0;
const id = () => `cmd-${++seq}`;

function ns(name: string): StoredObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, uid: `uid-ns-${name}` } };
}
function pod(name: string, extra: Partial<StoredObject> = {}): StoredObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: { containers: [{ name: 'c', image: 'nginx' }] },
    ...extra,
  };
}
const create = (o: StoredObject, resource = 'core/pods', namespaced = true): StoreCommand => ({
  op: 'create',
  id: id(),
  now: NOW,
  resource,
  object: o,
  namespaced,
});
const update = (o: StoredObject, scope: 'main' | 'status' | 'all' = 'main'): StoreCommand => ({
  op: 'update',
  id: id(),
  now: NOW,
  resource: 'core/pods',
  object: o,
  scope,
});
const del = (name: string, over: Partial<Extract<StoreCommand, { op: 'delete' }>> = {}): StoreCommand => ({
  op: 'delete',
  id: id(),
  now: NOW,
  resource: 'core/pods',
  namespace: 'default',
  name,
  gracePeriodSeconds: 0,
  propagationPolicy: 'Background',
  ...over,
});

function seeded(): { store: ObjectStore; next: () => number } {
  const store = new ObjectStore();
  let index = 0;
  const next = () => ++index;
  store.apply(next(), create(ns('default'), 'core/namespaces', false));
  return { store, next };
}

describe('object store - create', () => {
  it('sets resourceVersion to the log index, creationTimestamp from the command and generation 1', () => {
    const { store, next } = seeded();
    const { result, events } = store.apply(next(), create(pod('a')));
    assert.ok(result.ok);
    assert.equal(result.object.metadata.resourceVersion, '2');
    assert.equal(result.object.metadata.creationTimestamp, NOW);
    assert.equal(result.object.metadata.generation, 1);
    assert.deepEqual(
      events.map((e) => [e.type, e.revision]),
      [['ADDED', 2]],
    );
    assert.ok(Object.isFrozen(result.object.metadata), 'stored objects are frozen');
  });

  it('refuses a duplicate name with AlreadyExists and changes nothing', () => {
    const { store, next } = seeded();
    store.apply(next(), create(pod('a')));
    const { result, events } = store.apply(next(), create(pod('a')));
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.reason, 'AlreadyExists');
    assert.equal(events.length, 0);
    assert.equal(store.get('core/pods', 'default', 'a')?.metadata.resourceVersion, '2');
  });

  it('requires the namespace to exist and not be terminating', () => {
    const { store, next } = seeded();
    const r = store.apply(next(), create({ ...pod('a'), metadata: { name: 'a', namespace: 'nope' } })).result;
    assert.equal(!r.ok && r.reason, 'NotFound');
    assert.match(!r.ok ? r.message : '', /namespaces "nope" not found/);
    store.apply(next(), create(ns('gone'), 'core/namespaces', false));
    store.apply(next(), {
      op: 'delete',
      id: id(),
      now: NOW,
      resource: 'core/namespaces',
      namespace: undefined,
      name: 'gone',
      gracePeriodSeconds: 0,
      propagationPolicy: 'Background',
    } satisfies StoreCommand);
    // Without finalizers the namespace is removed at once; with one it lingers as terminating:
    store.apply(
      next(),
      create(
        { ...ns('term'), metadata: { name: 'term', finalizers: ['kubernetes'] } },
        'core/namespaces',
        false,
      ),
    );
    store.apply(next(), {
      op: 'delete',
      id: id(),
      now: NOW,
      resource: 'core/namespaces',
      namespace: undefined,
      name: 'term',
      gracePeriodSeconds: 0,
      propagationPolicy: 'Background',
    } satisfies StoreCommand);
    const t = store.apply(next(), create({ ...pod('x'), metadata: { name: 'x', namespace: 'term' } })).result;
    assert.equal(!t.ok && t.reason, 'NamespaceTerminating');
  });
});

describe('object store - update', () => {
  it('409s on a stale resourceVersion and applies a matching one', () => {
    const { store, next } = seeded();
    const a = store.apply(next(), create(pod('a'))).result;
    assert.ok(a.ok);
    const stale = store.apply(
      next(),
      update({ ...pod('a', { spec: { x: 1 } }), metadata: { ...a.object.metadata, resourceVersion: '1' } }),
    ).result;
    assert.equal(!stale.ok && stale.reason, 'Conflict');
    const ok = store.apply(
      next(),
      update({ ...pod('a', { spec: { x: 2 } }), metadata: { ...a.object.metadata } }),
    ).result;
    assert.ok(ok.ok);
    assert.equal(ok.object.metadata.resourceVersion, '4');
  });

  it('bumps generation on spec changes only, and keeps uid and creationTimestamp', () => {
    const { store, next } = seeded();
    const a = store.apply(next(), create(pod('a'))).result;
    assert.ok(a.ok);
    const labels = store.apply(
      next(),
      update({
        ...a.object,
        metadata: {
          ...a.object.metadata,
          labels: { x: 'y' },
          uid: undefined as unknown as string,
          creationTimestamp: 'later',
        },
      }),
    ).result;
    assert.ok(labels.ok);
    assert.equal(labels.object.metadata.generation, 1, 'metadata-only change keeps generation');
    assert.equal(labels.object.metadata.uid, 'uid-a');
    assert.equal(labels.object.metadata.creationTimestamp, NOW);
    const spec = store.apply(
      next(),
      update({ ...labels.object, spec: { containers: [{ name: 'c', image: 'nginx:2' }] } }),
    ).result;
    assert.ok(spec.ok);
    assert.equal(spec.object.metadata.generation, 2);
  });

  it('the main resource cannot change status and /status changes only status', () => {
    const { store, next } = seeded();
    const a = store.apply(next(), create(pod('a', { status: { phase: 'Pending' } }))).result;
    assert.ok(a.ok);
    const main = store.apply(
      next(),
      update({ ...a.object, status: { phase: 'Running' }, spec: { v: 2 } }, 'main'),
    ).result;
    assert.ok(main.ok);
    assert.deepEqual(main.object.status, { phase: 'Pending' });
    const st = store.apply(
      next(),
      update({ ...main.object, status: { phase: 'Running' }, spec: { v: 3 } }, 'status'),
    ).result;
    assert.ok(st.ok);
    assert.deepEqual(st.object.status, { phase: 'Running' });
    assert.deepEqual(st.object.spec, { v: 2 });
    assert.equal(st.object.metadata.generation, 2, 'status writes never bump generation');
  });

  it('a no-op update keeps the resourceVersion and emits no event', () => {
    const { store, next } = seeded();
    const a = store.apply(next(), create(pod('a'))).result;
    assert.ok(a.ok);
    const { result, events } = store.apply(next(), update({ ...a.object }));
    assert.ok(result.ok);
    assert.equal(result.object.metadata.resourceVersion, a.object.metadata.resourceVersion);
    assert.equal(events.length, 0);
  });

  it('NotFound for a missing object', () => {
    const { store, next } = seeded();
    const r = store.apply(next(), update(pod('ghost'))).result;
    assert.equal(!r.ok && r.reason, 'NotFound');
  });
});

describe('object store - delete', () => {
  it('removes at once without grace or finalizers, with the index as the final resourceVersion', () => {
    const { store, next } = seeded();
    store.apply(next(), create(pod('a')));
    const { result, events } = store.apply(next(), del('a'));
    assert.ok(result.ok && result.deleted);
    assert.equal(store.get('core/pods', 'default', 'a'), undefined);
    assert.deepEqual(
      events.map((e) => [e.type, e.object.metadata.resourceVersion]),
      [['DELETED', '3']],
    );
  });

  it('graceful pod deletion sets deletionTimestamp; a later grace-0 delete removes it', () => {
    const { store, next } = seeded();
    store.apply(next(), create(pod('a')));
    const g = store.apply(next(), del('a', { gracePeriodSeconds: 30 })).result;
    assert.ok(g.ok && !g.deleted);
    assert.equal(g.object.metadata.deletionTimestamp, '2026-01-01T00:00:30Z');
    assert.equal(g.object.metadata.deletionGracePeriodSeconds, 30);
    const again = store.apply(next(), del('a', { gracePeriodSeconds: 30 }));
    assert.equal(again.events.length, 0, 'a repeated delete with the same grace changes nothing');
    const force = store.apply(next(), del('a', { gracePeriodSeconds: 0 })).result;
    assert.ok(force.ok && force.deleted);
  });

  it('finalizers hold the object until an update removes the last one', () => {
    const { store, next } = seeded();
    store.apply(
      next(),
      create({ ...pod('a'), metadata: { ...pod('a').metadata, finalizers: ['example.com/x'] } }),
    );
    const d = store.apply(next(), del('a')).result;
    assert.ok(d.ok && !d.deleted && d.object.metadata.deletionTimestamp);
    const cleared = store.apply(
      next(),
      update({ ...d.object, metadata: { ...d.object.metadata, finalizers: [] } }),
    ).result;
    assert.ok(cleared.ok && cleared.deleted);
    assert.equal(store.get('core/pods', 'default', 'a'), undefined);
  });

  it('an update can neither set nor clear deletionTimestamp', () => {
    const { store, next } = seeded();
    const a = store.apply(next(), create(pod('a'))).result;
    assert.ok(a.ok);
    const u = store.apply(
      next(),
      update({ ...a.object, metadata: { ...a.object.metadata, deletionTimestamp: NOW } }),
    ).result;
    assert.ok(u.ok);
    assert.equal(u.object.metadata.deletionTimestamp, undefined);
  });

  it('Foreground and Orphan add their finalizers', () => {
    const { store, next } = seeded();
    store.apply(next(), create(pod('f')));
    store.apply(next(), create(pod('o')));
    const f = store.apply(next(), del('f', { propagationPolicy: 'Foreground' })).result;
    const o = store.apply(next(), del('o', { propagationPolicy: 'Orphan' })).result;
    assert.deepEqual(f.ok && f.object.metadata.finalizers, ['foregroundDeletion']);
    assert.deepEqual(o.ok && o.object.metadata.finalizers, ['orphan']);
  });

  it('uid and resourceVersion preconditions 409 on mismatch', () => {
    const { store, next } = seeded();
    store.apply(next(), create(pod('a')));
    const r = store.apply(next(), del('a', { preconditions: { uid: 'other' } })).result;
    assert.equal(!r.ok && r.reason, 'Conflict');
    const v = store.apply(next(), del('a', { preconditions: { resourceVersion: '1' } })).result;
    assert.equal(!v.ok && v.reason, 'Conflict');
  });
});

describe('object store - fencing, dedup, snapshots', () => {
  it('refuses a write carrying a fencing token older than the newest seen for that lease', () => {
    const { store, next } = seeded();
    const fenced = (name: string, token: number) => ({
      ...create(pod(name)),
      fence: { lease: 'kube-scheduler', token },
    });
    assert.ok(store.apply(next(), fenced('a', 5)).result.ok);
    assert.ok(store.apply(next(), fenced('b', 7)).result.ok);
    const stale = store.apply(next(), fenced('c', 5)).result;
    assert.equal(!stale.ok && stale.reason, 'Forbidden');
    assert.equal(store.get('core/pods', 'default', 'c'), undefined);
    assert.ok(store.apply(next(), fenced('d', 7)).result.ok, 'the current token keeps writing');
  });

  it('applies a re-proposed command id once and returns the first result', () => {
    const { store, next } = seeded();
    const cmd = create(pod('a'));
    const first = store.apply(next(), cmd);
    const second = store.apply(next(), cmd);
    assert.deepEqual(second.result, first.result);
    assert.equal(second.events.length, 0);
    assert.equal(store.revision, 3, 'the revision still advances');
  });

  it('refuses to apply entries out of order', () => {
    const { store } = seeded();
    assert.throws(() => store.apply(1, create(pod('a'))), /in order/);
  });

  it('a restored snapshot equals the original, including fences and dedup memory', () => {
    const { store, next } = seeded();
    const cmd = { ...create(pod('a')), fence: { lease: 'l', token: 9 } };
    store.apply(next(), cmd);
    store.apply(next(), create(pod('b')));
    const copy = new ObjectStore();
    copy.restore(JSON.parse(JSON.stringify(store.snapshot())));
    assert.deepEqual(copy.list('core/pods'), store.list('core/pods'));
    assert.equal(copy.revision, store.revision);
    assert.equal(copy.apply(4, cmd).events.length, 0, 'dedup survives the snapshot');
    const stale = copy.apply(5, { ...create(pod('c')), fence: { lease: 'l', token: 8 } }).result;
    assert.equal(!stale.ok && stale.reason, 'Forbidden', 'fences survive the snapshot');
  });

  it('a snapshot writes a remembered result whose object is still stored as a reference; both kinds restore whole', () => {
    const { store, next } = seeded();
    const createA = create(pod('a'));
    const createB = create(pod('b'));
    const a1 = store.apply(next(), createA).result;
    const b1 = store.apply(next(), createB).result;
    assert.ok(a1.ok && b1.ok);
    // a changes again, so the create's result now holds a superseded version; b's is still the stored one.
    const updateA = {
      id: 'u-a',
      now: '2026-01-01T00:00:00Z',
      resource: 'core/pods',
      op: 'update' as const,
      object: { ...a1.object, metadata: { ...a1.object.metadata, labels: { v: '2' } } },
      scope: 'all' as const,
    };
    const a2 = store.apply(next(), updateA).result;
    const snap = store.snapshot();
    const byId = new Map(snap.recent);
    assert.ok(byId.get(createB.id) && 'objectAt' in (byId.get(createB.id) as object), 'b: a reference');
    assert.ok(byId.get(updateA.id) && 'objectAt' in (byId.get(updateA.id) as object), 'a v2: a reference');
    assert.ok(!('objectAt' in (byId.get(createA.id) as object)), 'a v1: embedded');
    const copy = new ObjectStore();
    copy.restore(JSON.parse(JSON.stringify(snap)));
    let index = store.revision;
    for (const [cmd, original] of [
      [createA, a1],
      [createB, b1],
      [updateA, a2],
    ] as const) {
      const again = copy.apply(++index, cmd);
      assert.equal(again.events.length, 0);
      assert.deepEqual(again.result, original, `${cmd.id}: the remembered result`);
    }
    const restoredB = copy.get('core/pods', 'default', 'b');
    const replay = copy.apply(++index, createB).result;
    assert.ok(replay.ok && replay.object === restoredB, 'a referenced result shares the stored object');
  });
});
