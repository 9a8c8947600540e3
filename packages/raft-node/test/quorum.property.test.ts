/**
 * The quorum maths against naive oracles (etcd raft quorum/quick_test.go), with fast-check. Raft §5.3: an
 * entry is committed once stored on a majority; thesis §4.3: in a joint configuration, on a majority of
 * both halves.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  type AckedIndexer,
  VoteResult,
  jointCommittedIndex,
  jointVoteResult,
  majorityCommittedIndex,
  majorityVoteResult,
} from '../src/internal.js';

const SEED = Number(process.env.RAFT_TEST_SEED ?? 20240601);
const RUNS = 20_000;

/** Naive: the largest index that more than half the voters have reached (0 if none). */
function naiveCommitted(voters: ReadonlySet<number>, acked: ReadonlyMap<number, number>): number {
  if (voters.size === 0) return Number.POSITIVE_INFINITY;
  const candidates = [0, ...[...voters].map((id) => acked.get(id) ?? 0)];
  let best = 0;
  for (const c of candidates) {
    let n = 0;
    for (const id of voters) if ((acked.get(id) ?? 0) >= c) n++;
    if (n > voters.size / 2 && c > best) best = c;
  }
  return best;
}

function naiveVote(voters: ReadonlySet<number>, votes: ReadonlyMap<number, boolean>): VoteResult {
  if (voters.size === 0) return VoteResult.Won;
  let yes = 0;
  let no = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === true) yes++;
    else if (v === false) no++;
  }
  if (yes > voters.size / 2) return VoteResult.Won;
  // Lost once the voters that did not reject can no longer form a majority.
  if (voters.size - no <= voters.size / 2) return VoteResult.Lost;
  return VoteResult.Pending;
}

const indexer = (m: ReadonlyMap<number, number>): AckedIndexer => ({ ackedIndex: (id) => m.get(id) });

const idSet = fc.uniqueArray(fc.integer({ min: 1, max: 12 }), { maxLength: 9 }).map((a) => new Set(a));
const acks = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 50 })), { maxLength: 12 })
  .map((a) => new Map(a));
const votes = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 12 }), fc.boolean()), { maxLength: 12 })
  .map((a) => new Map(a));

test('quorum - majority committed index equals the naive oracle', () => {
  fc.assert(
    fc.property(idSet, acks, (voters, acked) => {
      assert.equal(majorityCommittedIndex(voters, indexer(acked)), naiveCommitted(voters, acked));
    }),
    { seed: SEED, numRuns: RUNS },
  );
});

test('quorum - joint committed index is the min of both halves', () => {
  fc.assert(
    fc.property(idSet, idSet, acks, (a, b, acked) => {
      const want = Math.min(naiveCommitted(a, acked), naiveCommitted(b, acked));
      assert.equal(jointCommittedIndex([a, b], indexer(acked)), want);
      // A joint config with an empty outgoing half behaves like a majority config.
      assert.equal(jointCommittedIndex([a, new Set()], indexer(acked)), naiveCommitted(a, acked));
    }),
    { seed: SEED, numRuns: RUNS },
  );
});

test('quorum - committed index is acknowledged by a majority and is maximal', () => {
  fc.assert(
    fc.property(
      idSet.filter((s) => s.size > 0),
      acks,
      (voters, acked) => {
        const ci = majorityCommittedIndex(voters, indexer(acked));
        const reached = (i: number) => [...voters].filter((id) => (acked.get(id) ?? 0) >= i).length;
        assert.ok(reached(ci) > voters.size / 2, `index ${ci} not on a majority`);
        assert.ok(reached(ci + 1) <= voters.size / 2, `index ${ci + 1} is also on a majority`);
      },
    ),
    { seed: SEED, numRuns: RUNS },
  );
});

test('quorum - majority and joint vote results equal the naive oracle', () => {
  fc.assert(
    fc.property(idSet, idSet, votes, (a, b, v) => {
      assert.equal(majorityVoteResult(a, v), naiveVote(a, v));
      const ra = naiveVote(a, v);
      const rb = naiveVote(b, v);
      const want =
        ra === rb
          ? ra
          : ra === VoteResult.Lost || rb === VoteResult.Lost
            ? VoteResult.Lost
            : VoteResult.Pending;
      assert.equal(jointVoteResult([a, b], v), want);
    }),
    { seed: SEED, numRuns: RUNS },
  );
});

test('quorum - known cases', () => {
  const acked = new Map([
    [1, 5],
    [2, 3],
    [3, 4],
  ]);
  assert.equal(majorityCommittedIndex(new Set([1, 2, 3]), indexer(acked)), 4);
  assert.equal(majorityCommittedIndex(new Set([1, 2, 3, 4]), indexer(acked)), 3);
  assert.equal(majorityCommittedIndex(new Set([1]), indexer(acked)), 5);
  assert.equal(jointCommittedIndex([new Set([1, 2, 3]), new Set([2, 4])], indexer(acked)), 0);
});
