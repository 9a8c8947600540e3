/**
 * The Deployment flow end to end (issue 5's acceptance) on a real process cluster — api ×3, the scheduler and
 * the controller manager (replicaset, deployment, garbage collector), two node agents running the emulated
 * runtime — driven by the real kubectl: `create -f` → `rollout status`; `set image --record` rolls out a new
 * ReplicaSet while a watch samples every pod and ReplicaSet change (never fewer than replicas - maxUnavailable
 * pods Ready, the old ReplicaSet scaled down in steps); `rollout history [--revision=N]`; `rollout undo
 * [--to-revision=N]`; `scale`; pause, two edits, resume → one new revision; revisionHistoryLimit; cascading
 * delete and `--cascade=orphan`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Deployment, KubeObject, Pod, ReplicaSet } from '@kubelab/api-types';
import { waitFor } from '@kubelab/testkit';
import { type ApiClient, TestCluster, kubectl, kubectlOk } from '../api/helpers.js';
import { getJson as getJsonOf, upWithNodesReady } from '../cluster-helpers.js';

const cluster = new TestCluster('deployment');
// Pod IPs of this cluster only: clusters of concurrent test runs on one machine share 127/8, and nginx pods
// given the same pod IP in two clusters would fail to bind port 80.
const podCidr = `127.${128 + (process.pid % 64)}.0.0/16`;
console.log(`pod CIDR ${podCidr}`);
Object.assign(cluster.env, { KUBELAB_NODE_POD_CIDR_WAIT_MS: '2000', KUBELAB_CLUSTER_CIDR: podCidr });

const REPLICAS = 3;
const MAX_UNAVAILABLE = 1;
const MAX_SURGE = 1;
const HISTORY_LIMIT = 2;

function manifest(
  name: string,
  replicas: number,
  image: string,
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      revisionHistoryLimit: HISTORY_LIMIT,
      selector: { matchLabels: { app: name } },
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: MAX_SURGE, maxUnavailable: MAX_UNAVAILABLE },
      },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'nginx', image, ports: [{ containerPort: 80 }] }],
        },
      },
      ...extra,
    },
  });
}

const isReady = (p: Pod) =>
  p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const revisionOf = (o: KubeObject) => o.metadata.annotations?.['deployment.kubernetes.io/revision'];
const imageOf = (rs: ReplicaSet | Deployment) => rs.spec.template?.spec.containers[0]?.image;

const getJson = <T>(args: string[]) => getJsonOf<T>(cluster, args);

async function replicaSets(app = 'web'): Promise<ReplicaSet[]> {
  return (await getJson<{ items: ReplicaSet[] }>(['get', 'rs', '-l', `app=${app}`])).items;
}

async function pods(app = 'web'): Promise<Pod[]> {
  return (await getJson<{ items: Pod[] }>(['get', 'pods', '-l', `app=${app}`])).items;
}

async function rolloutStatus(name = 'web'): Promise<string> {
  const out = await kubectlOk(cluster, ['rollout', 'status', `deployment/${name}`, '--timeout=150s'], {
    timeoutMs: 170_000,
  });
  assert.match(out, new RegExp(`deployment "${name}" successfully rolled out`));
  return out;
}

/** Waits until every pod of the deployment runs `image`, is Ready, and there are exactly `n` of them. */
async function waitPods(image: string, n: number): Promise<Pod[]> {
  try {
    return await waitForPods(image, n);
  } catch (err) {
    const state = await kubectl(cluster, ['get', 'deploy,rs,pods', '-o', 'wide', '--show-labels']);
    const events = await kubectl(cluster, ['get', 'events', '--sort-by=.lastTimestamp']);
    console.log(`state:\n${state.stdout}${state.stderr}\nevents:\n${events.stdout}`);
    throw err;
  }
}

