import type { Progress } from '../tracker/progress.js';
import { ProgressState } from '../tracker/progress.js';
/**
 * Log replication (Raft §3.5 / thesis chapter 3, with the batching and pipelining of §10.2): the leader's
 * appends, heartbeats and commitment, and the follower's AppendEntries and heartbeat handlers.
 */
import { fail } from './assert.js';
import type { Raft } from './raft.js';
import { releasePendingReadIndexMessages } from './read-only.js';
import {
  type Entry,
  ErrCompacted,
  ErrSnapshotTemporarilyUnavailable,
  type Message,
  MessageType,
  StateType,
} from './types.js';
import { entsSize } from './util.js';

/** Sends a MsgApp (possibly empty, to carry the commit index) or a snapshot to `to`. */
export function sendAppend(r: Raft, to: number): void {
  maybeSendAppend(r, to, true);
}

/**
 * Sends `to` the entries from its `next` (up to maxMsgSize), or a snapshot if they are compacted away.
 * Returns false if nothing was sent: the follower is paused (flow control), or there is nothing new and
 * `sendIfEmpty` is false.
 */
export function maybeSendAppend(r: Raft, to: number, sendIfEmpty: boolean): boolean {
  const pr = r.trk.progress.get(to);
  if (pr === undefined || pr.isPaused()) return false;
  const prevIndex = pr.next - 1;
  const prevTerm = r.raftLog.maybeTerm(prevIndex);
  if (prevTerm < 0) return maybeSendSnapshot(r, to, pr);
  let ents: Entry[] = [];
  // With a full window in StateReplicate send only empty MsgApps: if every message in flight was lost, an
  // empty one still gets an answer that resets the window.
  if (pr.state !== ProgressState.Replicate || !pr.inflights.full()) {
    try {
      ents = r.raftLog.entries(pr.next, r.maxMsgSize);
    } catch (e) {
      if (e instanceof ErrCompacted) return maybeSendSnapshot(r, to, pr);
      throw e;
    }
  }
  if (ents.length === 0 && !sendIfEmpty) return false;
  const commit = r.raftLog.committed;
  r.send({ to, type: MessageType.App, index: prevIndex, logTerm: prevTerm, entries: ents, commit });
  pr.sentEntries(ents.length, entsSize(ents));
  pr.sentCommitTo(commit);
  return true;
}

/** Sends the latest snapshot to a follower whose next entries are compacted (Raft §7, InstallSnapshot). */
function maybeSendSnapshot(r: Raft, to: number, pr: Progress): boolean {
  if (!pr.recentActive) {
    r.logger.debug({ id: r.id, to }, 'raft: ignore sending snapshot to inactive follower');
    return false;
  }
  let snapshot: ReturnType<Raft['raftLog']['snapshot']>;
  try {
    snapshot = r.raftLog.snapshot();
  } catch (e) {
    if (e instanceof ErrSnapshotTemporarilyUnavailable) {
      r.logger.debug({ id: r.id, to }, 'raft: failed to send snapshot because it is temporarily unavailable');
      return false;
    }
    throw e;
  }
  if (snapshot.metadata.index === 0) fail('need non-empty snapshot');
  const { index, term, confState: cs } = snapshot.metadata;
  if (!cs.voters.includes(to) && !cs.learners.includes(to) && !cs.votersOutgoing.includes(to)) {
    // The follower would refuse it (snapshot.ts restore). The application must snapshot after applying
    // the conf change that added `to`; until then keep probing.
    r.logger.info(
      { id: r.id, to, index },
      'raft: latest snapshot predates the follower; waiting for a newer one',
    );
    return false;
  }
  r.logger.info({ id: r.id, to, index, term, progress: pr.toString() }, 'raft: sent snapshot');
  pr.becomeSnapshot(index);
  r.send({ to, type: MessageType.Snap, snapshot });
  return true;
}

/** Heartbeat (§3.5): asserts leadership and carries min(match, commit), which the follower surely has. */
export function sendHeartbeat(r: Raft, to: number, context: Uint8Array | undefined): void {
  const pr = r.trk.progress.get(to)!;
  const commit = Math.min(pr.match, r.raftLog.committed);
  r.send({ to, type: MessageType.Heartbeat, commit, context });
  pr.sentCommitTo(commit);
}

/** Sends appends to every follower and learner. */
export function bcastAppend(r: Raft): void {
  for (const id of r.trk.ids) if (id !== r.id) sendAppend(r, id);
}

/** Heartbeats everyone; the context of the latest pending ReadIndex rides along to confirm leadership. */
export function bcastHeartbeat(r: Raft): void {
  bcastHeartbeatWithCtx(r, r.readOnly.lastPendingRequestCtx());
}

