/**
 * Node-scale benchmark (issue 6): hollow nodes (KUBELAB_HOLLOW_NODES, kwok-style: no sockets, pods go Running
 * and Ready when started) and pods created through Deployments until every pod is Running and Ready.
 *
 * A process cluster in a temp KUBELAB_HOME: 3 Raft api replicas, 2 schedulers and 2 controller managers (one
 * active each), 2 dns, and `--node-procs` node processes hosting `--nodes` hollow nodes between them. Once all
 * nodes are Ready, `--pods / --replicas` Deployments of `--replicas` each are created over HTTPS in namespace
 * `bench`. Watches (from a list's resourceVersion, resumed if they end) follow every pod, Node and node Lease.
 *
 * Printed:
 * - load average at start and end (the machine is shared: figures are noisy);
 * - stage times: cluster up, nodes registered and Ready, deployments created, last pod created / bound /
 *   Ready, and pods/s;
 * - pod startup latency p50/p90/p99/max, two ways: (a) `watch`: on this process' monotonic clock, from
 *   receipt of the pod's ADDED event to receipt of the event that shows it Ready (both carry the same watch
 *   delay), split into ADDED→bound (scheduler) and bound→Ready (kubelet); (b) `timestamps`:
 *   metadata.creationTimestamp → the Ready condition's lastTransitionTime (whole seconds, as the api stores them);
 * - churn, so that more pods than desired is explained rather than hidden: distinct pods created, pods deleted
 *   (and marked for deletion), the bench namespace's Events by reason (SuccessfulDelete, FailedCreate,
 *   TaintManagerEviction, …), Node Events by reason, Ready True→not-True transitions of nodes, and how many
 *   leadership terms each scheduler and controller manager lost (their logs' lease_deadline / lease_lost);
 * - node heartbeats: the gaps between consecutive Lease renewals as this process received them (what the
 *   node lifecycle controller judges, against its 40 s grace period), p50/p99/max and how many exceeded 20 s;
 * - a progress line every `--every` seconds (pods created/bound/Ready and each process' CPU share);
 * - CPU seconds per process (pod phase and whole run, from /proc), RSS at the end and peak RSS (VmHWM).
 *
 * `--election kube` (default) runs the schedulers' and controller managers' leader election with
 * Kubernetes' timing (lease 15 s, renew deadline 10 s, retry 2 s) instead of kubelab's failover-fast 1 s /
 * 0.7 s / 0.2 s (`--election fast`): on a loaded 2-core machine a 0.7 s event-loop or Redis fsync stall
 * ends a term, and every new term re-lists every object (30,000 pods) before it can act. This bench measures
 * throughput, not failover.
 *
 * Asserts nothing. Cleans up every process and exits.
 * Run: npm run bench:nodes -- --nodes 1000 --pods 30000 [--replicas 100] [--node-procs 1] [--every 10]
 *      [--timeout-min 60] [--election kube|fast]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { waitFor } from '@kubelab/testkit';
import {
  ApiClient,
  type KubeList,
  type KubeObject,
  type StatusRow,
  TestCluster,
  percentile,
  pool,
} from '../integration/api/helpers.js';

const { values: args } = parseArgs({
  options: {
    nodes: { type: 'string', default: '1000' },
    pods: { type: 'string', default: '30000' },
    replicas: { type: 'string', default: '100' },
    'node-procs': { type: 'string', default: '1' },
    every: { type: 'string', default: '10' },
    'timeout-min': { type: 'string', default: '60' },
    election: { type: 'string', default: 'kube' },
  },
});
const NODES = Number(args.nodes);
const PODS = Number(args.pods);
const REPLICAS = Math.min(Number(args.replicas), PODS);
const DEPLOYMENTS = Math.ceil(PODS / REPLICAS);
const NODE_PROCS = Math.max(1, Number(args['node-procs']));
const EVERY_S = Number(args.every);
const TIMEOUT_MS = Number(args['timeout-min']) * 60_000;
const ELECTION = args.election === 'fast' ? 'fast' : 'kube';
const NS = 'bench';
/** A heartbeat gap above this is reported (half the node lifecycle controller's 40 s grace period). */
const LATE_HEARTBEAT_MS = 20_000;
const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const seconds = (ms: number) => `${fmt(ms / 1000)} s`;

