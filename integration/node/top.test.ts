/**
 * `kubectl top` against a real process cluster (api ×3, scheduler, controllers, one node agent running the
 * emulated runtime): the api serves metrics.k8s.io/v1beta1 from the usage the kubelet publishes in each pod's
 * `kubelab.io/usage` annotation. A Deployment of nginx and a two-container pod run; once every pod has usage,
 * the real kubectl's `top nodes`, `top pods`, `top pod X --containers`, `top pods -l`, `get --raw` and
 * `api-resources` are checked column by column against the annotations and the node's allocatable.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Node, type Pod, USAGE_ANNOTATION, integerValueOf, milliValueOf } from '@kubelab/api-types';
import { waitFor } from '@kubelab/testkit';
import { TestCluster, kubectl, kubectlOk } from '../api/helpers.js';
import { createObject, getJson, waitNodesListedReady } from '../cluster-helpers.js';

const cluster = new TestCluster('top');
// Pod IPs of this cluster only (nginx binds port 80 on its pod IP; concurrent clusters share 127/8).
const podCidr = `127.${128 + (process.pid % 64)}.0.0/16`;
console.log(`pod CIDR ${podCidr}`);
Object.assign(cluster.env, {
  KUBELAB_NODE_POD_CIDR_WAIT_MS: '2000',
  KUBELAB_CLUSTER_CIDR: podCidr,
  // Usage published every second instead of every 15 s.
  KUBELAB_NODE_USAGE_PERIOD_MS: '1000',
});

const MI = 1024 * 1024;
/** What the api adds to a node's pods (NODE_SYSTEM_OVERHEAD in services/api/src/metrics/usage.ts). */
const OVERHEAD = { cpuMilli: 20, memoryBytes: 64 * MI };

interface Usage {
  cpuMilli: number;
  memoryBytes: number;
  containers: Record<string, { cpuMilli: number; memoryBytes: number }>;
}

const usageOf = (p: Pod): Usage | undefined => {
  const raw = p.metadata.annotations?.[USAGE_ANNOTATION];
  return raw ? (JSON.parse(raw) as Usage) : undefined;
};

/** kubectl's table output as rows of cells (no cell here contains a space). */
const rows = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/));

/** The Running pods of the default namespace, once each has usage for all its containers. */
async function podsWithUsage(expected: number): Promise<Pod[]> {
  return waitFor(
    async () => {
      const pods = (await getJson<{ items: Pod[] }>(cluster, ['get', 'pods'])).items;
      const ready = pods.filter((p) => {
        const u = usageOf(p);
        return (
          p.status?.phase === 'Running' && u && Object.keys(u.containers).length === p.spec.containers.length
        );
      });
      return ready.length === expected && pods.length === expected ? pods : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 1000, what: `${expected} Running pods with usage` },
  );
}

interface NodeMetricsItem {
  metadata: { name: string };
  usage: { cpu: string; memory: string };
  window: string;
  timestamp: string;
}

const mi = (bytes: number) => `${Math.floor(bytes / MI)}Mi`;
const m = (milli: number) => `${Math.ceil(milli)}m`;

