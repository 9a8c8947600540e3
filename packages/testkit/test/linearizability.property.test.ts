import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { KvInput, KvOperation, KvOutput } from '../src/linearizability-kv.js';
import { kvModel } from '../src/linearizability-kv.js';
import { checkOperations } from '../src/linearizability.js';

/**
 * The "dumb" oracle (etcd raft's quorum/quick_test.go idea): try every order of the operations that respects
 * real time (a before b when a returned strictly before b was called), with each operation of unknown
 * result either left out or placed anywhere, and run the KV semantics directly (not through kvModel).
 */
function bruteForceLinearizable(history: readonly KvOperation[]): boolean {
  const n = history.length;
  const before = (a: KvOperation, b: KvOperation): boolean => a.return !== undefined && a.return < b.call;
  const used = new Array<boolean>(n).fill(false);
  const search = (
    store: ReadonlyMap<string, string>,
    placed: number,
    skipped: ReadonlySet<number>,
  ): boolean => {
    if (placed + skipped.size === n) return true;
    for (let i = 0; i < n; i++) {
      if (used[i] || skipped.has(i)) continue;
      const o = history[i]!;
      // Every unplaced operation that must precede o blocks it (a skipped one never happened).
      if (history.some((p, j) => j !== i && !used[j] && !skipped.has(j) && before(p, o))) continue;
      const next = apply(store, o.input, o.output);
      if (next === undefined) continue;
      used[i] = true;
      const found = search(next, placed + 1, skipped);
      used[i] = false;
      if (found) return true;
    }
    // Or drop one unknown-result operation entirely (try each; order of drops does not matter).
    for (let i = 0; i < n; i++) {
      if (used[i] || skipped.has(i) || history[i]!.return !== undefined) continue;
      if ([...skipped].some((j) => j > i)) continue;
      if (search(store, placed, new Set([...skipped, i]))) return true;
    }
    return false;
  };
  return search(new Map(), 0, new Set());
}

/** The store after `input`, or undefined if `output` is impossible; an undefined output accepts anything. */
function apply(
  store: ReadonlyMap<string, string>,
  input: KvInput,
  output: KvOutput | undefined,
): Map<string, string> | undefined {
  const next = new Map(store);
  const current = store.get(input.key);
  if (input.kind === 'put') {
    if (output !== undefined && output.kind !== 'put') return undefined;
    next.set(input.key, input.value);
    return next;
  }
  if (input.kind === 'get') {
    if (output === undefined) return next;
    return output.kind === 'get' && output.value === current ? next : undefined;
  }
  const ok = current === input.expected;
  if (output !== undefined && (output.kind !== 'cas' || output.ok !== ok)) return undefined;
  if (ok) next.set(input.key, input.value);
  return next;
}

const value = fc.constantFrom('1', '2');
const key = fc.constantFrom('x', 'y');
const input: fc.Arbitrary<KvInput> = fc.oneof(
  fc.record({ kind: fc.constant('put' as const), key, value }),
  fc.record({ kind: fc.constant('get' as const), key }),
  fc.record({
    kind: fc.constant('cas' as const),
    key,
    expected: fc.option(value, { nil: undefined }),
    value,
  }),
);
const outputFor = (i: KvInput): fc.Arbitrary<KvOutput> =>
  i.kind === 'put'
    ? fc.constant({ kind: 'put' as const })
    : i.kind === 'get'
      ? fc.record({ kind: fc.constant('get' as const), value: fc.option(value, { nil: undefined }) })
      : fc.record({ kind: fc.constant('cas' as const), ok: fc.boolean() });
const operation: fc.Arbitrary<KvOperation> = fc
  .tuple(
    input,
    fc.integer({ min: 0, max: 12 }),
    fc.integer({ min: 0, max: 6 }),
    fc.integer({ min: 0, max: 9 }),
  )
  .chain(([i, call, length, clientId]) =>
    fc
      .tuple(outputFor(i), fc.integer({ min: 0, max: 7 }))
      .map(
        ([o, lose]): KvOperation =>
          lose === 0
            ? { clientId, input: i, call }
            : { clientId, input: i, call, output: o, return: call + length },
      ),
  );

describe('checkOperations agrees with a brute-force oracle', () => {
  it('on random KV histories of up to 7 operations', () => {
    let linearizable = 0;
    let total = 0;
    fc.assert(
      fc.property(fc.array(operation, { minLength: 0, maxLength: 7, size: 'max' }), (history) => {
        const expected = bruteForceLinearizable(history);
        const actual = checkOperations(kvModel, history).ok;
        total++;
        if (expected) linearizable++;
        assert.equal(actual, expected);
      }),
      { numRuns: 5000, seed: 20260101 },
    );
    // Both outcomes must be well represented, or the property proves little.
    assert.ok(
      linearizable > total * 0.2 && linearizable < total * 0.8,
      `${linearizable}/${total} linearizable`,
    );
  });
});