interface PodTrack {
  /** Monotonic ms (since t0) at which this process saw each stage first. */
  added: number;
  bound?: number;
  ready?: number;
  deleting?: boolean;
  created?: string;
  readyAt?: string;
}

interface WatchedObject extends KubeObject {
  metadata: KubeObject['metadata'] & { creationTimestamp?: string; deletionTimestamp?: string };
  spec?: { nodeName?: string; renewTime?: string };
  status?: { phase?: string; conditions?: { type: string; status: string; lastTransitionTime?: string }[] };
}

/** utime + stime in seconds (Linux /proc, 100 Hz ticks). */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** A `VmRSS` (now) or `VmHWM` (peak) figure of /proc/<pid>/status in MB. */
function memMb(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number {
  if (pid === undefined) return Number.NaN;
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

function stats(values: number[]): string {
  const s = [...values].sort((a, b) => a - b);
  return `p50 ${fmt(percentile(s, 50) / 1000, 2)} s, p90 ${fmt(percentile(s, 90) / 1000, 2)} s, p99 ${fmt(percentile(s, 99) / 1000, 2)} s, max ${fmt((s.at(-1) ?? Number.NaN) / 1000, 2)} s (n=${s.length})`;
}

function deployment(i: number) {
  const name = `d-${String(i).padStart(4, '0')}`;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas: Math.min(REPLICAS, PODS - i * REPLICAS),
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: 'c',
              image: 'nginx:1.27',
              resources: { requests: { cpu: '10m', memory: '16Mi' } },
            },
          ],
        },
      },
    },
  };
}

/** The Ready condition's status of a Node or Pod. */
function readyOf(o: WatchedObject): string | undefined {
  return o.status?.conditions?.find((c) => c.type === 'Ready')?.status;
}

/**
 * Follows `collection` (an api path) from a fresh list's resourceVersion until stopped, resuming from the
 * last seen resourceVersion whenever the watch ends; `onEvent` sees every ADDED/MODIFIED/DELETED.
 */
class Follower {
  #rv = '';
  #watching = true;
  #close: () => void = () => {};
  #done: Promise<void> = Promise.resolve();
  restarts = 0;

  constructor(
    private readonly api: ApiClient,
    private readonly collection: string,
    private readonly onEvent: (type: string, o: WatchedObject) => void,
  ) {}

  /** Lists once (each item counts as ADDED) and starts the watch. */
  async start(): Promise<void> {
    const list = await this.api.json<KubeList<WatchedObject>>('GET', this.collection);
    for (const o of list.items) this.onEvent('ADDED', o);
    this.#rv = list.metadata.resourceVersion ?? '';
    this.#done = this.#loop().catch((err: unknown) => console.error(`watch ${this.collection}:`, err));
  }

  async #loop(): Promise<void> {
    while (this.#watching) {
      const sep = this.collection.includes('?') ? '&' : '?';
      const w = await this.api.watch(
        `${this.collection}${sep}watch=true&allowWatchBookmarks=true&resourceVersion=${this.#rv}`,
        (ev) => {
          const o = ev.object as WatchedObject;
          if (o.metadata.resourceVersion) this.#rv = o.metadata.resourceVersion;
          if (ev.type !== 'BOOKMARK' && ev.type !== 'ERROR') this.onEvent(ev.type, o);
        },
      );
      if (w.status !== 200) throw new Error(`HTTP ${w.status}`);
      this.#close = w.close;
      await w.ended;
      if (this.#watching) this.restarts++;
    }
  }

  async stop(): Promise<void> {
    this.#watching = false;
    this.#close();
    await this.#done;
  }
}

/** Every object of a collection, paged (`limit` + `continue`). */
async function listAll<T>(api: ApiClient, path: string): Promise<T[]> {
  const out: T[] = [];
  let cont = '';
  for (let page = 0; page < 1000; page++) {
    const sep = path.includes('?') ? '&' : '?';
    const q = `${path}${sep}limit=5000${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`;
    const r = await api.request('GET', q, undefined, { timeoutMs: 120_000 });
    if (r.status !== 200) throw new Error(`GET ${q}: ${r.status} ${r.text.slice(0, 200)}`);
    const list = JSON.parse(r.text) as KubeList<T>;
    out.push(...list.items);
    cont = list.metadata.continue ?? '';
    if (!cont) break;
  }
  return out;
}

