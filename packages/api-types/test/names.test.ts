/**
 * generateName suffixes and pod-template-hash.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  SAFE_ALPHANUMS,
  canonicalJson,
  computePodTemplateHash,
  fnv32a,
  generateName,
  randomSuffix,
  safeEncodeString,
} from '../src/index.js';

/** A tiny seeded generator (an Rng-like object) so the test needs no other package. */
function seededRng(seed: number): { next(): number } {
  let state = seed >>> 0;
  return {
    next: () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 2 ** 32;
    },
  };
}

describe('names - generateName', () => {
  test('5 characters from the safe alphabet, deterministic for a seed', () => {
    const a = randomSuffix(seededRng(1));
    assert.equal(a.length, 5);
    assert.ok([...a].every((ch) => SAFE_ALPHANUMS.includes(ch)));
    assert.equal(randomSuffix(seededRng(1)), a);
    assert.equal(SAFE_ALPHANUMS, 'bcdfghjklmnpqrstvwxz2456789');
  });
  test('accepts a bare function and covers the alphabet edges', () => {
    assert.equal(
      randomSuffix(() => 0),
      'bbbbb',
    );
    assert.equal(
      randomSuffix(() => 0.999999),
      '99999',
    );
  });
  test('prefix kept, long prefixes cut to 58', () => {
    assert.ok(generateName('nginx-', () => 0.5).startsWith('nginx-'));
    const long = generateName('x'.repeat(80), () => 0);
    assert.equal(long.length, 63);
    assert.equal(long, `${'x'.repeat(58)}bbbbb`);
  });
});

describe('names - pod-template-hash', () => {
  test('FNV-1a 32 reference vectors', () => {
    assert.equal(fnv32a(''), 0x811c9dc5);
    assert.equal(fnv32a('a'), 0xe40c292c);
    assert.equal(fnv32a('foobar'), 0xbf9cf968);
  });
  test('SafeEncodeString maps characters modulo 27', () => {
    // '0' is 48 and 48 % 27 = 21 → '4'; '1' is 49 → '5'
    assert.equal(safeEncodeString('01'), '45');
  });
  test('stable across key order, sensitive to content and collision count', () => {
    const t1 = {
      metadata: { labels: { app: 'nginx' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx:1' }] },
    };
    const t2 = {
      spec: { containers: [{ image: 'nginx:1', name: 'nginx' }] },
      metadata: { labels: { app: 'nginx' } },
    };
    const h = computePodTemplateHash(t1);
    assert.equal(computePodTemplateHash(t2), h);
    assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    assert.notEqual(
      computePodTemplateHash({ ...t1, spec: { containers: [{ name: 'nginx', image: 'nginx:2' }] } }),
      h,
    );
    assert.notEqual(computePodTemplateHash(t1, 1), h);
    assert.equal(computePodTemplateHash(t1, 1), computePodTemplateHash(t2, 1));
  });
  test('canonical JSON', () => {
    assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: undefined }] }), '{"a":[{"d":2}],"b":1}');
  });
});
