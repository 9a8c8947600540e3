/**
 * raft-node vs etcd: a 3-node replicated KV on each, same machine, fsync on, compared from one Node load
 * generator with the same mechanics on both sides (N async workers, each looping: put, await the ack).
 *
 * - raft-node: three `bench/raft/kv/server.ts` processes (FileStorage, NATS transport) on a real nats-server;
 *   the client speaks to the leader over NATS request/reply (KvClient, JSON bodies).
 * - etcd: a three-member cluster (`/usr/bin/etcd`, Debian package etcd-server, installed with apt-get if
 *   missing and running as root) with default timing; the client speaks to the leader's HTTP/JSON gRPC
 *   gateway (`POST /v3/kv/put`, base64 key and value) through node:http with a keep-alive Agent (one
 *   connection per worker). Not fetch: Node 20's fetch measured 2–3.5× slower against etcd here (745 vs
 *   2620 puts/s at concurrency 256), which would flatter raft-node.
 *
 * For concurrency 1, 16 and 256 and 256-byte values, each cell runs WARMUP_MS then DURATION_MS and reports
 * puts/s and p50/p99 latency, with the raft-node/etcd ratio. The measured time is split into ROUNDS rounds
 * that alternate between the sides (raft-node variants, etcd; each round starting with the next one), so a
 * change in the shared machine's load hits both sides alike instead of whichever cell happened to run then.
 * Then: the time from SIGKILL of the raft-node leader to the first write acknowledged by the new leader,
 * median of FAILOVER_RUNS.
 * Cleans up every process and temp dir and exits by itself.
 *
 *   npm run bench:raft
 *   BENCH_TRACE=1 BENCH_CONCURRENCY=1 BENCH_SKIP=failover npm run bench:raft   # per-stage latency breakdown
 *   BENCH_C1_DURATION_MS=60000 BENCH_ROUNDS=6 …   # longer concurrency-1 cells, more interleaved rounds
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bus, connectBus } from '@kubelab/bus';
import { systemClock } from '@kubelab/clock';
import { silentLogger } from '@kubelab/telemetry';
import { freePort, killAll, spawnTracked, spawnTs, startNatsServer, waitFor } from '@kubelab/testkit';
import { KvClient } from './kv/client.js';
import { type ClientOp, type TraceDump, breakdown, monoMs } from './kv/trace.js';

const ETCD = '/usr/bin/etcd';
const SERVER = new URL('./kv/server.ts', import.meta.url).pathname;
/**
 * `BENCH_BASELINE=<dir>`: also run the KV server of another checkout (`<dir>/bench/raft/kv/server.ts`, with
 * its own raft-node and bus in `<dir>/node_modules/@kubelab`) as one more variant, in the same rounds: a
 * before/after comparison under the same load.
 */
const BASELINE = process.env.BENCH_BASELINE;
const IDS = [1, 2, 3];
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,16,256').split(',').map(Number);
/**
 * Profiling knobs: `BENCH_SKIP=etcd,strict,background,failover` (any of them), extra server args
 * (`BENCH_KV_ARGS='--no-fsync'`, or `'--trace-cpu-profile'` with BENCH_TRACE), `BENCH_KEEP=1` keeps the data
 * dir (traces, profiles).
 */
const SKIP = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean));
const KV_ARGS = (process.env.BENCH_KV_ARGS ?? '').split(' ').filter(Boolean);
/** `BENCH_TRACE=1`: servers record per-entry stage times; each raft-node cell prints a latency breakdown. */
const TRACE = process.env.BENCH_TRACE === '1';
const VALUE_BYTES = 256;
const KEYS_PER_WORKER = 100;
const WARMUP_MS = 1_000;
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 6_000);
/**
 * Measured time of the concurrency-1 cells. At ~300-500 writes/s, 6 s give 2-3k samples: a p99 resting on
 * the 20-30 slowest writes, which moves by ±30 % between runs on a shared machine. 30 s give ~10-15k per
 * side (the p99 then rests on 100-150 writes); the tables print the sample counts and each round's p99.
 */
const C1_DURATION_MS = Number(process.env.BENCH_C1_DURATION_MS ?? 30_000);
/**
 * Each cell's measured time is split into this many rounds, interleaved (per round: every raft-node variant,
 * then etcd), so that both sides sample the same moments of a shared machine's varying load.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Warm-up before each later round (the first one warms up for WARMUP_MS). */
const ROUND_WARMUP_MS = 300;
const FAILOVER_RUNS = 5;

type Proc = ReturnType<typeof spawnTracked>;

