/**
 * Benchmark of the api over HTTPS against a real process cluster (`kubelab up --detach --nodes 0` in a temp
 * KUBELAB_HOME: 3 Raft api replicas). Keep-alive connections that trust the cluster CA, admin bearer token.
 *
 *  1. create / get / list of configmaps at concurrency 1 and 64: p50/p99 latency and ops/s (each cell is a
 *     fixed count, cut off after a fixed duration), through the kubeconfig's server (api-0) and through the
 *     Raft leader when api-0 is a follower;
 *  2. 10,000 pods created in parallel, then `GET /api/v1/namespaces/default/pods` timed (ms, bytes);
 *  3. watch fan-out: 100 watches on configmaps from the list resourceVersion, then 1,000 creates: events/s
 *     delivered across all watchers and the lag from each create's response to each watcher's receipt.
 *
 * Each row also gives the CPU time the three api processes used per operation (utime + stime from /proc,
 * summed over the replicas): on a shared machine it moves far less than wall-clock rates. The load average
 * is printed at the start and the end.
 *
 * Prints figures and asserts nothing. Cleans up every process and exits.
 * Run: node --import tsx bench/api.ts
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { waitFor } from '@kubelab/testkit';
import { ApiClient, type KubeList, TestCluster, percentile, pool } from '../integration/api/helpers.js';

const cluster = new TestCluster('bench');
const rows: string[][] = [];
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
/** Pids of the api replicas, filled in once the cluster is up. */
let apiPids: number[] = [];

/** CPU ms (utime + stime) used so far by the api processes (Linux /proc, 100 Hz ticks). */
function apiCpuMs(): number {
  let ms = 0;
  for (const pid of apiPids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      ms += (Number(f[11]) + Number(f[12])) * 10;
    } catch {
      return Number.NaN;
    }
  }
  return ms;
}

const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

function row(...cells: string[]): void {
  rows.push(cells);
  console.log(cells.join('  |  '));
}

interface CellResult {
  ok: number;
  errors: number;
  p50: number;
  p99: number;
  perSec: number;
  /** api CPU ms per successful op. */
  cpuMs: number;
}

/** Runs `op` `count` times with `concurrency` in flight, stopping new ops after `maxMs`. */
async function cell(
  count: number,
  concurrency: number,
  maxMs: number,
  op: (i: number) => Promise<boolean>,
): Promise<CellResult> {
  const lat: number[] = [];
  let errors = 0;
  const cpu0 = apiCpuMs();
  const t0 = performance.now();
  await pool(count, concurrency, async (i) => {
    if (performance.now() - t0 > maxMs) return;
    const s = performance.now();
    const ok = await op(i).catch(() => false);
    if (ok) lat.push(performance.now() - s);
    else errors++;
  });
  const wall = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return {
    ok: lat.length,
    errors,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    perSec: lat.length / wall,
    cpuMs: (apiCpuMs() - cpu0) / Math.max(1, lat.length),
  };
}

async function ensureNamespace(api: ApiClient, name: string): Promise<void> {
  const r = await api.request('POST', '/api/v1/namespaces', { metadata: { name } });
  if (r.status !== 201 && r.status !== 409) throw new Error(`namespace ${name}: ${r.status} ${r.text}`);
}

async function crudCells(api: ApiClient, label: string, ns: string): Promise<void> {
  await ensureNamespace(api, ns);
  const path = `/api/v1/namespaces/${ns}/configmaps`;
  // A namespace of 100 configmaps for the list cells.
  const listNs = `${ns}-list`;
  await ensureNamespace(api, listNs);
  await pool(100, 16, async (i) => {
    await api.request('POST', `/api/v1/namespaces/${listNs}/configmaps`, {
      metadata: { name: `l-${i}` },
      data: { k: 'v'.repeat(64) },
    });
  });
  for (const c of [1, 64]) {
    let seq = 0;
    const create = await cell(c === 1 ? 300 : 3000, c, 20_000, async () => {
      const r = await api.request('POST', path, {
        metadata: { name: `c${c}-${seq++}` },
        data: { k: 'v'.repeat(64) },
      });
      return r.status === 201;
    });
    const existing = create.ok;
    const get = await cell(c === 1 ? 1000 : 5000, c, 20_000, async (i) => {
      const r = await api.request('GET', `${path}/c${c}-${i % Math.max(1, existing)}`);
      return r.status === 200;
    });
    const list = await cell(c === 1 ? 200 : 1000, c, 20_000, async () => {
      const r = await api.request('GET', `/api/v1/namespaces/${listNs}/configmaps`);
      return r.status === 200;
    });
    // How many configmaps the cluster holds while the list cell ran (a namespaced list may scan them all).
    const probe = await api.json<KubeList & { metadata: { remainingItemCount?: number } }>(
      'GET',
      '/api/v1/configmaps?limit=1',
    );
    const total = (probe.metadata.remainingItemCount ?? 0) + probe.items.length;
    for (const [op, r] of [
      ['create', create],
      ['get', get],
      [`list (100 items; ${total} configmaps in the cluster)`, list],
    ] as const) {
      row(
        label,
        op,
        String(c),
        `${r.ok}${r.errors ? ` (+${r.errors} err)` : ''}`,
        fmt(r.p50, 2),
        fmt(r.p99, 2),
        fmt(r.perSec, 0),
        fmt(r.cpuMs, 2),
      );
    }
  }
}

