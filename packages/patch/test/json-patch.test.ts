/** RFC 6902 JSON patch with Kubernetes' error mapping. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type JsonValue,
  MAX_JSON_PATCH_OPERATIONS,
  PatchError,
  applyJsonPatch,
  parsePointer,
} from '../src/index.js';
import { deepFreeze } from './fixtures.js';

const doc = deepFreeze({
  metadata: { name: 'x', labels: { 'app.kubernetes.io/name': 'x', 'a~b': '1' } },
  spec: { list: [1, 2, 3], obj: { a: 1 }, nil: null },
} as JsonValue);

const patch = (ops: unknown, base: JsonValue = doc): JsonValue => applyJsonPatch(base, deepFreeze(ops));

function rejects(ops: unknown, code: number, detail: string): void {
  assert.throws(
    () => patch(ops),
    (error: unknown) => {
      assert.ok(error instanceof PatchError, String(error));
      assert.equal(error.detail, detail);
      assert.equal(error.code, code);
      return true;
    },
  );
}

describe('applyJsonPatch - operations', () => {
  it('add sets a member, inserts into a list, appends with -', () => {
    const result = patch([
      { op: 'add', path: '/spec/new', value: { n: 1 } },
      { op: 'add', path: '/spec/list/1', value: 9 },
      { op: 'add', path: '/spec/list/-', value: 4 },
    ]) as { spec: Record<string, JsonValue> };
    assert.deepEqual(result.spec.new, { n: 1 });
    assert.deepEqual(result.spec.list, [1, 9, 2, 3, 4]);
  });

  it('add replaces an existing member', () => {
    assert.deepEqual(
      (patch([{ op: 'add', path: '/spec/obj', value: 2 }]) as { spec: { obj: number } }).spec.obj,
      2,
    );
  });

  it('remove deletes members and list items', () => {
    const result = patch([
      { op: 'remove', path: '/spec/obj' },
      { op: 'remove', path: '/spec/list/0' },
    ]) as { spec: Record<string, JsonValue> };
    assert.equal(Object.hasOwn(result.spec, 'obj'), false);
    assert.deepEqual(result.spec.list, [2, 3]);
  });

  it('replace changes existing values, including null ones', () => {
    const result = patch([
      { op: 'replace', path: '/spec/nil', value: 'set' },
      { op: 'replace', path: '/spec/list/2', value: 30 },
    ]) as { spec: Record<string, JsonValue> };
    assert.equal(result.spec.nil, 'set');
    assert.deepEqual(result.spec.list, [1, 2, 30]);
  });

  it('move and copy', () => {
    const result = patch([
      { op: 'copy', from: '/spec/obj', path: '/spec/copy' },
      { op: 'move', from: '/spec/list', path: '/moved' },
    ]) as Record<string, Record<string, JsonValue>>;
    assert.deepEqual(result.spec?.copy, { a: 1 });
    assert.deepEqual(result.moved, [1, 2, 3]);
    assert.equal(Object.hasOwn(result.spec ?? {}, 'list'), false);
  });

  it('test passes on equal values (member order ignored) and gates the rest', () => {
    const result = patch([
      { op: 'test', path: '/metadata/labels', value: { 'a~b': '1', 'app.kubernetes.io/name': 'x' } },
      { op: 'replace', path: '/metadata/name', value: 'y' },
    ]) as { metadata: { name: string } };
    assert.equal(result.metadata.name, 'y');
  });

  it('unescapes ~0 and ~1 in pointers', () => {
    assert.deepEqual(parsePointer('/a~1b/c~0d'), ['a/b', 'c~d']);
    const result = patch([{ op: 'remove', path: '/metadata/labels/a~0b' }]) as {
      metadata: { labels: object };
    };
    assert.deepEqual(Object.keys(result.metadata.labels), ['app.kubernetes.io/name']);
  });

  it('the root path replaces the whole document', () => {
    assert.deepEqual(patch([{ op: 'replace', path: '', value: { a: 1 } }]), { a: 1 });
    assert.deepEqual(patch([{ op: 'add', path: '', value: [1] }]), [1]);
  });

  it('never mutates the document or shares structure with the patch', () => {
    const value = { deep: { n: 1 } };
    const result = applyJsonPatch(doc, [{ op: 'add', path: '/v', value }]) as { v: { deep: { n: number } } };
    result.v.deep.n = 2;
    assert.equal(value.deep.n, 1);
  });
});

describe('applyJsonPatch - errors', () => {
  it('replace on a missing member is a 422 (rollout undo relies on it)', () => {
    rejects(
      [{ op: 'replace', path: '/metadata/annotations', value: {} }],
      422,
      'replace operation does not apply: doc is missing path: /metadata/annotations',
    );
  });

  it('a missing parent', () => {
    rejects(
      [{ op: 'add', path: '/nope/x', value: 1 }],
      422,
      'add operation does not apply: doc is missing path: "/nope/x"',
    );
    rejects(
      [{ op: 'remove', path: '/nope/x' }],
      422,
      'remove operation does not apply: doc is missing path: "/nope/x"',
    );
  });

  it('remove of a missing member or index', () => {
    rejects(
      [{ op: 'remove', path: '/spec/zz' }],
      422,
      "error in remove for path: '/spec/zz': Unable to remove nonexistent key: zz: missing value",
    );
    rejects(
      [{ op: 'remove', path: '/spec/list/3' }],
      422,
      "error in remove for path: '/spec/list/3': Unable to access invalid index: 3",
    );
  });

  it('list indices must be in range and canonical', () => {
    rejects(
      [{ op: 'add', path: '/spec/list/4', value: 1 }],
      422,
      "error in add for path: '/spec/list/4': Unable to access invalid index: 4",
    );
    rejects(
      [{ op: 'replace', path: '/spec/list/01', value: 1 }],
      422,
      'replace operation does not apply: doc is missing path: /spec/list/01',
    );
    rejects(
      [{ op: 'replace', path: '/spec/list/-1', value: 1 }],
      422,
      'replace operation does not apply: doc is missing path: /spec/list/-1',
    );
  });

  it('a failed test', () => {
    rejects(
      [{ op: 'test', path: '/metadata/name', value: 'other' }],
      422,
      'testing value /metadata/name failed: test failed',
    );
    rejects(
      [{ op: 'test', path: '/nope', value: 1 }],
      422,
      'test operation does not apply: is missing path: /nope',
    );
  });

  it('move and copy from missing paths, move into a descendant', () => {
    rejects(
      [{ op: 'move', from: '/nope', path: '/x' }],
      422,
      'move operation does not apply: doc is missing from path: /nope',
    );
    rejects(
      [{ op: 'copy', from: '/nope', path: '/x' }],
      422,
      'copy operation does not apply: doc is missing from path: /nope',
    );
    rejects(
      [{ op: 'move', from: '/spec', path: '/spec/obj/inner' }],
      422,
      'move operation does not apply: from path /spec is a prefix of path /spec/obj/inner',
    );
  });

  it('malformed operations', () => {
    rejects([{ op: 'frobnicate', path: '/x' }], 422, 'Unexpected kind: frobnicate');
    rejects([{ op: 'add', path: '/x' }], 422, 'add operation, missing value field');
    rejects([{ op: 'remove' }], 422, 'remove operation failed to decode path: missing path field');
    rejects(
      [{ op: 'add', path: 'no-slash', value: 1 }],
      422,
      'add operation does not apply: doc is missing path: "no-slash"',
    );
  });

  it('a body that is not a list of operations is a 400', () => {
    rejects({ op: 'add' }, 400, 'json patch must be a JSON array of operations');
    rejects([1], 400, 'json patch operation 0 is not a JSON object');
  });

  it('more than 10000 operations is a 413', () => {
    const ops = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({
      op: 'test',
      path: '',
      value: 1,
    }));
    assert.throws(
      () => applyJsonPatch({}, ops),
      (error: unknown) =>
        error instanceof PatchError &&
        error.code === 413 &&
        error.toStatus().message ===
          'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001',
    );
  });

  it('a failing operation leaves the input untouched (the patch is atomic)', () => {
    const before = JSON.stringify(doc);
    rejects(
      [
        { op: 'add', path: '/spec/added', value: 1 },
        { op: 'replace', path: '/missing', value: 1 },
      ],
      422,
      'replace operation does not apply: doc is missing path: /missing',
    );
    assert.equal(JSON.stringify(doc), before);
  });
});