describe('kubectl top - process cluster', { timeout: 300_000 }, () => {
  let pods: Pod[] = [];

  before(async () => {
    await cluster.up(1);
    await waitNodesListedReady(cluster, 1);
    await createObject(cluster, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] },
        },
      },
    });
    await createObject(cluster, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'duo', labels: { app: 'duo' } },
      spec: {
        containers: [
          { name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }] },
          { name: 'sidecar', image: 'busybox', command: ['sleep', '3600'] },
        ],
      },
    });
    pods = await podsWithUsage(3);
  });
  after(async () => {
    await cluster.down();
  });

  it('api-resources lists nodes and pods of metrics.k8s.io/v1beta1', async () => {
    const out = await kubectlOk(cluster, ['api-resources', '--api-group=metrics.k8s.io']);
    const table = rows(out);
    assert.deepEqual(table[0], ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
    assert.deepEqual(table.slice(1), [
      ['nodes', 'metrics.k8s.io/v1beta1', 'false', 'NodeMetrics'],
      ['pods', 'metrics.k8s.io/v1beta1', 'true', 'PodMetrics'],
    ]);
    const all = await kubectlOk(cluster, ['api-resources']);
    assert.equal(all.split('\n').filter((l) => l.includes('metrics.k8s.io')).length, 2);
  });

  it('get --raw /apis/metrics.k8s.io/v1beta1/nodes: the pods’ usage plus the system overhead', async () => {
    const list = JSON.parse(
      await kubectlOk(cluster, ['get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes']),
    ) as { kind: string; apiVersion: string; items: NodeMetricsItem[] };
    assert.equal(list.kind, 'NodeMetricsList');
    assert.equal(list.apiVersion, 'metrics.k8s.io/v1beta1');
    assert.deepEqual(
      list.items.map((i) => i.metadata.name),
      ['node-0'],
    );
    const item = list.items[0];
    const cpu = pods.reduce((s, p) => s + (usageOf(p)?.cpuMilli ?? 0), OVERHEAD.cpuMilli);
    const memory = pods.reduce((s, p) => s + (usageOf(p)?.memoryBytes ?? 0), OVERHEAD.memoryBytes);
    // Exact values, printed as Kubernetes prints quantities (cpu in m or n, memory in Ki/Mi).
    assert.equal(milliValueOf(item?.usage.cpu), cpu);
    assert.equal(integerValueOf(item?.usage.memory), memory);
    assert.match(item?.usage.cpu ?? '', /^\d+[mn]$/);
    assert.match(item?.usage.memory ?? '', /^\d+(Ki|Mi)$/);
    assert.equal(item?.window, '1s');
    assert.match(item?.timestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('top nodes: NAME CPU(cores) CPU(%) MEMORY(bytes) MEMORY(%) from the node’s allocatable', async () => {
    const r = await kubectl(cluster, ['top', 'nodes']);
    assert.equal(r.code, 0, r.stderr);
    const table = rows(r.stdout);
    assert.deepEqual(table[0], ['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)']);
    const node = await getJson<Node>(cluster, ['get', 'node', 'node-0']);
    const allocCpuMilli = Number(node.status?.allocatable?.cpu) * 1000;
    const allocMemory = /^(\d+)Gi$/.exec(node.status?.allocatable?.memory ?? '');
    assert.ok(Number.isFinite(allocCpuMilli) && allocMemory, 'allocatable cpu in cores and memory in Gi');
    const allocBytes = Number(allocMemory[1]) * 1024 * MI;
    const cpu = pods.reduce((s, p) => s + (usageOf(p)?.cpuMilli ?? 0), OVERHEAD.cpuMilli);
    const memory = pods.reduce((s, p) => s + (usageOf(p)?.memoryBytes ?? 0), OVERHEAD.memoryBytes);
    assert.ok(cpu > OVERHEAD.cpuMilli && memory > OVERHEAD.memoryBytes, 'the pods add usage');
    assert.deepEqual(table.slice(1), [
      [
        'node-0',
        m(cpu),
        `${Math.trunc((cpu / allocCpuMilli) * 100)}%`,
        mi(memory),
        `${Math.trunc((memory / allocBytes) * 100)}%`,
      ],
    ]);
  });

  it('top pods: NAME CPU(cores) MEMORY(bytes) per pod, as the annotations say', async () => {
    const r = await kubectl(cluster, ['top', 'pods']);
    assert.equal(r.code, 0, r.stderr);
    const table = rows(r.stdout);
    assert.deepEqual(table[0], ['NAME', 'CPU(cores)', 'MEMORY(bytes)']);
    const expected = pods
      .map((p) => {
        const u = usageOf(p) as Usage;
        return [p.metadata.name ?? '', m(u.cpuMilli), mi(u.memoryBytes)];
      })
      .sort((a, b) => ((a[0] ?? '') < (b[0] ?? '') ? -1 : 1));
    assert.deepEqual(table.slice(1), expected);
    for (const row of expected) {
      assert.notEqual(row[1], '0m', `${row[0]} uses cpu`);
      assert.notEqual(row[2], '0Mi', `${row[0]} uses memory`);
    }
  });

  it('top pods -l app=web: only the Deployment’s pods', async () => {
    const table = rows(await kubectlOk(cluster, ['top', 'pods', '-l', 'app=web']));
    const web = pods.filter((p) => p.metadata.labels?.app === 'web').map((p) => p.metadata.name);
    assert.equal(web.length, 2);
    assert.deepEqual(
      table.slice(1).map((row) => row[0]),
      web.sort(),
    );
  });

  it('top pod duo --containers: one row per container', async () => {
    const table = rows(await kubectlOk(cluster, ['top', 'pod', 'duo', '--containers']));
    assert.deepEqual(table[0], ['POD', 'NAME', 'CPU(cores)', 'MEMORY(bytes)']);
    const duo = usageOf(pods.find((p) => p.metadata.name === 'duo') as Pod) as Usage;
    assert.deepEqual(
      table.slice(1),
      ['nginx', 'sidecar'].map((c) => [
        'duo',
        c,
        m(duo.containers[c]?.cpuMilli ?? Number.NaN),
        mi(duo.containers[c]?.memoryBytes ?? Number.NaN),
      ]),
    );
  });

  it('top pods --all-namespaces has a NAMESPACE column; a missing pod is NotFound', async () => {
    const table = rows(await kubectlOk(cluster, ['top', 'pods', '--all-namespaces']));
    assert.deepEqual(table[0], ['NAMESPACE', 'NAME', 'CPU(cores)', 'MEMORY(bytes)']);
    assert.deepEqual(
      table
        .slice(1)
        .filter((row) => row[0] === 'default')
        .map((row) => row[1]),
      pods.map((p) => p.metadata.name).sort(),
    );
    const r = await kubectl(cluster, ['top', 'pod', 'nope']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error from server \(NotFound\): pods "nope" not found/);
  });
});
