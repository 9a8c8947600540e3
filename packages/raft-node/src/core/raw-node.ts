/**
 * RawNode: the thread-unsafe, synchronous face of the Raft state machine (etcd raft rawnode.go).
 *
 * The driver loop, in this order (Ready contract, etcd raft README; STYLE.md principle 3):
 * 1. `tick()` on a timer, `step(m)` for every message received, `propose()` for commands.
 * 2. While `hasReady()`: `rd = ready()`, then persist `rd.hardState`, `rd.entries`, `rd.snapshot` (fsync
 *    when `rd.mustSync`), THEN send `rd.messages`, THEN apply `rd.snapshot` and `rd.committedEntries`
 *    (calling `applyConfChange` for conf change entries), then `advance(rd)`.
 *
 * Messages in a Ready may depend on the state persisted by the same Ready (vote and append responses),
 * which is why they are sent only after persisting.
 */
import type { Rng } from '@kubelab/clock';
import { encodeConfChange } from '../codec.js';
import { progressStateName } from '../tracker/progress.js';
import { assert } from './assert.js';
import { applyConfChange } from './conf.js';
import type { RaftConfig } from './config.js';
import { ErrStepLocalMsg } from './errors.js';
import { isLocalMsg, isResponseMsg, newMessage } from './messages.js';
import { Raft, stateName } from './raft.js';
import { persistedTo } from './replication.js';
import {
  type ConfChange,
  type ConfState,
  type Entry,
  EntryType,
  ErrProposalDropped,
  type HardState,
  type Message,
  MessageType,
  type Ready,
  type Snapshot,
  type SoftState,
  StateType,
} from './types.js';
import { entsSize } from './util.js';

export type { RaftConfig } from './config.js';
export type { Rng };

/** What `RawNode.status()` reports. `progress` is present on the leader only. */
export interface RaftStatus {
  id: number;
  term: number;
  vote: number;
  commit: number;
  applied: number;
  lead: number;
  raftState: StateType;
  progress?: Map<number, { match: number; next: number; state: string }>;
}

/** The storage a fresh cluster member is bootstrapped into (MemoryStorage has it). */
export interface BootstrapStorage {
  firstIndex(): number;
  lastIndex(): number;
  applySnapshot(snap: Snapshot): void;
  setHardState(hs: HardState): void;
}

const internals = new WeakMap<RawNode, Raft>();

/** The Raft state machine inside a RawNode: for tests (exported from internal.ts only). */
export function rawNodeRaft(rn: RawNode): Raft {
  return internals.get(rn)!;
}

/**
 * The initial snapshot of a new cluster: index 1, term 1, membership `voters` (+ `learners`), no data.
 * Every founding member starts from the same one, so no membership entries need replicating first.
 */
export function bootstrapSnapshot(voters: readonly number[], learners: readonly number[] = []): Snapshot {
  return {
    metadata: {
      index: 1,
      term: 1,
      confState: {
        voters: [...voters],
        learners: [...learners],
        votersOutgoing: [],
        learnersNext: [],
        autoLeave: false,
      },
    },
    data: new Uint8Array(0),
  };
}

export class RawNode {
  private readonly raft: Raft;
  private prevSoftSt: SoftState;
  private prevHardSt: HardState;

  /** Validates `config` (throws ErrInvalidConfig) and restarts from `config.storage`. */
  constructor(config: RaftConfig) {
    this.raft = new Raft(config);
    internals.set(this, this.raft);
    this.prevSoftSt = this.raft.softState();
    this.prevHardSt = this.raft.hardState();
  }

  /**
   * Writes the founding state of a new cluster into an empty storage: {@link bootstrapSnapshot}(peers) and
   * HardState {term 1, commit 1}. Call it on every founding member's storage before the first RawNode;
   * nodes joining later start empty and receive a snapshot from the leader. A durable storage can instead
   * persist `bootstrapSnapshot(peers)` with that HardState itself.
   *
   * @example
   * const storage = new MemoryStorage();
   * RawNode.bootstrap(storage, [1, 2, 3]);
   * const node = new RawNode({ id: 1, storage, rng: seededRng(1) });
   */
  static bootstrap(storage: BootstrapStorage, peers: readonly number[]): void {
    if (peers.length === 0) throw new Error('raft: must provide at least one peer to bootstrap');
    if (storage.lastIndex() !== 0 || storage.firstIndex() !== 1) {
      throw new Error("raft: can't bootstrap a nonempty storage");
    }
    storage.applySnapshot(bootstrapSnapshot(peers));
    storage.setHardState({ term: 1, vote: 0, commit: 1 });
  }

