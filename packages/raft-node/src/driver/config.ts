/**
 * Construction parameters of a {@link NodeDriver} (one `XConfig` object, STYLE.md §2), with defaults and
 * validation at construction (etcd Config.validate, client-go's NewLeaderElector checks).
 */
import type { Clock, Rng } from '@kubelab/clock';
import type { Tracer } from '@opentelemetry/api';
import { type RaftConfig, type RaftLogger, silentRaftLogger } from '../core/config.js';
import { ErrInvalidConfig } from '../core/errors.js';
import type { Entry, Snapshot, WritableStorage } from '../core/types.js';
import { type RaftMetrics, noopRaftMetrics } from '../metrics.js';
import type { DriverProbe } from './probe.js';
import type { Transport } from './transport.js';

/**
 * The application: a deterministic state machine fed committed entries in log order.
 *
 * @example
 * const counter: StateMachine<number> = {
 *   n: 0,
 *   apply(entries) { return entries.map((e) => (e.data.byteLength > 0 ? ++this.n : this.n)); },
 *   snapshot() { return new TextEncoder().encode(String(this.n)); },
 *   restore(s) { this.n = s.data.byteLength ? Number(new TextDecoder().decode(s.data)) : 0; },
 * };
 */
export interface StateMachine<R = undefined> {
  /**
   * Applies committed entries (normal ones, including the empty no-op a new leader appends, and conf changes,
   * which the driver has already applied to the membership). Returns one result per entry (settling the
   * proposal of that entry, if it was proposed here), or `undefined`. Synchronous: the apply order is the
   * log order and nothing else runs in between. Throwing stops the driver.
   */
  apply(entries: readonly Entry[]): readonly R[] | undefined;
  /** The state as of the last applied entry, as bytes; called right after an apply (snapshots). */
  snapshot(): Uint8Array;
  /** Replaces the whole state by a snapshot's (at start-up, and when the leader sends one). */
  restore(snapshot: Snapshot): void;
}

/** Raft tuning passed through to the core (see RaftConfig for each). */
export type RaftTuning = Partial<
  Pick<
    RaftConfig,
    | 'maxSizePerMsg'
    | 'maxCommittedSizePerReady'
    | 'maxInflightMsgs'
    | 'maxInflightBytes'
    | 'maxUncommittedEntriesSize'
    | 'checkQuorum'
    | 'preVote'
  >
>;

