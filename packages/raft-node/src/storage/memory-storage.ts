import { AssertionError } from '../core/assert.js';
/**
 * An in-memory {@link WritableStorage} (etcd raft storage.go MemoryStorage), for tests, the simulator and as
 * the model of what a durable storage must do.
 *
 * Invariant: `ents[i]` has log position `i + ents[0].index`; `ents[0]` is a dummy entry holding the index and
 * term of the last compacted entry (the snapshot's), so `term(firstIndex() - 1)` stays answerable.
 *
 * Besides the asynchronous WritableStorage methods (which do their work synchronously and return a settled
 * promise), it has etcd's synchronous helpers: `append`, `setHardState`, `applySnapshot`, and synchronous
 * `compact` / `createSnapshot` effects, so tests can build a storage line by line.
 *
 * @example
 * const storage = new MemoryStorage();
 * RawNode.bootstrap(storage, [1, 2, 3]);
 * const node = new RawNode({ id: 1, storage, rng: seededRng(1) });
 * const rd = node.ready();
 * storage.saveSync(rd); // persist before sending rd.messages
 */
import {
  type ConfState,
  type Entry,
  EntryType,
  ErrCompacted,
  ErrSnapOutOfDate,
  ErrUnavailable,
  type HardState,
  type Snapshot,
  type StorageUpdate,
  type WritableStorage,
} from '../core/types.js';
import { limitCount } from '../core/util.js';

const EMPTY_CONF_STATE: ConfState = {
  voters: [],
  learners: [],
  votersOutgoing: [],
  learnersNext: [],
  autoLeave: false,
};
const EMPTY_BYTES = new Uint8Array(0);

export class MemoryStorage implements WritableStorage {
  private hardState: HardState = { term: 0, vote: 0, commit: 0 };
  private snap: Snapshot;
  private ents: Entry[] = [{ term: 0, index: 0, type: EntryType.Normal, data: EMPTY_BYTES }];

  /**
   * @param confState the membership of the empty log (etcd tests' `withPeers`), for tests that want a log
   *   starting at index 1 without bootstrapping; normally left out and set by a snapshot.
   */
  constructor(confState: ConfState = EMPTY_CONF_STATE) {
    this.snap = { metadata: { index: 0, term: 0, confState }, data: EMPTY_BYTES };
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: this.hardState, confState: this.snap.metadata.confState };
  }

  /** The persisted hard state (for tests). */
  getHardState(): HardState {
    return this.hardState;
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    const offset = this.ents[0]!.index;
    if (lo <= offset) throw new ErrCompacted();
    if (hi > this.lastIndex() + 1) {
      throw new AssertionError(`entries' hi(${hi}) is out of bound lastindex(${this.lastIndex()})`);
    }
    if (this.ents.length === 1) throw new ErrUnavailable();
    const from = lo - offset;
    return this.ents.slice(from, from + limitCount(this.ents, from, hi - offset, maxBytes));
  }

  term(index: number): number {
    const offset = this.ents[0]!.index;
    if (index < offset) throw new ErrCompacted();
    const e = this.ents[index - offset];
    if (e === undefined) throw new ErrUnavailable();
    return e.term;
  }

  firstIndex(): number {
    return this.ents[0]!.index + 1;
  }

  lastIndex(): number {
    return this.ents[0]!.index + this.ents.length - 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Persists a Ready's snapshot, hard state and entries, in that order. */
  save(update: StorageUpdate, _mustSync: boolean): Promise<void> {
    this.saveSync(update);
    return Promise.resolve();
  }

  /** {@link save}, synchronously. */
  saveSync(update: StorageUpdate): void {
    if (update.snapshot !== undefined) this.applySnapshot(update.snapshot);
    if (update.hardState !== undefined) this.setHardState(update.hardState);
    this.append(update.entries);
  }

  setHardState(hs: HardState): void {
    this.hardState = hs;
  }

  /** Replaces the whole log with a snapshot. Throws ErrSnapOutOfDate if it is older than the current one. */
  applySnapshot(snap: Snapshot): void {
    if (this.snap.metadata.index >= snap.metadata.index) throw new ErrSnapOutOfDate();
    this.snap = snap;
    this.ents = [
      { term: snap.metadata.term, index: snap.metadata.index, type: EntryType.Normal, data: EMPTY_BYTES },
    ];
  }

  /**
   * Makes a snapshot at `index` (already applied) the one {@link snapshot} returns; the effect is
   * synchronous. Throws ErrSnapOutOfDate if `index` is not newer than the current snapshot.
   */
  createSnapshot(index: number, confState: ConfState | undefined, data: Uint8Array): Promise<Snapshot> {
    if (index <= this.snap.metadata.index) throw new ErrSnapOutOfDate();
    const offset = this.ents[0]!.index;
    if (index > this.lastIndex()) {
      throw new AssertionError(`snapshot ${index} is out of bound lastindex(${this.lastIndex()})`);
    }
    this.snap = {
      metadata: {
        index,
        term: this.ents[index - offset]!.term,
        confState: confState ?? this.snap.metadata.confState,
      },
      data,
    };
    return Promise.resolve(this.snap);
  }

  /**
   * Discards entries up to and including `index` (keeping its term as the dummy); the effect is synchronous.
   * Throws ErrCompacted if already compacted. Compact only what a snapshot covers.
   */
  compact(index: number): Promise<void> {
    const offset = this.ents[0]!.index;
    if (index <= offset) throw new ErrCompacted();
    if (index > this.lastIndex()) {
      throw new AssertionError(`compact ${index} is out of bound lastindex(${this.lastIndex()})`);
    }
    const i = index - offset;
    const head = this.ents[i]!;
    const ents: Entry[] = [{ term: head.term, index: head.index, type: EntryType.Normal, data: EMPTY_BYTES }];
    for (let k = i + 1; k < this.ents.length; k++) ents.push(this.ents[k]!);
    this.ents = ents;
    return Promise.resolve();
  }

  /**
   * Appends entries, overwriting any conflicting suffix; entries already compacted are skipped. The entries
   * must be contiguous with the log (no gap).
   */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = entries[0]!.index + entries.length - 1;
    if (last < first) return;
    const skip = first > entries[0]!.index ? first - entries[0]!.index : 0;
    const offset = entries[skip]!.index - this.ents[0]!.index;
    if (offset > this.ents.length) {
      throw new AssertionError(
        `missing log entry [last: ${this.lastIndex()}, append at: ${entries[skip]!.index}]`,
      );
    }
    this.ents.length = offset;
    for (let k = skip; k < entries.length; k++) this.ents.push(entries[k]!);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
