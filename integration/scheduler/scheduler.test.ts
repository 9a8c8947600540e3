/**
 * The scheduler in a process cluster (`kubelab up --nodes 0`: 3 api replicas, 2 scheduler replicas), with Node
 * objects created over HTTPS and pods through the real kubectl: the active scheduler holds the kube-scheduler
 * Lease, pods that fit nowhere get kube-scheduler's FailedScheduling text (events, describe, PodScheduled=False),
 * and are bound once a node that fits appears, with the Scheduled event and PodScheduled=True.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitFor } from '@kubelab/testkit';
import { ApiClient, TestCluster, kubectl, kubectlOk } from '../api/helpers.js';

const cluster = new TestCluster('sched');
let api: ApiClient;

interface NodeSpec {
  name: string;
  cpu: string;
  taints?: { key: string; value?: string; effect: string }[];
}

async function createNode(n: NodeSpec): Promise<void> {
  const allocatable = { cpu: n.cpu, memory: '8Gi', pods: '110' };
  const node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name } },
    spec: n.taints ? { taints: n.taints } : {},
    status: {
      capacity: allocatable,
      allocatable,
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
    },
  };
  const r = await api.request('POST', '/api/v1/nodes', node);
  assert.equal(r.status, 201, r.text);
  const created = JSON.parse(r.text) as { status?: { allocatable?: unknown } };
  if (!created.status?.allocatable) {
    const s = await api.request('PUT', `/api/v1/nodes/${n.name}/status`, { ...created, status: node.status });
    assert.equal(s.status, 200, s.text);
  }
}

function podManifest(name: string, cpu: string): string {
  return `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels: { app: web }
spec:
  containers:
  - name: web
    image: nginx
    resources:
      requests: { cpu: "${cpu}", memory: 64Mi }
`;
}

const jsonpath = (args: string[], path: string) => kubectlOk(cluster, [...args, '-o', `jsonpath=${path}`]);

before(async () => {
  await cluster.up(0);
  const creds = cluster.credentials();
  api = new ApiClient(Number(new URL(creds.server).port), creds);
});

after(async () => {
  api?.close();
  await cluster.down();
});

test('scheduler - the active replica holds the kube-scheduler Lease', async () => {
  const out = await waitFor(
    async () => {
      const r = await kubectl(cluster, ['get', 'lease', '-n', 'kube-system', 'kube-scheduler']);
      return r.code === 0 && /kube-scheduler\s+scheduler-\d/.test(r.stdout) ? r.stdout : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 500, what: 'the kube-scheduler Lease with a holder' },
  );
  assert.match(out, /NAME\s+HOLDER\s+AGE/);
});

test('scheduler - FailedScheduling as kube-scheduler writes it, then bound when a node that fits is added', async () => {
  await createNode({
    name: 'cp',
    cpu: '4',
    taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
  });
  await createNode({ name: 'node-1', cpu: '1' });
  await createNode({ name: 'node-2', cpu: '1' });
  await kubectlOk(cluster, ['create', '-f', '-'], { input: podManifest('web-1', '2') });

  const want =
    '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, ' +
    '2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, ' +
    '2 No preemption victims found for incoming pod.';
  const reason = await waitFor(
    async () => {
      const r = await jsonpath(
        ['get', 'pod', 'web-1'],
        '{.status.conditions[?(@.type=="PodScheduled")].reason}',
      );
      return r === 'Unschedulable' ? r : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 500, what: 'PodScheduled=False/Unschedulable' },
  );
  assert.equal(reason, 'Unschedulable');
  assert.equal(
    await jsonpath(['get', 'pod', 'web-1'], '{.status.conditions[?(@.type=="PodScheduled")].message}'),
    want,
  );
  const events = await waitFor(
    async () => {
      const out = await kubectlOk(cluster, [
        'get',
        'events',
        '--field-selector',
        'involvedObject.name=web-1',
      ]);
      return out.includes('FailedScheduling') ? out : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 500, what: 'a FailedScheduling event' },
  );
  assert.ok(events.includes(want), `kubectl get events shows the message:\n${events}`);
  assert.match(events, /Warning\s+FailedScheduling\s+pod\/web-1/);
  const describe = await kubectlOk(cluster, ['describe', 'pod', 'web-1']);
  assert.match(describe, /Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/3 nodes are available/);
  assert.ok(describe.includes(want), `describe shows the message:\n${describe}`);

  await createNode({ name: 'node-3', cpu: '4' });
  await waitFor(async () => (await jsonpath(['get', 'pod', 'web-1'], '{.spec.nodeName}')) === 'node-3', {
    timeoutMs: 30_000,
    intervalMs: 500,
    what: 'web-1 bound to node-3',
  });
  await waitFor(
    async () =>
      (await jsonpath(['get', 'pod', 'web-1'], '{.status.conditions[?(@.type=="PodScheduled")].status}')) ===
      'True',
    { timeoutMs: 30_000, intervalMs: 500, what: 'PodScheduled=True' },
  );
  const scheduled = await waitFor(
    async () => {
      const out = await kubectlOk(cluster, ['describe', 'pod', 'web-1']);
      return out.includes('Successfully assigned default/web-1 to node-3') ? out : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 500, what: 'the Scheduled event' },
  );
  assert.match(
    scheduled,
    /Normal\s+Scheduled\s+.*default-scheduler\s+Successfully assigned default\/web-1 to node-3/,
  );
});

test('scheduler - a burst of pods is bound without overcommitting any node', async () => {
  // node-1/node-2 have 1 cpu, node-3 has 2 left after web-1, cp is tainted: 4 cpu for 500m pods = 8 fit.
  const manifests = Array.from({ length: 10 }, (_, i) => podManifest(`burst-${i}`, '500m')).join('---\n');
  await kubectlOk(cluster, ['create', '-f', '-'], { input: manifests });
  const placed = await waitFor(
    async () => {
      const out = await jsonpath(
        ['get', 'pods', '-l', 'app=web'],
        '{range .items[*]}{.metadata.name}={.spec.nodeName}{"\\n"}{end}',
      );
      const rows = out
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('burst-'));
      return rows.filter((l) => !l.endsWith('=')).length >= 8 ? rows : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500, what: '8 burst pods bound' },
  );
  const perNode = new Map<string, number>();
  for (const row of placed) {
    const node = row.split('=')[1] ?? '';
    if (node) perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  assert.deepEqual(
    Object.fromEntries([...perNode].sort()),
    { 'node-1': 2, 'node-2': 2, 'node-3': 4 },
    `placement: ${placed.join(', ')}`,
  );
});
