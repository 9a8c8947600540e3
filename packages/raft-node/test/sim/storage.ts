/**
 * A storage that knows what a crash loses. The running node sees every write at once (like reads served
 * from the page cache), but only writes that were synced survive a crash: a write with `mustSync` syncs
 * everything before it too (a WAL is fsynced in order), and of the unsynced tail a crash keeps a random
 * prefix (the OS may have flushed some of it). Creating a snapshot and compacting sync first, as a WAL does
 * before recording a snapshot.
 *
 * The durable state is the list of durable operations; a restart replays it into a fresh MemoryStorage, so
 * the node restarts from exactly what a disk would hold.
 */
import type { Rng } from '@kubelab/clock';
import {
  type ConfState,
  type Entry,
  type HardState,
  MemoryStorage,
  RawNode,
  type Snapshot,
  type Storage,
  type StorageUpdate,
} from '../../src/index.js';

type StorageOp =
  | { readonly kind: 'bootstrap'; readonly peers: readonly number[] }
  | { readonly kind: 'save'; readonly update: StorageUpdate }
  | {
      readonly kind: 'snapshot';
      readonly index: number;
      readonly confState: ConfState;
      readonly data: Uint8Array;
    }
  | { readonly kind: 'compact'; readonly index: number };

export class SimStorage implements Storage {
  /** What the running node sees: every operation so far. */
  private live = new MemoryStorage();
  /** Operations known to be on disk, in order. */
  private readonly durable: StorageOp[] = [];
  /** Operations done after the last sync, in order; lost (all or a suffix) by a crash. */
  private unsynced: StorageOp[] = [];
  /** Unsynced operations a crash has thrown away, over the storage's life (for stats). */
  lostWrites = 0;

  /** Writes the founding state of a cluster member (durably). */
  bootstrap(peers: readonly number[]): void {
    this.apply({ kind: 'bootstrap', peers }, true);
  }

  /** Persists one Ready's hard state, entries and snapshot (durably when `mustSync`). */
  save(update: StorageUpdate, mustSync: boolean): void {
    if (update.entries.length === 0 && update.hardState === undefined && update.snapshot === undefined)
      return;
    const copy: StorageUpdate = {
      entries: [...update.entries],
      ...(update.hardState === undefined ? {} : { hardState: update.hardState }),
      ...(update.snapshot === undefined ? {} : { snapshot: update.snapshot }),
    };
    this.apply({ kind: 'save', update: copy }, mustSync);
  }

  /** Records an application snapshot at `index` (already applied); durable. */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): void {
    this.apply({ kind: 'snapshot', index, confState, data }, true);
  }

  /** Discards the log up to `index` (covered by a snapshot); durable. */
  compact(index: number): void {
    this.apply({ kind: 'compact', index }, true);
  }

  /** Makes every write so far durable (the fdatasync that ends a background write). */
  sync(): void {
    this.durable.push(...this.unsynced);
    this.unsynced = [];
  }

  /** Whether there are writes a crash could lose. */
  hasUnsynced(): boolean {
    return this.unsynced.length > 0;
  }

  /**
   * Crashes the disk: a random prefix of the unsynced operations reaches the disk, the rest is lost, and the
   * live view becomes exactly the disk's content.
   */
  crash(rng: Rng): void {
    const kept = rng.int(0, this.unsynced.length);
    this.durable.push(...this.unsynced.slice(0, kept));
    this.lostWrites += this.unsynced.length - kept;
    this.unsynced = [];
    this.live = new MemoryStorage();
    for (const op of this.durable) applyTo(this.live, op);
  }

  private apply(op: StorageOp, sync: boolean): void {
    applyTo(this.live, op);
    this.unsynced.push(op);
    if (sync) {
      this.durable.push(...this.unsynced);
      this.unsynced = [];
    }
  }

  // The read side, for the core.
  initialState(): { hardState: HardState; confState: ConfState } {
    return this.live.initialState();
  }
  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    return this.live.entries(lo, hi, maxBytes);
  }
  term(index: number): number {
    return this.live.term(index);
  }
  firstIndex(): number {
    return this.live.firstIndex();
  }
  lastIndex(): number {
    return this.live.lastIndex();
  }
  snapshot(): Snapshot {
    return this.live.snapshot();
  }
  hardState(): HardState {
    return this.live.getHardState();
  }
}

function applyTo(ms: MemoryStorage, op: StorageOp): void {
  switch (op.kind) {
    case 'bootstrap':
      RawNode.bootstrap(ms, op.peers);
      return;
    case 'save':
      ms.saveSync(op.update);
      return;
    case 'snapshot':
      void ms.createSnapshot(op.index, op.confState, op.data);
      return;
    case 'compact':
      void ms.compact(op.index);
      return;
  }
}
