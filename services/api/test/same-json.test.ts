import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { sameJson } from '../src/store/object-store.js';

const SEED = 20261125;

/** The oracle: what the store compared before (serializing both sides). */
const oracle = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** A copy of `v` with one nested value changed or with keys reordered, chosen by `pick`. */
function mutate(v: unknown, pick: number): unknown {
  if (Array.isArray(v)) {
    if (v.length === 0) return pick % 2 ? [null] : v;
    const i = pick % v.length;
    return v.map((x, j) => (j === i ? mutate(x, pick >> 1) : x));
  }
  if (v && typeof v === 'object') {
    const entries = Object.entries(v);
    if (entries.length === 0) return pick % 2 ? { x: undefined } : { x: 1 };
    if (pick % 3 === 0) return Object.fromEntries([...entries].reverse()); // same content, other key order
    const i = pick % entries.length;
    return Object.fromEntries(entries.map(([k, x], j) => [k, j === i ? mutate(x, pick >> 1) : x]));
  }
  return pick % 2 ? String(v) : v === 1 ? 2 : 1;
}

describe('sameJson - agrees with comparing JSON.stringify output', () => {
  it(`on random JSON values and their mutated copies (seed ${SEED})`, () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), (v, pick) => {
        const copy = JSON.parse(JSON.stringify(v ?? null)) as unknown;
        assert.equal(sameJson(v, copy), oracle(v, copy));
        const other = mutate(v, pick);
        assert.equal(sameJson(v, other), oracle(v, other), JSON.stringify({ v, other }));
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('skips undefined-valued properties and is key-order sensitive, as JSON text is', () => {
    assert.equal(sameJson({ a: 1, b: undefined }, { a: 1 }), true);
    assert.equal(sameJson({ a: 1, b: 2 }, { b: 2, a: 1 }), false);
    assert.equal(sameJson([undefined], [null]), true);
    assert.equal(sameJson({ a: [1, { b: 'x' }] }, { a: [1, { b: 'y' }] }), false);
    assert.equal(sameJson({}, []), false);
  });
});
