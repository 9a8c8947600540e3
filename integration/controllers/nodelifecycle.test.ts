/**
 * Node lifecycle and node IPAM on a real process cluster (api ×3, scheduler, controller manager; no node
 * agents): Node objects and their Leases are created through kubectl and never renewed, with a short
 * node-monitor grace period passed through the environment. The silent node's conditions go Unknown, it gets the
 * `node.kubernetes.io/unreachable` taints, a pod bound to it that tolerates them for 2 s is evicted (it stays
 * Terminating: no kubelet confirms, as in Kubernetes), and every node gets its own podCIDR from the cluster CIDR.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Node, Pod } from '@kubelab/api-types';
import { waitFor } from '@kubelab/testkit';
import { TestCluster, kubectlOk } from '../api/helpers.js';
import { createObject, getJson as getJsonOf } from '../cluster-helpers.js';

const GRACE_MS = 3_000;
const cluster = new TestCluster('nodelifecycle');
Object.assign(cluster.env, {
  KUBELAB_NODE_MONITOR_GRACE_MS: String(GRACE_MS),
  KUBELAB_NODE_MONITOR_PERIOD_MS: '500',
});

const getJson = <T>(args: string[]) => getJsonOf<T>(cluster, args);

const create = (obj: unknown) => createObject(cluster, obj);

/** Posts Ready=True on the node's status, as its kubelet would (`now`: RFC 3339 seconds). */
async function postReady(node: string, now: string): Promise<void> {
  const ready = {
    type: 'Ready',
    status: 'True',
    reason: 'KubeletReady',
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  };
  await kubectlOk(cluster, [
    'patch',
    'node',
    node,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status: { conditions: [ready] } }),
  ]);
}

function microNow(): string {
  return new Date().toISOString().replace(/Z$/, '000Z');
}

describe('node lifecycle and IPAM (process cluster, kubectl)', () => {
  before(async () => {
    await cluster.up(0);
  });

  after(async () => {
    await cluster.down();
  });

  it('a node whose lease is not renewed goes Unknown and is tainted unreachable; its pods are evicted', async () => {
    const started = Date.now();
    for (const name of ['ghost-a', 'ghost-b']) {
      await create({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { ghost: 'yes' } } });
      await create({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace: 'kube-node-lease' },
        spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microNow() },
      });
    }
    // The kubelet would post Ready=True; this one does it once and then falls silent.
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await postReady('ghost-a', now);
    await create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'stranded', namespace: 'default' },
      spec: {
        nodeName: 'ghost-a',
        containers: [{ name: 'c', image: 'nginx' }],
        tolerations: [
          {
            key: 'node.kubernetes.io/unreachable',
            operator: 'Exists',
            effect: 'NoExecute',
            tolerationSeconds: 2,
          },
        ],
      },
    });

    const node = await waitFor(
      async () => {
        const n = await getJson<Node>(['get', 'node', 'ghost-a']);
        const r = n.status?.conditions?.find((c) => c.type === 'Ready');
        return r?.status === 'Unknown' && (n.spec?.taints?.length ?? 0) >= 2 ? n : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'ghost-a Unknown and tainted' },
    );
    const tookMs = Date.now() - started;
    console.log(`ghost-a went Unknown after ${tookMs} ms (grace ${GRACE_MS} ms)`);
    assert.ok(tookMs >= GRACE_MS, 'not before the grace period');
    const readyCond = node.status?.conditions?.find((c) => c.type === 'Ready');
    assert.equal(readyCond?.reason, 'NodeStatusUnknown');
    assert.equal(readyCond?.message, 'Kubelet stopped posting node status.');
    assert.deepEqual(node.spec?.taints?.map((t) => `${t.key}:${t.effect}`).sort(), [
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/unreachable:NoSchedule',
    ]);
    assert.ok(node.spec?.taints?.find((t) => t.effect === 'NoExecute')?.timeAdded);

    const b = await waitFor(
      async () => {
        const n = await getJson<Node>(['get', 'node', 'ghost-b']);
        return n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'Unknown' ? n : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'ghost-b (never posted) Unknown' },
    );
    assert.equal(b.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'NodeStatusNeverUpdated');

    const evicted = await waitFor(
      async () => {
        const p = await getJson<Pod>(['get', 'pod', 'stranded']);
        return p.metadata.deletionTimestamp ? p : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'stranded pod evicted after its 2 s' },
    );
    assert.equal(evicted.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'False', 'False');
    const events = await kubectlOk(cluster, [
      'get',
      'events',
      '-A',
      '-o',
      'custom-columns=R:.reason,M:.message',
    ]);
    assert.match(events, /NodeNotReady\s+Node ghost-a status is now: NodeNotReady/);
    assert.match(events, /TaintManagerEviction\s+Marking for deletion Pod default\/stranded/);
  });

  it('a node that reports Ready again and renews its lease loses the unreachable taints', async () => {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await kubectlOk(cluster, [
      'patch',
      'lease',
      'ghost-a',
      '-n',
      'kube-node-lease',
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { renewTime: microNow() } }),
    ]);
    await postReady('ghost-a', now);
    // Taints go within a monitor period, before the grace could mark it Unknown again.
    const n = await waitFor(
      async () => {
        const node = await getJson<Node>(['get', 'node', 'ghost-a']);
        return (node.spec?.taints ?? []).length === 0 ? node : undefined;
      },
      { timeoutMs: GRACE_MS, intervalMs: 100, what: 'taints removed' },
    );
    assert.equal(n.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  });

  it('node IPAM gives every node its own podCIDR from the cluster CIDR', async () => {
    const nodes = await waitFor(
      async () => {
        const list = await getJson<{ items: Node[] }>(['get', 'nodes', '-l', 'ghost=yes']);
        return list.items.every((n) => n.spec?.podCIDR) ? list.items : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'podCIDRs assigned' },
    );
    const cidrs = nodes.map((n) => n.spec?.podCIDR ?? '');
    console.log(`podCIDRs: ${cidrs.join(' ')}`);
    assert.equal(new Set(cidrs).size, nodes.length, 'distinct');
    for (const n of nodes) {
      assert.match(
        n.spec?.podCIDR ?? '',
        /^127\.(1[2-9][0-9]|2[0-5][0-9])\.\d+\.0\/24$/,
        'inside 127.128.0.0/10, /24',
      );
      assert.deepEqual(n.spec?.podCIDRs, [n.spec?.podCIDR]);
    }
  });
});
