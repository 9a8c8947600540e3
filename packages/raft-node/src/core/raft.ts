/**
 * The Raft state machine (etcd raft raft.go; Ongaro's thesis, "Consensus: Bridging Theory and Practice",
 * and the Raft paper). Synchronous and pure: `step()` and `tick()` only mutate memory; outgoing messages
 * collect in `msgs` and new entries in the unstable log until the RawNode hands them out in a Ready.
 *
 * Roles are swapped handlers (§3.3): `becomeX` sets `stepFn` (stepLeader / stepCandidate / stepFollower)
 * and `tickFn` (tickElection / tickHeartbeat). Messages first pass `step`, which handles terms (§3.3: a
 * newer term turns anyone into a follower; an older one is rejected) and votes (§3.4), then go to the role.
 */
import type { Rng } from '@kubelab/clock';
import { restoreConfig } from '../tracker/changer.js';
import { ProgressTracker } from '../tracker/tracker.js';
import { assert, fail } from './assert.js';
import { assertConfStatesEquivalent, proposeLeaveJoint, switchToConfig } from './conf.js';
import { type RaftConfig, type RaftLogger, resolveConfig } from './config.js';
import { CampaignType, handleVoteRequest, hup, stepHigherTerm, stepLowerTerm } from './election.js';
import { RaftLog } from './log.js';
import { type MessageInit, newMessage } from './messages.js';
import { ReadOnly } from './read-only.js';
import { appendEntry } from './replication.js';
import { stepCandidate } from './step-candidate.js';
import { stepFollower } from './step-follower.js';
import { stepLeader } from './step-leader.js';
import {
  EntryType,
  ErrSnapshotTemporarilyUnavailable,
  type HardState,
  type Message,
  MessageType,
  NONE,
  type ReadState,
  type SoftState,
  StateType,
  type Storage,
} from './types.js';

export type StepFn = (r: Raft, m: Message) => void;
export type TickFn = (r: Raft) => void;

const stateNames = ['StateFollower', 'StateCandidate', 'StateLeader', 'StatePreCandidate'] as const;

/** The name of a role, as in etcd ("StateLeader", …). */
export function stateName(s: StateType): string {
  return stateNames[s];
}

export class Raft {
  readonly id: number;
  /** Persistent (§3.3, Figure 3.1): the latest term seen and the vote cast in it. */
  term = 0;
  vote = NONE;
  readStates: ReadState[] = [];
  readonly raftLog: RaftLog;
  readonly maxMsgSize: number;
  readonly maxUncommittedSize: number;
  readonly trk: ProgressTracker;
  state: StateType = StateType.Follower;
  /** Whether this node is a learner in the current configuration. */
  isLearner = false;
  /** Outgoing messages, handed out (and cleared) by the next Ready. */
  msgs: Message[] = [];
  lead = NONE;
  /** The target of a leadership transfer in progress (§3.10), or NONE. */
  leadTransferee = NONE;
  /**
   * Only one conf change may be pending (in the log, not yet applied): the index of the latest one, or an
   * upper bound of it (a new leader uses its last index).
   */
  pendingConfIndex = 0;
  /** Payload bytes of uncommitted entries appended by this leader (an estimate, never an overestimate). */
  uncommittedSize = 0;
  readOnly = new ReadOnly();
  /** Ticks since the last election timeout reset (follower/candidate) or CheckQuorum (leader). */
  electionElapsed = 0;
  /** Leader only: ticks since the last heartbeat. */
  heartbeatElapsed = 0;
  readonly checkQuorum: boolean;
  readonly preVote: boolean;
  readonly heartbeatTimeout: number;
  readonly electionTimeout: number;
  /** Drawn from [electionTimeout, 2*electionTimeout-1] on every reset (§3.4). */
  randomizedElectionTimeout = 0;
  readonly disableProposalForwarding: boolean;
  /** See RaftConfig.leaderCountsDurableOnly. */
  readonly leaderCountsDurableOnly: boolean;
  /** ReadIndex requests a new leader holds until it has committed an entry of its term (§6.4). */
  pendingReadIndexMessages: Message[] = [];
  stepFn: StepFn = stepFollower;
  tickFn: TickFn = tickElection;
  readonly rng: Rng;
  readonly logger: RaftLogger;
  /** Local messages, built once so that ticks never allocate (messages are immutable). */
  readonly hupMsg: Message;
  readonly beatMsg: Message;
  readonly checkQuorumMsg: Message;