/** `reason count, …` of the Events in `namespace`, most frequent first. */
async function eventReasons(api: ApiClient, namespace: string): Promise<string> {
  const events = await listAll<{ reason?: string; count?: number }>(
    api,
    `/api/v1/namespaces/${namespace}/events`,
  );
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.reason ?? '?', (counts.get(e.reason ?? '?') ?? 0) + (e.count ?? 1));
  return (
    [...counts]
      .sort((a, b) => b[1] - a[1])
      .map(([r, n]) => `${r} ${n}`)
      .join(', ') || 'none'
  );
}

/** Leadership terms each elected process lost, from its log (`lease_deadline`, `lease_lost`). */
function termsLost(home: string, rows: readonly StatusRow[]): string {
  const out: string[] = [];
  for (const r of rows.filter((x) => x.role === 'scheduler' || x.role === 'controller')) {
    let text = '';
    try {
      text = readFileSync(join(home, 'logs', `${r.name}.log`), 'utf8');
    } catch {
      // no log
    }
    const n = (text.match(/"event":"lease_(deadline|lost)"/g) ?? []).length;
    out.push(`${r.name} ${n}`);
  }
  return out.join(', ');
}

/** Node Ready transitions and Lease renewal gaps, from the Node and Lease watches. */
class NodeHealth {
  readonly ready = new Map<string, string | undefined>();
  notReadyTransitions = 0;
  readonly #lastRenew = new Map<string, number>();
  readonly gaps: number[] = [];

  onNode = (type: string, n: WatchedObject): void => {
    const name = n.metadata.name ?? '';
    if (type === 'DELETED') {
      this.ready.delete(name);
      return;
    }
    const status = readyOf(n);
    if (this.ready.get(name) === 'True' && status !== 'True') this.notReadyTransitions++;
    this.ready.set(name, status);
  };

  onLease = (type: string, l: WatchedObject): void => {
    const name = l.metadata.name ?? '';
    if (type === 'DELETED' || !l.spec?.renewTime) return;
    const now = performance.now();
    const last = this.#lastRenew.get(name);
    if (last !== undefined) this.gaps.push(now - last);
    this.#lastRenew.set(name, now);
  };

  readyCount(): number {
    return [...this.ready.values()].filter((s) => s === 'True').length;
  }

  summary(): string {
    const late = this.gaps.filter((g) => g > LATE_HEARTBEAT_MS).length;
    return `${stats(this.gaps)}; ${late} over ${LATE_HEARTBEAT_MS / 1000} s`;
  }
}

