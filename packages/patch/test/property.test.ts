/**
 * Property tests (fast-check, fixed seeds so failures replay): merge patch against an independent model of
 * RFC 7386, strategic merge with no schema equals merge patch, keyed list merging against a set model, and
 * no engine ever mutates or shares structure with its inputs.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  EMPTY_SCHEMA,
  type JsonObject,
  type JsonValue,
  PatchError,
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  compileSchema,
  merge,
  schemaFor,
} from '../src/index.js';
import { deepFreeze } from './fixtures.js';

const runs = { numRuns: 300, seed: 20240501 };

// A small key space makes patches hit existing members; __proto__ checks that keys are plain data.
const key = fc.constantFrom('a', 'b', 'c', 'spec', 'name', '__proto__');
const scalar = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom('x', 'y', ''),
);

const { json } = fc.letrec<{ json: JsonValue }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('json'), { maxLength: 3 }),
    fc.dictionary(key, tie('json'), { maxKeys: 4 }).map(toObject),
  ),
}));
const object = fc.dictionary(key, json, { maxKeys: 5 }).map(toObject);

/** fast-check dictionaries may come with a null prototype; patch inputs are plain JSON.parse-like objects. */
function toObject(dict: Record<string, JsonValue>): JsonObject {
  return Object.fromEntries(Object.entries(dict)) as JsonObject;
}

/** RFC 7386 §2 pseudo-code, written functionally and independently of the implementation. */
function modelMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const base: JsonObject =
    typeof target === 'object' && target !== null && !Array.isArray(target) ? target : ({} as JsonObject);
  const entries = new Map(Object.entries(base));
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) entries.delete(name);
    else entries.set(name, modelMergePatch(entries.get(name), value));
  }
  return Object.fromEntries(entries) as JsonObject;
}

/** Asserts that no object or array inside `result` is frozen, i.e. none is shared with a frozen input. */
function assertNothingShared(result: JsonValue): void {
  if (typeof result !== 'object' || result === null) return;
  assert.equal(Object.isFrozen(result), false, 'the result shares structure with an input');
  for (const value of Object.values(result)) assertNothingShared(value as JsonValue);
}

describe('property: merge patch', () => {
  it('matches the RFC 7386 model', () => {
    fc.assert(
      fc.property(json, json, (doc, patch) => {
        assert.deepEqual(
          applyMergePatch(doc, patch),
          modelMergePatch(structuredClone(doc), structuredClone(patch)),
        );
      }),
      runs,
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(json, json, (doc, patch) => {
        const once = applyMergePatch(doc, patch);
        assert.deepEqual(applyMergePatch(once, patch), once);
      }),
      runs,
    );
  });
});

describe('property: strategic merge patch', () => {
  it('with an empty schema equals JSON merge patch', () => {
    fc.assert(
      fc.property(object, object, (doc, patch) => {
        assert.deepEqual(applyStrategicMergePatch(doc, patch, EMPTY_SCHEMA), applyMergePatch(doc, patch));
      }),
      runs,
    );
  });

  const item = fc.record({
    name: fc.constantFrom('n1', 'n2', 'n3', 'n4'),
    v: fc.integer({ min: 0, max: 9 }),
  });
  const deletion = fc.constantFrom('n1', 'n2', 'n3', 'n4').map((name) => ({ $patch: 'delete', name }));
  const listSchema = compileSchema({ items: merge('name') });

  it('merges keyed lists like a keyed-set model', () => {
    const live = fc.uniqueArray(item, { selector: (i) => i.name, maxLength: 4 });
    const patchItems = fc.array(fc.oneof(item, deletion), { maxLength: 4 });
    fc.assert(
      fc.property(live, patchItems, (items, patch) => {
        const result = applyStrategicMergePatch({ items }, { items: patch }, listSchema)
          .items as JsonObject[];
        // Deletions apply before merges (apimachinery handles `$patch` items first).
        const expected = new Map(items.map((i) => [i.name, i.v]));
        for (const p of patch) if (!('v' in p)) expected.delete(p.name);
        for (const p of patch) if ('v' in p) expected.set(p.name, p.v);
        assert.deepEqual(new Map(result.map((i) => [i.name, i.v])), expected);
        assert.equal(result.length, expected.size, 'no duplicate keys');
      }),
      runs,
    );
  });

  it('never mutates inputs nor shares structure with them', () => {
    const schema = schemaFor('apps', 'Deployment');
    fc.assert(
      fc.property(object, object, (doc, patch) => {
        deepFreeze(doc);
        deepFreeze(patch);
        for (const s of [schema, EMPTY_SCHEMA]) {
          try {
            assertNothingShared(applyStrategicMergePatch(doc, patch, s));
          } catch (error) {
            if (!(error instanceof PatchError)) throw error;
          }
        }
      }),
      runs,
    );
  });
});

describe('property: JSON patch and merge patch never mutate inputs', () => {
  const pointer = fc
    .array(fc.oneof(key, fc.constantFrom('0', '1', '-')), { maxLength: 3 })
    .map((tokens) => tokens.map((t) => `/${t}`).join(''));
  const operation = fc.oneof(
    fc.record({ op: fc.constantFrom('add', 'replace', 'test'), path: pointer, value: json }),
    fc.record({ op: fc.constant('remove'), path: pointer }),
    fc.record({ op: fc.constantFrom('move', 'copy'), from: pointer, path: pointer }),
  );

  it('JSON patch', () => {
    fc.assert(
      fc.property(json, fc.array(operation, { maxLength: 5 }), (doc, ops) => {
        deepFreeze(doc);
        deepFreeze(ops);
        try {
          assertNothingShared(applyJsonPatch(doc, ops));
        } catch (error) {
          if (!(error instanceof PatchError)) throw error;
        }
      }),
      runs,
    );
  });

  it('merge patch', () => {
    fc.assert(
      fc.property(json, json, (doc, patch) => {
        deepFreeze(doc);
        deepFreeze(patch);
        assertNothingShared(applyMergePatch(doc, patch));
      }),
      runs,
    );
  });
});
