/**
 * Issue 6's service acceptance with the seed's Deployment and Service files (k8s-notes.zh.txt, typos
 * corrected), on a process cluster of 3 api replicas, the scheduler, the controller manager and 3 node agents,
 * through the real kubectl and real HTTP/TCP from this process:
 *
 * - 3 nginx replicas behind a ClusterIP and a NodePort service; each replica's index.html is replaced by its
 *   pod name through `kubectl exec`, so every answer names the backend that served it: requests to the
 *   ClusterIP and to every node's nodePort reach all 3;
 * - a service without ready endpoints (no matching pods; a matching pod that never passes readiness) refuses
 *   connections;
 * - SIGKILL of a node process: after the node monitor grace period (8 s here) the node is NotReady, its pods
 *   are evicted and the ReplicaSet recreates them on the other nodes, which then serve the ClusterIP.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pod } from '@kubelab/api-types';
import { waitFor } from '@kubelab/testkit';
import { TestCluster, kubectl, kubectlOk } from '../api/helpers.js';
import { SHORT_DURATIONS, condition, httpGet, listPods, tcpConnect, waitNodesReady } from './helpers.js';

const cluster = new TestCluster('seed-svc');
Object.assign(cluster.env, SHORT_DURATIONS);
const REQUESTS = 60;

const create = (yaml: string) => kubectlOk(cluster, ['create', '-f', '-'], { input: yaml });

async function jsonpath(args: string[], path: string): Promise<string> {
  return (await kubectlOk(cluster, [...args, '-o', `jsonpath=${path}`])).trim();
}

const isReady = (p: Pod) => condition(p, 'Ready') === 'True' && !p.metadata.deletionTimestamp;

/** The Deployment's live (not deleting) pods once exactly `n` of them are Ready. */
function readyReplicas(n: number, timeoutMs = 180_000): Promise<Pod[]> {
  return waitFor(
    async () => {
      const pods = (await listPods(cluster, 'app=nginx')).filter((p) => !p.metadata.deletionTimestamp);
      return pods.length === n && pods.every(isReady) ? pods : undefined;
    },
    { timeoutMs, intervalMs: 500, what: `${n} Ready nginx replicas` },
  );
}

/** Replaces each pod's index.html with its own name (the emulated nginx serves the container's files). */
async function brand(pods: readonly Pod[]): Promise<void> {
  for (const p of pods) {
    const name = p.metadata.name ?? '';
    await kubectlOk(cluster, [
      'exec',
      name,
      '--',
      'sh',
      '-c',
      'cat /etc/hostname > /usr/share/nginx/html/index.html',
    ]);
    const res = await httpGet(p.status?.podIP ?? '', 80);
    assert.equal(res.body, `${name}\n`, `${name} serves its name`);
  }
}

/**
 * Sends {@link REQUESTS} GETs (a new connection each) to host:port once it first answers, and returns how many
 * each backend served. Every request must succeed.
 */
async function spread(host: string, port: number): Promise<Map<string, number>> {
  await waitFor(() => httpGet(host, port).catch(() => undefined), {
    timeoutMs: 60_000,
    intervalMs: 250,
    what: `${host}:${port} to answer`,
  });
  const hits = new Map<string, number>();
  for (let i = 0; i < REQUESTS; i++) {
    const res = await httpGet(host, port);
    assert.equal(res.status, 200, `request ${i} to ${host}:${port}`);
    const who = res.body.trim();
    hits.set(who, (hits.get(who) ?? 0) + 1);
  }
  console.log(`# ${host}:${port} → ${[...hits].map(([p, n]) => `${p}=${n}`).join(' ')}`);
  return hits;
}

function assertAll(hits: Map<string, number>, pods: readonly Pod[]): void {
  const names = pods.map((p) => p.metadata.name ?? '').sort();
  assert.deepEqual([...hits.keys()].sort(), names, 'every replica answered, and only the replicas');
  for (const [pod, n] of hits) assert.ok(n >= 3, `${pod} served ${n} of ${REQUESTS} (spread)`);
}

