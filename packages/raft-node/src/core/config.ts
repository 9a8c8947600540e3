/** Construction parameters of a raft node (etcd raft Config), validated once at construction. */
import type { Rng } from '@kubelab/clock';
import { ErrInvalidConfig } from './errors.js';
import type { Storage } from './types.js';

/**
 * Structured logging in pino's call shape (`logger.info(fields, msg)`), so a `@kubelab/telemetry` Logger
 * fits as is.
 */
export interface RaftLogger {
  debug(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

/** A logger that drops everything (the default). */
export const silentRaftLogger: RaftLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

export interface RaftConfig {
  /** This node's id; positive. */
  id: number;
  /** The log and state to restart from. The core only reads it; the driver writes. */
  storage: Storage;
  /** Source of the randomized election timeout (Raft §5.2); seed it for replayable runs. */
  rng: Rng;
  /**
   * Ticks a follower waits without hearing from a leader before campaigning; the actual timeout is drawn
   * from [electionTicks, 2*electionTicks-1]. Default 10.
   */
  electionTicks?: number;
  /** Ticks between a leader's heartbeats; must be < electionTicks. Default 1. */
  heartbeatTicks?: number;
  /**
   * The last index the application's state reflects after a restart; committed entries after it are
   * handed out again. Default: the index of `storage.snapshot()`, which the application restores from.
   */
  applied?: number;
  /** Maximum payload bytes per MsgApp (at least one entry is always sent). Default 1 MiB. */
  maxSizePerMsg?: number;
  /** Maximum payload bytes of committed entries per Ready. Default: maxSizePerMsg. */
  maxCommittedSizePerReady?: number;
  /** Maximum MsgApps in flight to one follower in StateReplicate (thesis §10.2.2). Default 256. */
  maxInflightMsgs?: number;
  /** Maximum payload bytes in flight to one follower; 0 for no limit. Default 0. */
  maxInflightBytes?: number;
  /** Maximum payload bytes of uncommitted entries a leader accepts before dropping proposals. Default ∞. */
  maxUncommittedEntriesSize?: number;
  /** Leader steps down without a quorum of recent contact; followers keep a leader lease (§6.2). Default true. */
  checkQuorum?: boolean;
  /** Pre-vote before campaigning so a rejoining node does not disrupt (thesis §9.6). Default true. */
  preVote?: boolean;
  /** Drop follower proposals (ErrProposalDropped with the leader id) instead of forwarding them. */
  disableProposalForwarding?: boolean;
  /**
   * The leader counts its own entries towards the commit quorum only once the application reports them
   * durable (`RawNode.advance` / `advancePersisted`), not when it appends them. Then a majority of
   * followers can commit an entry while the leader's own write is still in flight (thesis §10.2.1), and
   * the application may hand out the next Ready (apply, reply) before that write ends. Default false: the
   * leader counts its entries at append, which is safe only if each Ready is persisted before the next
   * one is taken (etcd raft before its asynchronous storage writes).
   */
  leaderCountsDurableOnly?: boolean;
  logger?: RaftLogger;
}

/** A config with every default filled in. */
export type ResolvedRaftConfig = Required<Omit<RaftConfig, 'applied'>> & { applied: number };

/** Fills defaults and rejects configs that cannot work (etcd Config.validate). */
export function resolveConfig(c: RaftConfig): ResolvedRaftConfig {
  const maxSizePerMsg = c.maxSizePerMsg ?? 1 << 20;
  const r: ResolvedRaftConfig = {
    id: c.id,
    storage: c.storage,
    rng: c.rng,
    electionTicks: c.electionTicks ?? 10,
    heartbeatTicks: c.heartbeatTicks ?? 1,
    applied: c.applied ?? 0,
    maxSizePerMsg,
    maxCommittedSizePerReady: c.maxCommittedSizePerReady ?? maxSizePerMsg,
    maxInflightMsgs: c.maxInflightMsgs ?? 256,
    maxInflightBytes: c.maxInflightBytes ?? 0,
    maxUncommittedEntriesSize: c.maxUncommittedEntriesSize ?? Number.POSITIVE_INFINITY,
    checkQuorum: c.checkQuorum ?? true,
    preVote: c.preVote ?? true,
    disableProposalForwarding: c.disableProposalForwarding ?? false,
    leaderCountsDurableOnly: c.leaderCountsDurableOnly ?? false,
    logger: c.logger ?? silentRaftLogger,
  };
  const positiveInt = (v: number) => Number.isSafeInteger(v) && v > 0;
  if (!positiveInt(r.id)) throw new ErrInvalidConfig('id must be a positive integer');
  if (!positiveInt(r.heartbeatTicks)) throw new ErrInvalidConfig('heartbeatTicks must be a positive integer');
  if (!positiveInt(r.electionTicks) || r.electionTicks <= r.heartbeatTicks) {
    throw new ErrInvalidConfig('electionTicks must be an integer greater than heartbeatTicks');
  }
  if (!Number.isSafeInteger(r.applied) || r.applied < 0) throw new ErrInvalidConfig('applied must be ≥ 0');
  if (!positiveInt(r.maxInflightMsgs))
    throw new ErrInvalidConfig('maxInflightMsgs must be a positive integer');
  if (!(r.maxSizePerMsg > 0)) throw new ErrInvalidConfig('maxSizePerMsg must be positive');
  if (!(r.maxCommittedSizePerReady > 0))
    throw new ErrInvalidConfig('maxCommittedSizePerReady must be positive');
  if (!(r.maxUncommittedEntriesSize > 0))
    throw new ErrInvalidConfig('maxUncommittedEntriesSize must be positive');
  if (!(r.maxInflightBytes >= 0)) throw new ErrInvalidConfig('maxInflightBytes must be ≥ 0');
  if (r.maxInflightBytes !== 0 && r.maxInflightBytes < r.maxSizePerMsg) {
    throw new ErrInvalidConfig('maxInflightBytes must be ≥ maxSizePerMsg');
  }
  return r;
}