interface CellResult {
  readonly ops: number;
  /** p99 of each round alone: how much the p99 moves within one run. */
  readonly roundP99: readonly number[];
  readonly errors: number;
  readonly perSec: number;
  readonly p50: number;
  readonly p99: number;
}

/** One side's measurements in one cell, accumulated over its rounds. */
interface Samples {
  readonly latencies: number[];
  readonly roundP99: number[];
  errors: number;
  measuredMs: number;
}

const newSamples = (): Samples => ({ latencies: [], roundP99: [], errors: 0, measuredMs: 0 });

function summarize(s: Samples): CellResult {
  const sorted = [...s.latencies].sort((a, b) => a - b);
  return {
    ops: sorted.length,
    roundP99: s.roundP99,
    errors: s.errors,
    perSec: s.measuredMs === 0 ? Number.NaN : sorted.length / (s.measuredMs / 1000),
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
  };
}

const VALUE = 'v'.repeat(VALUE_BYTES);

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * Runs `concurrency` workers looping `op` for `warmupMs` (discarded) then `durationMs` (measured into
 * `into`). `op(worker, n, measured)` is told whether its call lies in the measured window.
 */
async function runSlice(
  concurrency: number,
  warmupMs: number,
  durationMs: number,
  into: Samples,
  op: (worker: number, n: number, measureFrom: number) => Promise<void>,
): Promise<void> {
  const started = performance.now();
  const before = into.latencies.length;
  const measureFrom = started + warmupMs;
  const end = measureFrom + durationMs;
  const worker = async (w: number) => {
    for (let n = 0; performance.now() < end; n++) {
      const t0 = performance.now();
      try {
        await op(w, n, monoMs() + (measureFrom - t0));
      } catch (err) {
        into.errors++;
        if (into.errors <= 3) console.error(`  worker ${w}: ${(err as Error).message}`);
        continue;
      }
      const t1 = performance.now();
      if (t0 >= measureFrom && t1 <= end) into.latencies.push(t1 - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  into.measuredMs += durationMs;
  into.roundP99.push(
    percentile(
      [...into.latencies.slice(before)].sort((a, b) => a - b),
      99,
    ),
  );
}

// ---------------------------------------------------------------------------------------------- raft-node

function kvEvents(p: Proc): { ev: string; lead?: number; t: number }[] {
  return p
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{"ev"'))
    .map((l) => JSON.parse(l));
}

class RaftCluster {
  readonly procs = new Map<number, Proc>();
  constructor(
    private readonly natsUrl: string,
    private readonly root: string,
    readonly group: string,
    private readonly extraArgs: readonly string[],
    private readonly server = SERVER,
  ) {}

  async spawn(id: number): Promise<void> {
    const args = [
      '--id',
      String(id),
      '--peers',
      IDS.join(','),
      '--nats',
      this.natsUrl,
      '--group',
      this.group,
    ];
    const data = join(this.root, `${this.group}-${id}`);
    const trace = TRACE ? ['--trace', this.traceFile(id)] : [];
    const p = spawnTs(this.server, [...args, '--data', data, ...trace, ...this.extraArgs, ...KV_ARGS]);
    this.procs.set(id, p);
    await waitFor(() => kvEvents(p).some((e) => e.ev === 'ready'), {
      timeoutMs: 30_000,
      what: `kv-${id} ready`,
    });
  }

  traceFile(id: number): string {
    return join(this.root, `${this.group}-${id}.trace.json`);
  }

  /** Asks every live server for its trace (SIGUSR2) and reads them. */
  async traces(): Promise<TraceDump[]> {
    const live = IDS.filter((id) => this.live(id));
    for (const id of live) {
      rmSync(this.traceFile(id), { force: true });
      this.procs.get(id)!.child.kill('SIGUSR2');
    }
    return waitFor(
      () => {
        const files = live.map((id) => this.traceFile(id));
        if (!files.every((f) => existsSync(f))) return undefined;
        try {
          return files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as TraceDump);
        } catch {
          return undefined; // still being written
        }
      },
      { timeoutMs: 10_000, what: 'trace dumps' },
    );
  }

  live(id: number): boolean {
    const p = this.procs.get(id);
    return p !== undefined && p.child.exitCode === null && p.child.signalCode === null;
  }

  /** The leader that every live process names in its latest state event. */
  agreedLeader(expectLive = IDS.length): number | undefined {
    const live = IDS.filter((id) => this.live(id));
    if (live.length < expectLive) return undefined;
    const leads = live.map(
      (id) =>
        kvEvents(this.procs.get(id)!)
          .filter((e) => e.ev === 'state')
          .at(-1)?.lead,
    );
    const first = leads[0];
    return first !== undefined && first > 0 && leads.every((l) => l === first) ? first : undefined;
  }

  async kill(id: number): Promise<void> {
    const p = this.procs.get(id)!;
    p.child.kill('SIGKILL');
    await p.exited;
  }
}

// ---------------------------------------------------------------------------------------------- etcd

function ensureEtcd(): void {
  if (existsSync(ETCD)) return;
  if (process.getuid?.() !== 0) throw new Error(`${ETCD} is missing; install the etcd-server package`);
  console.log('installing etcd-server with apt-get …');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive', RUNLEVEL: '1' };
  execFileSync('apt-get', ['install', '-y', 'etcd-server'], { env, stdio: 'inherit' });
}

interface EtcdMember {
  readonly name: string;
  readonly clientUrl: string;
}

async function startEtcd(root: string): Promise<EtcdMember[]> {
  const members = await Promise.all(
    IDS.map(async (id) => ({ name: `e${id}`, client: await freePort(), peer: await freePort() })),
  );
  const cluster = members.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(',');
  for (const m of members) {
    spawnTracked(ETCD, [
      `--name=${m.name}`,
      `--data-dir=${join(root, `etcd-${m.name}`)}`,
      `--listen-client-urls=http://127.0.0.1:${m.client}`,
      `--advertise-client-urls=http://127.0.0.1:${m.client}`,
      `--listen-peer-urls=http://127.0.0.1:${m.peer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${m.peer}`,
      `--initial-cluster=${cluster}`,
      '--initial-cluster-state=new',
      '--initial-cluster-token=kubelab-bench',
      '--logger=zap',
      '--log-level=error',
    ]);
  }
  return members.map((m) => ({ name: m.name, clientUrl: `http://127.0.0.1:${m.client}` }));
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

const agent = new Agent({ keepAlive: true, maxSockets: 1024 });

/** POSTs JSON over a kept-alive connection and parses the JSON answer. */
function etcdPost(url: string, body: unknown): Promise<Record<string, unknown>> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
    const req = request(url, { method: 'POST', agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode !== 200) return reject(new Error(`etcd ${url}: ${res.statusCode} ${text}`));
        try {
          resolve(JSON.parse(text) as Record<string, unknown>);
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** The client URL of the member that leads (puts go there, as raft-node's client goes to its leader). */
async function etcdLeader(members: readonly EtcdMember[]): Promise<EtcdMember> {
  return waitFor(
    async () => {
      for (const m of members) {
        const st = await etcdPost(`${m.clientUrl}/v3/maintenance/status`, {});
        const header = st.header as { member_id?: string };
        if (st.leader !== undefined && st.leader === header.member_id) return m;
      }
      return undefined;
    },
    { timeoutMs: 30_000, what: 'an etcd leader' },
  );
}

// ---------------------------------------------------------------------------------------------- main

/** The machine is shared: say how busy it was, since every figure depends on it. */
function loadLine(): string {
  const [one, five] = loadavg();
  return `${cpus().length} CPUs, load average ${fmt(one ?? 0, 2)} (1 min) ${fmt(five ?? 0, 2)} (5 min)`;
}

function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

interface Variant {
  readonly name: string;
  readonly cluster: RaftCluster;
}

/** One cell's side: how to run a slice of it, and what to print once all rounds ran. */
interface Side {
  readonly name: string;
  readonly samples: Samples;
  slice(warmupMs: number, durationMs: number): Promise<void>;
  finish(): Promise<void>;
}

function raftSide(raftBus: Bus, v: Variant, c: number, clientBase: number): Side {
  const clients = Array.from(
    { length: c },
    (_, w) =>
      new KvClient(raftBus, {
        group: v.cluster.group,
        nodeIds: IDS,
        clientId: clientBase + w,
        clock: systemClock,
      }),
  );
  const samples = newSamples();
  const ops: ClientOp[] = [];
  let n = 0;
  return {
    name: v.name,
    samples,
    slice: (warmupMs, durationMs) =>
      runSlice(c, warmupMs, durationMs, samples, async (w, _n, measureFrom) => {
        const sent = monoMs();
        const res = await clients[w]!.put(`k${w}_${n++ % KEYS_PER_WORKER}`, VALUE);
        const received = monoMs();
        if (res.status !== 'ok') throw new Error(`raft-node put: ${res.status}`);
        if (TRACE && sent >= measureFrom && res.revision !== undefined) {
          ops.push({ index: res.revision, sent, received });
        }
      }),
    finish: async () => {
      if (!TRACE) return;
      const leader = v.cluster.agreedLeader() ?? 0;
      console.log(`concurrency ${c}: ${v.name}`);
      for (const line of breakdown(ops, await v.cluster.traces(), leader)) console.log(`  ${line}`);
    },
  };
}

function etcdSide(etcdUrl: string, c: number): Side {
  const value = b64(VALUE);
  const samples = newSamples();
  let n = 0;
  return {
    name: 'etcd',
    samples,
    slice: (warmupMs, durationMs) =>
      SKIP.has('etcd')
        ? Promise.resolve()
        : runSlice(c, warmupMs, durationMs, samples, async (w) => {
            await etcdPost(`${etcdUrl}/v3/kv/put`, { key: b64(`k${w}_${n++ % KEYS_PER_WORKER}`), value });
          }),
    finish: () => Promise.resolve(),
  };
}

/**
 * Runs every cell, per concurrency in ROUNDS interleaved rounds (each raft-node variant, then etcd), and
 * prints one table per variant.
 */
async function throughputTables(raftBus: Bus, variants: readonly Variant[], etcdUrl: string): Promise<void> {
  const results = new Map<string, CellResult[]>();
  for (const name of [...variants.map((v) => v.name), 'etcd']) results.set(name, []);
  for (const [i, c] of CONCURRENCY.entries()) {
    const sides = [
      ...variants.map((v, j) => raftSide(raftBus, v, c, (i * variants.length + j + 1) * 10_000)),
      etcdSide(etcdUrl, c),
    ];
    const durationMs = c === 1 ? C1_DURATION_MS : DURATION_MS;
    // Start the servers' traces afresh, so their CPU, GC and loop-delay figures cover this cell only.
    if (TRACE) for (const v of variants) await v.cluster.traces();
    for (let round = 0; round < ROUNDS; round++) {
      console.log(`concurrency ${c}, round ${round + 1}/${ROUNDS}: ${loadLine()}`);
      // Each round starts with the next side (a rotation), so that no side always runs right after the
      // same other one (etcd's batched backend commits, say) or always first.
      for (let k = 0; k < sides.length; k++) {
        const side = sides[(round + k) % sides.length]!;
        await side.slice(round === 0 ? WARMUP_MS : ROUND_WARMUP_MS, durationMs / ROUNDS);
      }
    }
    for (const side of sides) {
      await side.finish();
      results.get(side.name)!.push(summarize(side.samples));
    }
  }
  const etcd = results.get('etcd')!;
  console.log(
    `\nputs of ${VALUE_BYTES}-byte values, 3 nodes each, fsync on; ${DURATION_MS / 1000} s per cell (concurrency 1: ${C1_DURATION_MS / 1000} s) in ${ROUNDS} interleaved rounds, after ${WARMUP_MS / 1000} s warm-up; samples = measured writes (raft-node/etcd)`,
  );
  for (const v of variants) {
    const raft = results.get(v.name)!;
    console.log(`\n${v.name} vs etcd`);
    console.log(
      ' concurrency |  raft-node/s |   etcd/s |  ratio | raft p50 ms | etcd p50 ms | raft p99 ms | etcd p99 ms | p99 ratio |  errors |       samples',
    );
    console.log('-'.repeat(138));
    for (const [i, c] of CONCURRENCY.entries()) {
      const r = raft[i]!;
      const e = etcd[i]!;
      const row = [
        String(c).padStart(12),
        fmt(r.perSec, 0).padStart(13),
        fmt(e.perSec, 0).padStart(9),
        `${fmt(r.perSec / e.perSec, 2)}x`.padStart(7),
        fmt(r.p50, 2).padStart(12),
        fmt(e.p50, 2).padStart(12),
        fmt(r.p99, 2).padStart(12),
        fmt(e.p99, 2).padStart(12),
        `${fmt(r.p99 / e.p99, 2)}x`.padStart(10),
        `${r.errors}/${e.errors}`.padStart(8),
        `${r.ops}/${e.ops}`.padStart(14),
      ];
      console.log(row.join(' |'));
    }
    for (const [i, c] of CONCURRENCY.entries()) {
      const perRound = (x: CellResult) => x.roundP99.map((v) => fmt(v, 2)).join(', ');
      const ratios = raft[i]!.roundP99.map((v, k) => `${fmt(v / etcd[i]!.roundP99[k]!, 2)}x`).join(', ');
      console.log(
        `  concurrency ${c}, p99 per round (ms): raft-node ${perRound(raft[i]!)}; etcd ${perRound(etcd[i]!)}; ratios ${ratios}`,
      );
    }
  }
}

async function failover(cluster: RaftCluster, raftBus: Bus): Promise<void> {
  const times: number[] = [];
  for (let run = 1; run <= FAILOVER_RUNS; run++) {
    const leader = await waitFor(() => cluster.agreedLeader(), {
      timeoutMs: 30_000,
      what: 'an agreed leader',
    });
    const client = new KvClient(raftBus, {
      group: cluster.group,
      nodeIds: IDS,
      clientId: 900_000 + run,
      clock: systemClock,
      backoffMs: 5,
    });
    // Point the client at the leader and let the cluster settle into steady heartbeats.
    await client.put('failover', `run-${run}-before`);
    await systemClock.sleep(500);
    const killedAt = performance.now();
    await cluster.kill(leader);
    const res = await client.put('failover', `run-${run}-after`);
    const ms = performance.now() - killedAt;
    if (res.status !== 'ok') throw new Error(`failover put: ${res.status}`);
    times.push(ms);
    console.log(
      `failover run ${run}: killed ${leader}; first write committed by ${client.leaderGuess} after ${fmt(ms, 0)} ms`,
    );
    await cluster.spawn(leader);
  }
  const sorted = [...times].sort((a, b) => a - b);
  console.log(
    `failover (SIGKILL leader → first committed write on the new leader), ${FAILOVER_RUNS} runs: median ${fmt(percentile(sorted, 50), 0)} ms, max ${fmt(sorted.at(-1)!, 0)} ms (goal < 1000 ms)`,
  );
}

async function main(): Promise<void> {
  ensureEtcd();
  const root = await mkdtemp(join(tmpdir(), 'kubelab-raft-bench-'));
  const buses: Bus[] = [];
  try {
    const nats = await startNatsServer();
    // Raft-node clusters on the same NATS server: the driver's default (thesis §10.2.1 overlap: a leader
    // sends its appends before its own fsync) and the strict Ready order (persist → send) for comparison.
    const overlap = new RaftCluster(nats.url, root, 'overlap', []);
    const strict = new RaftCluster(nats.url, root, 'strict', ['--persist-then-send']);
    // The driver's opt-in leaderWritesInBackground (thesis §10.2.1 in full: the leader's fsync runs on the
    // threadpool and a majority of followers can commit without it).
    const background = new RaftCluster(nats.url, root, 'background', ['--leader-writes-in-background']);
    const baseline =
      BASELINE === undefined
        ? undefined
        : new RaftCluster(nats.url, root, 'baseline', [], join(BASELINE, 'bench/raft/kv/server.ts'));
    const clusters = [
      ...(SKIP.has('strict') ? [] : [strict]),
      ...(SKIP.has('background') ? [] : [background]),
      overlap,
      ...(baseline === undefined ? [] : [baseline]),
    ];
    for (const cluster of clusters) await Promise.all(IDS.map((id) => cluster.spawn(id)));
    const members = await startEtcd(root);
    const raftBus = await connectBus({ servers: nats.url, name: 'bench-client', logger: silentLogger() });
    buses.push(raftBus);
    for (const cluster of clusters) {
      await waitFor(() => cluster.agreedLeader(), { timeoutMs: 30_000, what: `a ${cluster.group} leader` });
    }
    const etcdLeaderMember = await etcdLeader(members);
    console.log(`etcd leader: ${etcdLeaderMember.name}; ${loadLine()}`);
    const variants = [
      { name: 'raft-node (default: leader sends before persist)', cluster: overlap },
      ...(SKIP.has('strict') ? [] : [{ name: 'raft-node (strict: persist → send)', cluster: strict }]),
      ...(SKIP.has('background')
        ? []
        : [{ name: 'raft-node (leader writes in the background)', cluster: background }]),
      ...(baseline === undefined ? [] : [{ name: `baseline ${BASELINE} (its default)`, cluster: baseline }]),
    ];
    await throughputTables(raftBus, variants, etcdLeaderMember.clientUrl);
    console.log(`\n${loadLine()}\n`);
    if (!SKIP.has('failover')) await failover(overlap, raftBus);
  } finally {
    agent.destroy();
    await Promise.all(buses.map((b) => b.close().catch(() => {})));
    await killAll();
    if (process.env.BENCH_KEEP === '1') console.log(`kept ${root}`);
    else await rm(root, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    console.error(err);
    await killAll();
    process.exit(1);
  },
);
