/**
 * The leader's view of one follower (etcd raft tracker/progress.go, Raft thesis §3.5 nextIndex/matchIndex,
 * with the flow control of §10.2).
 *
 * Invariant: `match < next`. Entries ≤ `match` are known to be on the follower; `next` is the first one to
 * send. The state says how the leader sends:
 * - Probe: one MsgApp per heartbeat interval until the follower's log position is found (after a rejection,
 *   on becoming leader, or after the follower was unreachable).
 * - Replicate: pipelined MsgApps, `next` advanced optimistically, bounded by `inflights`.
 * - Snapshot: a MsgSnap is on its way; nothing else is sent until it is reported.
 */
import type { Inflights } from './inflights.js';

export const ProgressState = {
  Probe: 0,
  Replicate: 1,
  Snapshot: 2,
} as const;
export type ProgressState = (typeof ProgressState)[keyof typeof ProgressState];

const stateNames = ['StateProbe', 'StateReplicate', 'StateSnapshot'] as const;

/** The name of a progress state, as in etcd ("StateProbe", …). */
export function progressStateName(s: ProgressState): string {
  return stateNames[s];
}

export class Progress {
  match: number;
  next: number;
  state: ProgressState = ProgressState.Probe;
  /** In StateSnapshot: the index of the snapshot being sent; 0 otherwise. */
  pendingSnapshot = 0;
  /**
   * The largest commit index sent to the follower (in a MsgApp or heartbeat). Lets the leader skip sending
   * an empty MsgApp only to carry a commit index the follower already has.
   */
  sentCommit = 0;
  /** Whether the follower was heard from since the last CheckQuorum (thesis §6.2). */
  recentActive = false;
  /**
   * Flow control: in Probe, a MsgApp was sent and not yet answered; in Replicate, the inflights window is
   * full. Cleared by an answer or a heartbeat response.
   */
  msgAppFlowPaused = false;
  readonly inflights: Inflights;
  isLearner: boolean;

  constructor(next: number, match: number, inflights: Inflights, isLearner: boolean, recentActive = false) {
    this.next = next;
    this.match = match;
    this.inflights = inflights;
    this.isLearner = isLearner;
    this.recentActive = recentActive;
  }

  /** A shallow copy sharing the inflights window (a conf change only mutates `isLearner`). */
  clone(): Progress {
    const p = new Progress(this.next, this.match, this.inflights, this.isLearner, this.recentActive);
    p.state = this.state;
    p.pendingSnapshot = this.pendingSnapshot;
    p.sentCommit = this.sentCommit;
    p.msgAppFlowPaused = this.msgAppFlowPaused;
    return p;
  }

  /** Resets the flow control for `state`. */
  private resetState(state: ProgressState): void {
    this.msgAppFlowPaused = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  /** Back to probing; after a snapshot, from the snapshot index (it may have been applied). */
  becomeProbe(): void {
    if (this.state === ProgressState.Snapshot) {
      const pending = this.pendingSnapshot;
      this.resetState(ProgressState.Probe);
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState(ProgressState.Probe);
      this.next = this.match + 1;
    }
    this.sentCommit = Math.min(this.sentCommit, this.next - 1);
  }

  /** The follower's position is known: pipeline from `match + 1`. */
  becomeReplicate(): void {
    this.resetState(ProgressState.Replicate);
    this.next = this.match + 1;
  }

  /** A snapshot at `snapshotIndex` is being sent. */
  becomeSnapshot(snapshotIndex: number): void {
    this.resetState(ProgressState.Snapshot);
    this.pendingSnapshot = snapshotIndex;
    this.next = snapshotIndex + 1;
    this.sentCommit = snapshotIndex;
  }

  /** Updates the flow control after sending `entries` entries of `bytes` payload ending at `next - 1`. */
  sentEntries(entries: number, bytes: number): void {
    if (this.state === ProgressState.Replicate) {
      if (entries > 0) {
        this.next += entries;
        this.inflights.add(this.next - 1, bytes);
      }
      this.msgAppFlowPaused = this.inflights.full();
    } else if (this.state === ProgressState.Probe && entries > 0) {
      this.msgAppFlowPaused = true;
    }
  }

  /** Whether sending `commit` could advance the follower's commit index. */
  canBumpCommit(commit: number): boolean {
    return commit > this.sentCommit && this.sentCommit < this.next - 1;
  }

  /** Records that `commit` was sent to the follower. */
  sentCommitTo(commit: number): void {
    this.sentCommit = commit;
  }

  /** The follower acknowledged entries up to `n`. Returns false for a stale acknowledgement. */
  maybeUpdate(n: number): boolean {
    if (n <= this.match) return false;
    this.match = n;
    this.next = Math.max(this.next, n + 1);
    this.msgAppFlowPaused = false;
    return true;
  }

  /**
   * The follower rejected a MsgApp whose previous index was `rejected`, hinting that its log matches at
   * most up to `matchHint` (thesis §5.3 optimisation, etcd's fast back-off). Returns false if the rejection
   * is stale and should be ignored.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === ProgressState.Replicate) {
      // Stale if we already know the follower has `rejected`.
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      this.sentCommit = Math.min(this.sentCommit, this.next - 1);
      return true;
    }
    // Probes go one at a time, so a rejection not of next-1 is a stale (reordered) one.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.sentCommit = Math.min(this.sentCommit, this.next - 1);
    this.msgAppFlowPaused = false;
    return true;
  }

  /** Whether MsgApps to this follower are throttled. */
  isPaused(): boolean {
    if (this.state === ProgressState.Snapshot) return true;
    return this.msgAppFlowPaused;
  }

  toString(): string {
    let s = `${progressStateName(this.state)} match=${this.match} next=${this.next}`;
    if (this.isLearner) s += ' learner';
    if (this.msgAppFlowPaused) s += ' paused';
    if (this.pendingSnapshot > 0) s += ` pendingSnap=${this.pendingSnapshot}`;
    if (!this.recentActive) s += ' inactive';
    if (this.inflights.count > 0) s += ` inflight=${this.inflights.count}`;
    return s;
  }
}
