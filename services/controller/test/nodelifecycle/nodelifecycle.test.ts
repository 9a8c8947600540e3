import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resources } from '@kubelab/api-client';
import type { Lease, Node, Pod, Taint, Toleration } from '@kubelab/api-types';
import { fakeContext } from '@kubelab/controller-kit/testing';
import { FakeClock, waitFor } from '@kubelab/testkit';
import {
  TAINT_NOT_READY,
  TAINT_UNREACHABLE,
  evictionDelay,
  newNodeLifecycleController,
  podMarkedNotReady,
  reconcileTaints,
  toleratesTaint,
  unknownConditions,
} from '../../src/nodelifecycle/index.js';

const SEED = 9;
const T0 = Date.UTC(2026, 10, 25, 10);
const NOW = '2026-11-25T10:05:00Z';

const readyNode = (name: string, status = 'True', taints: Taint[] = []): Node => ({
  metadata: { name, creationTimestamp: '2026-11-25T09:00:00Z' },
  spec: { taints },
  status: {
    conditions: [
      {
        type: 'Ready',
        status,
        reason: 'KubeletReady',
        lastHeartbeatTime: '2026-11-25T09:59:00Z',
        lastTransitionTime: '2026-11-25T09:00:00Z',
      },
      { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: '2026-11-25T09:59:00Z' },
    ],
  },
});

test('node lifecycle - Unknown conditions keep heartbeats, add missing ones, and are idempotent', () => {
  const conds = unknownConditions(readyNode('n'), NOW) ?? [];
  assert.deepEqual(
    conds.map((c) => [c.type, c.status, c.reason]),
    [
      ['Ready', 'Unknown', 'NodeStatusUnknown'],
      ['MemoryPressure', 'Unknown', 'NodeStatusUnknown'],
      ['DiskPressure', 'Unknown', 'NodeStatusNeverUpdated'],
      ['PIDPressure', 'Unknown', 'NodeStatusNeverUpdated'],
    ],
  );
  assert.equal(conds[0]?.message, 'Kubelet stopped posting node status.');
  assert.equal(conds[0]?.lastHeartbeatTime, '2026-11-25T09:59:00Z');
  assert.equal(conds[0]?.lastTransitionTime, NOW);
  const again: Node = { ...readyNode('n'), status: { conditions: conds } };
  assert.equal(unknownConditions(again, NOW), undefined);
});

test('node lifecycle - taints follow readiness and leave foreign taints alone, table', () => {
  const foreign: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
  const unreachable = (t = NOW): Taint[] => [
    { key: TAINT_UNREACHABLE, effect: 'NoSchedule' },
    { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: t },
  ];
  const cases: { what: string; node: Node; want: Taint[] | undefined }[] = [
    { what: 'ready, nothing to do', node: readyNode('n', 'True', [foreign]), want: undefined },
    {
      what: 'never posted: no taint until the grace runs out',
      node: { metadata: { name: 'n' } },
      want: undefined,
    },
    {
      what: 'unknown → unreachable',
      node: readyNode('n', 'Unknown', [foreign]),
      want: [foreign, ...unreachable()],
    },
    {
      what: 'false → not-ready (replacing unreachable)',
      node: readyNode('n', 'False', unreachable('2026-11-25T10:00:00Z')),
      want: [
        { key: TAINT_NOT_READY, effect: 'NoSchedule' },
        { key: TAINT_NOT_READY, effect: 'NoExecute', timeAdded: NOW },
      ],
    },
    {
      what: 'still unknown keeps timeAdded',
      node: readyNode('n', 'Unknown', unreachable('2026-11-25T10:00:00Z')),
      want: undefined,
    },
    { what: 'back to ready', node: readyNode('n', 'True', [...unreachable(), foreign]), want: [foreign] },
    {
      what: 'cordoned',
      node: { ...readyNode('n'), spec: { unschedulable: true } },
      want: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }],
    },
  ];
  for (const c of cases) assert.deepEqual(reconcileTaints(c.node, NOW), c.want, c.what);
});