function waitForPods(image: string, n: number): Promise<Pod[]> {
  return waitFor(
    async () => {
      const ps = (await pods()).filter((p) => !p.metadata.deletionTimestamp);
      const all = await pods();
      return all.length === n && ps.every((p) => isReady(p) && p.spec?.containers[0]?.image === image)
        ? ps
        : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 500, what: `${n} Ready pods of ${image}` },
  );
}

/**
 * Watches pods and ReplicaSets of app=web from now on: the fewest Ready, not terminating pods seen after any
 * event, and every spec.replicas each ReplicaSet went through.
 */
async function sample(api: ApiClient) {
  const podState = new Map<string, Pod>();
  const rsSizes = new Map<string, number[]>();
  let minReady = Number.POSITIVE_INFINITY;
  let maxPods = 0;
  const list = await api.json<{ metadata: { resourceVersion: string }; items: Pod[] }>(
    'GET',
    '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb',
  );
  for (const p of list.items) podState.set(p.metadata.name ?? '', p);
  const count = () => {
    const live = [...podState.values()].filter((p) => !p.metadata.deletionTimestamp);
    minReady = Math.min(minReady, live.filter(isReady).length);
    maxPods = Math.max(maxPods, live.length);
  };
  count();
  const podWatch = await api.watch(
    `/api/v1/namespaces/default/pods?labelSelector=app%3Dweb&watch=true&resourceVersion=${list.metadata.resourceVersion}`,
    (ev) => {
      const p = ev.object as Pod;
      if (ev.type === 'DELETED') podState.delete(p.metadata.name ?? '');
      else podState.set(p.metadata.name ?? '', p);
      count();
    },
  );
  const rsWatch = await api.watch(
    '/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dweb&watch=true',
    (ev) => {
      const rs = ev.object as ReplicaSet;
      const sizes = rsSizes.get(imageOf(rs) ?? '') ?? [];
      const n = rs.spec.replicas ?? 0;
      if (sizes[sizes.length - 1] !== n) sizes.push(n);
      rsSizes.set(imageOf(rs) ?? '', sizes);
    },
  );
  return {
    stop: () => {
      podWatch.close();
      rsWatch.close();
      return { minReady, maxPods, rsSizes };
    },
  };
}