  /** Advances logical time by one tick (election and heartbeat timeouts are counted in ticks). */
  tick(): void {
    this.raft.tick();
  }

  /** Starts an election now (pre-vote first if enabled). */
  campaign(): void {
    this.raft.step(newMessage({ type: MessageType.Hup, to: this.raft.id, from: this.raft.id }));
  }

  /**
   * Proposes a command. The leader appends it; a follower forwards it to the leader. Throws
   * ErrProposalDropped (with `leader`, the node to retry at, or NONE) if there is no leader, forwarding is
   * disabled, a leadership transfer is in progress, or the uncommitted log is full. Accepted is not
   * committed: watch committedEntries.
   */
  propose(data: Uint8Array): void {
    this.stepProposal({ term: 0, index: 0, type: EntryType.Normal, data });
  }

  /**
   * Proposes a membership change (one voter: `{changes: [c]}`; several or `transition` 'explicit' /
   * 'implicit': joint consensus). At most one may be pending; throws ErrProposalDropped otherwise.
   */
  proposeConfChange(cc: ConfChange): void {
    this.stepProposal({ term: 0, index: 0, type: EntryType.ConfChange, data: encodeConfChange(cc) });
  }

  private stepProposal(e: Entry): void {
    const id = this.raft.id;
    this.raft.step(newMessage({ type: MessageType.Prop, to: id, from: id, entries: [e] }));
  }

  /**
   * Applies a committed conf change entry's change; call it while applying that entry. Returns the new
   * membership (to store with snapshots). Throws ErrInvalidConfChange if the current configuration cannot
   * take it; every replica refuses it identically, so the application may then skip the entry.
   */
  applyConfChange(cc: ConfChange): ConfState {
    return applyConfChange(this.raft, cc);
  }

  /**
   * Steps a message received from the network. Throws ErrStepLocalMsg for local-only types. Responses
   * from nodes outside the configuration, and forwarded proposals this node cannot accept, are dropped
   * (logged at debug): the network may deliver them at any time.
   */
  step(m: Message): void {
    if (isLocalMsg(m.type)) throw new ErrStepLocalMsg();
    if (isResponseMsg(m.type) && !this.raft.trk.progress.has(m.from)) {
      this.raft.logger.debug(
        { id: this.raft.id, from: m.from, type: m.type },
        'raft: response from unknown peer',
      );
      return;
    }
    try {
      this.raft.step(m);
    } catch (e) {
      if (!(m.type === MessageType.Prop && e instanceof ErrProposalDropped)) throw e;
      this.raft.logger.debug(
        { id: this.raft.id, from: m.from, reason: e.message },
        'raft: forwarded proposal dropped',
      );
    }
  }

  /**
   * Requests a linearizable read (thesis §6.4). `ctx` must be non-empty and unique; the answer arrives in a
   * later `Ready.readStates` as {index, requestCtx: ctx}: serve the read once `index` is applied. No answer
   * comes if leadership changes meanwhile: retry after a timeout.
   */
  readIndex(ctx: Uint8Array): void {
    assert(ctx.byteLength > 0, 'readIndex: ctx must be non-empty');
    this.raft.step(newMessage({ type: MessageType.ReadIndex, to: this.raft.id, context: ctx }));
  }

  /** Asks the leader to hand leadership to `to` (thesis §3.10); forwarded if this node is a follower. */
  transferLeadership(to: number): void {
    // etcd's convention: the transfer target is the message's `from`.
    this.raft.step(newMessage({ type: MessageType.TransferLeader, to: this.raft.id, from: to }));
  }

  /** The transport failed to reach `id`: the leader probes it instead of pipelining. */
  reportUnreachable(id: number): void {
    this.raft.step(newMessage({ type: MessageType.Unreachable, to: this.raft.id, from: id }));
  }

  /** Reports whether the snapshot sent to `id` was applied (`ok`) or failed. */
  reportSnapshot(id: number, ok: boolean): void {
    this.raft.step(newMessage({ type: MessageType.SnapStatus, to: this.raft.id, from: id, reject: !ok }));
  }

