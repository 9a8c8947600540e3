import { AssertionError } from 'node:assert';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '@kubelab/testkit';
import {
  Backoff,
  DeletedFinalStateUnknown,
  Indexer,
  type KubeObject,
  deepFreeze,
  deletionHandlingKey,
  metaNamespaceKey,
  splitMetaNamespaceKey,
} from '../src/index.js';
import { testRng } from './helpers.js';

type Pod = KubeObject & { spec: { nodeName?: string } };
const pod = (name: string, rv: string, nodeName?: string, ns = 'default'): Pod => ({
  metadata: { name, namespace: ns, resourceVersion: rv },
  spec: nodeName ? { nodeName } : {},
});

describe('store - keys', () => {
  it('namespace/name keys, cluster-scoped names, tombstones, split', () => {
    assert.equal(metaNamespaceKey(pod('a', '1')), 'default/a');
    assert.equal(metaNamespaceKey({ metadata: { name: 'node-0' } }), 'node-0');
    assert.equal(deletionHandlingKey(new DeletedFinalStateUnknown('ns/x', pod('x', '1'))), 'ns/x');
    assert.deepEqual(splitMetaNamespaceKey('ns/x'), { namespace: 'ns', name: 'x' });
    assert.deepEqual(splitMetaNamespaceKey('node-0'), { namespace: undefined, name: 'node-0' });
    assert.throws(() => splitMetaNamespaceKey('a/b/c'), AssertionError);
    assert.throws(() => metaNamespaceKey({ metadata: {} }), AssertionError);
  });

  it('deepFreeze freezes nested objects and arrays', () => {
    const o = deepFreeze({ a: { b: [1, { c: 2 }] } });
    assert.ok(Object.isFrozen(o.a.b) && Object.isFrozen(o.a.b[1]));
  });
});

describe('store - indexer', () => {
  it('keeps indexes consistent through upserts, moves and deletes', () => {
    const s = new Indexer<Pod>();
    s.addIndexer('byNode', (p) => (p.spec.nodeName ? [p.spec.nodeName] : []));
    s.upsert(pod('a', '1', 'n1'));
    s.upsert(pod('b', '1', 'n1'));
    s.upsert(pod('c', '1', 'n2', 'other'));
    assert.deepEqual(s.indexKeys('byNode', 'n1'), ['default/a', 'default/b']);
    s.upsert(pod('a', '2', 'n2')); // moved
    assert.deepEqual(s.indexKeys('byNode', 'n1'), ['default/b']);
    assert.deepEqual(s.indexKeys('byNode', 'n2'), ['default/a', 'other/c']);
    s.deleteKey('default/b');
    assert.deepEqual(s.indexValues('byNode'), ['n2']);
    assert.deepEqual(
      s.listNamespace('other').map((p) => p.metadata.name),
      ['c'],
    );
    assert.throws(() => s.byIndex('nope', 'x'), AssertionError);
    assert.throws(() => s.addIndexer('byNode', () => []), AssertionError);
  });

  it('an index added later covers the objects already cached', () => {
    const s = new Indexer<Pod>();
    s.upsert(pod('a', '1', 'n1'));
    s.addIndexer('byNode', (p) => (p.spec.nodeName ? [p.spec.nodeName] : []));
    assert.deepEqual(s.indexKeys('byNode', 'n1'), ['default/a']);
  });

  it('replace reports adds, changed versions and vanished keys (as tombstones), keeping unchanged identities', () => {
    const s = new Indexer<Pod>();
    const keep = pod('keep', '1');
    s.upsert(keep);
    s.upsert(pod('change', '1'));
    s.upsert(pod('gone', '1'));
    const diff = s.replace([pod('keep', '1'), pod('change', '2'), pod('new', '3')]);
    assert.deepEqual(
      diff.added.map((p) => p.metadata.name),
      ['new'],
    );
    assert.deepEqual(
      diff.updated.map((u) => `${u.old.metadata.resourceVersion}->${u.obj.metadata.resourceVersion}`),
      ['1->2'],
    );
    assert.equal(diff.deleted.length, 1);
    assert.ok(diff.deleted[0] instanceof DeletedFinalStateUnknown);
    assert.equal(diff.deleted[0]?.key, 'default/gone');
    assert.equal(s.get('default', 'keep'), keep, 'unchanged objects keep their identity');
    assert.deepEqual(s.listKeys(), ['default/change', 'default/keep', 'default/new']);
    assert.ok(s.list().every((p) => Object.isFrozen(p)));
  });
});

describe('backoff', () => {
  it('grows by the factor up to the cap, jittered within [d, d × (1 + jitter)], and resets after quiet', () => {
    const clock = new FakeClock();
    const b = new Backoff(
      { initialMs: 10, maxMs: 80, factor: 2, jitter: 0.5, resetAfterMs: 1_000 },
      clock,
      testRng(),
    );
    const bases = [10, 20, 40, 80, 80];
    for (const base of bases) {
      const d = b.next();
      assert.ok(d >= base && d <= base * 1.5, `${d} within [${base}, ${base * 1.5}]`);
    }
    clock.advance(1_001);
    assert.ok(b.next() <= 15, 'reset to the initial delay');
    assert.throws(
      () => new Backoff({ initialMs: 0, maxMs: 1, factor: 2, jitter: 0, resetAfterMs: 1 }, clock, testRng()),
      AssertionError,
    );
  });
});
