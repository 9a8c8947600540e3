import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resources } from '@kubelab/api-client';
import type { KubeObject, OwnerReference, Pod, ReplicaSet } from '@kubelab/api-types';
import { fakeContext } from '@kubelab/controller-kit/testing';
import { FakeClock, waitFor } from '@kubelab/testkit';
import {
  type GarbageCollector,
  type GraphNode,
  OwnerGraph,
  decideForDependent,
  decideForOwner,
  newGarbageCollector,
  nodeOf,
} from '../../src/garbagecollector/index.js';

const SEED = 5;
const T0 = Date.UTC(2026, 10, 25, 10);

function ownerRef(o: KubeObject, kind: string, apiVersion: string, block = true): OwnerReference {
  return {
    apiVersion,
    kind,
    name: o.metadata.name ?? '',
    uid: o.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: block,
  };
}

function rs(name: string, owners: OwnerReference[] = []): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default', ownerReferences: owners },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { spec: { containers: [] } } },
  } as unknown as ReplicaSet;
}

function pod(name: string, owners: OwnerReference[]): Pod {
  return { metadata: { name, namespace: 'default', ownerReferences: owners }, spec: { containers: [] } };
}

async function started() {
  console.log(`seed ${SEED}`);
  const clock = new FakeClock(0, T0);
  const { ctx, api } = fakeContext({ clock, seed: SEED });
  const gc = newGarbageCollector(ctx) as GarbageCollector;
  const ac = new AbortController();
  ctx.informers.start(ac.signal);
  const running = gc.run(ac.signal);
  await ctx.informers.waitForCacheSync(ac.signal);
  const stop = async () => {
    ac.abort();
    await running;
  };
  return { clock, ctx, api, gc, stop };
}

function node(uid: string, owners: OwnerReference[], extra: Partial<GraphNode> = {}): GraphNode {
  return {
    ref: resources.pods,
    uid,
    name: uid,
    namespace: 'default',
    resourceVersion: '1',
    owners,
    finalizers: [],
    deleting: false,
    ...extra,
  };
}

const ref = (uid: string, block = false): OwnerReference => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  name: uid,
  uid,
  blockOwnerDeletion: block,
});

test('gc graph - dependents are indexed by owner uid before and after the owner is seen', () => {
  const g = new OwnerGraph();
  g.upsert(node('p1', [ref('rs1')]));
  g.upsert(node('p2', [ref('rs1'), ref('rs2')]));
  assert.deepEqual(
    g.dependentsOf('rs1').map((n) => n.uid),
    ['p1', 'p2'],
  );
  const r = g.upsert(node('p2', [ref('rs2')]));
  assert.deepEqual(r.ownersRemoved, ['rs1']);
  assert.deepEqual(
    g.dependentsOf('rs1').map((n) => n.uid),
    ['p1'],
  );
  g.remove('p1');
  assert.deepEqual(g.dependentsOf('rs1'), []);
  assert.equal(g.size, 1);
});

test('gc decisions - dependent side, table', () => {
  const cases: {
    what: string;
    owners: OwnerReference[];
    states: Record<string, 'solid' | 'dangling' | 'waiting'>;
    hasDependents?: boolean;
    finalizers?: string[];
    want: unknown;
  }[] = [
    { what: 'solid owner', owners: [ref('a')], states: { a: 'solid' }, want: { action: 'none' } },
    {
      what: 'gone owner',
      owners: [ref('a')],
      states: { a: 'dangling' },
      want: { action: 'delete', policy: 'Background' },
    },
    {
      what: 'one of two gone',
      owners: [ref('a'), ref('b')],
      states: { a: 'dangling', b: 'solid' },
      want: { action: 'removeOwnerReferences', keep: [ref('b')] },
    },
    {
      what: 'foreground owner, leaf',
      owners: [ref('a')],
      states: { a: 'waiting' },
      want: { action: 'delete', policy: 'Background' },
    },
    {
      what: 'foreground owner, with dependents',
      owners: [ref('a')],
      states: { a: 'waiting' },
      hasDependents: true,
      want: { action: 'delete', policy: 'Foreground' },
    },
    {
      what: 'gone owner, own orphan finalizer',
      owners: [ref('a')],
      states: { a: 'dangling' },
      finalizers: ['orphan'],
      want: { action: 'delete', policy: 'Orphan' },
    },
  ];
  for (const c of cases) {
    const got = decideForDependent(
      node('x', c.owners, { finalizers: c.finalizers ?? [] }),
      new Map(Object.entries(c.states)),
      c.hasDependents ?? false,
    );
    assert.deepEqual(got, c.want, c.what);
  }
  assert.deepEqual(decideForDependent(node('x', [ref('a')], { deleting: true }), new Map(), false), {
    action: 'none',
  });
});