test('node lifecycle - tolerations and eviction delays, table', () => {
  const taint: Taint = { key: TAINT_UNREACHABLE, effect: 'NoExecute' };
  const t = (x: Partial<Toleration>): Toleration => ({ operator: 'Exists', ...x });
  assert.equal(toleratesTaint(t({ key: TAINT_UNREACHABLE }), taint), true);
  assert.equal(toleratesTaint(t({}), taint), true, 'empty key with Exists tolerates everything');
  assert.equal(toleratesTaint(t({ key: TAINT_NOT_READY }), taint), false);
  assert.equal(toleratesTaint(t({ key: TAINT_UNREACHABLE, effect: 'NoSchedule' }), taint), false);
  assert.equal(
    toleratesTaint(
      { key: 'k', operator: 'Equal', value: 'v' },
      { key: 'k', value: 'v', effect: 'NoExecute' },
    ),
    true,
  );
  assert.equal(
    toleratesTaint(
      { key: 'k', operator: 'Equal', value: 'w' },
      { key: 'k', value: 'v', effect: 'NoExecute' },
    ),
    false,
  );
  const cases: { what: string; tolerations: Toleration[]; taints: Taint[]; want: unknown }[] = [
    { what: 'no taints', tolerations: [], taints: [], want: { kind: 'never' } },
    { what: 'not tolerated', tolerations: [], taints: [taint], want: { kind: 'now' } },
    {
      what: 'default 300 s',
      tolerations: [t({ key: TAINT_UNREACHABLE, effect: 'NoExecute', tolerationSeconds: 300 })],
      taints: [taint],
      want: { kind: 'after', seconds: 300 },
    },
    {
      what: 'smallest matching wins',
      tolerations: [t({ key: TAINT_UNREACHABLE, tolerationSeconds: 300 }), t({ tolerationSeconds: 20 })],
      taints: [taint],
      want: { kind: 'after', seconds: 20 },
    },
    { what: 'forever', tolerations: [t({})], taints: [taint], want: { kind: 'never' } },
    {
      what: 'negative is zero',
      tolerations: [t({ key: TAINT_UNREACHABLE, tolerationSeconds: -5 })],
      taints: [taint],
      want: { kind: 'after', seconds: 0 },
    },
    {
      what: 'one of two taints not tolerated',
      tolerations: [t({ key: TAINT_UNREACHABLE, tolerationSeconds: 30 })],
      taints: [taint, { key: 'other', effect: 'NoExecute' }],
      want: { kind: 'now' },
    },
  ];
  for (const c of cases) assert.deepEqual(evictionDelay(c.tolerations, c.taints), c.want, c.what);
  const pod: Pod = {
    metadata: { name: 'p' },
    spec: { containers: [] },
    status: {
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'PodScheduled', status: 'True' },
      ],
    },
  };
  assert.deepEqual(
    podMarkedNotReady(pod, NOW)?.status?.conditions?.map((c) => c.status),
    ['False', 'True'],
  );
  assert.equal(podMarkedNotReady(podMarkedNotReady(pod, NOW) as Pod, NOW), undefined);
});

function lease(name: string, renewTime: string): Lease {
  return {
    metadata: { name, namespace: 'kube-node-lease' },
    spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime },
  };
}