export function bcastHeartbeatWithCtx(r: Raft, context: Uint8Array | undefined): void {
  for (const id of r.trk.ids) if (id !== r.id) sendHeartbeat(r, id, context);
}

/** Commits what a quorum has replicated, if it is of the current term (§3.6.2). */
export function maybeCommit(r: Raft): boolean {
  return r.raftLog.maybeCommit(r.trk.committed(), r.term);
}

/**
 * Leader: appends proposals to its own log with the current term and the next indexes. Returns false (and
 * appends nothing) if they would exceed the uncommitted size limit, unless `exempt` (the leader's no-op and
 * the entry leaving a joint configuration must never be refused).
 */
export function appendEntry(r: Raft, es: readonly Entry[], exempt = false): boolean {
  let li = r.raftLog.lastIndex();
  const ents = new Array<Entry>(es.length);
  for (let i = 0; i < es.length; i++) {
    const e = es[i]!;
    ents[i] = { term: r.term, index: li + 1 + i, type: e.type, data: e.data };
  }
  if (!increaseUncommittedSize(r, ents, exempt)) {
    r.logger.warn({ id: r.id }, 'raft: appending new entries would exceed the uncommitted entry size limit');
    return false;
  }
  li = r.raftLog.append(ents);
  // Unless it counts only durable entries (then `persistedTo` does this once they are on disk), the leader
  // counts itself as having the entries now: the driver finishes persisting this Ready before it takes the
  // next one, which is the first that could apply anything committed with them (thesis §10.2.1).
  if (!r.leaderCountsDurableOnly) {
    r.trk.progress.get(r.id)?.maybeUpdate(li);
    maybeCommit(r);
  }
  return true;
}

/**
 * The application has the log durable up to `index`, whose entry has `term` (leaderCountsDurableOnly). A
 * leader that still holds that entry counts itself as having it, which may commit (§3.6: an entry stored
 * on a majority, the leader being one of its members). Everything up to `index` is the same as what was
 * written: a log that has (index, term) agrees with every log that had it, on every earlier entry (Log
 * Matching, §3.5), its own earlier self included.
 */
export function persistedTo(r: Raft, index: number, term: number): void {
  if (!r.leaderCountsDurableOnly || r.state !== StateType.Leader) return;
  if (r.raftLog.maybeTerm(index) !== term) return;
  const pr = r.trk.progress.get(r.id);
  if (pr === undefined || !pr.maybeUpdate(index)) return;
  if (maybeCommit(r)) {
    releasePendingReadIndexMessages(r);
    bcastAppend(r);
  }
}

/**
 * Accepts any proposal when nothing is uncommitted, else only if the uncommitted tail stays within the
 * limit. Empty entries always pass.
 */
function increaseUncommittedSize(r: Raft, ents: readonly Entry[], exempt: boolean): boolean {
  const s = entsSize(ents);
  if (!exempt && r.uncommittedSize > 0 && s > 0 && r.uncommittedSize + s > r.maxUncommittedSize) return false;
  r.uncommittedSize += s;
  return true;
}

/**
 * AppendEntries receiver (§3.5, Figure 3.1). On a mismatch, the rejection hints where the logs may match:
 * the largest (index, term) in our log with index ≤ m.index and term ≤ m.logTerm (thesis §5.3 fast
 * back-off), so the leader skips a whole divergent term per round trip.
 */
export function handleAppendEntries(r: Raft, m: Message): void {
  if (m.index < r.raftLog.committed) {
    r.send({ to: m.from, type: MessageType.AppResp, index: r.raftLog.committed });
    return;
  }
  const lastNew = r.raftLog.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
  if (lastNew >= 0) {
    r.send({ to: m.from, type: MessageType.AppResp, index: lastNew });
    return;
  }
  const hint = r.raftLog.findConflictByTerm(Math.min(m.index, r.raftLog.lastIndex()), m.logTerm);
  r.logger.debug(
    {
      id: r.id,
      index: m.index,
      logTerm: m.logTerm,
      from: m.from,
      hintIndex: hint.index,
      hintTerm: hint.term,
    },
    'raft: rejected MsgApp',
  );
  r.send({
    to: m.from,
    type: MessageType.AppResp,
    index: m.index,
    reject: true,
    rejectHint: hint.index,
    logTerm: hint.term,
  });
}

/** Heartbeat receiver: adopt the commit index (≤ our match, so within our log) and answer with the context. */
export function handleHeartbeat(r: Raft, m: Message): void {
  r.raftLog.commitTo(m.commit);
  r.send({ to: m.from, type: MessageType.HeartbeatResp, context: m.context });
}

/** Tells the transfer target to campaign at once (§3.10). */
export function sendTimeoutNow(r: Raft, to: number): void {
  r.send({ to, type: MessageType.TimeoutNow });
}
