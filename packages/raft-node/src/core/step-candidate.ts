import { VoteResult } from '../quorum/quorum.js';
/** The candidate and pre-candidate roles (Raft §3.4 elections, thesis §9.6 pre-vote). */
import { CampaignType, campaign, poll } from './election.js';
import type { Raft } from './raft.js';
import { bcastAppend, handleAppendEntries, handleHeartbeat } from './replication.js';
import { handleSnapshot } from './snapshot.js';
import { ErrProposalDropped, type Message, MessageType, NONE, StateType } from './types.js';

/**
 * The (pre-)candidate's handler (etcd stepCandidate): a leader's message of our term makes us its follower
 * (§3.4), vote responses are tallied, proposals are dropped (no leader to forward to).
 */
export function stepCandidate(r: Raft, m: Message): void {
  switch (m.type) {
    case MessageType.Prop:
      throw new ErrProposalDropped(`no leader at term ${r.term}`, NONE);
    case MessageType.App:
      // A leader of our term exists (§3.4: "if AppendEntries received from new leader: convert to follower").
      r.becomeFollower(m.term, m.from);
      handleAppendEntries(r, m);
      return;
    case MessageType.Heartbeat:
      r.becomeFollower(m.term, m.from);
      handleHeartbeat(r, m);
      return;
    case MessageType.Snap:
      r.becomeFollower(m.term, m.from);
      handleSnapshot(r, m);
      return;
    case MessageType.VoteResp:
    case MessageType.PreVoteResp:
      handleVoteResp(r, m);
      return;
    case MessageType.Hup:
    case MessageType.Beat:
    case MessageType.AppResp:
    case MessageType.Vote:
    case MessageType.HeartbeatResp:
    case MessageType.Unreachable:
    case MessageType.SnapStatus:
    case MessageType.CheckQuorum:
    case MessageType.TransferLeader:
    case MessageType.TimeoutNow:
    case MessageType.ReadIndex:
    case MessageType.ReadIndexResp:
    case MessageType.PreVote:
      // Nothing to do without a leader (reads and transfers need one; the requester retries).
      return;
    default: {
      const never: never = m.type;
      throw new TypeError(`stepCandidate: unknown message type ${String(never)}`);
    }
  }
}

/**
 * Counts a vote. Only responses to our own kind of campaign count: a candidate may still receive stale
 * pre-vote responses from its pre-candidacy in this term.
 */
function handleVoteResp(r: Raft, m: Message): void {
  const mine = r.state === StateType.PreCandidate ? MessageType.PreVoteResp : MessageType.VoteResp;
  if (m.type !== mine) return;
  const res = poll(r, m.from, m.type, !m.reject);
  if (res === VoteResult.Won) {
    if (r.state === StateType.PreCandidate) {
      campaign(r, CampaignType.Election);
    } else {
      r.becomeLeader();
      bcastAppend(r);
    }
  } else if (res === VoteResult.Lost) {
    // A pre-vote response carries our future term: stay at ours.
    r.becomeFollower(r.term, NONE);
  }
}