test('gc decisions - owner side waits only for blocking dependents', () => {
  const owner = node('rs1', [], { deleting: true, finalizers: ['foregroundDeletion'] });
  const blocking = node('p1', [ref('rs1', true)]);
  const loose = node('p2', [ref('rs1', false)]);
  const d = decideForOwner(owner, [blocking, loose]);
  assert.equal(d.action, 'foreground');
  assert.deepEqual(d.action === 'foreground' ? d.blocking.map((n) => n.uid) : [], ['p1']);
  assert.equal(decideForOwner({ ...owner, finalizers: ['orphan'] }, [loose]).action, 'orphan');
  assert.equal(decideForOwner({ ...owner, deleting: false }, [loose]).action, 'none');
  assert.equal(nodeOf(resources.pods, { metadata: { name: 'x' } }), undefined);
});

test('gc - background: deleting a ReplicaSet deletes its pods', async () => {
  const { api, stop } = await started();
  try {
    const [owner] = api.seed(resources.replicasets, rs('web')) as [ReplicaSet];
    const oref = ownerRef(owner, 'ReplicaSet', 'apps/v1');
    api.seed(resources.pods, pod('web-a', [oref]), pod('web-b', [oref]), pod('other', []));
    await api.delete(resources.replicasets, 'web', { namespace: 'default', propagationPolicy: 'Background' });
    await waitFor(() => api.objects(resources.pods).length === 1, { what: 'pods of web gone' });
    assert.deepEqual(
      api.objects(resources.pods).map((p) => p.metadata.name),
      ['other'],
    );
    const deletes = api.writes('pods').filter((a) => a.verb === 'delete');
    assert.equal(deletes.length, 2);
    assert.deepEqual((deletes[0]?.options as { propagationPolicy?: string }).propagationPolicy, 'Background');
  } finally {
    await stop();
  }
});

test('gc - a dependent of an owner it never observed is checked live, and kept when the owner exists', async () => {
  const { api, gc, stop } = await started();
  try {
    // Owner reference to a ReplicaSet that exists but under another uid: dangling, so the pod goes.
    api.seed(resources.replicasets, rs('real'));
    api.seed(resources.pods, pod('stale', [{ ...ref('not-the-uid', true), name: 'real' }]));
    await waitFor(() => api.object(resources.pods, 'stale', 'default') === undefined, { what: 'stale gone' });
    const real = api.object<ReplicaSet>(resources.replicasets, 'real', 'default') as ReplicaSet;
    api.seed(resources.pods, pod('kept', [ownerRef(real, 'ReplicaSet', 'apps/v1')]));
    await waitFor(() => gc.graph.get(api.object(resources.pods, 'kept', 'default')?.metadata.uid ?? ''));
    await gc.syncItem(api.object(resources.pods, 'kept', 'default')?.metadata.uid ?? '');
    assert.ok(api.object(resources.pods, 'kept', 'default'));
    // An unknown kind is never judged gone.
    api.seed(
      resources.pods,
      pod('alien', [{ apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: 'w-1' }]),
    );
    const alien = api.object(resources.pods, 'alien', 'default')?.metadata.uid ?? '';
    await waitFor(() => gc.graph.get(alien));
    await gc.syncItem(alien);
    assert.ok(api.object(resources.pods, 'alien', 'default'));
  } finally {
    await stop();
  }
});

test('gc - orphan: dependents lose the owner reference and stay; the owner goes', async () => {
  const { api, stop } = await started();
  try {
    const [owner] = api.seed(resources.replicasets, rs('web')) as [ReplicaSet];
    const oref = ownerRef(owner, 'ReplicaSet', 'apps/v1');
    const [keeper] = api.seed(resources.replicasets, rs('keeper')) as [ReplicaSet];
    const other = ownerRef(keeper, 'ReplicaSet', 'apps/v1', false);
    api.seed(resources.pods, pod('web-a', [oref]), pod('web-b', [oref, other]));
    await api.delete(resources.replicasets, 'web', { namespace: 'default', propagationPolicy: 'Orphan' });
    await waitFor(() => api.object(resources.replicasets, 'web', 'default') === undefined, {
      what: 'rs removed after orphaning',
    });
    const pods = api.objects<Pod>(resources.pods);
    assert.equal(pods.length, 2);
    assert.deepEqual(pods.find((p) => p.metadata.name === 'web-a')?.metadata.ownerReferences, undefined);
    assert.deepEqual(pods.find((p) => p.metadata.name === 'web-b')?.metadata.ownerReferences, [other]);
  } finally {
    await stop();
  }
});

