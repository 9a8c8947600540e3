/**
 * Prometheus metrics of a raft node (prom-client), registered in a Registry the caller passes in: nothing
 * lands in prom-client's global default registry, so several nodes (tests, the simulator) can share a process.
 * The driver calls the small {@link RaftMetrics} interface; {@link noopRaftMetrics} costs nothing.
 *
 * Every metric carries the labels `group` (the raft group) and `node` (the node id).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What the driver reports; implemented over prom-client by {@link createRaftMetrics}. */
export interface RaftMetrics {
  /** A proposal was accepted by the leader's log. */
  proposed(): void;
  /** A proposal failed; `reason` is the error name (low cardinality). */
  proposalFailed(reason: string): void;
  /** `n` committed entries were applied to the state machine. */
  applied(n: number): void;
  /** Propose → applied on this node, for one of this node's proposals. */
  commitLatencyMs(ms: number): void;
  /** This node started an election (became candidate). */
  electionStarted(): void;
  term(term: number): void;
  /** The known leader changed (including to "none"). */
  leaderChanged(isLeader: boolean): void;
  /** One WAL fsync round (give it to FileStorage's `onFsync`). */
  fsyncMs(ms: number): void;
  /** One Ready handled: persist, send, apply, advance. */
  readyMs(ms: number): void;
}

/** Does nothing; the default. */
export const noopRaftMetrics: RaftMetrics = {
  proposed() {},
  proposalFailed() {},
  applied() {},
  commitLatencyMs() {},
  electionStarted() {},
  term() {},
  leaderChanged() {},
  fsyncMs() {},
  readyMs() {},
};

export interface RaftMetricsOptions {
  readonly registry: Registry;
  /** The raft group, e.g. `api`. */
  readonly group: string;
  readonly nodeId: number;
  /** Metric name prefix; default `raft_`. */
  readonly prefix?: string;
}

// Latency buckets in ms: fsyncs are sub-millisecond on SSDs, commits a few ms, failovers up to seconds.
const LATENCY_BUCKETS_MS = [0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096];

/**
 * Creates the metrics of one raft node in `registry`.
 *
 * @example
 * const registry = new Registry();
 * const metrics = createRaftMetrics({ registry, group: 'api', nodeId: 1 });
 * const storage = await FileStorage.open({ dir, onFsync: metrics.fsyncMs, now: () => clock.now() });
 * const driver = new NodeDriver({ ...config, storage, metrics });
 * // GET /metrics → await registry.metrics()
 */
export function createRaftMetrics(opts: RaftMetricsOptions): RaftMetrics {
  const p = opts.prefix ?? 'raft_';
  const { registry } = opts;
  const registers = [registry];
  const labelNames = ['group', 'node'] as const;
  const labels = { group: opts.group, node: String(opts.nodeId) };
  // Several nodes may share a registry (tests, the simulator): reuse a collector registered already.
  const existing = <T>(name: string) => registry.getSingleMetric(p + name) as T | undefined;
  const counter = (name: string, help: string) =>
    (
      existing<Counter<'group' | 'node'>>(name) ??
      new Counter({ name: p + name, help, labelNames, registers })
    ).labels(labels);
  const gauge = (name: string, help: string) =>
    (
      existing<Gauge<'group' | 'node'>>(name) ?? new Gauge({ name: p + name, help, labelNames, registers })
    ).labels(labels);
  const histogram = (name: string, help: string) =>
    (
      existing<Histogram<'group' | 'node'>>(name) ??
      new Histogram({ name: p + name, help, labelNames, registers, buckets: LATENCY_BUCKETS_MS })
    ).labels(labels);

  const proposals = counter('proposals_total', 'Proposals accepted into the leader log.');
  const failed =
    existing<Counter<'group' | 'node' | 'reason'>>('proposals_failed_total') ??
    new Counter({
      name: `${p}proposals_failed_total`,
      help: 'Proposals that failed, by error name.',
      labelNames: ['group', 'node', 'reason'],
      registers,
    });
  const applied = counter('applied_entries_total', 'Committed entries applied to the state machine.');
  const commitLatency = histogram('commit_latency_ms', 'Propose to applied on the proposing node, ms.');
  const elections = counter('elections_started_total', 'Elections this node started (as candidate).');
  const term = gauge('term', 'Current raft term.');
  const leaderChanges = counter('leader_changes_total', 'Changes of the known leader.');
  const isLeader = gauge('is_leader', '1 if this node is the leader, else 0.');
  const fsync = histogram('wal_fsync_ms', 'WAL fsync latency, ms.');
  const ready = histogram('ready_loop_ms', 'Time to handle one Ready (persist, send, apply, advance), ms.');
  return {
    proposed: () => proposals.inc(),
    proposalFailed: (reason) => failed.inc({ ...labels, reason }),
    applied: (n) => applied.inc(n),
    commitLatencyMs: (ms) => commitLatency.observe(ms),
    electionStarted: () => elections.inc(),
    term: (t) => term.set(t),
    leaderChanged: (leader) => {
      leaderChanges.inc();
      isLeader.set(leader ? 1 : 0);
    },
    fsyncMs: (ms) => fsync.observe(ms),
    readyMs: (ms) => ready.observe(ms),
  };
}