  constructor(config: RaftConfig) {
    const c = resolveConfig(config);
    this.id = c.id;
    this.hupMsg = newMessage({ type: MessageType.Hup, to: c.id, from: c.id });
    this.beatMsg = newMessage({ type: MessageType.Beat, to: c.id, from: c.id });
    this.checkQuorumMsg = newMessage({ type: MessageType.CheckQuorum, to: c.id, from: c.id });
    this.rng = c.rng;
    this.logger = c.logger;
    this.maxMsgSize = c.maxSizePerMsg;
    this.maxUncommittedSize = c.maxUncommittedEntriesSize;
    this.checkQuorum = c.checkQuorum;
    this.preVote = c.preVote;
    this.heartbeatTimeout = c.heartbeatTicks;
    this.electionTimeout = c.electionTicks;
    this.disableProposalForwarding = c.disableProposalForwarding;
    this.leaderCountsDurableOnly = c.leaderCountsDurableOnly;
    this.raftLog = new RaftLog(c.storage, c.maxCommittedSizePerReady);
    this.trk = new ProgressTracker(c.maxInflightMsgs, c.maxInflightBytes);
    const { hardState, confState } = c.storage.initialState();
    const restored = restoreConfig(this.trk, this.raftLog.lastIndex(), confState);
    assertConfStatesEquivalent(confState, switchToConfig(this, restored.config, restored.progress));
    if (hardState.term !== 0 || hardState.vote !== 0 || hardState.commit !== 0) this.loadState(hardState);
    const applied = c.applied > 0 ? c.applied : snapshotIndex(c.storage);
    if (applied > this.raftLog.applied) this.raftLog.appliedTo(applied);
    this.becomeFollower(this.term, NONE);
    this.logger.info(
      {
        id: this.id,
        term: this.term,
        commit: this.raftLog.committed,
        applied: this.raftLog.applied,
        lastIndex: this.raftLog.lastIndex(),
        lastTerm: this.raftLog.lastTerm(),
        voters: confState.voters,
      },
      'raft: new node',
    );
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.raftLog.committed };
  }

  softState(): SoftState {
    return { lead: this.lead, raftState: this.state };
  }

  /** Restores term, vote and commit after a restart (§3.8: they were persisted before acknowledging). */
  loadState(hs: HardState): void {
    if (hs.commit < this.raftLog.committed || hs.commit > this.raftLog.lastIndex()) {
      fail(
        `${this.id} state.commit ${hs.commit} is out of range [${this.raftLog.committed}, ${this.raftLog.lastIndex()}]`,
      );
    }
    this.raftLog.committed = hs.commit;
    this.term = hs.term;
    this.vote = hs.vote;
  }

  /** Advances logical time by one tick. */
  tick(): void {
    this.tickFn(this);
  }

  /** Queues a message; sets `from` and the term (except for forwarded proposals and read requests). */
  send(init: MessageInit): void {
    if (init.from === undefined || init.from === NONE) init.from = this.id;
    const t = init.type;
    if (
      t === MessageType.Vote ||
      t === MessageType.VoteResp ||
      t === MessageType.PreVote ||
      t === MessageType.PreVoteResp
    ) {
      // Vote messages carry the term of the campaign, which may not be ours (pre-votes, §9.6).
      if (!init.term) fail(`term should be set when sending ${t}`);
    } else {
      if (init.term) fail(`term should not be set when sending ${t} (was ${init.term})`);
      // Proposals and read requests are forwarded to the leader as local messages: no term.
      if (t !== MessageType.Prop && t !== MessageType.ReadIndex) init.term = this.term;
    }
    this.msgs.push(newMessage(init));
  }

  /** Back to a clean slate for `term`: no leader, fresh progress for everyone (§3.4). */
  reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.abortLeaderTransfer();
    this.trk.resetVotes();
    const last = this.raftLog.lastIndex();
    for (const [id, pr] of this.trk.progress) {
      pr.becomeProbe();
      pr.match = id === this.id ? last : 0;
      pr.next = last + 1;
      pr.sentCommit = 0;
      pr.recentActive = false;
    }
    this.pendingConfIndex = 0;
    this.uncommittedSize = 0;
    // Pending reads belong to a leadership; their requesters retry.
    this.readOnly = new ReadOnly();
    this.pendingReadIndexMessages = [];
  }

  becomeFollower(term: number, lead: number): void {
    this.stepFn = stepFollower;
    this.reset(term);
    this.tickFn = tickElection;
    this.lead = lead;
    this.state = StateType.Follower;
    this.logger.info({ id: this.id, term: this.term, lead }, 'raft: became follower');
  }

  becomeCandidate(): void {
    if (this.state === StateType.Leader) fail('invalid transition [leader -> candidate]');
    this.stepFn = stepCandidate;
    this.reset(this.term + 1);
    this.tickFn = tickElection;
    this.vote = this.id;
    this.state = StateType.Candidate;
    this.logger.info({ id: this.id, term: this.term }, 'raft: became candidate');
  }

  /**
   * A pre-candidate asks for votes for term+1 without incrementing its term or changing its vote (thesis
   * §9.6), so a node that cannot win does not disrupt the cluster.
   */
  becomePreCandidate(): void {
    if (this.state === StateType.Leader) fail('invalid transition [leader -> pre-candidate]');
    this.stepFn = stepCandidate;
    this.trk.resetVotes();
    this.tickFn = tickElection;
    this.lead = NONE;
    this.state = StateType.PreCandidate;
    this.logger.info({ id: this.id, term: this.term }, 'raft: became pre-candidate');
  }

  /** Takes leadership and appends an empty entry of the new term (§6.4: it commits the previous terms' entries). */
  becomeLeader(): void {
    if (this.state === StateType.Follower) fail('invalid transition [follower -> leader]');
    this.stepFn = stepLeader;
    this.reset(this.term);
    this.tickFn = tickHeartbeat;
    this.lead = this.id;
    this.state = StateType.Leader;
    const pr = this.trk.progress.get(this.id);
    assert(pr !== undefined, 'leader has no progress for itself');
    pr.becomeReplicate();
    pr.recentActive = true;
    // Conservatively assume a conf change may be pending somewhere in the uncommitted log.
    this.pendingConfIndex = this.raftLog.lastIndex();
    const noop = { term: 0, index: 0, type: EntryType.Normal, data: new Uint8Array(0) };
    if (!appendEntry(this, [noop], true)) fail('empty entry was dropped');
    this.logger.info({ id: this.id, term: this.term }, 'raft: became leader');
  }

  /** Whether this node may campaign: a voter with no snapshot pending. */
  promotable(): boolean {
    const pr = this.trk.progress.get(this.id);
    return pr !== undefined && !pr.isLearner && !this.raftLog.hasPendingSnapshot();
  }

  pastElectionTimeout(): boolean {
    return this.electionElapsed >= this.randomizedElectionTimeout;
  }

  resetRandomizedElectionTimeout(): void {
    this.randomizedElectionTimeout = this.rng.int(this.electionTimeout, 2 * this.electionTimeout - 1);
  }

  /** Test hook (etcd SetRandomizedElectionTimeout): pins the timeout until the next reset. */
  setRandomizedElectionTimeout(ticks: number): void {
    this.randomizedElectionTimeout = ticks;
  }

  abortLeaderTransfer(): void {
    this.leadTransferee = NONE;
  }

  /** Whether the commit index points into this term (a new leader's no-op has committed, §6.4). */
  committedEntryInCurrentTerm(): boolean {
    return this.raftLog.termOrZero(this.raftLog.committed) === this.term;
  }

  /** The entry point of every message, local or remote. Throws ErrProposalDropped for rejected proposals. */
  step(m: Message): void {
    if (m.term > this.term) {
      if (!stepHigherTerm(this, m)) return;
    } else if (m.term !== 0 && m.term < this.term) {
      stepLowerTerm(this, m);
      return;
    }
    if (m.type === MessageType.Hup) {
      hup(this, this.preVote ? CampaignType.PreElection : CampaignType.Election);
    } else if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
      handleVoteRequest(this, m);
    } else {
      this.stepFn(this, m);
    }
  }

  /**
   * The application applied entries up to `index`. A leader that has applied the entry entering a joint
   * configuration with autoLeave proposes the empty conf change that leaves it (thesis §4.3).
   */
  appliedTo(index: number): void {
    const oldApplied = this.raftLog.applied;
    this.raftLog.appliedTo(index);
    const pci = this.pendingConfIndex;
    if (this.trk.config.autoLeave && oldApplied <= pci && index >= pci && this.state === StateType.Leader) {
      proposeLeaveJoint(this);
    }
  }

  /** Uncommitted payload that has now committed no longer counts against the limit. */
  reduceUncommittedSize(bytes: number): void {
    this.uncommittedSize = bytes > this.uncommittedSize ? 0 : this.uncommittedSize - bytes;
  }
}

