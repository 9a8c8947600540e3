/**
 * Node-scale benchmark (issue 6): hollow nodes (KUBELAB_HOLLOW_NODES, kwok-style: no sockets, pods go Running
 * and Ready when started) and pods created through Deployments until every pod is Running and Ready.
 *
 * A process cluster in a temp KUBELAB_HOME: 3 Raft api replicas, 2 schedulers and 2 controller managers (one
 * active each), 2 dns, and `--node-procs` node processes hosting `--nodes` hollow nodes between them. Once all
 * nodes are Ready, `--pods / --replicas` Deployments of `--replicas` each are created over HTTPS in namespace
 * `bench`; one pod watch (from the list's resourceVersion, resumed if it ends) follows every pod.
 *
 * Printed:
 * - node registration time; deployments' create time; total time from the first Deployment create to the last
 *   pod Ready, and pods/s;
 * - pod startup latency p50/p90/p99, two ways: (a) `watch`: on this process' monotonic clock, from receipt of
 *   the pod's ADDED event to receipt of the event that shows it Ready (both carry the same watch delay), split
 *   into ADDED→bound (scheduler) and bound→Ready (kubelet); (b) `timestamps`: metadata.creationTimestamp → the
 *   Ready condition's lastTransitionTime (whole seconds, as the api stores them);
 * - a progress line every `--every` seconds (pods created/bound/Ready and each process' CPU share), which shows
 *   which stage falls behind;
 * - CPU seconds and RSS per process at the end.
 *
 * Asserts nothing. Cleans up every process and exits.
 * Run: npm run bench:nodes -- --nodes 1000 --pods 30000 [--replicas 100] [--node-procs 1] [--every 10] [--timeout-min 60]
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { waitFor } from '@kubelab/testkit';
import {
  ApiClient,
  type KubeList,
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
  },
});
const NODES = Number(args.nodes);
const PODS = Number(args.pods);
const REPLICAS = Math.min(Number(args.replicas), PODS);
const DEPLOYMENTS = Math.ceil(PODS / REPLICAS);
const NODE_PROCS = Math.max(1, Number(args['node-procs']));
const EVERY_S = Number(args.every);
const TIMEOUT_MS = Number(args['timeout-min']) * 60_000;
const NS = 'bench';
const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '-');

interface PodTrack {
  /** Monotonic ms (since t0) at which this process saw each stage first. */
  added: number;
  bound?: number;
  ready?: number;
  created?: string;
  readyAt?: string;
}