export interface NodeDriverConfig<R = undefined> {
  readonly id: number;
  /** The durable log; bootstrapped (or holding a previous run's state) before the driver starts. */
  readonly storage: WritableStorage;
  readonly transport: Transport;
  readonly stateMachine: StateMachine<R>;
  readonly clock: Clock;
  /** Election timeout randomization (seed it for replayable runs). */
  readonly rng: Rng;
  /** Length of one tick. Default 50. */
  readonly tickMs?: number;
  /** Election timeout in ticks, randomized in [electionTicks, 2·electionTicks−1]. Default 10. */
  readonly electionTicks?: number;
  /** Heartbeat interval in ticks. Default 1. */
  readonly heartbeatTicks?: number;
  readonly raft?: RaftTuning;
  /**
   * Let a leader send a Ready's messages before persisting it, overlapping its fsync with the followers'
   * (Raft thesis §10.2.1; etcd's server does this: `if islead { transport.Send(...) }` before saving).
   * Default true (it takes one fsync off the commit path at low concurrency); false keeps the plain Ready
   * order (persist → send) of STYLE.md principle 3. The deterministic simulation runs 30 % of its seeds with
   * the overlap (half of them with leaderWritesInBackground too), crashes losing unsynced writes included.
   *
   * Why it is safe here: a leader's messages (appends, heartbeats, read-index and transfer messages) are
   * not acknowledgements of its own state; vote and append RESPONSES only come from followers and
   * candidates, which keep the strict order. The core counts the leader's own unsynced entries towards
   * the commit quorum, but this driver handles one Ready at a time: a commit index computed while the
   * leader's fsync is in flight only surfaces in the NEXT Ready (apply, client acknowledgement, commit
   * index sent to followers, read-index answers), which starts after that fsync completed. So nothing
   * acts on an entry before a majority, leader included, has it durable.
   */
  readonly leaderSendsBeforePersist?: boolean;
  /**
   * With leaderSendsBeforePersist: the leader's write runs in the background (a synchronous append, then
   * fdatasync on the libuv threadpool) while the loop takes further Readies, and the core counts the
   * leader's own entries only once they are durable (RaftConfig.leaderCountsDurableOnly). Then two
   * followers can commit an entry, and the leader apply it and answer, while its own fsync still runs:
   * thesis §10.2.1 in full ("the leader may even commit an entry before it has been written to its own
   * disk, if a majority of followers have written it to their disks"). Every Ready that is not the
   * leader's (vote and append responses) waits for the background writes first. Ignored with a durable
   * state machine (`applied` set), whose applied index must never pass its own disk.
   *
   * Default false, on measurements (bench:raft, concurrency 1, 2 shared CPUs): with a threadpool write and
   * fdatasync it was slower everywhere (p99 +15-40 %, 5-20 % fewer writes/s), since the leader's inline
   * fsync usually ends before the first follower's round trip and the hand-offs add wake-ups; with only the
   * fdatasync handed off it was even (p99 -7 % in one run, +25 % in another). It pays when the leader's
   * disk is slower than its followers'.
   */
  readonly leaderWritesInBackground?: boolean;
  /**
   * Index the state machine has already applied (a durable state machine). When absent, the state machine
   * is restored from the storage's snapshot at start and every committed entry after it is re-applied.
   */
  readonly applied?: number;
  /** Take a snapshot every this many applied entries; 0 disables. Default 10 000. */
  readonly snapshotEntries?: number;
  /** Entries kept in the log behind a snapshot, so slow followers catch up without one. Default 5 000. */
  readonly snapshotCatchUpEntries?: number;
  /** Bound on proposals waiting to be applied; beyond it `propose` fails with ErrBusy. Default 8 192. */
  readonly maxPendingProposals?: number;
  /** Bound on reads waiting; beyond it `readIndex` fails with ErrBusy. Default 4 096. */
  readonly maxPendingReads?: number;
  /** A proposal not applied within this fails with ErrProposalUnknown. Default 5 000. */
  readonly proposalTimeoutMs?: number;
  /** A read not confirmed within this fails with ErrReadTimeout. Default 2 000. */
  readonly readTimeoutMs?: number;
  /** Capacity of each `events()` stream. Default 256. */
  readonly eventCapacity?: number;
  readonly metrics?: RaftMetrics;
  /** Spans `raft.propose` (propose → applied). Default: the global tracer provider's `@kubelab/raft-node`. */
  readonly tracer?: Tracer;
  readonly logger?: RaftLogger;
  /** Latency observation points (benchmarks; see probe.ts). Default: none. */
  readonly probe?: DriverProbe;
}

/** A config with every default filled in. */
export type ResolvedDriverConfig<R> = Required<
  Omit<NodeDriverConfig<R>, 'applied' | 'tracer' | 'raft' | 'probe'>
> & {
  readonly probe: DriverProbe | undefined;
  readonly applied: number | undefined;
  readonly tracer: Tracer | undefined;
  readonly raft: RaftTuning;
};

/**
 * Defaults that make leader failover (SIGKILL → first write committed by the new leader) take well under
 * a second while staying clear of spurious elections:
 * - tick 50 ms, heartbeat every tick: followers hear from the leader every 50 ms, 10× inside the timeout,
 *   so a few lost heartbeats or a 100–200 ms event-loop stall do not start an election.
 * - election timeout 10 ticks, randomized in [500, 950] ms (§3.4). After a crash the first of two followers
 *   fires at about 500 + 450/3 ≈ 650 ms on average; pre-vote, vote and the new leader's first commit take
 *   a few round trips of a millisecond each. (etcd's 100 ms × 10 gives 1–2 s.)
 * - CheckQuorum: a leader cut off from the majority steps down after one election timeout, and followers
 *   that heard from a leader recently ignore votes (leader lease, §6.2), so a stalled node cannot depose a
 *   healthy leader. PreVote (§9.6): a node coming back from a partition or a restart does not bump the term
 *   and disrupt the cluster. Both together are etcd's recommended production setting.
 * - maxSizePerMsg 256 KiB: one MsgApp stays well inside NATS' default 1 MiB payload; 256 in flight per
 *   follower pipelines 64 MiB, far beyond what a LAN round trip needs.
 */
