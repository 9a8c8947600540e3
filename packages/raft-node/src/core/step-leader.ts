/**
 * The leader role (Raft §3.5 replication, §3.10 leadership transfer, §6.2 CheckQuorum, §6.4 ReadIndex,
 * chapter 4 membership). Every case is one call to a handler.
 */
import { decodeConfChange } from '../codec.js';
import { type Progress, ProgressState } from '../tracker/progress.js';
import { assert } from './assert.js';
import { isLeaveJoint } from './conf.js';
import type { Raft } from './raft.js';
import {
  handleReadIndexAck,
  releasePendingReadIndexMessages,
  respondToReadIndex,
  sendMsgReadIndexResponse,
} from './read-only.js';
import {
  appendEntry,
  bcastAppend,
  bcastHeartbeat,
  maybeCommit,
  maybeSendAppend,
  sendAppend,
  sendTimeoutNow,
} from './replication.js';
import { EntryType, ErrProposalDropped, type Message, MessageType, NONE } from './types.js';

/** The leader's handler for messages past Raft.step's term and vote checks (etcd stepLeader). */
export function stepLeader(r: Raft, m: Message): void {
  switch (m.type) {
    case MessageType.Beat:
      bcastHeartbeat(r);
      return;
    case MessageType.CheckQuorum:
      handleCheckQuorum(r);
      return;
    case MessageType.Prop:
      handlePropose(r, m);
      return;
    case MessageType.ReadIndex:
      handleReadIndex(r, m);
      return;
    case MessageType.AppResp:
      withProgress(r, m, handleAppResp);
      return;
    case MessageType.HeartbeatResp:
      withProgress(r, m, handleHeartbeatResp);
      return;
    case MessageType.SnapStatus:
      withProgress(r, m, handleSnapStatus);
      return;
    case MessageType.Unreachable:
      withProgress(r, m, handleUnreachable);
      return;
    case MessageType.TransferLeader:
      withProgress(r, m, handleTransferLeader);
      return;
    case MessageType.Hup:
    case MessageType.App:
    case MessageType.Vote:
    case MessageType.VoteResp:
    case MessageType.Snap:
    case MessageType.Heartbeat:
    case MessageType.TimeoutNow:
    case MessageType.ReadIndexResp:
    case MessageType.PreVote:
    case MessageType.PreVoteResp:
      // Stale or irrelevant to a leader of this term (votes and Hup were handled by Raft.step).
      return;
    default: {
      const never: never = m.type;
      throw new TypeError(`stepLeader: unknown message type ${String(never)}`);
    }
  }
}

/** Runs `fn` with the sender's progress; messages from nodes outside the configuration are dropped. */
function withProgress(r: Raft, m: Message, fn: (r: Raft, m: Message, pr: Progress) => void): void {
  const pr = r.trk.progress.get(m.from);
  if (pr === undefined) {
    r.logger.debug({ id: r.id, from: m.from, type: m.type }, 'raft: no progress available');
    return;
  }
  fn(r, m, pr);
}

/**
 * CheckQuorum (thesis §6.2): a leader that has not heard from a quorum within an election timeout steps
 * down, so a partitioned leader stops serving and clients find the real one.
 */
function handleCheckQuorum(r: Raft): void {
  if (!r.trk.quorumActive()) {
    r.logger.warn({ id: r.id, term: r.term }, 'raft: stepped down to follower since quorum is not active');
    r.becomeFollower(r.term, NONE);
  }
  for (const [id, pr] of r.trk.progress) if (id !== r.id) pr.recentActive = false;
}

/** Appends a proposal (§3.5), checking that at most one conf change is pending (thesis §4.1). */
function handlePropose(r: Raft, m: Message): void {
  assert(m.entries.length > 0, 'stepped empty MsgProp');
  if (!r.trk.progress.has(r.id)) {
    throw new ErrProposalDropped('leader was removed from the configuration', NONE);
  }
  if (r.leadTransferee !== NONE) {
    throw new ErrProposalDropped(`leadership transfer to ${r.leadTransferee} in progress`, r.leadTransferee);
  }
  let pendingConfIndex = r.pendingConfIndex;
  for (let i = 0; i < m.entries.length; i++) {
    const e = m.entries[i]!;
    if (e.type !== EntryType.ConfChange) continue;
    const failed = confChangeRefusal(r, e.data, pendingConfIndex);
    if (failed !== undefined) throw new ErrProposalDropped(failed, r.id);
    pendingConfIndex = r.raftLog.lastIndex() + i + 1;
  }
  if (!appendEntry(r, m.entries))
    throw new ErrProposalDropped('uncommitted entries size limit reached', r.id);
  r.pendingConfIndex = pendingConfIndex;
  bcastAppend(r);
}

/** Why a conf change proposal cannot be accepted now, or undefined if it can. */
function confChangeRefusal(r: Raft, data: Uint8Array, pendingConfIndex: number): string | undefined {
  let wantsLeaveJoint: boolean;
  try {
    wantsLeaveJoint = isLeaveJoint(decodeConfChange(data));
  } catch (e) {
    return `malformed conf change: ${(e as Error).message}`;
  }
  const alreadyJoint = r.trk.isJoint();
  if (pendingConfIndex > r.raftLog.applied) {
    return `possible unapplied conf change at index ${pendingConfIndex} (applied to ${r.raftLog.applied})`;
  }
  if (alreadyJoint && !wantsLeaveJoint) return 'must transition out of joint config first';
  if (!alreadyJoint && wantsLeaveJoint) return 'not in joint state; refusing empty conf change';
  return undefined;
}

