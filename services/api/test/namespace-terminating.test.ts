import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ObjectStore } from '../src/store/object-store.js';
import type { StoreCommand, StoredObject } from '../src/store/types.js';

const NOW = '2026-01-01T00:00:00Z';
let seq = 0;
const id = () => `ns-cmd-${++seq}`;

function namespace(name: string, finalizers: string[]): StoredObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, uid: `uid-ns-${name}` },
    spec: { finalizers },
    status: { phase: 'Active' },
  };
}

const del = (name: string): StoreCommand => ({
  op: 'delete',
  id: id(),
  now: NOW,
  resource: 'core/namespaces',
  namespace: undefined,
  name,
  gracePeriodSeconds: 0,
  propagationPolicy: 'Background',
});

describe('object store - namespace termination', () => {
  it('a namespace with spec.finalizers turns Terminating on delete and goes once they are cleared', () => {
    const store = new ObjectStore();
    let index = 0;
    store.apply(++index, {
      op: 'create',
      id: id(),
      now: NOW,
      resource: 'core/namespaces',
      object: namespace('doomed', ['kubernetes']),
      namespaced: false,
    });
    const deleted = store.apply(++index, del('doomed')).result;
    assert.ok(deleted.ok && !deleted.deleted);
    const held = store.get('core/namespaces', undefined, 'doomed');
    assert.ok(held?.metadata.deletionTimestamp);
    assert.equal((held?.status as { phase?: string }).phase, 'Terminating');
    // A status-only or unrelated update keeps it while spec.finalizers is not empty.
    const touched = store.apply(++index, {
      op: 'update',
      id: id(),
      now: NOW,
      resource: 'core/namespaces',
      object: {
        ...structuredClone(held as StoredObject),
        metadata: { ...structuredClone(held?.metadata), labels: { a: 'b' } },
      },
      scope: 'main',
    }).result;
    assert.ok(touched.ok && !touched.deleted);
    // namespaces/finalize clears spec.finalizers: the namespace is removed.
    const now = store.get('core/namespaces', undefined, 'doomed') as StoredObject;
    const finalized = store.apply(++index, {
      op: 'update',
      id: id(),
      now: NOW,
      resource: 'core/namespaces',
      object: { ...structuredClone(now), spec: { finalizers: [] } },
      scope: 'main',
    }).result;
    assert.ok(finalized.ok && finalized.deleted);
    assert.equal(store.get('core/namespaces', undefined, 'doomed'), undefined);
  });

  it('a namespace without spec.finalizers is removed at once', () => {
    const store = new ObjectStore();
    store.apply(1, {
      op: 'create',
      id: id(),
      now: NOW,
      resource: 'core/namespaces',
      object: namespace('free', []),
      namespaced: false,
    });
    const r = store.apply(2, del('free')).result;
    assert.ok(r.ok && r.deleted);
  });
});
