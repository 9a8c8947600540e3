/**
 * Elections (Raft §5.2 / thesis §3.4, with pre-vote §9.6 and the CheckQuorum lease §4.2.3 and §6.2): how
 * terms in incoming messages are handled, how votes are granted, and how a node campaigns.
 */
import { VoteResult } from '../quorum/quorum.js';
import { voteRespMsgType } from './messages.js';
import type { Raft } from './raft.js';
import { EntryType, type Message, MessageType, NONE, StateType } from './types.js';
import { bytesEqual } from './util.js';

/** Why a node campaigns: after a pre-vote, directly, or because the leader asked it to (§3.10). */
export const CampaignType = { PreElection: 0, Election: 1, Transfer: 2 } as const;
export type CampaignType = (typeof CampaignType)[keyof typeof CampaignType];

/** The vote context of a transfer campaign: it overrides the leader lease of CheckQuorum (thesis §3.10). */
export const CAMPAIGN_TRANSFER_CONTEXT: Uint8Array = new TextEncoder().encode('CampaignTransfer');

/**
 * A message from a newer term (§3.3). Returns false if it must be ignored: a vote request while we have a
 * live leader (the CheckQuorum lease, thesis §4.2.3), unless it comes from a leadership transfer.
 */
export function stepHigherTerm(r: Raft, m: Message): boolean {
  if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
    const force = bytesEqual(m.context, CAMPAIGN_TRANSFER_CONTEXT);
    const inLease = r.checkQuorum && r.lead !== NONE && r.electionElapsed < r.electionTimeout;
    if (!force && inLease) {
      r.logger.info({ id: r.id, term: r.term, from: m.from, msgTerm: m.term }, 'raft: ignored vote in lease');
      return false;
    }
  }
  if (m.type === MessageType.PreVote) {
    // Never change the term for a pre-vote.
  } else if (m.type === MessageType.PreVoteResp && !m.reject) {
    // A granted pre-vote carries the term we will campaign in; the term moves only if we win.
  } else {
    const fromLeader =
      m.type === MessageType.App || m.type === MessageType.Heartbeat || m.type === MessageType.Snap;
    r.becomeFollower(m.term, fromLeader ? m.from : NONE);
  }
  return true;
}

/** A message from an older term: ignored, except to unstick a stale leader or pre-candidate. */
export function stepLowerTerm(r: Raft, m: Message): void {
  if ((r.checkQuorum || r.preVote) && (m.type === MessageType.Heartbeat || m.type === MessageType.App)) {
    // A leader of an older term is talking to us: this node may have bumped its term while partitioned.
    // Tell the leader our term so it steps down and the cluster can elect a leader we will follow.
    r.send({ to: m.from, type: MessageType.AppResp });
  } else if (m.type === MessageType.PreVote) {
    // Reject explicitly so a pre-candidate with an old term learns ours and does not wait forever.
    r.send({ to: m.from, term: r.term, type: MessageType.PreVoteResp, reject: true });
  }
}

/**
 * RequestVote receiver (§3.4, Figure 3.1): grant if we have not voted for someone else in this term (or
 * it is a pre-vote for a later term) and the candidate's log is at least as up-to-date as ours (§3.6.1).
 */
export function handleVoteRequest(r: Raft, m: Message): void {
  const canVote =
    r.vote === m.from ||
    (r.vote === NONE && r.lead === NONE) ||
    (m.type === MessageType.PreVote && m.term > r.term);
  if (canVote && r.raftLog.isUpToDate(m.index, m.logTerm)) {
    // Respond with the request's term: a pre-candidate asks for a term we have not reached.
    r.send({ to: m.from, term: m.term, type: voteRespMsgType(m.type) });
    if (m.type === MessageType.Vote) {
      r.electionElapsed = 0;
      r.vote = m.from;
    }
  } else {
    r.send({ to: m.from, term: r.term, type: voteRespMsgType(m.type), reject: true });
  }
}

/** Starts an election if allowed (a voter, not leader, no unapplied conf change). */
export function hup(r: Raft, t: CampaignType): void {
  if (r.state === StateType.Leader) return;
  if (!r.promotable()) {
    r.logger.warn({ id: r.id }, 'raft: is unpromotable and can not campaign');
    return;
  }
  if (hasUnappliedConfChanges(r)) {
    r.logger.warn({ id: r.id, term: r.term }, 'raft: cannot campaign: pending conf changes to apply');
    return;
  }
  campaign(r, t);
}

/** Whether a committed but unapplied entry changes membership (campaigning under a stale config is unsafe). */
function hasUnappliedConfChanges(r: Raft): boolean {
  const log = r.raftLog;
  let lo = log.applied + 1;
  const hi = log.committed + 1;
  while (lo < hi) {
    const ents = log.slice(lo, hi, log.maxApplyingBytes);
    for (const e of ents) if (e.type === EntryType.ConfChange) return true;
    lo += ents.length;
  }
  return false;
}

/** Becomes a (pre-)candidate and requests votes from every voter (§3.4). */
export function campaign(r: Raft, t: CampaignType): void {
  let term: number;
  let voteMsg: MessageType;
  if (t === CampaignType.PreElection) {
    r.becomePreCandidate();
    voteMsg = MessageType.PreVote;
    term = r.term + 1;
  } else {
    r.becomeCandidate();
    voteMsg = MessageType.Vote;
    term = r.term;
  }
  if (poll(r, r.id, voteRespMsgType(voteMsg), true) === VoteResult.Won) {
    // A single-voter cluster wins by its own vote.
    if (t === CampaignType.PreElection) campaign(r, CampaignType.Election);
    else r.becomeLeader();
    return;
  }
  const lastIndex = r.raftLog.lastIndex();
  const lastTerm = r.raftLog.lastTerm();
  const context = t === CampaignType.Transfer ? CAMPAIGN_TRANSFER_CONTEXT : undefined;
  for (const id of r.trk.voterNodes()) {
    if (id === r.id) continue;
    r.logger.info({ id: r.id, to: id, term, lastIndex, lastTerm }, 'raft: sent vote request');
    r.send({ to: id, term, type: voteMsg, index: lastIndex, logTerm: lastTerm, context });
  }
}

/** Records a vote and returns the election result so far. */
export function poll(r: Raft, id: number, t: MessageType, granted: boolean): VoteResult {
  r.logger.info({ id: r.id, from: id, type: t, granted, term: r.term }, 'raft: received vote');
  r.trk.recordVote(id, granted);
  return r.trk.tallyVotes();
}
