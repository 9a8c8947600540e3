/**
 * Everything a simulation run varies, derived from its seed alone (so `--seed N` replays it exactly), with
 * a few overrides for the command line. Time values are simulated milliseconds.
 */
import { type Rng, seededRng } from '@kubelab/clock';
import type { RaftOptions } from './node.js';
import { between, chance, pick } from './random.js';

export interface SimConfig {
  readonly seed: number;
  /** Every node id the run uses (1..n). */
  readonly nodeIds: readonly number[];
  /** The founding voters; the others start empty and may be added by membership changes. */
  readonly initialVoters: readonly number[];
  readonly membershipChanges: boolean;
  /** Applied entries between snapshots (0: never snapshot or compact), and entries kept behind one. */
  readonly snapshotEvery: number;
  readonly compactKeep: number;
  readonly raft: RaftOptions;
  /** The leader sends before it persists (thesis §10.2.1), as NodeDriver's option of that name. */
  readonly leaderSendsBeforePersist: boolean;
  /**
   * With leaderSendsBeforePersist: the leader persists in the background and counts its own copy only once
   * durable, as NodeDriver's leaderWritesInBackground.
   */
  readonly leaderWritesInBackground: boolean;
  /** A background write takes up to this long (drawn per write): shorter or longer than a round trip. */
  readonly backgroundWriteMsMax: number;
  /** Per node id: its tick period (clocks run at slightly different rates). */
  readonly tickMs: ReadonlyMap<number, number>;
  /** Probability that a node misses a tick (a slow or stalled process). */
  readonly tickSkipRate: number;
  readonly clients: number;
  readonly keys: readonly string[];
  readonly requestTimeoutMs: number;
  readonly abandonRate: number;
  readonly thinkMsMax: number;
  readonly readIndexShare: number;
  /** Faults happen during [0, chaosMs); then the heal phase lasts healMs. */
  readonly chaosMs: number;
  readonly healMs: number;
  /** Mean time between fault events during the chaos phase. */
  readonly faultEveryMs: number;
}

export interface SimOverrides {
  /** Cluster size: 3 or 5 (default: drawn from the seed). */
  readonly nodes?: 3 | 5;
  readonly chaosMs?: number;
  readonly healMs?: number;
}

/** The configuration of run `seed`. */
export function deriveConfig(seed: number, overrides: SimOverrides = {}): SimConfig {
  const rng = seededRng(seed ^ 0x5eed);
  const n = overrides.nodes ?? (chance(rng, 0.6) ? 3 : 5);
  const nodeIds = Array.from({ length: n }, (_, i) => i + 1);
  // Five-node runs sometimes start with three voters and grow, shrink and swap members as they go.
  const membershipChanges = n === 5 && chance(rng, 0.5);
  const initialVoters = membershipChanges ? nodeIds.slice(0, 3) : nodeIds;
  const snapshots = chance(rng, 0.5);
  const tickMs = new Map(nodeIds.map((id) => [id, Math.round(between(rng, 8, 12) * 10) / 10]));
  const c = {
    seed,
    nodeIds,
    initialVoters,
    membershipChanges,
    snapshotEvery: snapshots ? rng.int(3, 30) : 0,
    compactKeep: snapshots ? rng.int(0, 8) : 0,
    raft: raftOptions(rng),
    leaderSendsBeforePersist: chance(rng, 0.3),
    backgroundWriteMsMax: 8,
    tickMs,
    tickSkipRate: pick(rng, [0, 0.01, 0.05, 0.15]),
    clients: rng.int(2, 7),
    keys: Array.from({ length: rng.int(1, 4) }, (_, i) => `k${i}`),
    requestTimeoutMs: rng.int(60, 300),
    abandonRate: pick(rng, [0, 0.01, 0.03]),
    thinkMsMax: pick(rng, [0, 5, 20, 60]),
    readIndexShare: pick(rng, [0, 0.5, 0.9]),
    chaosMs: overrides.chaosMs ?? rng.int(1200, 2500),
    healMs: overrides.healMs ?? 2000,
    faultEveryMs: rng.int(40, 250),
  };
  // Drawn last, so that the draws above stay those of earlier commits (seeds keep their other settings).
  return { ...c, leaderWritesInBackground: c.leaderSendsBeforePersist && chance(rng, 0.5) };
}

function raftOptions(rng: Rng): RaftOptions {
  return {
    electionTicks: pick(rng, [5, 10, 10, 15]),
    heartbeatTicks: pick(rng, [1, 1, 2]),
    checkQuorum: chance(rng, 0.8),
    preVote: chance(rng, 0.8),
    disableProposalForwarding: chance(rng, 0.3),
    maxSizePerMsg: pick(rng, [64, 512, 1 << 20]),
    maxInflightMsgs: pick(rng, [1, 4, 256]),
    maxCommittedSizePerReady: pick(rng, [64, 1 << 20, 1 << 20]),
    maxUncommittedEntriesSize: pick(rng, [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, 2048]),
  };
}

/** One line describing the configuration, for reports. */
export function describeConfig(c: SimConfig): string {
  const r = c.raft;
  return [
    `nodes=${c.nodeIds.length} voters=[${c.initialVoters}]${c.membershipChanges ? ' membership' : ''}`,
    c.snapshotEvery > 0 ? `snapshot/${c.snapshotEvery} keep=${c.compactKeep}` : 'no-snapshots',
    `election=${r.electionTicks} heartbeat=${r.heartbeatTicks} checkQuorum=${r.checkQuorum} preVote=${r.preVote}`,
    `forwarding=${!r.disableProposalForwarding} maxSize=${r.maxSizePerMsg} inflight=${r.maxInflightMsgs}`,
    c.leaderWritesInBackground
      ? 'leader-writes-in-background'
      : c.leaderSendsBeforePersist
        ? 'leader-sends-first'
        : 'persist-then-send',
    `clients=${c.clients} keys=${c.keys.length} readIndex=${c.readIndexShare} chaos=${c.chaosMs}ms`,
  ].join(' ');
}
