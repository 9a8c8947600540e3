/** The follower role (Raft §3.4–3.5): obey the leader, forward client requests to it. */
import { CampaignType, hup } from './election.js';
import type { Raft } from './raft.js';
import { handleAppendEntries, handleHeartbeat } from './replication.js';
import { handleSnapshot } from './snapshot.js';
import { ErrProposalDropped, type Message, MessageType, NONE } from './types.js';

/** The follower's handler (etcd stepFollower). */
export function stepFollower(r: Raft, m: Message): void {
  switch (m.type) {
    case MessageType.Prop:
      forwardProposal(r, m);
      return;
    case MessageType.App:
      heardFromLeader(r, m);
      handleAppendEntries(r, m);
      return;
    case MessageType.Heartbeat:
      heardFromLeader(r, m);
      handleHeartbeat(r, m);
      return;
    case MessageType.Snap:
      heardFromLeader(r, m);
      handleSnapshot(r, m);
      return;
    case MessageType.TransferLeader:
    case MessageType.ReadIndex:
      forwardToLeader(r, m);
      return;
    case MessageType.TimeoutNow:
      // The leader hands over (§3.10): campaign now, without pre-vote — we know the leader is alive.
      r.logger.info(
        { id: r.id, term: r.term, from: m.from },
        'raft: received MsgTimeoutNow, starting election',
      );
      hup(r, CampaignType.Transfer);
      return;
    case MessageType.ReadIndexResp:
      r.readStates.push({ index: m.index, requestCtx: m.context ?? new Uint8Array(0) });
      return;
    case MessageType.Hup:
    case MessageType.Beat:
    case MessageType.AppResp:
    case MessageType.Vote:
    case MessageType.VoteResp:
    case MessageType.HeartbeatResp:
    case MessageType.Unreachable:
    case MessageType.SnapStatus:
    case MessageType.CheckQuorum:
    case MessageType.PreVote:
    case MessageType.PreVoteResp:
      return;
    default: {
      const never: never = m.type;
      throw new TypeError(`stepFollower: unknown message type ${String(never)}`);
    }
  }
}

/** A message from the leader resets the election timer (§3.4) and names the leader. */
function heardFromLeader(r: Raft, m: Message): void {
  r.electionElapsed = 0;
  r.lead = m.from;
}

/** Forwards a proposal to the leader, or drops it naming the leader to retry at. */
function forwardProposal(r: Raft, m: Message): void {
  if (r.lead === NONE) throw new ErrProposalDropped(`no leader at term ${r.term}`, NONE);
  if (r.disableProposalForwarding) throw new ErrProposalDropped('proposal forwarding is disabled', r.lead);
  r.send({ ...m, to: r.lead });
}

/** Forwards a request only the leader can serve; dropped without a leader (the requester retries). */
function forwardToLeader(r: Raft, m: Message): void {
  if (r.lead === NONE) {
    r.logger.info({ id: r.id, term: r.term, type: m.type }, 'raft: no leader; dropping request');
    return;
  }
  r.send({ ...m, to: r.lead });
}