async function bigList(api: ApiClient): Promise<void> {
  const N = 10_000;
  const cpu0 = apiCpuMs();
  const t0 = performance.now();
  let failed = 0;
  await pool(N, 64, async (i) => {
    const r = await api
      .request(
        'POST',
        '/api/v1/namespaces/default/pods',
        {
          metadata: {
            name: `pod-${String(i).padStart(5, '0')}`,
            labels: { app: 'bench', shard: String(i % 10) },
          },
          spec: { containers: [{ name: 'c', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] },
        },
        { timeoutMs: 60_000 },
      )
      .catch(() => ({ status: 0 }));
    if (r.status !== 201) failed++;
  });
  const createS = (performance.now() - t0) / 1000;
  const createCpu = (apiCpuMs() - cpu0) / Math.max(1, N - failed);
  console.log(
    `created ${N - failed} pods in ${fmt(createS)} s (${fmt((N - failed) / createS, 0)}/s at concurrency 64${failed ? `, ${failed} failed` : ''})`,
  );
  row(
    'list 10,000 pods',
    'create the pods (POST, one container)',
    '64',
    `${N - failed}${failed ? ` (+${failed} err)` : ''}`,
    '-',
    '-',
    fmt((N - failed) / createS, 0),
    fmt(createCpu, 2),
  );
  const listCpu0 = apiCpuMs();
  const times: number[] = [];
  let bytes = 0;
  let items = 0;
  for (let i = 0; i < 5; i++) {
    const s = performance.now();
    const r = await api.request('GET', '/api/v1/namespaces/default/pods', undefined, { timeoutMs: 120_000 });
    times.push(performance.now() - s);
    bytes = Buffer.byteLength(r.text);
    items = (JSON.parse(r.text) as KubeList).items.length;
  }
  const sorted = [...times].sort((a, b) => a - b);
  const listCpu = (apiCpuMs() - listCpu0) / times.length;
  row(
    'list 10,000 pods',
    `GET /api/v1/namespaces/default/pods (${items} items, ${fmt(bytes / 1e6, 2)} MB)`,
    '1',
    String(times.length),
    fmt(percentile(sorted, 50), 0),
    fmt(sorted.at(-1) ?? Number.NaN, 0),
    fmt(1000 / (percentile(sorted, 50) || 1), 2),
    fmt(listCpu, 0),
  );
  const s = performance.now();
  const page = await api.request('GET', '/api/v1/namespaces/default/pods?limit=500');
  row(
    'list 10,000 pods',
    `first page ?limit=500 (${fmt(Buffer.byteLength(page.text) / 1e3, 0)} kB)`,
    '1',
    '1',
    fmt(performance.now() - s, 1),
    '-',
    '-',
    '-',
  );
}

async function watchFanOut(api: ApiClient): Promise<void> {
  const WATCHERS = 100;
  const CREATES = 1000;
  const ns = 'bench-watch';
  await ensureNamespace(api, ns);
  const path = `/api/v1/namespaces/${ns}/configmaps`;
  const list = await api.json<KubeList>('GET', path);
  const rv = list.metadata.resourceVersion ?? '';
  const answeredAt = new Map<string, number>();
  const lags: number[] = [];
  let delivered = 0;
  let lastReceipt = 0;
  const perWatcher: number[] = Array.from({ length: WATCHERS }, () => 0);
  const early: [string, number][] = [];
  const watches = await Promise.all(
    Array.from({ length: WATCHERS }, (_, w) =>
      api.watch(`${path}?watch=true&resourceVersion=${rv}`, (ev) => {
        const now = performance.now();
        if (ev.type !== 'ADDED') return;
        delivered++;
        perWatcher[w] = (perWatcher[w] ?? 0) + 1;
        lastReceipt = now;
        const at = answeredAt.get(ev.object.metadata.name ?? '');
        // The event may beat the create's own response; those are matched once the response is in.
        if (at === undefined) early.push([ev.object.metadata.name ?? '', now]);
        else lags.push(now - at);
      }),
    ),
  );
  const bad = watches.filter((w) => w.status !== 200).length;
  const cpu0 = apiCpuMs();
  const t0 = performance.now();
  let createFailed = 0;
  await pool(CREATES, 64, async (i) => {
    const name = `w-${i}`;
    const r = await api
      .request('POST', path, { metadata: { name }, data: { i: String(i) } })
      .catch(() => undefined);
    if (r?.status === 201) answeredAt.set(name, performance.now());
    else createFailed++;
  });
  const createsDone = performance.now();
  const expected = WATCHERS * (CREATES - createFailed);
  await waitFor(() => delivered >= expected, { timeoutMs: 60_000, intervalMs: 50, what: 'all events' }).catch(
    () => undefined,
  );
  for (const [name, at] of early) {
    const answered = answeredAt.get(name);
    if (answered !== undefined) lags.push(at - answered);
  }
  const fanOutCpu = (apiCpuMs() - cpu0) / Math.max(1, CREATES - createFailed);
  for (const w of watches) w.close();
  lags.sort((a, b) => a - b);
  const seconds = ((lastReceipt || performance.now()) - t0) / 1000;
  console.log(
    `watch fan-out: ${WATCHERS} watches (${bad} refused), ${CREATES - createFailed} creates in ${fmt((createsDone - t0) / 1000, 2)} s; ` +
      `delivered ${delivered}/${expected} events (min per watcher ${Math.min(...perWatcher)}, max ${Math.max(...perWatcher)}); ` +
      `${early.length} events arrived before the create's response (negative lag)`,
  );
  row(
    'watch fan-out',
    `${WATCHERS} watchers x ${CREATES} creates: events/s delivered`,
    '64',
    `${delivered}`,
    '-',
    '-',
    fmt(delivered / seconds, 0),
    `${fmt(fanOutCpu, 2)} per create`,
  );
  row(
    'watch fan-out',
    'lag: create response -> watcher receipt (ms)',
    '64',
    `${lags.length}`,
    fmt(percentile(lags, 50), 2),
    fmt(percentile(lags, 99), 2),
    '-',
    '-',
  );
}

async function main(): Promise<void> {
  const started = Date.now();
  await cluster.up(0);
  const creds = cluster.credentials();
  const status = await cluster.status();
  const leader = await cluster.apiLeader();
  const defaultPort = Number(new URL(creds.server).port);
  const defaultRow = status.find((r) => r.port === defaultPort);
  const viaDefault = new ApiClient(defaultPort, creds, { keepAlive: true, maxSockets: 64 });
  const clients = [viaDefault];
  try {
    await waitFor(
      async () => (await viaDefault.request('GET', '/api/v1/namespaces/default')).status === 200,
      {
        timeoutMs: 30_000,
        intervalMs: 250,
        what: 'the api to serve',
      },
    );
    const defaultLabel = `${defaultRow?.name ?? defaultPort} (${defaultRow?.name === leader.name ? 'leader' : 'follower'})`;
    console.log(
      `cluster up in ${fmt((Date.now() - started) / 1000)} s; kubeconfig server ${defaultLabel}; Raft leader ${leader.name}`,
    );
    apiPids = status.flatMap((r) => (r.role === 'api' && r.pid !== undefined ? [r.pid] : []));
    console.log(`load average at start ${loadAverage()}`);
    row('target', 'op', 'conc', 'n', 'p50 ms', 'p99 ms', 'ops/s', 'api CPU ms/op');
    await crudCells(viaDefault, defaultLabel, 'bench');
    if (defaultRow?.name !== leader.name && leader.port) {
      const viaLeader = new ApiClient(leader.port, creds, { keepAlive: true, maxSockets: 64 });
      clients.push(viaLeader);
      await crudCells(viaLeader, `${leader.name} (leader)`, 'bench-leader');
    }
    await bigList(viaDefault);
    await watchFanOut(viaDefault);

    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
    console.log('\n== kubelab api benchmark (HTTPS, keep-alive; 3 Raft replicas on this machine) ==');
    for (const [i, r] of rows.entries()) {
      console.log(
        r.map((c, j) => (j >= 2 ? c.padStart(widths[j] ?? 0) : c.padEnd(widths[j] ?? 0))).join('  '),
      );
      if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    }
    console.log(`\ntotal ${fmt((Date.now() - started) / 1000)} s; load average at the end ${loadAverage()}`);
  } finally {
    for (const c of clients) c.close();
    await cluster.down();
  }
}

process.once('SIGINT', () => {
  void cluster.down().finally(() => process.exit(130));
});

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    console.error(err);
    await cluster.down().catch(() => undefined);
    process.exit(1);
  },
);
