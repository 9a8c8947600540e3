/**
 * The tail of the log not yet known to be on stable storage (etcd raft log_unstable.go): entries appended
 * by the leader or received from it, and a snapshot received from the leader, waiting for the driver to
 * persist them (Ready.entries / Ready.snapshot) and acknowledge with advance().
 *
 * Invariants: `entries[i]` sits at log position `i + offset`; `offset <= offsetInProgress <= offset +
 * entries.length`; entries below `offsetInProgress` were handed out in a Ready and are being persisted. If
 * `snapshot` is set, `offset === snapshot.metadata.index + 1`.
 */
import { fail } from './assert.js';
import type { Entry, Snapshot } from './types.js';
import { limitCount } from './util.js';

export class Unstable {
  snapshot: Snapshot | undefined = undefined;
  /** Whether `snapshot` was handed out in a Ready and is being persisted. */
  snapshotInProgress = false;
  /** Owned by this object: never shared with callers (who receive copies). */
  entries: Entry[] = [];
  offset: number;
  offsetInProgress: number;

  constructor(offset: number) {
    this.offset = offset;
    this.offsetInProgress = offset;
  }

  /** The first index, if the unstable snapshot determines it. */
  maybeFirstIndex(): number | undefined {
    return this.snapshot === undefined ? undefined : this.snapshot.metadata.index + 1;
  }

  /** The last index, if there are unstable entries or an unstable snapshot. */
  maybeLastIndex(): number | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot === undefined ? undefined : this.snapshot.metadata.index;
  }

  /** The term of the entry at `i`, if the unstable part knows it. */
  maybeTerm(i: number): number | undefined {
    if (i < this.offset) {
      const s = this.snapshot;
      return s !== undefined && s.metadata.index === i ? s.metadata.term : undefined;
    }
    const k = i - this.offset;
    return k < this.entries.length ? this.entries[k]!.term : undefined;
  }

  /** Whether there are entries not yet handed out for persistence. */
  hasNextEntries(): boolean {
    return this.offsetInProgress - this.offset < this.entries.length;
  }

  /** A copy of the entries not yet handed out for persistence. */
  nextEntries(): Entry[] {
    const inProgress = this.offsetInProgress - this.offset;
    return inProgress >= this.entries.length ? [] : this.entries.slice(inProgress);
  }

  /** The snapshot, if not yet handed out for persistence. */
  nextSnapshot(): Snapshot | undefined {
    return this.snapshotInProgress ? undefined : this.snapshot;
  }

  /** Marks everything handed out in a Ready as being persisted. */
  acceptInProgress(): void {
    if (this.entries.length > 0) this.offsetInProgress = this.offset + this.entries.length;
    if (this.snapshot !== undefined) this.snapshotInProgress = true;
  }

  /**
   * The entries up to `index` (with term `term`) are on stable storage: drop them. Ignored if the entry was
   * replaced meanwhile (a different term) or is not in the unstable log.
   */
  stableTo(index: number, term: number): void {
    const t = this.maybeTerm(index);
    if (t === undefined || index < this.offset || t !== term) return;
    const num = index + 1 - this.offset;
    this.entries = num === this.entries.length ? [] : this.entries.slice(num);
    this.offset = index + 1;
    this.offsetInProgress = Math.max(this.offsetInProgress, this.offset);
  }

  /** The snapshot at `index` is on stable storage. */
  stableSnapTo(index: number): void {
    if (this.snapshot !== undefined && this.snapshot.metadata.index === index) {
      this.snapshot = undefined;
      this.snapshotInProgress = false;
    }
  }

  /** Replaces everything with the leader's snapshot (Raft §7, InstallSnapshot). */
  restore(s: Snapshot): void {
    this.offset = s.metadata.index + 1;
    this.offsetInProgress = this.offset;
    this.entries = [];
    this.snapshot = s;
    this.snapshotInProgress = false;
  }

  /**
   * Appends `ents` (contiguous, non-empty), first truncating any conflicting suffix from `ents[0].index` on
   * (Raft §5.3: a follower deletes an existing entry that conflicts with a new one, and all that follow).
   */
  truncateAndAppend(ents: readonly Entry[]): void {
    const from = ents[0]!.index;
    const end = this.offset + this.entries.length;
    if (from === end) {
      // The common case: a plain append. Amortised O(len(ents)).
      for (let i = 0; i < ents.length; i++) this.entries.push(ents[i]!);
    } else if (from <= this.offset) {
      // Replace the whole unstable log.
      this.entries = ents.slice();
      this.offset = from;
      this.offsetInProgress = from;
    } else {
      if (from > end) fail(`unstable: gap appending at ${from}, last is ${end - 1}`);
      this.entries.length = from - this.offset;
      for (let i = 0; i < ents.length; i++) this.entries.push(ents[i]!);
      this.offsetInProgress = Math.min(this.offsetInProgress, from);
    }
  }

  /** A copy of entries [lo, hi) limited to `maxBytes` (at least one). All must be in the unstable log. */
  slice(lo: number, hi: number, maxBytes: number): Entry[] {
    if (lo > hi || lo < this.offset || hi > this.offset + this.entries.length) {
      fail(`unstable.slice[${lo},${hi}) out of bounds [${this.offset},${this.offset + this.entries.length})`);
    }
    const from = lo - this.offset;
    const n = limitCount(this.entries, from, hi - this.offset, maxBytes);
    return this.entries.slice(from, from + n);
  }
}
