import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fnv1, hashRevisionData, newRevision, revisionsToTruncate } from '../../src/statefulset/revisions.js';
import { webSet } from './harness.js';

test('revisions - FNV-1 matches Go hash/fnv New32', () => {
  const enc = new TextEncoder();
  assert.equal(fnv1(enc.encode('')), 0x811c9dc5);
  assert.equal(fnv1(enc.encode('a')), 0x050c5d7e);
  assert.equal(fnv1(enc.encode('foobar')), 0x31f0b262);
});

test('revisions - data is the sorted replace patch; the name hashes data and collision count', () => {
  const set = webSet();
  set.metadata.uid = 'u1';
  set.metadata.annotations = { 'kubernetes.io/change-cause': 'kubectl set image' };
  const r = newRevision(set, 3, 0);
  const text = JSON.stringify(r.data);
  assert.ok(text.startsWith('{"spec":{"template":{"$patch":"replace","metadata":{"creationTimestamp":null,'));
  assert.equal(r.revision, 3);
  assert.equal(r.metadata.annotations?.['kubernetes.io/change-cause'], 'kubectl set image');
  assert.equal(r.metadata.name, `web-${hashRevisionData(r.data, 0)}`);
  assert.notEqual(
    newRevision(set, 3, 1).metadata.name,
    r.metadata.name,
    'a collision count changes the name',
  );
  const other = webSet({}, 'nginx:2');
  assert.notEqual(newRevision(other, 3, 0).metadata.name, r.metadata.name);
  assert.equal(newRevision(webSet(), 9, 0).metadata.name, r.metadata.name, 'the number is not hashed');
});

test('revisions - truncation keeps live revisions and the newest `limit` others', () => {
  const set = webSet();
  const revs = [1, 2, 3, 4, 5].map((n) => {
    const r = newRevision(webSet({}, `nginx:${n}`), n, 0);
    return r;
  });
  const names = revs.map((r) => r.metadata.name ?? '');
  const live = new Set([names[4] ?? '', names[0] ?? '']);
  const gone = revisionsToTruncate(revs, live, 2).map((r) => r.revision);
  assert.deepEqual(gone, [2]);
  assert.deepEqual(
    revisionsToTruncate(revs, live, 0).map((r) => r.revision),
    [2, 3, 4],
  );
  assert.equal(set.spec.replicas, 2);
});
