/**
 * The in-memory log behind FileStorage's synchronous read side, with etcd MemoryStorage's semantics
 * (storage.go): a dummy entry at the compaction point, Append that overwrites a conflicting suffix,
 * ApplySnapshot that resets, Compact that trims. WAL replay drives the same methods, so a reopened
 * storage is built by exactly the code that built it the first time.
 */
import { AssertionError } from 'node:assert';
import { type Entry, EntryType, ErrCompacted, ErrUnavailable } from '../core/types.js';

function dummy(index: number, term: number): Entry {
  return { term, index, type: EntryType.Normal, data: new Uint8Array(0) };
}

function check(cond: boolean, message: string): asserts cond {
  if (!cond) throw new AssertionError({ message: `file-storage: ${message}` });
}

export class InMemoryLog {
  /**
   * `ents[0]` is a dummy holding the index and term of the last compacted entry (the snapshot point);
   * `ents[i].index === ents[0].index + i` for every i.
   */
  private ents: Entry[];

  constructor(index: number, term: number) {
    this.ents = [dummy(index, term)];
  }

  /** Index of the dummy: everything at or below it is compacted. */
  offset(): number {
    return this.ents[0]!.index;
  }

  firstIndex(): number {
    return this.offset() + 1;
  }

  lastIndex(): number {
    return this.offset() + this.ents.length - 1;
  }

  term(index: number): number {
    const offset = this.offset();
    if (index < offset) throw new ErrCompacted();
    const e = this.ents[index - offset];
    if (e === undefined) throw new ErrUnavailable();
    return e.term;
  }

  /** Entries in [lo, hi): at least one if any, then as many as fit in `maxBytes` of data. */
  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    const offset = this.offset();
    if (lo <= offset) throw new ErrCompacted();
    check(
      lo <= hi && hi <= this.lastIndex() + 1,
      `entries(${lo}, ${hi}) out of bound [${offset + 1}, ${this.lastIndex()}]`,
    );
    if (this.ents.length === 1) throw new ErrUnavailable();
    let end = lo - offset;
    let size = 0;
    // Bounded by hi - lo.
    for (const stop = hi - offset; end < stop; end++) {
      size += this.ents[end]!.data.byteLength;
      if (size > maxBytes && end > lo - offset) break;
    }
    return this.ents.slice(lo - offset, end);
  }

  /**
   * Checks `entries` for an append (optionally after a reset to `resetIndex`) and returns the part to store:
   * without the entries already compacted. Entries must be consecutive and leave no gap; a violation is a
   * driver bug (AssertionError), checked before anything is written.
   */
  prepareAppend(entries: readonly Entry[], resetIndex?: number): readonly Entry[] {
    const first = entries[0];
    if (first === undefined) return entries;
    entries.forEach((e, i) => check(e.index === first.index + i, `entries not consecutive at ${e.index}`));
    const offset = resetIndex ?? this.offset();
    const last = resetIndex ?? this.lastIndex();
    const lastNew = first.index + entries.length - 1;
    if (lastNew <= offset) return [];
    const trimmed = first.index <= offset ? entries.slice(offset + 1 - first.index) : entries;
    check(trimmed[0]!.index <= last + 1, `missing log entry: appending ${trimmed[0]!.index} after ${last}`);
    return trimmed;
  }

  /** Appends entries prepared by `prepareAppend`, truncating any conflicting suffix first. */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    const at = first.index - this.offset();
    check(
      at >= 1 && at <= this.ents.length,
      `append of ${first.index} outside [${this.firstIndex()}, ${this.lastIndex() + 1}]`,
    );
    this.ents.length = at;
    for (const e of entries) this.ents.push(e);
  }

  /**
   * WAL replay of one entry record; false when it would leave a gap. Replay starts from the snapshot in
   * force, which may be newer than the record: an entry at or below the compaction point is not stored,
   * but when it was written it truncated everything after it, so everything after the point goes. This
   * makes replay-from-snapshot equal to "replay everything, then compact to the snapshot".
   */
  replay(e: Entry): boolean {
    const offset = this.offset();
    if (e.index <= offset) {
      this.ents.length = 1;
      return true;
    }
    if (e.index > this.lastIndex() + 1) return false;
    this.ents.length = e.index - offset;
    this.ents.push(e);
    return true;
  }

  /** Replaces the whole log by the compaction point of a snapshot (MemoryStorage.ApplySnapshot). */
  reset(index: number, term: number): void {
    this.ents = [dummy(index, term)];
  }

  /** Drops entries up to and including `index`, which becomes the dummy (MemoryStorage.Compact). */
  compact(index: number): void {
    const offset = this.offset();
    if (index <= offset) throw new ErrCompacted();
    check(index <= this.lastIndex(), `compact ${index} is out of bound lastIndex ${this.lastIndex()}`);
    const rest = this.ents.slice(index - offset);
    rest[0] = dummy(index, rest[0]!.term);
    this.ents = rest;
  }
}