/**
 * The index of the storage's snapshot: what a restarted application restores its state from, so entries up
 * to it (and the conf changes the snapshot's ConfState already reflects) must not be applied again.
 */
function snapshotIndex(storage: Storage): number {
  try {
    return storage.snapshot().metadata.index;
  } catch (e) {
    if (e instanceof ErrSnapshotTemporarilyUnavailable) return 0;
    throw e;
  }
}

/** Follower and candidate tick: campaign once the randomized election timeout passes (§3.4). */
export function tickElection(r: Raft): void {
  r.electionElapsed++;
  if (r.promotable() && r.pastElectionTimeout()) {
    r.electionElapsed = 0;
    r.step(r.hupMsg);
  }
}

/** Leader tick: heartbeat every heartbeatTimeout; CheckQuorum every electionTimeout (§6.2). */
export function tickHeartbeat(r: Raft): void {
  r.heartbeatElapsed++;
  r.electionElapsed++;
  if (r.electionElapsed >= r.electionTimeout) {
    r.electionElapsed = 0;
    if (r.checkQuorum) r.step(r.checkQuorumMsg);
    // A transfer that did not finish within an election timeout is abandoned (§3.10).
    if (r.state === StateType.Leader && r.leadTransferee !== NONE) r.abortLeaderTransfer();
  }
  if (r.state !== StateType.Leader) return;
  if (r.heartbeatElapsed >= r.heartbeatTimeout) {
    r.heartbeatElapsed = 0;
    r.step(r.beatMsg);
  }
}
