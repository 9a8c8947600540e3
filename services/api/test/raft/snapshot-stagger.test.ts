import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { staggeredSnapshotEntries } from '../../src/replica.js';

describe('staggeredSnapshotEntries', () => {
  it('gives each replica its own interval (+10 % per raft id) and keeps 0 (never) as 0', () => {
    assert.deepEqual(
      [1, 2, 3].map((id) => staggeredSnapshotEntries(25_000, id)),
      [25_000, 27_500, 30_000],
    );
    assert.equal(staggeredSnapshotEntries(0, 3), 0);
  });
});
