/**
 * The replicated log (etcd raft log.go): stable entries in {@link Storage} followed by the {@link Unstable}
 * tail, plus the commit and apply cursors.
 *
 * Invariants: `applied <= applying <= committed <= lastIndex()`; `firstIndex() - 1 <= applied`; the entry
 * at `firstIndex() - 1` is compacted but its term stays available for log matching (Raft §7).
 */
import { assert, fail } from './assert.js';
import { Unstable } from './log-unstable.js';
import { type Entry, ErrCompacted, ErrUnavailable, type Snapshot, type Storage } from './types.js';
import { entsSize, limitCount } from './util.js';

export class RaftLog {
  readonly unstable: Unstable;
  /** The highest index known to be committed (Raft §5.3). */
  committed: number;
  /** The highest index handed to the application in Ready.committedEntries. */
  applying: number;
  /** The highest index the application has applied (acknowledged via advance). */
  applied: number;

  /** @param maxApplyingBytes the most payload bytes of committed entries handed out per Ready */
  constructor(
    readonly storage: Storage,
    readonly maxApplyingBytes: number,
  ) {
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new Unstable(last + 1);
    this.committed = first - 1;
    this.applying = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  lastTerm(): number {
    const t = this.maybeTerm(this.lastIndex());
    if (t < 0) fail('unexpected error getting the last term');
    return t;
  }

  /**
   * The term of the entry at `i`, or -1 if it is compacted away or not in the log. Valid for
   * firstIndex()-1 ..= lastIndex(). Does not throw, so that log matching never pays for exceptions.
   */
  maybeTerm(i: number): number {
    const u = this.unstable.maybeTerm(i);
    if (u !== undefined) return u;
    if (i + 1 < this.firstIndex() || i > this.lastIndex()) return -1;
    try {
      return this.storage.term(i);
    } catch (e) {
      if (e instanceof ErrCompacted || e instanceof ErrUnavailable) return -1;
      throw e;
    }
  }

  /** Like {@link maybeTerm}, but 0 when unknown (etcd's zeroTermOnOutOfBounds). */
  termOrZero(i: number): number {
    const t = this.maybeTerm(i);
    return t < 0 ? 0 : t;
  }

  /** Whether the entry at `i` has term `term`. */
  matchTerm(i: number, term: number): boolean {
    return this.maybeTerm(i) === term;
  }

  /**
   * Whether a log ending at (`lastIndex`, `lastTerm`) is at least as up-to-date as ours (Raft §5.4.1: later
   * last term wins, then the longer log).
   */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /**
   * The follower side of AppendEntries (Raft §5.3): if our entry at `index` has term `logTerm`, append
   * `ents` (truncating any conflicting suffix) and advance the commit index to min(`committed`, last new
   * index). Returns the last index of the new entries, or -1 if the log does not match.
   */
  maybeAppend(index: number, logTerm: number, committed: number, ents: readonly Entry[]): number {
    if (!this.matchTerm(index, logTerm)) return -1;
    const lastNew = index + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      if (ci <= this.committed)
        fail(`entry ${ci} conflicts with committed entry [committed(${this.committed})]`);
      const offset = index + 1;
      this.append(ci === offset ? ents : ents.slice(ci - offset));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  /** Appends entries at the end of the log (truncating a conflicting unstable suffix). Returns lastIndex. */
  append(ents: readonly Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    const after = ents[0]!.index - 1;
    if (after < this.committed) fail(`after(${after}) is out of range [committed(${this.committed})]`);
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  /**
   * The index of the first entry of `ents` whose term differs from ours (or that we lack), or 0 if all
   * match. `ents` must be contiguous.
   */
  findConflict(ents: readonly Entry[]): number {
    for (let i = 0; i < ents.length; i++) {
      const e = ents[i]!;
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * The largest (index, term) with index ≤ `index` and term ≤ `term` in our log: where our log may match a
   * log whose entry at `index` has term `term` (the fast back-off of thesis §5.3 / etcd findConflictByTerm).
   * Returns term 0 when the term at that index is unknown (compacted).
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (; index > 0; index--) {
      const ourTerm = this.maybeTerm(index);
      if (ourTerm < 0) return { index, term: 0 };
      if (ourTerm <= term) return { index, term: ourTerm };
    }
    return { index: 0, term: 0 };
  }

  hasNextUnstableEnts(): boolean {
    return this.unstable.hasNextEntries();
  }

  nextUnstableEnts(): Entry[] {
    return this.unstable.nextEntries();
  }

  /** Whether a snapshot is waiting to be persisted or applied (no entries may be applied meanwhile). */
  hasPendingSnapshot(): boolean {
    return this.unstable.snapshot !== undefined;
  }

  /** Whether committed entries are ready to hand to the application. */
  hasNextCommittedEnts(): boolean {
    return !this.hasPendingSnapshot() && this.applying < this.committed;
  }

  /**
   * Committed entries not yet handed out, up to `maxApplyingBytes`. They may still be unstable: the Ready
   * contract has the driver persist `Ready.entries` before applying `Ready.committedEntries`.
   */
  nextCommittedEnts(): Entry[] {
    if (!this.hasNextCommittedEnts()) return [];
    return this.slice(this.applying + 1, this.committed + 1, this.maxApplyingBytes);
  }

  /** Raises the commit index (never lowers it: Raft §5.3, committed entries are durable). */
  commitTo(toCommit: number): void {
    if (this.committed >= toCommit) return;
    const last = this.lastIndex();
    if (last < toCommit) fail(`tocommit(${toCommit}) is out of range [lastIndex(${last})]`);
    this.committed = toCommit;
  }

  /** Entries up to `i` were handed to the application. */
  acceptApplying(i: number): void {
    assert(i <= this.committed, 'applying beyond committed');
    this.applying = Math.max(this.applying, i);
  }

  /** The application applied entries up to `i`. */
  appliedTo(i: number): void {
    if (i === 0) return;
    if (this.committed < i || i < this.applied) {
      fail(`applied(${i}) is out of range [prevApplied(${this.applied}), committed(${this.committed})]`);
    }
    this.applied = i;
    this.applying = Math.max(this.applying, i);
  }

  stableTo(index: number, term: number): void {
    this.unstable.stableTo(index, term);
  }

  stableSnapTo(index: number): void {
    this.unstable.stableSnapTo(index);
  }

  /**
   * Commits `maxIndex` if its entry is from `term` (Raft §5.4.2: a leader only commits entries of its own
   * term by counting replicas). Returns whether the commit index moved.
   */
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.termOrZero(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  /** Replaces the log with a snapshot from the leader (Raft §7). */
  restore(s: Snapshot): void {
    this.committed = s.metadata.index;
    this.unstable.restore(s);
  }

  /** The latest snapshot: the unstable one, else storage's (which may throw ErrSnapshotTemporarilyUnavailable). */
  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  /** Entries from `i` to the end, up to `maxBytes` (at least one). Throws ErrCompacted below firstIndex. */
  entries(i: number, maxBytes: number): Entry[] {
    if (i > this.lastIndex()) return [];
    return this.slice(i, this.lastIndex() + 1, maxBytes);
  }

  /** Entries [lo, hi) up to `maxBytes` (at least one if lo < hi). Throws ErrCompacted below firstIndex. */
  slice(lo: number, hi: number, maxBytes: number): Entry[] {
    this.checkOutOfBounds(lo, hi);
    if (lo === hi) return [];
    const off = this.unstable.offset;
    if (lo >= off) return this.unstable.slice(lo, hi, maxBytes);
    const cut = Math.min(hi, off);
    let ents: Entry[];
    try {
      ents = this.storage.entries(lo, cut, maxBytes);
    } catch (e) {
      if (e instanceof ErrUnavailable) fail(`entries[${lo}:${cut}) is unavailable from storage`);
      throw e;
    }
    if (hi <= off || ents.length < cut - lo) return ents;
    const size = entsSize(ents);
    if (size >= maxBytes) return ents;
    const n = limitCount(this.unstable.entries, 0, hi - off, maxBytes - size);
    if (n === 1 && size + this.unstable.entries[0]!.data.byteLength > maxBytes) return ents;
    // Never mutate what storage returned: it may be the storage's own cache.
    return ents.concat(this.unstable.entries.slice(0, n));
  }

  /** Throws ErrCompacted if lo < firstIndex; asserts lo ≤ hi ≤ lastIndex+1. */
  private checkOutOfBounds(lo: number, hi: number): void {
    if (lo > hi) fail(`invalid slice ${lo} > ${hi}`);
    if (lo < this.firstIndex()) throw new ErrCompacted();
    const last = this.lastIndex();
    if (hi > last + 1) fail(`slice[${lo},${hi}) out of bound [${this.firstIndex()},${last}]`);
  }

  /** All entries (for tests), from firstIndex. */
  allEntries(): Entry[] {
    return this.entries(this.firstIndex(), Number.POSITIVE_INFINITY);
  }
}
