/**
 * The data types of raft-node, modelled on etcd-io/raft's raftpb. Node ids are positive integers; 0 means
 * "none" (no leader, no vote). Indexes and terms start at 1; index 0 / term 0 is the empty log's sentinel.
 *
 * This file is the contract between the pure core (core/), the storages (storage/) and the driver
 * (driver/): change it only together with every implementation.
 */

/** No node: used for "no leader" and "no vote". */
export const NONE = 0;

export const EntryType = {
  /** An application command (possibly empty: a new leader's no-op). */
  Normal: 0,
  /** A membership change; `data` is an encoded {@link ConfChange}. */
  ConfChange: 1,
} as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];

export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/** What must be on stable storage before a vote or an append is acknowledged (Raft §5.1, Figure 2). */
export interface HardState {
  readonly term: number;
  readonly vote: number;
  readonly commit: number;
}

/** The membership a snapshot or conf change leaves behind. `votersOutgoing` is non-empty only in a joint config. */
export interface ConfState {
  readonly voters: readonly number[];
  readonly learners: readonly number[];
  readonly votersOutgoing: readonly number[];
  readonly learnersNext: readonly number[];
  readonly autoLeave: boolean;
}

export interface SnapshotMetadata {
  readonly index: number;
  readonly term: number;
  readonly confState: ConfState;
}

export interface Snapshot {
  readonly metadata: SnapshotMetadata;
  readonly data: Uint8Array;
}

export const ConfChangeType = {
  AddNode: 0,
  RemoveNode: 1,
  AddLearnerNode: 2,
} as const;
export type ConfChangeType = (typeof ConfChangeType)[keyof typeof ConfChangeType];

/**
 * A membership change. One change with `transition: 'auto'` is applied directly (one voter at a time);
 * several changes (or `transition: 'explicit'`) go through joint consensus (Raft thesis §4.3).
 */
export interface ConfChange {
  readonly changes: readonly { readonly type: ConfChangeType; readonly nodeId: number }[];
  readonly transition?: 'auto' | 'implicit' | 'explicit';
  readonly context?: Uint8Array;
}

export const MessageType = {
  Hup: 0,
  Beat: 1,
  Prop: 2,
  App: 3,
  AppResp: 4,
  Vote: 5,
  VoteResp: 6,
  Snap: 7,
  Heartbeat: 8,
  HeartbeatResp: 9,
  Unreachable: 10,
  SnapStatus: 11,
  CheckQuorum: 12,
  TransferLeader: 13,
  TimeoutNow: 14,
  ReadIndex: 15,
  ReadIndexResp: 16,
  PreVote: 17,
  PreVoteResp: 18,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** One Raft message. Fields unused by a type are 0 / empty. */
export interface Message {
  readonly type: MessageType;
  readonly to: number;
  readonly from: number;
  readonly term: number;
  /** Term of the entry at `index` (App: the entry preceding `entries`). */
  readonly logTerm: number;
  readonly index: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
  readonly snapshot?: Snapshot;
  readonly reject: boolean;
  readonly rejectHint: number;
  /** Opaque: ReadIndex request context, campaign type for votes. */
  readonly context?: Uint8Array;
}

export const StateType = {
  Follower: 0,
  Candidate: 1,
  Leader: 2,
  PreCandidate: 3,
} as const;
export type StateType = (typeof StateType)[keyof typeof StateType];

/** Volatile state worth telling the application about; not persisted. */
export interface SoftState {
  readonly lead: number;
  readonly raftState: StateType;
}

/** A linearizable read is safe to serve once the local state machine has applied `index`. */
export interface ReadState {
  readonly index: number;
  readonly requestCtx: Uint8Array;
}

/**
 * What the core asks the driver to do, in this order (etcd raft README): persist `hardState`, `entries` and
 * `snapshot` (fsync when `mustSync`), then send `messages`, then apply `snapshot` and `committedEntries`, then
 * call `advance()`.
 */
export interface Ready {
  readonly softState?: SoftState;
  readonly hardState?: HardState;
  readonly readStates: readonly ReadState[];
  readonly entries: readonly Entry[];
  readonly snapshot?: Snapshot;
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly mustSync: boolean;
}

/**
 * The read side of the log, used synchronously by the core. Implementations keep the (compacted) log in
 * memory; the durable one backs it with a WAL.
 */
export interface Storage {
  initialState(): { hardState: HardState; confState: ConfState };
  /** Entries in [lo, hi), at least one if any, up to `maxBytes` of data. Throws ErrCompacted / ErrUnavailable. */
  entries(lo: number, hi: number, maxBytes: number): Entry[];
  /** Term of the entry at `index`; valid for firstIndex()-1 ..= lastIndex(). Throws ErrCompacted / ErrUnavailable. */
  term(index: number): number;
  firstIndex(): number;
  lastIndex(): number;
  /** The most recent snapshot. Throws ErrSnapshotTemporarilyUnavailable if one is being made. */
  snapshot(): Snapshot;
}

/** What one Ready asks the storage to persist. */
export interface StorageUpdate {
  readonly hardState?: HardState;
  readonly entries: readonly Entry[];
  readonly snapshot?: Snapshot;
}

/** The write side, used only by the driver (never by the core). */
/** How a {@link WritableStorage.save} may be carried out. */
export interface SaveOptions {
  /**
   * The caller does not wait for this write with the event loop (a leader's write under
   * `leaderCountsDurableOnly`): do the waiting for the device (fdatasync) off the event loop, on the
   * threadpool, rather than inline. A hint; the outcome and the durability promise are the same.
   */
  readonly background?: boolean;
}

export interface WritableStorage extends Storage {
  /**
   * Persists an update. Entries overwrite any conflicting suffix of the log. When `mustSync`, resolves only
   * after the data is on stable storage (fdatasync), so that messages depending on it may be sent.
   */
  save(update: StorageUpdate, mustSync: boolean, opts?: SaveOptions): Promise<void>; // purity-ok: driver-only interface
  /** Records an application snapshot at `index` (already applied) and makes it the one `snapshot()` returns. */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Promise<Snapshot>; // purity-ok: driver-only interface
  /** Discards log entries up to and including `index` (which must be covered by a snapshot). */
  compact(index: number): Promise<void>; // purity-ok: driver-only interface
  close(): Promise<void>; // purity-ok: driver-only interface
}

/** Expected outcomes, as in etcd raft's sentinels. */
export class ErrCompacted extends Error {
  override readonly name = 'ErrCompacted';
  constructor() {
    super('requested index is unavailable due to compaction');
  }
}
export class ErrUnavailable extends Error {
  override readonly name = 'ErrUnavailable';
  constructor() {
    super('requested entry at index is unavailable');
  }
}
export class ErrSnapOutOfDate extends Error {
  override readonly name = 'ErrSnapOutOfDate';
  constructor() {
    super('requested index is older than the existing snapshot');
  }
}
export class ErrSnapshotTemporarilyUnavailable extends Error {
  override readonly name = 'ErrSnapshotTemporarilyUnavailable';
  constructor() {
    super('snapshot is temporarily unavailable');
  }
}
export class ErrProposalDropped extends Error {
  override readonly name = 'ErrProposalDropped';
  /** The leader the proposal could be sent to instead, or NONE. */
  readonly leader: number;
  constructor(reason: string, leader: number) {
    super(`raft proposal dropped: ${reason}`);
    this.leader = leader;
  }
}
