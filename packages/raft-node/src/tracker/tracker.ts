/**
 * The leader's view of the cluster (etcd raft tracker/tracker.go): the active configuration (voters, possibly
 * joint, and learners), one {@link Progress} per member, and the votes of the current election.
 */
import type { ConfState } from '../core/types.js';
import {
  type AckedIndexer,
  type JointConfig,
  VoteResult,
  describeJoint,
  jointCommittedIndex,
  jointIds,
  jointVoteResult,
  sortedIds,
} from '../quorum/quorum.js';
import type { Progress } from './progress.js';

/**
 * A membership configuration. Outside a joint configuration `voters[1]`, `learnersNext` are empty and
 * `autoLeave` is false. Invariants (checked by the changer): learners and voters are disjoint; a node in
 * `learnersNext` is an outgoing voter that becomes a learner when the joint config is left.
 */
export interface TrackerConfig {
  readonly voters: readonly [Set<number>, Set<number>];
  readonly learners: Set<number>;
  readonly learnersNext: Set<number>;
  autoLeave: boolean;
}

export function emptyTrackerConfig(): TrackerConfig {
  return { voters: [new Set(), new Set()], learners: new Set(), learnersNext: new Set(), autoLeave: false };
}

export function cloneTrackerConfig(c: TrackerConfig): TrackerConfig {
  return {
    voters: [new Set(c.voters[0]), new Set(c.voters[1])],
    learners: new Set(c.learners),
    learnersNext: new Set(c.learnersNext),
    autoLeave: c.autoLeave,
  };
}

/** `voters=(1 2 3)&&(1 2) learners=(4) learners_next=(5) autoleave`, for logs. */
export function describeTrackerConfig(c: TrackerConfig): string {
  let s = `voters=${describeJoint(c.voters)}`;
  if (c.learners.size > 0) s += ` learners=(${sortedIds(c.learners).join(' ')})`;
  if (c.learnersNext.size > 0) s += ` learners_next=(${sortedIds(c.learnersNext).join(' ')})`;
  if (c.autoLeave) s += ' autoleave';
  return s;
}

export class ProgressTracker implements AckedIndexer {
  config: TrackerConfig = emptyTrackerConfig();
  progress = new Map<number, Progress>();
  /** The ids of `progress`, ascending: the order in which the leader visits peers (deterministic). */
  ids: readonly number[] = [];
  /** Votes of the current election: id → granted. */
  readonly votes = new Map<number, boolean>();
  private readonly activeScratch = new Map<number, boolean>();

  constructor(
    readonly maxInflight: number,
    readonly maxInflightBytes: number,
  ) {}

  /** Installs a configuration and its progress map (from the changer). */
  setConfig(config: TrackerConfig, progress: Map<number, Progress>): void {
    this.config = config;
    this.progress = progress;
    this.ids = [...progress.keys()].sort((a, b) => a - b);
  }

  get voters(): JointConfig {
    return this.config.voters;
  }

  isJoint(): boolean {
    return this.config.voters[1].size > 0;
  }

  /** The configuration as a ConfState (sorted ids). */
  confState(): ConfState {
    const c = this.config;
    return {
      voters: sortedIds(c.voters[0]),
      learners: sortedIds(c.learners),
      votersOutgoing: sortedIds(c.voters[1]),
      learnersNext: sortedIds(c.learnersNext),
      autoLeave: c.autoLeave,
    };
  }

  /** Whether the only voter is a single node (which can commit and serve reads alone). */
  isSingleton(): boolean {
    return this.config.voters[0].size === 1 && this.config.voters[1].size === 0;
  }

  ackedIndex(id: number): number | undefined {
    return this.progress.get(id)?.match;
  }

  /** The largest index replicated on a quorum of the (joint) voters (Raft §5.3, thesis §4.3). */
  committed(): number {
    return jointCommittedIndex(this.config.voters, this);
  }

  /** Whether a quorum of voters was recently active (CheckQuorum, thesis §6.2). */
  quorumActive(): boolean {
    const active = this.activeScratch;
    active.clear();
    for (const [id, pr] of this.progress) {
      if (!pr.isLearner) active.set(id, pr.recentActive);
    }
    return jointVoteResult(this.config.voters, active) === VoteResult.Won;
  }

  /** All voter ids, incoming and outgoing, ascending. */
  voterNodes(): number[] {
    return jointIds(this.config.voters);
  }

  /** All learner ids, ascending. */
  learnerNodes(): number[] {
    return sortedIds(this.config.learners);
  }

  resetVotes(): void {
    this.votes.clear();
  }

  /** Records `id`'s vote; only its first vote of an election counts. */
  recordVote(id: number, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  /** The election result from the votes recorded so far. */
  tallyVotes(): VoteResult {
    return jointVoteResult(this.config.voters, this.votes);
  }

  /** Granted and rejected votes among current voters, for logs. */
  voteCounts(): { granted: number; rejected: number } {
    let granted = 0;
    let rejected = 0;
    for (const [id, pr] of this.progress) {
      if (pr.isLearner) continue;
      const v = this.votes.get(id);
      if (v === true) granted++;
      else if (v === false) rejected++;
    }
    return { granted, rejected };
  }
}