test('gc - foreground: a Deployment waits for its ReplicaSet, which waits for its pods', async () => {
  const { api, stop } = await started();
  try {
    const [deploy] = api.seed(resources.deployments, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: {} },
    });
    const [set] = api.seed(
      resources.replicasets,
      rs('web-1', [ownerRef(deploy as KubeObject, 'Deployment', 'apps/v1')]),
    ) as [ReplicaSet];
    const oref = ownerRef(set, 'ReplicaSet', 'apps/v1');
    // A pod with a kubelet-style finalizer holds the ReplicaSet (and so the Deployment) until it is released.
    api.seed(resources.pods, pod('web-1-a', [oref]), {
      ...pod('web-1-b', [oref]),
      metadata: { ...pod('web-1-b', [oref]).metadata, finalizers: ['example.com/hold'] },
    });
    await api.delete(resources.deployments, 'web', { namespace: 'default', propagationPolicy: 'Foreground' });
    await waitFor(() => api.object(resources.pods, 'web-1-a', 'default') === undefined, {
      what: 'pod a gone',
    });
    await waitFor(() => api.object(resources.replicasets, 'web-1', 'default')?.metadata.deletionTimestamp, {
      what: 'rs deleting',
    });
    assert.deepEqual(api.object(resources.replicasets, 'web-1', 'default')?.metadata.finalizers, [
      'foregroundDeletion',
    ]);
    assert.ok(api.object(resources.deployments, 'web', 'default'), 'deployment waits');
    const held = api.object<Pod>(resources.pods, 'web-1-b', 'default') as Pod;
    await api.update(resources.pods, { ...held, metadata: { ...held.metadata, finalizers: [] } });
    await waitFor(() => api.object(resources.deployments, 'web', 'default') === undefined, {
      what: 'deployment removed',
    });
    assert.equal(api.objects(resources.replicasets).length, 0);
    assert.equal(api.objects(resources.pods).length, 0);
  } finally {
    await stop();
  }
});

test('gc - a cluster-scoped owner: deleting a Node deletes its Lease in kube-node-lease', async () => {
  const { api, stop } = await started();
  try {
    const [node] = api.seed(resources.nodes, { metadata: { name: 'node-0' } });
    api.seed(resources.leases, {
      metadata: {
        name: 'node-0',
        namespace: 'kube-node-lease',
        ownerReferences: [ownerRef(node as KubeObject, 'Node', 'v1', false)],
      },
      spec: { holderIdentity: 'node-0' },
    });
    api.seed(resources.leases, { metadata: { name: 'other', namespace: 'kube-node-lease' }, spec: {} });
    await api.delete(resources.nodes, 'node-0');
    await waitFor(() => api.object(resources.leases, 'node-0', 'kube-node-lease') === undefined, {
      what: 'lease of the deleted node gone',
    });
    assert.ok(api.object(resources.leases, 'other', 'kube-node-lease'));
  } finally {
    await stop();
  }
});

test('gc - foreground: a dependent with another living owner only loses the reference to the deleted one', async () => {
  const { api, stop } = await started();
  try {
    const [doomed] = api.seed(resources.replicasets, rs('doomed')) as [ReplicaSet];
    const [keeper] = api.seed(resources.replicasets, rs('keeper')) as [ReplicaSet];
    const shared = pod('shared', [
      ownerRef(doomed, 'ReplicaSet', 'apps/v1', true),
      { ...ownerRef(keeper, 'ReplicaSet', 'apps/v1', false), controller: false },
    ]);
    api.seed(resources.pods, shared);
    await api.delete(resources.replicasets, 'doomed', {
      namespace: 'default',
      propagationPolicy: 'Foreground',
    });
    await waitFor(() => api.object(resources.replicasets, 'doomed', 'default') === undefined, {
      what: 'owner removed once the reference is gone',
    });
    const left = api.object<Pod>(resources.pods, 'shared', 'default');
    assert.deepEqual(
      left?.metadata.ownerReferences?.map((o) => o.name),
      ['keeper'],
    );
  } finally {
    await stop();
  }
});