describe('deployment - the kubectl rollout flow on a process cluster', { timeout: 900_000 }, () => {
  let api: ApiClient;

  before(async () => {
    api = await upWithNodesReady(cluster, 2);
  });

  after(async () => {
    api?.agent.destroy();
    await cluster.down();
  });

  it('create -f a 3-replica nginx Deployment: rollout status completes', async () => {
    const out = await kubectlOk(cluster, ['create', '-f', '-'], {
      input: manifest('web', REPLICAS, 'nginx:1.24'),
    });
    assert.match(out, /deployment.apps\/web created/);
    await rolloutStatus();
    const rss = await replicaSets();
    assert.equal(rss.length, 1);
    assert.equal(revisionOf(rss[0] as ReplicaSet), '1');
    const ps = await waitPods('nginx:1.24', REPLICAS);
    assert.ok(ps.every((p) => p.metadata.ownerReferences?.[0]?.name === rss[0]?.metadata.name));
    assert.ok(
      ps.every((p) => p.spec?.nodeName),
      'scheduled',
    );
    const d = await getJson<Deployment>(['get', 'deployment', 'web']);
    assert.equal(d.status?.availableReplicas, REPLICAS);
    assert.equal(d.status?.observedGeneration, d.metadata.generation);
    assert.equal(d.status?.conditions?.find((c) => c.type === 'Available')?.status, 'True');
    assert.equal(
      d.status?.conditions?.find((c) => c.type === 'Progressing')?.reason,
      'NewReplicaSetAvailable',
    );
  });

  it('set image --record rolls out a new ReplicaSet within maxUnavailable, the old one scaled down step by step', async () => {
    const s = await sample(api);
    const r = await kubectl(cluster, ['set', 'image', 'deployment/web', 'nginx=nginx:1.25', '--record']);
    assert.equal(r.code, 0, r.stderr);
    const out = await rolloutStatus();
    await waitPods('nginx:1.25', REPLICAS);
    const { minReady, maxPods, rsSizes } = s.stop();
    console.log(
      `rollout status said:\n${out}sampled: min Ready ${minReady}, max pods ${maxPods}, sizes ${JSON.stringify([...rsSizes])}`,
    );
    assert.ok(
      minReady >= REPLICAS - MAX_UNAVAILABLE,
      `never fewer than ${REPLICAS - MAX_UNAVAILABLE} Ready (saw ${minReady})`,
    );
    assert.ok(
      maxPods <= REPLICAS + MAX_SURGE,
      `never more than ${REPLICAS + MAX_SURGE} pods (saw ${maxPods})`,
    );
    const old = rsSizes.get('nginx:1.24') ?? [];
    assert.equal(old[old.length - 1], 0, 'the old ReplicaSet ends at 0');
    assert.ok(old.length >= 3, `the old ReplicaSet went down in steps: ${old.join(' → ')}`);
    const rss = await replicaSets();
    assert.equal(rss.length, 2);
    const next = rss.find((rs) => imageOf(rs) === 'nginx:1.25') as ReplicaSet;
    assert.equal(revisionOf(next), '2');
    assert.match(
      next.metadata.annotations?.['kubernetes.io/change-cause'] ?? '',
      /^kubectl set image deployment\/web nginx=nginx:1\.25 .*--record=true$/,
    );
  });

  it('rollout history lists the revisions with change causes; --revision=N shows that template', async () => {
    const out = await kubectlOk(cluster, ['rollout', 'history', 'deployment/web']);
    assert.match(out, /REVISION\s+CHANGE-CAUSE/);
    assert.match(out, /^1\s+<none>$/m);
    assert.match(out, /^2\s+kubectl set image deployment\/web nginx=nginx:1\.25 .*--record=true$/m);
    const one = await kubectlOk(cluster, ['rollout', 'history', 'deployment/web', '--revision=1']);
    assert.match(one, /revision #1/);
    assert.match(one, /Image:\s+nginx:1\.24/);
    const two = await kubectlOk(cluster, ['rollout', 'history', 'deployment/web', '--revision=2']);
    assert.match(two, /Image:\s+nginx:1\.25/);
  });

  it('rollout undo restores the previous image, undo --to-revision=N that revision', async () => {
    await kubectlOk(cluster, ['set', 'image', 'deployment/web', 'nginx=nginx:1.26', '--record']);
    await rolloutStatus();
    await waitPods('nginx:1.26', REPLICAS);
    const undo = await kubectlOk(cluster, ['rollout', 'undo', 'deployment/web']);
    assert.match(undo, /deployment.apps\/web rolled back/);
    await rolloutStatus();
    await waitPods('nginx:1.25', REPLICAS);
    let d = await getJson<Deployment>(['get', 'deployment', 'web']);
    assert.equal(imageOf(d), 'nginx:1.25');
    assert.equal(revisionOf(d), '4', 'the rolled-back-to ReplicaSet gets the next revision');
    const hist = await kubectlOk(cluster, ['rollout', 'history', 'deployment/web']);
    assert.deepEqual(
      [...hist.matchAll(/^(\d+)\s/gm)].map((m) => m[1]),
      ['1', '3', '4'],
    );
    await kubectlOk(cluster, ['rollout', 'undo', 'deployment/web', '--to-revision=1']);
    await rolloutStatus();
    await waitPods('nginx:1.24', REPLICAS);
    d = await getJson<Deployment>(['get', 'deployment', 'web']);
    assert.equal(imageOf(d), 'nginx:1.24');
    assert.equal(revisionOf(d), '5');
    const bad = await kubectl(cluster, ['rollout', 'undo', 'deployment/web', '--to-revision=99']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /unable to find specified revision 99 in history/);
  });

  it('scale --replicas=5', async () => {
    await kubectlOk(cluster, ['scale', 'deployment/web', '--replicas=5']);
    await rolloutStatus();
    await waitPods('nginx:1.24', 5);
    const d = await getJson<Deployment>(['get', 'deployment', 'web']);
    assert.equal(d.status?.readyReplicas, 5);
    const rss = await replicaSets();
    assert.equal(rss.find((rs) => imageOf(rs) === 'nginx:1.24')?.spec.replicas, 5);
  });

  it('pause, two edits, resume: exactly one new revision; revisionHistoryLimit honoured', async () => {
    const before = await replicaSets();
    await kubectlOk(cluster, ['rollout', 'pause', 'deployment/web']);
    await kubectlOk(cluster, ['set', 'image', 'deployment/web', 'nginx=nginx:1.27']);
    await kubectlOk(cluster, ['set', 'env', 'deployment/web', 'TIER=frontend']);
    await waitFor(
      async () => {
        const d = await getJson<Deployment>(['get', 'deployment', 'web']);
        return d.status?.observedGeneration === d.metadata.generation ? d : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 300, what: 'the paused edits observed' },
    );
    const paused = await getJson<Deployment>(['get', 'deployment', 'web']);
    assert.equal(
      paused.status?.conditions?.find((c) => c.type === 'Progressing')?.reason,
      'DeploymentPaused',
    );
    // While paused every ReplicaSet is old: history cleanup may delete one, but none is created.
    const whilePaused = await replicaSets();
    assert.ok(
      whilePaused.every((rs) => before.some((b) => b.metadata.uid === rs.metadata.uid)),
      'no ReplicaSet while paused',
    );
    assert.ok(
      (await pods()).every((p) => p.spec?.containers[0]?.image === 'nginx:1.24'),
      'no rollout while paused',
    );
    await kubectlOk(cluster, ['rollout', 'resume', 'deployment/web']);
    await rolloutStatus();
    await waitPods('nginx:1.27', 5);
    const d = await getJson<Deployment>(['get', 'deployment', 'web']);
    assert.equal(revisionOf(d), '6', 'one revision for both edits');
    const rss = await waitFor(
      async () => {
        const list = await replicaSets();
        return list.length === HISTORY_LIMIT + 1 ? list : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: `${HISTORY_LIMIT} old ReplicaSets kept` },
    );
    assert.deepEqual(rss.map((rs) => revisionOf(rs)).sort(), ['4', '5', '6']);
    const newest = rss.find((rs) => revisionOf(rs) === '6') as ReplicaSet;
    assert.deepEqual(newest.spec.template?.spec.containers[0]?.env, [{ name: 'TIER', value: 'frontend' }]);
    assert.ok(!rss.some((rs) => imageOf(rs) === 'nginx:1.26'), 'the oldest revision was cleaned up');
  });

  it('delete cascades to ReplicaSets and pods; --cascade=orphan keeps them', async () => {
    await kubectlOk(cluster, ['delete', 'deployment', 'web', '--timeout=60s'], { timeoutMs: 90_000 });
    await waitFor(
      async () => ((await replicaSets()).length === 0 && (await pods()).length === 0 ? true : undefined),
      { timeoutMs: 90_000, intervalMs: 500, what: 'ReplicaSets and pods of web garbage-collected' },
    );
    await kubectlOk(cluster, ['create', '-f', '-'], { input: manifest('keep', 2, 'nginx:1.24') });
    await rolloutStatus('keep');
    await kubectlOk(cluster, ['delete', 'deployment', 'keep', '--cascade=orphan', '--timeout=60s'], {
      timeoutMs: 90_000,
    });
    const gone = await kubectl(cluster, ['get', 'deployment', 'keep']);
    assert.notEqual(gone.code, 0);
    await new Promise((r) => setTimeout(r, 3000));
    const rss = await replicaSets('keep');
    assert.equal(rss.length, 1, 'the ReplicaSet is kept');
    assert.deepEqual(rss[0]?.metadata.ownerReferences ?? [], [], 'and orphaned');
    assert.equal((await pods('keep')).filter(isReady).length, 2, 'its pods keep running');
  });
});
