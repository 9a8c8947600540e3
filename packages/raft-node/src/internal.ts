/**
 * Wider exports for tests and sibling packages' tests (nats.js internal_mod.ts). Not a stable API.
 */
export * from './index.js';
export { Raft, stateName, tickElection, tickHeartbeat } from './core/raft.js';
export { CampaignType, campaign, hup, poll } from './core/election.js';
export { rawNodeRaft } from './core/raw-node.js';
export { RaftLog } from './core/log.js';
export {
  appendEntry,
  bcastAppend,
  bcastHeartbeat,
  maybeCommit,
  maybeSendAppend,
  sendAppend,
} from './core/replication.js';
export { Unstable } from './core/log-unstable.js';
export { newMessage, isLocalMsg, isResponseMsg, voteRespMsgType, type MessageInit } from './core/messages.js';
export { resolveConfig } from './core/config.js';
export { Inflights } from './tracker/inflights.js';
export { Progress, ProgressState, progressStateName } from './tracker/progress.js';
export { ProgressTracker, type TrackerConfig } from './tracker/tracker.js';
export { Changer, restoreConfig } from './tracker/changer.js';
export * from './quorum/quorum.js';

import type { RawNode } from './core/raw-node.js';
import { rawNodeRaft } from './core/raw-node.js';

/** Test hook (etcd SetRandomizedElectionTimeout): pins `rn`'s election timeout until its next reset. */
export function setRandomizedElectionTimeout(rn: RawNode, ticks: number): void {
  rawNodeRaft(rn).setRandomizedElectionTimeout(ticks);
}