/**
 * ReadIndex (thesis §6.4): a single voter answers at once; a new leader holds requests until it has
 * committed an entry of its term (only then is its commit index the cluster's); others confirm
 * leadership with a heartbeat round first.
 */
function handleReadIndex(r: Raft, m: Message): void {
  if (m.context === undefined || m.context.byteLength === 0) {
    r.logger.warn({ id: r.id, from: m.from }, 'raft: dropped ReadIndex without context');
    return;
  }
  if (r.trk.isSingleton()) {
    respondToReadIndex(r, m, r.raftLog.committed);
    return;
  }
  if (!r.committedEntryInCurrentTerm()) {
    r.pendingReadIndexMessages.push(m);
    return;
  }
  sendMsgReadIndexResponse(r, m);
}

/** AppendEntries response (§3.5): advance or back off the follower, commit, and keep the pipeline full. */
function handleAppResp(r: Raft, m: Message, pr: Progress): void {
  pr.recentActive = true;
  if (m.reject) {
    handleAppRespReject(r, m, pr);
    return;
  }
  // Also move a probed follower that turns out to be up to date into StateReplicate.
  if (!pr.maybeUpdate(m.index) && !(pr.match === m.index && pr.state === ProgressState.Probe)) return;
  if (pr.state === ProgressState.Probe) {
    pr.becomeReplicate();
  } else if (pr.state === ProgressState.Snapshot && pr.match + 1 >= r.raftLog.firstIndex()) {
    // The follower caught up (via the snapshot or otherwise): resume from the log, via probing so that
    // the snapshot index is taken into account.
    pr.becomeProbe();
    pr.becomeReplicate();
  } else if (pr.state === ProgressState.Replicate) {
    pr.inflights.freeLE(m.index);
  }
  if (maybeCommit(r)) {
    releasePendingReadIndexMessages(r);
    bcastAppend(r);
  } else if (m.from !== r.id && pr.canBumpCommit(r.raftLog.committed)) {
    sendAppend(r, m.from);
  }
  // The window may have opened: send as much as flow control allows, without empty messages.
  if (m.from !== r.id) while (maybeSendAppend(r, m.from, false));
  if (m.from === r.leadTransferee && pr.match === r.raftLog.lastIndex()) {
    r.logger.info({ id: r.id, to: m.from }, 'raft: sent MsgTimeoutNow after received MsgAppResp');
    sendTimeoutNow(r, m.from);
  }
}

/**
 * A rejected append. The follower's hint (rejectHint, logTerm) names the last entry where its log may
 * match; if the hint's term is in our log too, skip to our last entry of at most that term (thesis §5.3's
 * optimisation; etcd's findConflictByTerm), so each round trip skips a divergent term, not one entry.
 */
function handleAppRespReject(r: Raft, m: Message, pr: Progress): void {
  r.logger.debug(
    { id: r.id, from: m.from, index: m.index, hint: m.rejectHint, logTerm: m.logTerm },
    'raft: MsgApp rejected',
  );
  let nextProbeIdx = m.rejectHint;
  if (m.logTerm > 0) nextProbeIdx = r.raftLog.findConflictByTerm(m.rejectHint, m.logTerm).index;
  if (pr.maybeDecrTo(m.index, nextProbeIdx)) {
    if (pr.state === ProgressState.Replicate) pr.becomeProbe();
    sendAppend(r, m.from);
  }
}

/** A heartbeat answer unpauses the follower (an empty MsgApp then recovers lost appends) and acks reads. */
function handleHeartbeatResp(r: Raft, m: Message, pr: Progress): void {
  pr.recentActive = true;
  pr.msgAppFlowPaused = false;
  if (pr.match < r.raftLog.lastIndex() || pr.state === ProgressState.Probe) sendAppend(r, m.from);
  handleReadIndexAck(r, m);
}

/** The driver reports whether a snapshot reached the follower; either way, probe again after it answers. */
function handleSnapStatus(r: Raft, m: Message, pr: Progress): void {
  if (pr.state !== ProgressState.Snapshot) return;
  if (m.reject) pr.pendingSnapshot = 0;
  pr.becomeProbe();
  r.logger.debug({ id: r.id, to: m.from, ok: !m.reject, progress: pr.toString() }, 'raft: snapshot status');
  // Wait for the follower's MsgAppResp (success) or a heartbeat interval (failure) before sending again.
  pr.msgAppFlowPaused = true;
}

/** The transport could not reach the follower: optimistic appends were probably lost, so probe. */
function handleUnreachable(r: Raft, m: Message, pr: Progress): void {
  if (pr.state === ProgressState.Replicate) pr.becomeProbe();
  r.logger.debug(
    { id: r.id, to: m.from, progress: pr.toString() },
    'raft: failed to send message, unreachable',
  );
}

/**
 * Leadership transfer (thesis §3.10): stop accepting proposals, bring the target up to date, then tell it
 * to campaign at once (MsgTimeoutNow). By etcd's convention `m.from` is the transfer target.
 */
function handleTransferLeader(r: Raft, m: Message, pr: Progress): void {
  if (pr.isLearner) {
    r.logger.debug({ id: r.id }, 'raft: ignored transferring leadership to a learner');
    return;
  }
  const target = m.from;
  if (r.leadTransferee !== NONE) {
    if (r.leadTransferee === target) return;
    r.abortLeaderTransfer();
  }
  if (target === r.id) return;
  r.logger.info({ id: r.id, term: r.term, to: target }, 'raft: starts to transfer leadership');
  // The transfer must finish within an election timeout (tickHeartbeat aborts it otherwise).
  r.electionElapsed = 0;
  r.leadTransferee = target;
  if (pr.match === r.raftLog.lastIndex()) sendTimeoutNow(r, target);
  else sendAppend(r, target);
}