async function main(): Promise<void> {
  console.log(
    `bench:nodes — ${NODES} hollow nodes in ${NODE_PROCS} node process(es), ${PODS} pods as ${DEPLOYMENTS} deployments × ${REPLICAS}; election timing ${ELECTION}`,
  );
  console.log(`load average at start ${loadAverage()}`);
  const cluster = new TestCluster('bench-nodes');
  Object.assign(cluster.env, {
    KUBELAB_HOLLOW_NODES: String(Math.ceil(NODES / NODE_PROCS)),
    KUBELAB_NODE_POD_CIDR_WAIT_MS: '30000',
    // A node process registers all of its hollow nodes before it reports ready.
    KUBELAB_READY_TIMEOUT_MS: String(Math.max(60_000, 300 * Math.ceil(NODES / NODE_PROCS))),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    ...(ELECTION === 'kube'
      ? {
          KUBELAB_LEASE_DURATION_MS: '15000',
          KUBELAB_LEASE_RENEW_DEADLINE_MS: '10000',
          KUBELAB_LEASE_RETRY_PERIOD_MS: '2000',
        }
      : {}),
  });
  const stop = () => {
    void cluster.down().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const stages: [string, number][] = [];
  const tStart = performance.now();
  const stage = (what: string) => {
    const at = performance.now() - tStart;
    stages.push([what, at]);
    console.log(`[+${seconds(at)}] ${what}`);
  };
  try {
    await cluster.up(NODE_PROCS);
    await cluster.apiLeader(120_000);
    const api = new ApiClient(await cluster.apiPort('api-0'), cluster.credentials(), { maxSockets: 32 });
    stage('cluster up');
    const procs = (await cluster.status()).filter((p) => p.pid !== undefined);

    const health = new NodeHealth();
    const nodeWatch = new Follower(api, '/api/v1/nodes', health.onNode);
    const leaseWatch = new Follower(
      api,
      '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases',
      health.onLease,
    );
    await nodeWatch.start();
    await leaseWatch.start();
    let registeredAt: number | undefined;
    await waitFor(
      () => {
        if (registeredAt === undefined && health.ready.size >= NODES) {
          registeredAt = performance.now();
          stage(`${NODES} nodes registered`);
        }
        return health.readyCount() >= NODES ? true : undefined;
      },
      { timeoutMs: 30 * 60_000, intervalMs: 200, what: `${NODES} Ready nodes` },
    );
    stage(`${NODES} nodes Ready`);
    health.notReadyTransitions = 0; // from here on, a transition is a node that went away under load

    const r = await api.request('POST', '/api/v1/namespaces', { metadata: { name: NS } });
    if (r.status !== 201 && r.status !== 409) throw new Error(`namespace: ${r.status} ${r.text}`);

    // Follow every pod in the namespace from now on.
    const tracks = new Map<string, PodTrack>();
    let t0 = performance.now();
    let readyCount = 0;
    let boundCount = 0;
    let deletedCount = 0;
    let deletingCount = 0;
    const onPod = (type: string, o: WatchedObject) => {
      const now = performance.now() - t0;
      const uid = o.metadata.uid;
      if (!uid) return;
      if (type === 'DELETED') deletedCount++;
      let t = tracks.get(uid);
      if (t === undefined) {
        t = { added: now };
        if (o.metadata.creationTimestamp) t.created = o.metadata.creationTimestamp;
        tracks.set(uid, t);
      }
      if (!t.deleting && o.metadata.deletionTimestamp) {
        t.deleting = true;
        deletingCount++;
      }
      if (t.bound === undefined && o.spec?.nodeName) {
        t.bound = now;
        boundCount++;
      }
      const ready = o.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
      if (t.ready === undefined && ready && o.status?.phase === 'Running') {
        t.ready = now;
        if (ready.lastTransitionTime) t.readyAt = ready.lastTransitionTime;
        readyCount++;
      }
    };
    const podWatch = new Follower(api, `/api/v1/namespaces/${NS}/pods`, onPod);
    await podWatch.start();

    // CPU per process, sampled with each progress line.
    const cpuAtStart = new Map(procs.map((p) => [p.name, cpuSeconds(p.pid)]));
    const cpuPrev = new Map(cpuAtStart);
    let tPrev = performance.now();
    const progress = () => {
      const now = performance.now();
      const dt = (now - tPrev) / 1000;
      const byRole = new Map<string, number>();
      for (const p of procs) {
        const c = cpuSeconds(p.pid);
        const share = (c - (cpuPrev.get(p.name) ?? c)) / dt;
        cpuPrev.set(p.name, c);
        if (share > 0.02) byRole.set(p.name, share);
      }
      tPrev = now;
      const cpu = [...byRole].map(([n, s]) => `${n} ${fmt(s * 100, 0)}%`).join(' ');
      console.log(
        `  +${fmt((now - t0) / 1000, 0)} s: pods ${tracks.size} created, ${boundCount} bound, ${readyCount} Ready, ${deletingCount} deleting | nodes Ready ${health.readyCount()} | load ${loadAverage()} | cpu ${cpu}`,
      );
    };
    const ticker = setInterval(progress, EVERY_S * 1000);

    t0 = performance.now();
    let createErrors = 0;
    await pool(DEPLOYMENTS, 8, async (i) => {
      const res = await api
        .request('POST', `/apis/apps/v1/namespaces/${NS}/deployments`, deployment(i), { timeoutMs: 120_000 })
        .catch((err: Error) => ({ status: 0, text: err.message }));
      if (res.status !== 201) {
        createErrors++;
        if (createErrors <= 3) console.log(`  deployment ${i}: ${res.status} ${res.text.slice(0, 200)}`);
      }
    });
    const createdS = (performance.now() - t0) / 1000;
    stage(
      `${DEPLOYMENTS - createErrors} deployments created in ${fmt(createdS)} s${createErrors ? ` (${createErrors} failed)` : ''}`,
    );

    let finished = true;
    await waitFor(() => readyCount >= PODS, {
      timeoutMs: TIMEOUT_MS,
      intervalMs: 200,
      what: `${PODS} Ready pods`,
    }).catch((err: Error) => {
      finished = false;
      console.log(`NOT FINISHED: ${err.message}`);
    });
    const totalS = (performance.now() - t0) / 1000;
    if (finished) stage(`${PODS} pods Ready`);
    clearInterval(ticker);
    progress();
    await podWatch.stop();

    const all = [...tracks.values()];
    const ready = all.filter((t) => t.ready !== undefined);
    const lastCreated = Math.max(...all.map((t) => t.added));
    const lastBound = Math.max(...all.filter((t) => t.bound !== undefined).map((t) => t.bound ?? 0));
    const live = await listAll<KubeObject>(api, `/api/v1/namespaces/${NS}/pods`);
    const rsets = await listAll<KubeObject>(api, `/apis/apps/v1/namespaces/${NS}/replicasets`);
    const benchEvents = await eventReasons(api, NS);
    const nodeEvents = await eventReasons(api, 'default');
    await nodeWatch.stop();
    await leaseWatch.stop();
    const rows: StatusRow[] = await cluster.status();
    console.log('');
    console.log(
      `RESULT ${NODES} nodes, ${PODS} pods (${DEPLOYMENTS} × ${REPLICAS}), ${NODE_PROCS} node process(es), election ${ELECTION}`,
    );
    console.log(`  stages: ${stages.map(([w, at]) => `${w} +${seconds(at)}`).join('; ')}`);
    console.log(
      `  ${ready.length}/${PODS} pods Running and Ready in ${fmt(totalS)} s from the first Deployment create: ${fmt(ready.length / totalS, 0)} pods/s`,
    );
    console.log(
      `  last pod created at +${fmt(lastCreated / 1000)} s (${fmt(all.length / (lastCreated / 1000), 0)} pods/s created), last bound at +${fmt(lastBound / 1000)} s`,
    );
    console.log(
      `  startup latency (watch, monotonic: ADDED → Ready): ${stats(ready.map((t) => (t.ready ?? 0) - t.added))}`,
    );
    console.log(
      `    ADDED → bound (scheduler): ${stats(all.filter((t) => t.bound !== undefined).map((t) => (t.bound ?? 0) - t.added))}`,
    );
    console.log(
      `    bound → Ready (kubelet):   ${stats(ready.filter((t) => t.bound !== undefined).map((t) => (t.ready ?? 0) - (t.bound ?? 0)))}`,
    );
    console.log(
      `  startup latency (timestamps, 1 s resolution: creationTimestamp → Ready lastTransitionTime): ${stats(
        ready
          .filter((t) => t.created && t.readyAt)
          .map((t) => Date.parse(t.readyAt ?? '') - Date.parse(t.created ?? '')),
      )}`,
    );
    console.log(
      `  churn: ${all.length} distinct pods created for ${PODS} desired, ${deletingCount} marked for deletion, ${deletedCount} deleted; now ${live.length} pods in ${rsets.length} ReplicaSets; watches resumed: pods ${podWatch.restarts}, nodes ${nodeWatch.restarts}, leases ${leaseWatch.restarts}`,
    );
    console.log(`  events in ${NS}: ${benchEvents}`);
    console.log(`  node events: ${nodeEvents}`);
    console.log(
      `  nodes: ${health.notReadyTransitions} Ready→not-Ready transitions after all were Ready; ${health.readyCount()}/${NODES} Ready at the end`,
    );
    console.log(`  node Lease renewal gaps (as received): ${health.summary()}`);
    console.log(`  leadership terms lost: ${termsLost(cluster.home, rows)}`);
    console.log(
      '  per process: CPU s during the pod phase / CPU s since start / RSS at the end / peak RSS (VmHWM):',
    );
    for (const p of rows.filter((x) => x.pid !== undefined)) {
      const total = cpuSeconds(p.pid);
      const cpu = total - (cpuAtStart.get(p.name) ?? Number.NaN);
      console.log(
        `    ${p.name.padEnd(12)} ${fmt(cpu, 1).padStart(7)} s ${fmt(total, 1).padStart(7)} s ${fmt(memMb(p.pid, 'VmRSS'), 0).padStart(6)} MB ${fmt(memMb(p.pid, 'VmHWM'), 0).padStart(6)} MB`,
      );
    }
    console.log(`load average at the end ${loadAverage()}; total ${seconds(performance.now() - tStart)}`);
    api.close();
  } finally {
    await cluster.down();
  }
}

await main();