describe('seed services (issue 6 acceptance)', { timeout: 900_000 }, () => {
  let pods: Pod[] = [];
  let clusterIP = '';

  before(async () => {
    await cluster.up(3);
    await cluster.apiLeader(60_000);
    await waitNodesReady(cluster, 3);
    await create(`
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  labels:
    app: nginx
spec:
  replicas: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      terminationGracePeriodSeconds: 2
      # Kubernetes' admission would give 300 s for these; the test evicts after 2 s.
      tolerations:
      - key: node.kubernetes.io/unreachable
        operator: Exists
        effect: NoExecute
        tolerationSeconds: 2
      - key: node.kubernetes.io/not-ready
        operator: Exists
        effect: NoExecute
        tolerationSeconds: 2
      containers:
      - name: nginx
        image: nginx:1.15.12
        ports:
        - containerPort: 80
`);
    await kubectlOk(cluster, ['rollout', 'status', 'deployment/nginx-deployment', '--timeout=180s'], {
      timeoutMs: 200_000,
    });
    pods = await readyReplicas(3);
    await brand(pods);
  });
  after(async () => {
    await cluster.down();
  });

  it('ClusterIP service (my-service): requests spread over the 3 replicas', async () => {
    await create(`
kind: Service
apiVersion: v1
metadata:
  name: my-service
spec:
  selector:
    app: nginx
  ports:
  - protocol: TCP
    port: 80
    targetPort: 80
`);
    clusterIP = await jsonpath(['get', 'svc', 'my-service'], '{.spec.clusterIP}');
    assert.match(clusterIP, /^127\./);
    const eps = await waitFor(
      async () => {
        const ips = (
          await jsonpath(['get', 'endpoints', 'my-service'], '{.subsets[*].addresses[*].ip}')
        ).split(/\s+/);
        return ips.length === 3 ? ips.sort() : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'my-service has 3 endpoint addresses' },
    );
    assert.deepEqual(eps, pods.map((p) => p.status?.podIP ?? '').sort());
    assertAll(await spread(clusterIP, 80), pods);
  });

  it('NodePort service: requests to every nodeIP:nodePort spread over the 3 replicas', async () => {
    await create(`
kind: Service
apiVersion: v1
metadata:
  name: my-service-np
spec:
  type: NodePort
  selector:
    app: nginx
  ports:
  - protocol: TCP
    port: 80
    targetPort: 80
`);
    const nodePort = Number(await jsonpath(['get', 'svc', 'my-service-np'], '{.spec.ports[0].nodePort}'));
    assert.ok(nodePort >= 30000 && nodePort <= 32767, `nodePort ${nodePort}`);
    const addresses = (
      await jsonpath(['get', 'nodes'], '{.items[*].status.addresses[?(@.type=="InternalIP")].address}')
    ).split(/\s+/);
    assert.equal(new Set(addresses).size, 3, `three node addresses: ${addresses}`);
    for (const addr of addresses) assertAll(await spread(addr, nodePort), pods);
  });

  it('a service without ready endpoints refuses connections', async () => {
    await create(`
apiVersion: v1
kind: Pod
metadata:
  name: never-ready
  labels:
    app: never-ready
spec:
  containers:
  - name: nginx
    image: nginx:1.15.12
    readinessProbe:
      httpGet:
        path: /ready
        port: 80
      periodSeconds: 1
---
kind: Service
apiVersion: v1
metadata:
  name: never-ready
spec:
  selector:
    app: never-ready
  ports:
  - port: 80
---
kind: Service
apiVersion: v1
metadata:
  name: no-pods
spec:
  selector:
    app: no-such-app
  ports:
  - port: 80
`);
    const neverReady = await waitFor(
      async () => {
        const [p] = await listPods(cluster, 'app=never-ready');
        return p?.status?.phase === 'Running' && p.status.podIP ? p : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500, what: 'never-ready Running' },
    );
    // The pod itself listens; it is only its readiness that keeps it out of the service.
    assert.equal((await httpGet(neverReady.status?.podIP ?? '', 80)).status, 200);
    // Its address is in the slice, as not ready.
    await waitFor(
      async () =>
        (await jsonpath(['get', 'endpoints', 'never-ready'], '{.subsets[*].notReadyAddresses[*].ip}')) ===
        neverReady.status?.podIP,
      { timeoutMs: 60_000, intervalMs: 500, what: 'never-ready listed as a not-ready address' },
    );
    for (const svc of ['never-ready', 'no-pods']) {
      const ip = await jsonpath(['get', 'svc', svc], '{.spec.clusterIP}');
      assert.equal(await tcpConnect(ip, 80), 'ECONNREFUSED', `${svc} (${ip}:80) refuses`);
    }
  });

  it('SIGKILL a node process: its pods are recreated on the other nodes after the grace period', async () => {
    const byNode = new Map<string, string[]>();
    for (const p of pods)
      byNode.set(p.spec?.nodeName ?? '', [
        ...(byNode.get(p.spec?.nodeName ?? '') ?? []),
        p.metadata.name ?? '',
      ]);
    const victim = byNode.has('node-1') ? 'node-1' : ([...byNode.keys()][0] ?? '');
    const lost = byNode.get(victim) ?? [];
    console.log(`# placement ${JSON.stringify(Object.fromEntries(byNode))}; killing ${victim}`);
    const t0 = performance.now();
    const killed = await cluster.kubelab('kill', victim);
    assert.match(killed.stdout, /with SIGKILL/);
    await waitFor(
      async () => {
        const r = await kubectl(cluster, ['get', 'node', victim, '--no-headers']);
        return /\sNotReady\s/.test(r.stdout) ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: `${victim} NotReady` },
    );
    const notReadyAfter = (performance.now() - t0) / 1000;
    const conditions = await jsonpath(
      ['get', 'node', victim],
      '{.status.conditions[?(@.type=="Ready")].reason}',
    );
    assert.equal(conditions, 'NodeStatusUnknown');
    const replaced = await readyReplicas(3);
    const recoveredAfter = (performance.now() - t0) / 1000;
    console.log(
      `# ${victim} NotReady after ${notReadyAfter.toFixed(1)} s; 3 Ready replicas again after ${recoveredAfter.toFixed(1)} s`,
    );
    assert.ok(notReadyAfter >= 7, `not marked NotReady before the 8 s grace period (${notReadyAfter} s)`);
    for (const p of replaced)
      assert.notEqual(p.spec?.nodeName, victim, `${p.metadata.name} runs on a live node`);
    const names = replaced.map((p) => p.metadata.name);
    for (const gone of lost) assert.ok(!names.includes(gone), `${gone} was replaced`);
    // The evicted pods were deleted (they stay Terminating: their kubelet is dead, as in Kubernetes).
    for (const gone of lost) {
      const r = await kubectl(cluster, ['get', 'pod', gone, '-o', 'json']);
      if (r.code === 0)
        assert.ok((JSON.parse(r.stdout) as Pod).metadata.deletionTimestamp, `${gone} is being deleted`);
    }
    const events = await kubectlOk(cluster, [
      'get',
      'events',
      '--field-selector',
      `involvedObject.name=${lost[0]}`,
    ]);
    assert.match(events, /TaintManagerEviction/);
    // The ClusterIP serves from the replacements and the survivors only.
    await brand(replaced.filter((p) => !pods.some((o) => o.metadata.name === p.metadata.name)));
    await waitFor(
      async () => {
        const ips = (
          await jsonpath(['get', 'endpoints', 'my-service'], '{.subsets[*].addresses[*].ip}')
        ).split(/\s+/);
        return ips.length === 3 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'my-service back to 3 ready endpoints' },
    );
    assertAll(await spread(clusterIP, 80), replaced);
  });
});
