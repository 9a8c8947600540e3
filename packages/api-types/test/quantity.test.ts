/**
 * Resource quantities: parsing to exact values, rounding up, canonical formatting, errors.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  QuantityParseError,
  addQuantities,
  canonicalQuantity,
  compareQuantities,
  formatBytes,
  formatMilli,
  integerValueOf,
  milliValueOf,
  parseQuantity,
  quantityMilliValue,
  quantityValue,
} from '../src/index.js';

describe('quantity - parse', () => {
  const cases: [string, number, number][] = [
    // input, milli value, value (rounded up)
    ['100m', 100, 1],
    ['0.5', 500, 1],
    ['1', 1000, 1],
    ['1.5', 1500, 2],
    ['2e3', 2_000_000, 2000],
    ['1k', 1_000_000, 1000],
    ['128Mi', 128 * 1024 * 1024 * 1000, 134217728],
    ['1G', 1e12, 1e9],
    ['1Gi', 1073741824000, 1073741824],
    ['0.5Gi', 536870912000, 536870912],
    ['250u', 1, 1],
    ['1n', 1, 1],
    ['-100m', -100, -1],
    ['+2', 2000, 2],
    ['.5', 500, 1],
    ['5.', 5000, 5],
    ['1E', 1e21, 1e18],
    ['3E2', 300_000, 300],
    ['110', 110_000, 110],
  ];
  for (const [input, milli, value] of cases) {
    test(input, () => {
      const q = parseQuantity(input);
      assert.equal(quantityMilliValue(q), milli);
      assert.equal(quantityValue(q), value);
    });
  }
  test('errors use Kubernetes messages', () => {
    for (const bad of ['', 'abc', '1.2.3', 'Mi', '1 Mi', '--1']) {
      assert.throws(() => parseQuantity(bad), QuantityParseError, bad);
    }
    assert.throws(() => parseQuantity('abc'), {
      message: "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    });
    assert.throws(() => parseQuantity('1Ki2'), { message: "unable to parse quantity's suffix" });
    assert.throws(() => parseQuantity('1K'), { message: "unable to parse quantity's suffix" });
  });
  test('convenience accessors', () => {
    assert.equal(milliValueOf('250m'), 250);
    assert.equal(milliValueOf(undefined), 0);
    assert.equal(integerValueOf('64Mi'), 67108864);
    assert.equal(integerValueOf('110'), 110);
  });
});

describe('quantity - canonical form', () => {
  const cases: [string, string][] = [
    ['0.5', '500m'],
    ['1000m', '1'],
    ['1500m', '1500m'],
    ['1000', '1k'],
    ['1.5k', '1500'],
    ['100m', '100m'],
    ['0', '0'],
    ['1.5Gi', '1536Mi'],
    ['1024Mi', '1Gi'],
    ['128Mi', '128Mi'],
    ['1025Ki', '1025Ki'],
    ['512', '512'],
    ['0.5Ki', '512'],
    ['2e3', '2e3'],
    ['1G', '1G'],
    ['1000M', '1G'],
    ['1e3', '1e3'],
    ['-1.5', '-1500m'],
  ];
  for (const [input, want] of cases)
    test(`${input} → ${want}`, () => assert.equal(canonicalQuantity(input), want));
  test('formatMilli and formatBytes', () => {
    assert.equal(formatMilli(1500), '1500m');
    assert.equal(formatMilli(2000), '2');
    assert.equal(formatBytes(134217728), '128Mi');
    assert.equal(formatBytes(1000), '1k');
    assert.equal(formatBytes(0), '0');
  });
  test('arithmetic and ordering', () => {
    const sum = addQuantities(parseQuantity('500m'), parseQuantity('1.5'));
    assert.equal(quantityMilliValue(sum), 2000);
    assert.equal(compareQuantities(parseQuantity('1Gi'), parseQuantity('1G')), 1);
    assert.equal(compareQuantities(parseQuantity('1000m'), parseQuantity('1')), 0);
  });
  test('property: canonical strings re-parse to the same value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.constantFrom('', 'm', 'k', 'Mi', 'Gi', 'Ki', 'M', 'G'),
        (n, suffix) => {
          const q = parseQuantity(`${n}${suffix}`);
          const again = parseQuantity(canonicalQuantity(`${n}${suffix}`));
          assert.equal(again.nanos, q.nanos);
        },
      ),
      { numRuns: 300, seed: 11 },
    );
  });
});
