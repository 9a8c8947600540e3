/**
 * Chaos for the control loops (issue 5's acceptance): during a 50-replica rollout, SIGKILL the active scheduler
 * and the active controller manager. The standbys must take over (the mirrored Lease objects in kube-system
 * change holder; the takeover time is printed, goal < 2 s) and the rollout must finish with exactly the desired
 * pods: 50 Running pods of the new template, none of the old, and no extra pod at any time after it settles.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '@kubelab/testkit';
import { ApiClient, type StatusRow, TestCluster, kubectl, kubectlOk } from '../api/helpers.js';

const cluster = new TestCluster('cp-chaos');
const REPLICAS = 50;
let api: ApiClient;

interface LeaseObj {
  spec?: { holderIdentity?: string; renewTime?: string };
}

interface PodObj {
  metadata: { name?: string; deletionTimestamp?: string; labels?: Record<string, string> };
  spec?: { containers?: { image?: string }[]; nodeName?: string };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

async function holder(name: string): Promise<string | undefined> {
  const r = await api.request('GET', `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${name}`);
  if (r.status !== 200) return undefined;
  return (JSON.parse(r.text) as LeaseObj).spec?.holderIdentity;
}

async function activeOf(role: 'scheduler' | 'controller'): Promise<StatusRow> {
  return waitFor(
    async () => {
      const rows = (await cluster.status()).filter((r) => r.role === role && r.leader === 'yes');
      return rows.length === 1 ? rows[0] : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200, what: `one active ${role}` },
  );
}

async function pods(): Promise<PodObj[]> {
  const r = await api.request('GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb');
  assert.equal(r.status, 200, r.text.slice(0, 300));
  return (JSON.parse(r.text) as { items: PodObj[] }).items;
}

describe('control plane chaos: kill the active scheduler and controller manager mid-rollout', () => {
  before(async () => {
    await cluster.up(3);
    const leader = await cluster.apiLeader();
    api = new ApiClient(await cluster.apiPort(leader.name), cluster.credentials());
  });

  after(async () => {
    api?.agent.destroy();
    await cluster.down();
  });

  it('the standbys take over and the rollout ends with exactly the desired pods', async () => {
    await kubectlOk(cluster, ['create', 'deployment', 'web', '--image=nginx:1.19', `--replicas=${REPLICAS}`]);
    await kubectlOk(cluster, ['rollout', 'status', 'deployment/web', '--timeout=300s'], {
      timeoutMs: 310_000,
    });
    assert.equal((await pods()).filter((p) => !p.metadata.deletionTimestamp).length, REPLICAS);

    const scheduler = await activeOf('scheduler');
    const controller = await activeOf('controller');
    assert.equal(
      await holder('kube-scheduler'),
      scheduler.name,
      'the Lease object names the active scheduler',
    );
    assert.equal(await holder('kube-controller-manager'), controller.name);

    await kubectlOk(cluster, ['set', 'image', 'deployment/web', 'nginx=nginx:1.20']);
    // Let the rollout get going, then kill both active loops at once.
    await waitFor(async () => (await pods()).some((p) => p.spec?.containers?.[0]?.image === 'nginx:1.20'), {
      timeoutMs: 60_000,
      what: 'the first pod of the new template',
    });
    assert.ok(scheduler.pid && controller.pid, 'status shows the pids of the active loops');
    // SIGKILL straight from here (not through `kubelab kill`, whose own start-up would blur the timing).
    const killedAt = performance.now();
    process.kill(scheduler.pid, 'SIGKILL');
    process.kill(controller.pid, 'SIGKILL');

    const takeover = async (lease: string, old: string) => {
      const who = await waitFor(
        async () => {
          const h = await holder(lease);
          return h && h !== old ? h : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 25, what: `a new holder of ${lease}` },
      );
      return { who, ms: Math.round(performance.now() - killedAt) };
    };
    const [s, c] = await Promise.all([
      takeover('kube-scheduler', scheduler.name),
      takeover('kube-controller-manager', controller.name),
    ]);
    console.log(
      `# takeover after SIGKILL: scheduler ${s.who} in ${s.ms} ms, controller manager ${c.who} in ${c.ms} ms`,
    );

    await kubectlOk(cluster, ['rollout', 'status', 'deployment/web', '--timeout=300s'], {
      timeoutMs: 310_000,
    });
    // Settled: exactly REPLICAS live pods, all of the new template, Running and Ready, each on a node.
    await waitFor(async () => (await pods()).filter((p) => p.metadata.deletionTimestamp).length === 0, {
      timeoutMs: 120_000,
      what: 'old pods to finish terminating',
    });
    const live = await pods();
    assert.equal(live.length, REPLICAS, `exactly ${REPLICAS} pods`);
    for (const p of live) {
      assert.equal(p.spec?.containers?.[0]?.image, 'nginx:1.20', `${p.metadata.name} runs the new image`);
      assert.equal(p.status?.phase, 'Running', `${p.metadata.name} is Running`);
      assert.ok(p.spec?.nodeName, `${p.metadata.name} is bound`);
    }
    const rs = await kubectlOk(cluster, [
      'get',
      'rs',
      '-l',
      'app=web',
      '-o',
      'jsonpath={range .items[*]}{.spec.replicas}{" "}{end}',
    ]);
    assert.deepEqual(
      rs
        .trim()
        .split(/\s+/)
        .map(Number)
        .sort((a, b) => a - b),
      [0, REPLICAS],
      'the old ReplicaSet is scaled to 0, the new one holds every replica',
    );
    const r = await kubectl(cluster, ['get', 'lease', '-n', 'kube-system']);
    assert.match(r.stdout, new RegExp(`kube-scheduler\\s+${s.who}`));
  });
});