interface PodEvent {
  type: string;
  object: {
    metadata: {
      uid?: string;
      resourceVersion?: string;
      creationTimestamp?: string;
      deletionTimestamp?: string;
    };
    spec?: { nodeName?: string };
    status?: { phase?: string; conditions?: { type: string; status: string; lastTransitionTime?: string }[] };
  };
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

function rssMb(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
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

async function main(): Promise<void> {
  console.log(
    `bench:nodes — ${NODES} hollow nodes in ${NODE_PROCS} node process(es), ${PODS} pods as ${DEPLOYMENTS} deployments × ${REPLICAS}`,
  );
  const cluster = new TestCluster('bench-nodes');
  Object.assign(cluster.env, {
    KUBELAB_HOLLOW_NODES: String(Math.ceil(NODES / NODE_PROCS)),
    KUBELAB_NODE_POD_CIDR_WAIT_MS: '30000',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  });
  const stop = () => {
    void cluster.down().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  try {
    const tUp = performance.now();
    await cluster.up(NODE_PROCS);
    await cluster.apiLeader(120_000);
    const api = new ApiClient(await cluster.apiPort('api-0'), cluster.credentials(), { maxSockets: 32 });
    console.log(`cluster up in ${fmt((performance.now() - tUp) / 1000)} s`);

    const tNodes = performance.now();
    await waitFor(
      async () => {
        const r = await api.request('GET', '/api/v1/nodes', undefined, { timeoutMs: 120_000 });
        if (r.status !== 200) return undefined;
        const items = (
          JSON.parse(r.text) as KubeList<{
            metadata: { name?: string };
            spec?: { podCIDR?: string };
            status?: { conditions?: { type: string; status: string }[] };
          }>
        ).items;
        const ready = items.filter((n) =>
          n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        ).length;
        const cidrs = items.filter((n) => n.spec?.podCIDR).length;
        console.log(`  nodes: ${items.length} registered, ${ready} Ready, ${cidrs} with a podCIDR`);
        return ready >= NODES && cidrs >= NODES ? true : undefined;
      },
      { timeoutMs: 30 * 60_000, intervalMs: 5_000, what: `${NODES} Ready nodes` },
    );
    console.log(`${NODES} nodes Ready with pod CIDRs ${fmt((performance.now() - tNodes) / 1000)} s after up`);

    const r = await api.request('POST', '/api/v1/namespaces', { metadata: { name: NS } });
    if (r.status !== 201 && r.status !== 409) throw new Error(`namespace: ${r.status} ${r.text}`);

    // Follow every pod in the namespace from now on.
    const tracks = new Map<string, PodTrack>();
    let t0 = performance.now();
    let readyCount = 0;
    let boundCount = 0;
    let deletedCount = 0;
    let lastRv =
      (await api.json<KubeList>('GET', `/api/v1/namespaces/${NS}/pods?limit=1`)).metadata.resourceVersion ??
      '';
    let watchRestarts = 0;
    const onEvent = (ev: PodEvent) => {
      const now = performance.now() - t0;
      const o = ev.object;
      if (o.metadata.resourceVersion) lastRv = o.metadata.resourceVersion;
      const uid = o.metadata.uid;
      if (!uid || ev.type === 'BOOKMARK' || ev.type === 'ERROR') return;
      if (ev.type === 'DELETED') deletedCount++;
      let t = tracks.get(uid);
      if (t === undefined) {
        t = { added: now };
        if (o.metadata.creationTimestamp) t.created = o.metadata.creationTimestamp;
        tracks.set(uid, t);
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
    let watching = true;
    const follow = async () => {
      while (watching) {
        const w = await api.watch(
          `/api/v1/namespaces/${NS}/pods?watch=true&allowWatchBookmarks=true&resourceVersion=${lastRv}`,
          (ev) => onEvent(ev as unknown as PodEvent),
        );
        if (w.status !== 200) throw new Error(`pod watch: HTTP ${w.status}`);
        closeWatch = w.close;
        await w.ended;
        if (watching) watchRestarts++;
      }
    };
    let closeWatch: () => void = () => {};
    const following = follow().catch((err: unknown) => console.error('pod watch failed:', err));

    // CPU per process, sampled with each progress line.
    const procs = (await cluster.status()).filter((p) => p.pid !== undefined);
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
        `  +${fmt((now - t0) / 1000, 0)} s: pods ${tracks.size} created, ${boundCount} bound, ${readyCount} Ready | cpu ${cpu}`,
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
    console.log(
      `${DEPLOYMENTS - createErrors} deployments created in ${fmt(createdS)} s${createErrors ? ` (${createErrors} failed)` : ''}`,
    );

    await waitFor(() => readyCount >= PODS, {
      timeoutMs: TIMEOUT_MS,
      intervalMs: 200,
      what: `${PODS} Ready pods`,
    }).catch((err: Error) => console.log(`NOT FINISHED: ${err.message}`));
    const totalS = (performance.now() - t0) / 1000;
    clearInterval(ticker);
    progress();
    watching = false;
    closeWatch();
    await following;

    const all = [...tracks.values()];
    const ready = all.filter((t) => t.ready !== undefined);
    const lastCreated = Math.max(...all.map((t) => t.added));
    const lastBound = Math.max(...all.filter((t) => t.bound !== undefined).map((t) => t.bound ?? 0));
    console.log('');
    console.log(
      `RESULT ${NODES} nodes, ${PODS} pods (${DEPLOYMENTS} × ${REPLICAS}), ${NODE_PROCS} node process(es)`,
    );
    console.log(
      `  ${ready.length}/${PODS} pods Running and Ready in ${fmt(totalS)} s from the first Deployment create: ${fmt(ready.length / totalS, 0)} pods/s`,
    );
    console.log(
      `  last pod created at +${fmt(lastCreated / 1000)} s (${fmt(all.length / (lastCreated / 1000), 0)} pods/s created), last bound at +${fmt(lastBound / 1000)} s`,
    );
    const live = await api.json<KubeList>('GET', `/api/v1/namespaces/${NS}/pods`);
    const rsets = await api.json<KubeList>('GET', `/apis/apps/v1/namespaces/${NS}/replicasets`);
    console.log(
      `  distinct pods seen ${all.length}, deleted ${deletedCount}; now ${live.items.length} pods in ${rsets.items.length} ReplicaSets; pod watch resumed ${watchRestarts} time(s)`,
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
    console.log('  per process (CPU seconds during the pod phase / RSS at the end):');
    const rows: StatusRow[] = await cluster.status();
    for (const p of rows.filter((r) => r.pid !== undefined)) {
      const cpu = cpuSeconds(p.pid) - (cpuAtStart.get(p.name) ?? Number.NaN);
      console.log(
        `    ${p.name.padEnd(12)} ${fmt(cpu, 1).padStart(7)} s  ${fmt(rssMb(p.pid), 0).padStart(5)} MB`,
      );
    }
    api.close();
  } finally {
    await cluster.down();
  }
}

await main();
