/**
 * Latency tracing for the KV benchmark (`--trace` on server.ts, `BENCH_TRACE=1` on etcd-compare.ts).
 *
 * Each server records, per log index, the first time (CLOCK_MONOTONIC via `process.hrtime`, shared by
 * every process of the machine) the entry reached each driver probe point, and when the client request
 * that proposed it arrived and was answered. SIGUSR2 writes a {@link TraceDump} to the trace file and starts
 * afresh. The benchmark joins the dumps of the three servers with its own send/receive times per write
 * ({@link breakdown}) into a per-stage p50/p99 table.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
import type { DriverProbe, ProbePoint } from '@kubelab/raft-node';

/** Monotonic ms, comparable across processes on one machine. */
export function monoMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Points a server records: the driver's, plus the KV request's arrival and answer. */
export type TracePoint = ProbePoint | 'request' | 'reply';

export interface TraceDump {
  readonly id: number;
  /** index → point → monotonic ms. */
  readonly marks: Record<string, Partial<Record<TracePoint, number>>>;
  /** Event-loop delay since the last dump, ms. */
  readonly loopDelay: { readonly p50: number; readonly p99: number; readonly max: number };
  /** GC pauses since the last dump. */
  readonly gc: { readonly count: number; readonly totalMs: number; readonly maxMs: number };
  /** CPU time (user + system) of the process since the last dump, ms. */
  readonly cpuMs: number;
}

const MAX_INDEXES = 500_000;

/** A server's recorder: the driver's probe, plus request times; see the file comment. */
export class TraceRecorder implements DriverProbe {
  private marks = new Map<number, Partial<Record<TracePoint, number>>>();
  private readonly loop = monitorEventLoopDelay({ resolution: 5 });
  private gc = { count: 0, totalMs: 0, maxMs: 0 };
  private cpu = process.cpuUsage();
  /** With `--trace-cpu-profile`: a V8 CPU profile, written next to the trace file at each dump. */
  private profiler: Session | undefined;

  constructor(
    private readonly id: number,
    private readonly file: string,
    cpuProfile = false,
  ) {
    this.loop.enable();
    if (cpuProfile) {
      this.profiler = new Session();
      this.profiler.connect();
      this.profiler.post('Profiler.enable', () => this.profiler?.post('Profiler.start'));
    }
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        this.gc.count++;
        this.gc.totalMs += e.duration;
        this.gc.maxMs = Math.max(this.gc.maxMs, e.duration);
      }
    }).observe({ entryTypes: ['gc'] });
  }

  now(): number {
    return monoMs();
  }

  mark(point: ProbePoint, lo: number, hi: number): void {
    const t = monoMs();
    // Acknowledgements name only the highest index; the range of a big batch is capped.
    for (let i = Math.max(lo, hi - 1024); i <= hi; i++) this.set(i, point, t);
  }

  /** The write at `index` was requested at `arrived` and is being answered now. */
  request(index: number, arrived: number): void {
    this.set(index, 'request', arrived);
    this.set(index, 'reply', monoMs());
  }

  dump(): void {
    const h = this.loop;
    const ms = (ns: number) => ns / 1e6;
    const out: TraceDump = {
      id: this.id,
      marks: Object.fromEntries(this.marks),
      loopDelay: { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) },
      gc: this.gc,
      cpuMs: cpuMs(process.cpuUsage(this.cpu)),
    };
    this.cpu = process.cpuUsage();
    const p = this.profiler;
    if (p !== undefined) {
      // Written before the trace file, which the benchmark waits for.
      p.post('Profiler.stop', (err, res) => {
        if (err === null) writeFileSync(`${this.file}.cpuprofile`, JSON.stringify(res.profile));
        p.post('Profiler.start');
        writeFileSync(this.file, JSON.stringify(out));
      });
    } else writeFileSync(this.file, JSON.stringify(out));
    this.marks = new Map();
    this.gc = { count: 0, totalMs: 0, maxMs: 0 };
    h.reset();
  }

  private set(index: number, point: TracePoint, t: number): void {
    let m = this.marks.get(index);
    if (m === undefined) {
      if (this.marks.size >= MAX_INDEXES) return;
      m = {};
      this.marks.set(index, m);
    }
    m[point] ??= t;
  }
}

function cpuMs(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1000;
}

/** One write as the benchmark's client saw it. */
export interface ClientOp {
  readonly index: number;
  readonly sent: number;
  readonly received: number;
}

type Stage = readonly [
  name: string,
  from: (j: Joined) => number | undefined,
  to: (j: Joined) => number | undefined,
];

interface Joined {
  readonly op: ClientOp;
  readonly l: Partial<Record<TracePoint, number>>;
  /** The follower whose acknowledgement the leader received first (the one that completed the quorum). */
  readonly f: Partial<Record<TracePoint, number>>;
}

