/**
 * The pure sub-modules on their own (etcd log_test.go, log_unstable_test.go, tracker/inflights_test.go):
 * the raft log over storage + unstable tail, and the inflights window against a naive model (fast-check).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  ErrCompacted,
  Inflights,
  MemoryStorage,
  Progress,
  ProgressState,
  RaftLog,
  Unstable,
  bootstrapSnapshot,
} from '../src/internal.js';
import { entsWithTerms, ids } from './helpers.js';

const SEED = Number(process.env.RAFT_TEST_SEED ?? 7);
const INF = Number.POSITIVE_INFINITY;

function logWith(stable: number[], unstable: number[] = []): { log: RaftLog; storage: MemoryStorage } {
  const storage = new MemoryStorage();
  storage.append(entsWithTerms(stable));
  const log = new RaftLog(storage, INF);
  if (unstable.length > 0) log.append(entsWithTerms(unstable, stable.length + 1));
  return { log, storage };
}

describe('RaftLog', () => {
  test('findConflict returns the first index whose term differs, or 0', () => {
    const { log } = logWith([1, 2, 3]);
    assert.equal(log.findConflict([]), 0);
    assert.equal(log.findConflict(entsWithTerms([1, 2, 3])), 0);
    assert.equal(log.findConflict(entsWithTerms([2, 3, 4, 4], 2)), 4);
    assert.equal(log.findConflict(entsWithTerms([4, 4], 2)), 2);
    assert.equal(log.findConflict(entsWithTerms([4, 4, 4, 4], 1)), 1);
  });

  test('findConflictByTerm finds the last entry with term ≤ the given one', () => {
    const { log } = logWith([1, 1, 2, 2, 5, 5, 5]);
    assert.deepEqual(log.findConflictByTerm(7, 5), { index: 7, term: 5 });
    assert.deepEqual(log.findConflictByTerm(7, 4), { index: 4, term: 2 });
    assert.deepEqual(log.findConflictByTerm(7, 2), { index: 4, term: 2 });
    assert.deepEqual(log.findConflictByTerm(7, 1), { index: 2, term: 1 });
    assert.deepEqual(log.findConflictByTerm(7, 0), { index: 0, term: 0 });
    assert.deepEqual(log.findConflictByTerm(3, 9), { index: 3, term: 2 });
  });

  test('findConflictByTerm stops at the compaction boundary with an unknown term', () => {
    const storage = new MemoryStorage();
    storage.applySnapshot(bootstrapSnapshot([1]));
    storage.append(entsWithTerms([3, 3, 3], 2));
    const log = new RaftLog(storage, INF);
    assert.deepEqual(log.findConflictByTerm(4, 2), { index: 1, term: 1 });
    assert.equal(log.maybeTerm(0), -1);
  });

  test('maybeAppend truncates a conflicting suffix and commits up to the last new entry', () => {
    const { log } = logWith([1, 2, 3]);
    assert.equal(log.maybeAppend(3, 3, 1, []), 3);
    assert.equal(log.committed, 1);
    assert.equal(log.maybeAppend(3, 2, 4, entsWithTerms([4], 4)), -1, 'prev term mismatch');
    assert.equal(log.maybeAppend(1, 1, 5, entsWithTerms([4, 4], 2)), 3);
    assert.equal(log.committed, 3, 'commit never beyond the last new entry (min(5, 3))');
    assert.deepEqual(ids(log.allEntries()), ['1/1', '4/2', '4/3']);
  });

  test('a conflict with a committed entry is a broken invariant', () => {
    const { log } = logWith([1, 2, 3]);
    log.commitTo(3);
    assert.throws(() => log.maybeAppend(1, 1, 3, entsWithTerms([9], 2)), { name: 'AssertionError' });
  });

  test('slice spans storage and the unstable tail and honours maxBytes', () => {
    const storage = new MemoryStorage();
    storage.append(
      ['aa', 'bb', 'cc'].map((d, i) => ({
        term: 1,
        index: i + 1,
        type: 0,
        data: new TextEncoder().encode(d),
      })),
    );
    const log = new RaftLog(storage, INF);
    log.append(
      ['dd', 'ee'].map((d, i) => ({ term: 1, index: i + 4, type: 0, data: new TextEncoder().encode(d) })),
    );
    assert.equal(log.slice(1, 6, INF).length, 5);
    assert.equal(log.slice(2, 5, 4).length, 2);
    assert.equal(log.slice(3, 6, 6).length, 3);
    assert.equal(log.slice(4, 6, 0).length, 1, 'at least one entry');
    assert.equal(log.slice(3, 3, INF).length, 0);
  });

  test('slice below the first index is ErrCompacted', () => {
    const storage = new MemoryStorage();
    storage.applySnapshot(bootstrapSnapshot([1]));
    const log = new RaftLog(storage, INF);
    assert.throws(() => log.slice(1, 2, INF), ErrCompacted);
  });

  test('maybeCommit only commits entries of the given term (§5.4.2)', () => {
    const { log } = logWith([1, 1, 2]);
    assert.equal(log.maybeCommit(2, 2), false);
    assert.equal(log.maybeCommit(3, 2), true);
    assert.equal(log.committed, 3);
    assert.equal(log.maybeCommit(2, 1), false, 'never moves backwards');
  });

  test('isUpToDate compares last term, then length (§5.4.1)', () => {
    const { log } = logWith([1, 2, 2]);
    assert.equal(log.isUpToDate(3, 2), true);
    assert.equal(log.isUpToDate(2, 2), false);
    assert.equal(log.isUpToDate(1, 3), true);
    assert.equal(log.isUpToDate(9, 1), false);
  });

  test('committed entries are handed out once, limited by maxApplyingBytes', () => {
    const storage = new MemoryStorage();
    const log = new RaftLog(storage, 4);
    log.append(
      ['aa', 'bb', 'cc'].map((d, i) => ({
        term: 1,
        index: i + 1,
        type: 0,
        data: new TextEncoder().encode(d),
      })),
    );
    log.commitTo(3);
    const first = log.nextCommittedEnts();
    assert.deepEqual(
      first.map((e) => e.index),
      [1, 2],
    );
    log.acceptApplying(2);
    assert.deepEqual(
      log.nextCommittedEnts().map((e) => e.index),
      [3],
    );
    log.acceptApplying(3);
    assert.equal(log.hasNextCommittedEnts(), false);
    log.appliedTo(3);
    assert.equal(log.applied, 3);
  });
});

describe('Unstable', () => {
  test('truncateAndAppend: append, replace, and truncate in the middle', () => {
    const u = new Unstable(5);
    u.truncateAndAppend(entsWithTerms([1, 1], 5));
    assert.deepEqual(ids(u.entries), ['1/5', '1/6']);
    u.truncateAndAppend(entsWithTerms([2], 7));
    assert.deepEqual(ids(u.entries), ['1/5', '1/6', '2/7']);
    u.acceptInProgress();
    u.truncateAndAppend(entsWithTerms([3, 3], 6));
    assert.deepEqual(ids(u.entries), ['1/5', '3/6', '3/7']);
    assert.equal(u.offsetInProgress, 6, 'the replaced entries must be persisted again');
    u.truncateAndAppend(entsWithTerms([4], 4));
    assert.deepEqual(ids(u.entries), ['4/4']);
    assert.equal(u.offset, 4);
  });

  test('stableTo drops persisted entries, but not ones replaced meanwhile', () => {
    const u = new Unstable(1);
    u.truncateAndAppend(entsWithTerms([1, 1, 1]));
    u.acceptInProgress();
    u.stableTo(2, 1);
    assert.equal(u.offset, 3);
    assert.deepEqual(ids(u.entries), ['1/3']);
    u.truncateAndAppend(entsWithTerms([2], 3));
    u.stableTo(3, 1);
    assert.deepEqual(ids(u.entries), ['2/3'], 'term mismatch: ignored');
    assert.deepEqual(ids(u.nextEntries()), ['2/3']);
  });

  test('nextEntries hands out only entries not in progress', () => {
    const u = new Unstable(1);
    u.truncateAndAppend(entsWithTerms([1, 1]));
    assert.equal(u.nextEntries().length, 2);
    u.acceptInProgress();
    assert.equal(u.hasNextEntries(), false);
    u.truncateAndAppend(entsWithTerms([1], 3));
    assert.deepEqual(ids(u.nextEntries()), ['1/3']);
  });

  test('restore replaces everything with the snapshot', () => {
    const u = new Unstable(1);
    u.truncateAndAppend(entsWithTerms([1, 1]));
    const snap = {
      ...bootstrapSnapshot([1]),
      metadata: { ...bootstrapSnapshot([1]).metadata, index: 10, term: 3 },
    };
    u.restore(snap);
    assert.equal(u.offset, 11);
    assert.equal(u.maybeTerm(10), 3);
    assert.equal(u.maybeLastIndex(), 10);
    assert.equal(u.maybeFirstIndex(), 11);
    u.stableSnapTo(10);
    assert.equal(u.snapshot, undefined);
  });
});

describe('Inflights', () => {
  test('matches a naive queue under random adds and frees', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 200 }),
        fc.array(
          fc.oneof(
            fc.integer({ min: 0, max: 20 }).map((b) => ({ add: b })),
            fc.nat(300).map((f) => ({ free: f })),
          ),
          {
            maxLength: 300,
          },
        ),
        (size, maxBytes, ops) => {
          const inf = new Inflights(size, maxBytes);
          const naive: { index: number; bytes: number }[] = [];
          let next = 1;
          const full = () =>
            naive.length === size || (maxBytes !== 0 && naive.reduce((s, x) => s + x.bytes, 0) >= maxBytes);
          for (const op of ops) {
            if ('add' in op) {
              if (full()) {
                assert.throws(() => inf.add(next, op.add), { name: 'AssertionError' });
                continue;
              }
              inf.add(next, op.add);
              naive.push({ index: next, bytes: op.add });
              next += 1 + (op.add % 3);
            } else {
              inf.freeLE(op.free);
              while (naive.length > 0 && naive[0]!.index <= op.free) naive.shift();
            }
            assert.equal(inf.count, naive.length);
            assert.equal(
              inf.bytes,
              naive.reduce((s, x) => s + x.bytes, 0),
            );
            assert.equal(inf.full(), full());
          }
        },
      ),
      { seed: SEED, numRuns: 2000 },
    );
  });
});

describe('Progress', () => {
  test('maybeDecrTo in probe ignores stale rejections and uses the hint', () => {
    const p = new Progress(10, 5, new Inflights(4), false);
    assert.equal(p.maybeDecrTo(8, 6), false, 'not the last probe (next-1 = 9): stale');
    assert.equal(p.maybeDecrTo(9, 6), true);
    assert.equal(p.next, 7);
    assert.equal(p.maybeDecrTo(6, 0), true);
    assert.equal(p.next, 6, 'never below match + 1');
  });

  test('maybeDecrTo in replicate falls back to match + 1 unless the rejection is stale', () => {
    const p = new Progress(10, 5, new Inflights(4), false);
    p.becomeReplicate();
    p.sentEntries(3, 30);
    assert.equal(p.next, 9);
    assert.equal(p.maybeDecrTo(4, 4), false);
    assert.equal(p.maybeDecrTo(7, 7), true);
    assert.equal(p.next, 6);
  });

  test('flow control: probe pauses after one append, replicate when the window is full', () => {
    const p = new Progress(1, 0, new Inflights(2), false);
    p.sentEntries(1, 1);
    assert.equal(p.isPaused(), true);
    p.maybeUpdate(1);
    assert.equal(p.isPaused(), false);
    p.becomeReplicate();
    p.sentEntries(1, 1);
    assert.equal(p.isPaused(), false);
    p.sentEntries(1, 1);
    assert.equal(p.isPaused(), true);
    p.becomeSnapshot(50);
    assert.equal(p.state, ProgressState.Snapshot);
    assert.equal(p.isPaused(), true);
    p.becomeProbe();
    assert.equal(p.next, 51, 'probe from after the snapshot');
  });
});