export const DRIVER_DEFAULTS = {
  tickMs: 50,
  electionTicks: 10,
  heartbeatTicks: 1,
  snapshotEntries: 10_000,
  snapshotCatchUpEntries: 5_000,
  maxPendingProposals: 8_192,
  maxPendingReads: 4_096,
  proposalTimeoutMs: 5_000,
  readTimeoutMs: 2_000,
  eventCapacity: 256,
  raft: {
    maxSizePerMsg: 256 * 1024,
    maxCommittedSizePerReady: 1024 * 1024,
    maxInflightMsgs: 256,
    maxUncommittedEntriesSize: 64 * 1024 * 1024,
    checkQuorum: true,
    preVote: true,
  } satisfies RaftTuning,
} as const;

/** Fills defaults and rejects configs that cannot work (throws ErrInvalidConfig). */
export function resolveDriverConfig<R>(c: NodeDriverConfig<R>): ResolvedDriverConfig<R> {
  const d = DRIVER_DEFAULTS;
  const r: ResolvedDriverConfig<R> = {
    id: c.id,
    storage: c.storage,
    transport: c.transport,
    stateMachine: c.stateMachine,
    clock: c.clock,
    rng: c.rng,
    tickMs: c.tickMs ?? d.tickMs,
    electionTicks: c.electionTicks ?? d.electionTicks,
    heartbeatTicks: c.heartbeatTicks ?? d.heartbeatTicks,
    raft: { ...d.raft, ...c.raft },
    leaderSendsBeforePersist: c.leaderSendsBeforePersist ?? true,
    leaderWritesInBackground: c.leaderWritesInBackground ?? false,
    applied: c.applied,
    snapshotEntries: c.snapshotEntries ?? d.snapshotEntries,
    snapshotCatchUpEntries: c.snapshotCatchUpEntries ?? d.snapshotCatchUpEntries,
    maxPendingProposals: c.maxPendingProposals ?? d.maxPendingProposals,
    maxPendingReads: c.maxPendingReads ?? d.maxPendingReads,
    proposalTimeoutMs: c.proposalTimeoutMs ?? d.proposalTimeoutMs,
    readTimeoutMs: c.readTimeoutMs ?? d.readTimeoutMs,
    eventCapacity: c.eventCapacity ?? d.eventCapacity,
    metrics: c.metrics ?? noopRaftMetrics,
    tracer: c.tracer,
    logger: c.logger ?? silentRaftLogger,
    probe: c.probe,
  };
  const positive = (v: number) => Number.isFinite(v) && v > 0;
  const count = (v: number) => Number.isSafeInteger(v) && v >= 0;
  if (!positive(r.tickMs)) throw new ErrInvalidConfig('tickMs must be > 0');
  if (!count(r.snapshotEntries)) throw new ErrInvalidConfig('snapshotEntries must be an integer ≥ 0');
  if (!count(r.snapshotCatchUpEntries)) throw new ErrInvalidConfig('snapshotCatchUpEntries must be ≥ 0');
  if (!(count(r.maxPendingProposals) && r.maxPendingProposals > 0)) {
    throw new ErrInvalidConfig('maxPendingProposals must be a positive integer');
  }
  if (!(count(r.maxPendingReads) && r.maxPendingReads > 0)) {
    throw new ErrInvalidConfig('maxPendingReads must be a positive integer');
  }
  if (!positive(r.proposalTimeoutMs)) throw new ErrInvalidConfig('proposalTimeoutMs must be > 0');
  if (!positive(r.readTimeoutMs)) throw new ErrInvalidConfig('readTimeoutMs must be > 0');
  if (!(count(r.eventCapacity) && r.eventCapacity > 0))
    throw new ErrInvalidConfig('eventCapacity must be > 0');
  if (r.applied !== undefined && !count(r.applied)) throw new ErrInvalidConfig('applied must be ≥ 0');
  return r;
}