  /** Whether `ready()` has anything to hand out. Allocation-free. */
  hasReady(): boolean {
    const r = this.raft;
    const ps = this.prevSoftSt;
    if (r.lead !== ps.lead || r.state !== ps.raftState) return true;
    const ph = this.prevHardSt;
    if (r.term !== ph.term || r.vote !== ph.vote || r.raftLog.committed !== ph.commit) return true;
    if (r.raftLog.unstable.nextSnapshot() !== undefined) return true;
    if (r.msgs.length > 0 || r.readStates.length > 0) return true;
    return r.raftLog.hasNextUnstableEnts() || r.raftLog.hasNextCommittedEnts();
  }

  /**
   * Hands out what to persist, send and apply (see the class doc for the order), and marks it in progress
   * so the next Ready does not repeat it. Call `advance(rd)` once it is done.
   */
  ready(): Ready {
    const r = this.raft;
    const entries = r.raftLog.nextUnstableEnts();
    const committedEntries = r.raftLog.nextCommittedEnts();
    const messages = r.msgs;
    r.msgs = [];
    const rd: { -readonly [K in keyof Ready]: Ready[K] } = {
      readStates: r.readStates,
      entries,
      committedEntries,
      messages,
      mustSync: false,
    };
    const ss = r.softState();
    if (ss.lead !== this.prevSoftSt.lead || ss.raftState !== this.prevSoftSt.raftState) {
      rd.softState = ss;
      this.prevSoftSt = ss;
    }
    const hs = r.hardState();
    const ph = this.prevHardSt;
    if (hs.term !== ph.term || hs.vote !== ph.vote || hs.commit !== ph.commit) rd.hardState = hs;
    const snap = r.raftLog.unstable.nextSnapshot();
    if (snap !== undefined) rd.snapshot = snap;
    // Term, vote and entries must be durable before acknowledging (§3.8, Figure 3.1 "persistent state").
    rd.mustSync = entries.length > 0 || snap !== undefined || hs.term !== ph.term || hs.vote !== ph.vote;
    this.prevHardSt = hs;
    r.readStates = [];
    r.raftLog.unstable.acceptInProgress();
    const lastCommitted = committedEntries[committedEntries.length - 1];
    if (lastCommitted !== undefined) r.raftLog.acceptApplying(lastCommitted.index);
    return rd;
  }

  /**
   * Acknowledges that `rd` was persisted, sent and applied: entries become stable and the applied index
   * moves (a leader that applied its joint-config entry with autoLeave then proposes leaving it).
   * Equivalent to {@link advanceApplied} then {@link advancePersisted}.
   */
  advance(rd: Ready): void {
    this.advanceApplied(rd);
    this.advancePersisted(rd);
  }

  /**
   * The apply half of {@link advance}: `rd`'s snapshot and committed entries are applied. With
   * `leaderCountsDurableOnly`, a leader may call it, and take further Readies, before `rd` is persisted.
   */
  advanceApplied(rd: Ready): void {
    const r = this.raft;
    const lastCommitted = rd.committedEntries[rd.committedEntries.length - 1];
    if (lastCommitted !== undefined) {
      r.appliedTo(lastCommitted.index);
      r.reduceUncommittedSize(entsSize(rd.committedEntries));
    } else if (rd.snapshot !== undefined) {
      r.appliedTo(rd.snapshot.metadata.index);
    }
  }

  /**
   * The persist half of {@link advance}: `rd`'s entries and snapshot are durable (call in the order the
   * Readies were taken). A leader with `leaderCountsDurableOnly` counts the entries towards the commit
   * quorum now, which may commit them (see the next Ready).
   */
  advancePersisted(rd: Ready): void {
    const r = this.raft;
    const lastEntry = rd.entries[rd.entries.length - 1];
    if (lastEntry !== undefined) {
      r.raftLog.stableTo(lastEntry.index, lastEntry.term);
      persistedTo(r, lastEntry.index, lastEntry.term);
    }
    if (rd.snapshot !== undefined) r.raftLog.stableSnapTo(rd.snapshot.metadata.index);
  }

  status(): RaftStatus {
    const r = this.raft;
    const s: RaftStatus = {
      id: r.id,
      term: r.term,
      vote: r.vote,
      commit: r.raftLog.committed,
      applied: r.raftLog.applied,
      lead: r.lead,
      raftState: r.state,
    };
    if (r.state === StateType.Leader) {
      s.progress = new Map();
      for (const [id, pr] of r.trk.progress) {
        s.progress.set(id, { match: pr.match, next: pr.next, state: progressStateName(pr.state) });
      }
    }
    return s;
  }

  /** "StateLeader" etc., for logs. */
  static stateName(s: StateType): string {
    return stateName(s);
  }
}
