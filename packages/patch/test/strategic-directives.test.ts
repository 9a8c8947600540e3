/**
 * Strategic merge patch directives and error cases, on a small schema: `items` merge by `name`, `tags`
 * merge as a set, `plain` is replaced, `spec` is a union with retainKeys.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  EMPTY_SCHEMA,
  type JsonObject,
  PatchError,
  applyStrategicMergePatch,
  compileSchema,
  merge,
  retainKeys,
} from '../src/index.js';
import { body, deepFreeze } from './fixtures.js';

const schema = compileSchema({
  items: merge('name'),
  'items[].ports': merge('port'),
  tags: merge(),
  nested: merge('name'),
  spec: retainKeys,
});

const doc = deepFreeze({
  items: [
    { name: 'a', v: 1 },
    { name: 'b', v: 2 },
    { name: 'c', v: 3 },
  ],
  tags: ['x', 'y'],
  plain: [1, 2],
  spec: { type: 'A', a: { size: 1 } },
  keep: true,
} as JsonObject);

const smp = (patch: string, base: JsonObject = doc): JsonObject =>
  applyStrategicMergePatch(base, body(patch), schema);

function rejects(patch: string, code: number, detail: RegExp, base: JsonObject = doc): void {
  assert.throws(
    () => smp(patch, base),
    (error: unknown) => error instanceof PatchError && error.code === code && detail.test(error.detail),
  );
}

const names = (result: JsonObject): unknown => (result.items as JsonObject[]).map((item) => item.name);

describe('$patch in a map', () => {
  it('replace: the map becomes the patch value, minus the directive', () => {
    assert.deepEqual(smp('{"spec":{"$patch":"replace","type":"B"}}').spec, { type: 'B' });
  });

  it('delete: the map becomes empty', () => {
    assert.deepEqual(smp('{"spec":{"$patch":"delete"}}').spec, {});
  });

  it('merge: accepted as an explicit default merge', () => {
    assert.deepEqual(smp('{"spec":{"$patch":"merge","b":2}}').spec, { type: 'A', a: { size: 1 }, b: 2 });
  });

  it('an unknown value is a 400', () => {
    rejects('{"spec":{"$patch":"explode"}}', 400, /unknown patch type: "explode"/);
  });

  it('replace at the root replaces the whole object', () => {
    assert.deepEqual(smp('{"$patch":"replace","only":1}'), { only: 1 });
  });
});

describe('$patch in a list', () => {
  it('delete removes the item with that merge key', () => {
    assert.deepEqual(names(smp('{"items":[{"$patch":"delete","name":"b"}]}')), ['a', 'c']);
  });

  it('delete of an absent item is a no-op', () => {
    assert.deepEqual(names(smp('{"items":[{"$patch":"delete","name":"zz"}]}')), ['a', 'b', 'c']);
  });

  it('delete without the merge key is a 400', () => {
    rejects('{"items":[{"$patch":"delete"}]}', 400, /does not contain declared merge key: name/);
  });

  it('replace makes the other patch items the whole list', () => {
    assert.deepEqual(smp('{"items":[{"$patch":"replace"},{"name":"z","v":9}]}').items, [{ name: 'z', v: 9 }]);
  });

  it('merge as a list element is refused like apimachinery', () => {
    rejects('{"items":[{"$patch":"merge"}]}', 400, /merging lists cannot yet be specified/);
  });

  it('directive items vanish when the list does not exist yet', () => {
    const result = smp('{"nested":[{"name":"n1"},{"$patch":"delete","name":"n2"}]}');
    assert.deepEqual(result.nested, [{ name: 'n1' }]);
  });

  it('directive items are dropped from replaced lists', () => {
    assert.deepEqual(smp('{"plain":[{"$patch":"replace"},3]}').plain, [3]);
  });
});

describe('$setElementOrder', () => {
  it('orders the merged list as listed', () => {
    const result = smp(
      '{"$setElementOrder/items":[{"name":"c"},{"name":"a"},{"name":"b"}],"items":[{"name":"c","v":30}]}',
    );
    assert.deepEqual(result.items, [
      { name: 'c', v: 30 },
      { name: 'a', v: 1 },
      { name: 'b', v: 2 },
    ]);
  });

  it('server-only items keep their live position relative to listed items', () => {
    const result = smp(
      '{"$setElementOrder/items":[{"name":"a"},{"name":"c"}],"items":[{"name":"c","v":30}]}',
    );
    assert.deepEqual(names(result), ['a', 'b', 'c']);
  });

  it('without it, new items come before live ones (apimachinery mergeSortedSlice)', () => {
    assert.deepEqual(names(smp('{"items":[{"name":"d"}]}')), ['d', 'a', 'b', 'c']);
  });

  it('a patch item missing from the order list is a 400', () => {
    rejects(
      '{"$setElementOrder/items":[{"name":"a"}],"items":[{"name":"c","v":30}]}',
      400,
      /doesn't match \$setElementOrder/,
    );
  });

  it('orders primitive lists too', () => {
    assert.deepEqual(smp('{"$setElementOrder/tags":["z","y","x"],"tags":["z"]}').tags, ['z', 'y', 'x']);
  });

  it('creates no list when neither side has it', () => {
    assert.equal(Object.hasOwn(smp('{"$setElementOrder/nested":[{"name":"a"}]}'), 'nested'), false);
  });

  it('without a list name is a 400', () => {
    rejects('{"$setElementOrder":[]}', 400, /invalid patch format of setElementOrder list/);
  });

  it('applies inside items (nested lists)', () => {
    const base = deepFreeze({ items: [{ name: 'a', ports: [{ port: 1 }, { port: 2 }] }] } as JsonObject);
    const result = smp(
      '{"items":[{"name":"a","$setElementOrder/ports":[{"port":2},{"port":1}],"ports":[{"port":2,"x":1}]}]}',
      base,
    );
    assert.deepEqual(result.items, [{ name: 'a', ports: [{ port: 2, x: 1 }, { port: 1 }] }]);
  });
});

describe('$retainKeys', () => {
  it('drops live keys that are not listed and keeps listed ones', () => {
    assert.deepEqual(smp('{"spec":{"$retainKeys":["type","b"],"type":"B","b":{"n":1}}}').spec, {
      type: 'B',
      b: { n: 1 },
    });
  });

  it('a patch key outside the list is a 422', () => {
    rejects('{"spec":{"$retainKeys":["type"],"type":"B","b":{}}}', 422, /doesn't match retainKeys list/);
  });

  it('a non-list value is a 400', () => {
    rejects('{"spec":{"$retainKeys":"type"}}', 400, /invalid patch format of retainKeys/);
  });
});

describe('$deleteFromPrimitiveList', () => {
  it('removes the listed values', () => {
    assert.deepEqual(smp('{"$deleteFromPrimitiveList/tags":["x"]}').tags, ['y']);
  });

  it('is a no-op when the list does not exist', () => {
    assert.equal(Object.hasOwn(smp('{"$deleteFromPrimitiveList/missing":["x"]}'), 'missing'), false);
  });

  it('a malformed directive is a 400', () => {
    rejects('{"$deleteFromPrimitiveList/tags":"x"}', 400, /invalid patch format of primitive list/);
    rejects('{"$deleteFromPrimitiveList":["x"]}', 400, /invalid patch format of primitive list/);
  });
});

describe('other rules', () => {
  it('unknown $ keys are a 400; $ref and $schema are data', () => {
    rejects('{"$fancy":1}', 400, /unknown strategic merge patch directive "\$fancy"/);
    assert.deepEqual(smp('{"schema":{"$ref":"#/x"}}').schema, { $ref: '#/x' });
  });

  it('null deletes; a null for an absent key is ignored', () => {
    const result = smp('{"keep":null,"absent":null}');
    assert.equal(Object.hasOwn(result, 'keep'), false);
    assert.equal(Object.hasOwn(result, 'absent'), false);
  });

  it('nulls inside a new object are dropped, not stored', () => {
    assert.deepEqual(smp('{"fresh":{"a":1,"b":null}}').fresh, { a: 1 });
  });

  it('a value of another kind replaces the live value', () => {
    assert.deepEqual(smp('{"keep":{"now":"an object"}}').keep, { now: 'an object' });
  });

  it('merge lists of lists are a 422, mixed kinds a 400', () => {
    rejects('{"tags":[["x"]]}', 422, /lists of lists are not supported/);
    rejects('{"tags":[1]}', 400, /list element types are not identical/);
  });

  it('merge list items without the merge key are a 400', () => {
    rejects('{"items":[{"v":1}]}', 400, /does not contain declared merge key: name/);
  });

  it('the document and the patch must be objects', () => {
    assert.throws(() => applyStrategicMergePatch(doc, [] as unknown as JsonObject, schema), PatchError);
    assert.throws(() => applyStrategicMergePatch(null as unknown as JsonObject, {}, schema), PatchError);
  });

  it('__proto__ is an ordinary key', () => {
    const result = applyStrategicMergePatch({}, JSON.parse('{"__proto__":{"polluted":true}}'), EMPTY_SCHEMA);
    assert.equal(Object.getPrototypeOf(result), Object.prototype);
    assert.deepEqual(Object.keys(result), ['__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