/** The stages of one write, in path order; consecutive stages share their boundary where they can. */
const STAGES: readonly Stage[] = [
  ['client → leader request (NATS)', (j) => j.op.sent, (j) => j.l.request],
  ['leader request → propose', (j) => j.l.request, (j) => j.l.propose],
  ['propose → Ready', (j) => j.l.propose, (j) => j.l.ready],
  ['Ready → MsgApp sent', (j) => j.l.ready, (j) => j.l.sendApp],
  ['leader write+fsync (Ready → persisted)', (j) => j.l.ready, (j) => j.l.persisted],
  ['MsgApp sent → follower recv (NATS)', (j) => j.l.sendApp, (j) => j.f.recvApp],
  ['follower recv → Ready', (j) => j.f.recvApp, (j) => j.f.ready],
  ['follower write+fsync', (j) => j.f.ready, (j) => j.f.persisted],
  ['follower persisted → MsgAppResp sent', (j) => j.f.persisted, (j) => j.f.sendAppResp],
  ['MsgAppResp sent → leader recv (NATS)', (j) => j.f.sendAppResp, (j) => j.l.recvAppResp],
  ['leader recv resp → commit Ready', (j) => j.l.recvAppResp, (j) => j.l.commit],
  ['commit Ready → applied', (j) => j.l.commit, (j) => j.l.applied],
  ['applied → reply', (j) => j.l.applied, (j) => j.l.reply],
  ['reply → client recv (NATS)', (j) => j.l.reply, (j) => j.op.received],
  ['total', (j) => j.op.sent, (j) => j.op.received],
];

function pct(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * Joins client ops with the servers' dumps and returns printable lines: p50, p99 and max per stage, and
 * the mean of each stage over the slowest 1 % of writes (where the tail comes from), plus each server's
 * event-loop delay and GC.
 */
export function breakdown(ops: readonly ClientOp[], dumps: readonly TraceDump[], leader: number): string[] {
  const l = dumps.find((d) => d.id === leader);
  if (l === undefined) return [`no trace from the leader ${leader}`];
  const followers = dumps.filter((d) => d.id !== leader);
  const joined: Joined[] = [];
  for (const op of ops) {
    const lm = l.marks[op.index];
    if (lm === undefined) continue;
    const fms = followers.map((d) => d.marks[op.index]).filter((m) => m !== undefined);
    if (fms.length === 0) continue;
    // The follower whose response came first: its sendAppResp is earliest.
    const f = fms.reduce((a, b) =>
      (b.sendAppResp ?? Number.POSITIVE_INFINITY) < (a.sendAppResp ?? Number.POSITIVE_INFINITY) ? b : a,
    );
    joined.push({ op, l: lm, f });
  }
  const total = (j: Joined) => j.op.received - j.op.sent;
  const byTotal = [...joined].sort((a, b) => total(a) - total(b));
  const tail = byTotal.slice(Math.floor(byTotal.length * 0.99));
  const lines = [
    `latency breakdown of ${joined.length} writes (leader ${leader}; follower: the first to acknowledge), ms`,
    `${'stage'.padEnd(42)} ${'p50'.padStart(7)} ${'p99'.padStart(7)} ${'max'.padStart(7)}  ${'mean in slowest 1%'.padStart(18)}`,
  ];
  for (const [name, from, to] of STAGES) {
    const d = (j: Joined) => {
      const a = from(j);
      const b = to(j);
      return a === undefined || b === undefined ? undefined : b - a;
    };
    const all = joined
      .map(d)
      .filter((v) => v !== undefined)
      .sort((a, b) => a - b);
    const tails = tail.map(d).filter((v) => v !== undefined);
    const mean = tails.length === 0 ? Number.NaN : tails.reduce((a, b) => a + b, 0) / tails.length;
    lines.push(
      `${name.padEnd(42)} ${pct(all, 50).toFixed(3).padStart(7)} ${pct(all, 99).toFixed(3).padStart(7)} ${(all.at(-1) ?? Number.NaN).toFixed(3).padStart(7)}  ${mean.toFixed(3).padStart(18)}`,
    );
  }
  for (const d of dumps) {
    const { loopDelay: e, gc } = d;
    const writes = Object.keys(d.marks).length;
    const cpu = `CPU ${d.cpuMs.toFixed(0)} ms for ${writes} entries (${((d.cpuMs * 1000) / Math.max(1, writes)).toFixed(0)} µs each)`;
    lines.push(
      `node ${d.id}${d.id === leader ? ' (leader)' : ''}: event-loop delay p50 ${e.p50.toFixed(2)} p99 ${e.p99.toFixed(2)} max ${e.max.toFixed(2)} ms; GC ${gc.count}× total ${gc.totalMs.toFixed(1)} ms, max ${gc.maxMs.toFixed(2)} ms; ${cpu}`,
    );
  }
  return lines;
}