function podOn(name: string, node: string, tolerationSeconds?: number): Pod {
  return {
    metadata: { name, namespace: 'default', creationTimestamp: '2026-11-25T09:00:00Z' },
    spec: {
      nodeName: node,
      containers: [],
      tolerations:
        tolerationSeconds === undefined
          ? []
          : [{ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds }],
    },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

test('node lifecycle - a silent node goes Unknown, is tainted, its pods go NotReady and are evicted; a renewing one stays', async () => {
  console.log(`seed ${SEED}`);
  const clock = new FakeClock(0, T0);
  const { ctx, api } = fakeContext({
    clock,
    seed: SEED,
    settings: { KUBELAB_NODE_MONITOR_GRACE_MS: '10000', KUBELAB_NODE_MONITOR_PERIOD_MS: '1000' },
  });
  api.seed(resources.nodes, readyNode('silent'), readyNode('alive'));
  api.seed(
    resources.leases,
    lease('silent', '2026-11-25T09:59:59.000000Z'),
    lease('alive', '2026-11-25T09:59:59.000000Z'),
  );
  api.seed(
    resources.pods,
    podOn('tolerant', 'silent', 5),
    podOn('intolerant', 'silent'),
    podOn('elsewhere', 'alive'),
  );
  const c = newNodeLifecycleController(ctx);
  const ac = new AbortController();
  ctx.informers.start(ac.signal);
  const running = c.run(ac.signal);
  const node = (n: string) => api.object<Node>(resources.nodes, n) as Node;
  const ready = (n: string) => node(n).status?.conditions?.find((x) => x.type === 'Ready')?.status;
  try {
    await ctx.informers.waitForCacheSync(ac.signal);
    // 12 s pass in 1 s steps; only `alive` renews its lease.
    for (let s = 1; s <= 12; s++) {
      const l = api.object<Lease>(resources.leases, 'alive', 'kube-node-lease') as Lease;
      await api.update(resources.leases, {
        ...l,
        spec: { ...l.spec, renewTime: `2026-11-25T10:00:${String(s).padStart(2, '0')}.000000Z` },
      });
      await new Promise((r) => setTimeout(r, 5));
      clock.advance(1000);
    }
    await waitFor(() => ready('silent') === 'Unknown', { what: 'silent Unknown' });
    assert.equal(ready('alive'), 'True');
    await waitFor(() => node('silent').spec?.taints?.length === 2, { what: 'taints' });
    assert.deepEqual(
      node('silent').spec?.taints?.map((t) => `${t.key}:${t.effect}`),
      [`${TAINT_UNREACHABLE}:NoSchedule`, `${TAINT_UNREACHABLE}:NoExecute`],
    );
    assert.equal(node('alive').spec?.taints?.length ?? 0, 0);
    await waitFor(() => api.object(resources.pods, 'intolerant', 'default') === undefined, {
      what: 'evicted at once',
    });
    const tolerant = api.object<Pod>(resources.pods, 'tolerant', 'default');
    assert.equal(tolerant?.status?.conditions?.find((x) => x.type === 'Ready')?.status, 'False');
    assert.equal(
      api.object<Pod>(resources.pods, 'elsewhere', 'default')?.status?.conditions?.[0]?.status,
      'True',
    );
    await waitFor(
      () => {
        clock.advance(1000);
        return api.object(resources.pods, 'tolerant', 'default') === undefined;
      },
      { what: 'evicted after its 5 s' },
    );
    const reasons = api.objects(resources.events).map((e) => (e as { reason?: string }).reason);
    assert.ok(reasons.includes('NodeNotReady'));
    assert.ok(reasons.includes('TaintManagerEviction'));
    assert.ok(
      api
        .objects(resources.events)
        .some(
          (e) =>
            (e as { message?: string }).message === 'Node alive event: Registered Node alive in Controller',
        ),
    );
    // The kubelet comes back: Ready=True with a new heartbeat → taints removed.
    const n = node('silent');
    await api.updateStatus(resources.nodes, {
      ...n,
      status: { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2026-11-25T10:01:00Z' }] },
    });
    await waitFor(() => (node('silent').spec?.taints ?? []).length === 0, { what: 'taints removed' });
  } finally {
    ac.abort();
    await running;
  }
});

test('node lifecycle - a user NoExecute taint without timeAdded counts from when it was first seen', async () => {
  const clock = new FakeClock(0, T0);
  const { ctx, api } = fakeContext({
    clock,
    seed: SEED,
    settings: { KUBELAB_NODE_MONITOR_PERIOD_MS: '1000', KUBELAB_NODE_MONITOR_GRACE_MS: '1000000' },
  });
  api.seed(resources.nodes, readyNode('n', 'True', [{ key: 'maintenance', effect: 'NoExecute' }]));
  api.seed(resources.leases, lease('n', '2026-11-25T09:59:59.000000Z'));
  const p = podOn('p', 'n');
  p.spec.tolerations = [
    { key: 'maintenance', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 3 },
  ];
  p.metadata.creationTimestamp = '2026-11-25T09:00:00Z';
  api.seed(resources.pods, p);
  const c = newNodeLifecycleController(ctx);
  const ac = new AbortController();
  ctx.informers.start(ac.signal);
  const running = c.run(ac.signal);
  try {
    await ctx.informers.waitForCacheSync(ac.signal);
    for (let s = 0; s < 2; s++) {
      clock.advance(1000);
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(api.object(resources.pods, 'p', 'default'), 'tolerated for 3 s');
    await waitFor(
      () => {
        clock.advance(500);
        return api.object(resources.pods, 'p', 'default') === undefined;
      },
      { what: 'evicted once the 3 s ran out' },
    );
    assert.ok(clock.now() >= 3000 && clock.now() < 10_000, `evicted at ${clock.now()} ms`);
  } finally {
    ac.abort();
    await running;
  }
});
