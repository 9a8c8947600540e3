import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resources } from '@kubelab/api-client';
import type { ConfigMap, Namespace, Pod } from '@kubelab/api-types';
import { fakeContext } from '@kubelab/controller-kit/testing';
import { FakeClock, waitFor } from '@kubelab/testkit';
import {
  NAMESPACED_RESOURCES,
  type NamespaceController,
  finalizedSpec,
  newNamespaceController,
} from '../../src/namespace/index.js';

const SEED = 11;
const T0 = Date.UTC(2026, 10, 25, 10);

async function started() {
  console.log(`seed ${SEED}`);
  const clock = new FakeClock(0, T0);
  const { ctx, api } = fakeContext({ clock, seed: SEED, settings: { KUBELAB_NAMESPACE_RECHECK_MS: '500' } });
  const c = newNamespaceController(ctx) as NamespaceController;
  const ac = new AbortController();
  ctx.informers.start(ac.signal);
  const running = c.run(ac.signal);
  await ctx.informers.waitForCacheSync(ac.signal);
  return {
    clock,
    api,
    stop: async () => {
      ac.abort();
      await running;
    },
  };
}

const cm = (name: string, namespace: string): ConfigMap => ({ metadata: { name, namespace }, data: {} });

test('namespace - the namespaced resources cover pods, workloads and leases, once each', () => {
  const names = NAMESPACED_RESOURCES.map((r) => r.resource);
  for (const r of ['pods', 'deployments', 'replicasets', 'configmaps', 'leases', 'horizontalpodautoscalers'])
    assert.ok(names.includes(r), r);
  assert.equal(new Set(names).size, names.length);
  assert.ok(!names.includes('nodes') && !names.includes('namespaces'));
  assert.deepEqual(finalizedSpec({ metadata: {}, spec: { finalizers: ['kubernetes', 'x'] } }), ['x']);
});

test('namespace - a terminating namespace is emptied, waits for terminating pods, then finalized', async () => {
  const { clock, api, stop } = await started();
  try {
    api.seed(resources.configmaps, cm('a', 'doomed'), cm('b', 'doomed'), cm('keep', 'default'));
    api.seed(resources.pods, {
      metadata: { name: 'slow', namespace: 'doomed', finalizers: ['example.com/kubelet'] },
      spec: { containers: [] },
    } as Pod);
    // FakeApi removes a deleting object without metadata.finalizers on any write (the api keeps a namespace
    // while spec.finalizers is not empty): another finalizer keeps it here so the steps can be observed.
    api.seed(resources.namespaces, {
      metadata: {
        name: 'doomed',
        deletionTimestamp: '2026-11-25T10:00:00Z',
        finalizers: ['example.com/keep'],
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Terminating' },
    } as Namespace);
    await waitFor(() => api.objects(resources.configmaps, 'doomed').length === 0, {
      what: 'configmaps gone',
    });
    assert.equal(api.objects(resources.configmaps, 'default').length, 1);
    // The pod is held by its finalizer: the namespace is not finalized yet, and is rechecked.
    await waitFor(() => api.object(resources.pods, 'slow', 'doomed')?.metadata.deletionTimestamp);
    assert.deepEqual(api.object<Namespace>(resources.namespaces, 'doomed')?.spec?.finalizers, ['kubernetes']);
    await waitFor(() =>
      api
        .object<Namespace>(resources.namespaces, 'doomed')
        ?.status?.conditions?.some((c) => c.type === 'NamespaceFinalizersRemaining' && c.status === 'True'),
    );
    const conds = api.object<Namespace>(resources.namespaces, 'doomed')?.status?.conditions ?? [];
    assert.equal(
      conds.find((c) => c.type === 'NamespaceContentRemaining')?.message,
      'Some resources are remaining: pods has 1 resource instances',
    );
    assert.equal(
      conds.find((c) => c.type === 'NamespaceFinalizersRemaining')?.message,
      'Some content in the namespace has finalizers remaining: example.com/kubelet in 1 resource instances',
    );
    const p = api.object<Pod>(resources.pods, 'slow', 'doomed') as Pod;
    await api.update(resources.pods, { ...p, metadata: { ...p.metadata, finalizers: [] } });
    await waitFor(
      () => {
        clock.advance(600); // the recheck
        return api.object<Namespace>(resources.namespaces, 'doomed')?.spec?.finalizers?.length === 0;
      },
      { what: 'namespace finalized' },
    );
    const fin = api.writes('namespaces').find((a) => a.subresource === 'finalize');
    assert.ok(fin, 'finalized through namespaces/finalize');
    const after = api.object<Namespace>(resources.namespaces, 'doomed')?.status?.conditions ?? [];
    assert.equal(after.find((c) => c.type === 'NamespaceContentRemaining')?.reason, 'ContentRemoved');
  } finally {
    await stop();
  }
});

test('namespace - content of a namespace the api removed outright is deleted too', async () => {
  const { api, stop } = await started();
  try {
    api.seed(resources.namespaces, { metadata: { name: 'gone' }, spec: { finalizers: ['kubernetes'] } });
    api.seed(resources.configmaps, cm('a', 'gone'));
    await api.delete(resources.namespaces, 'gone');
    await waitFor(() => api.objects(resources.configmaps, 'gone').length === 0, { what: 'content gone' });
    // An active namespace is left alone.
    api.seed(resources.namespaces, { metadata: { name: 'live' }, spec: { finalizers: ['kubernetes'] } });
    api.seed(resources.configmaps, cm('a', 'live'));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(api.objects(resources.configmaps, 'live').length, 1);
  } finally {
    await stop();
  }
});

test('namespace - a namespace held by metadata.finalizers is emptied and released with a patch', async () => {
  const { api, stop } = await started();
  try {
    api.seed(resources.configmaps, cm('a', 'meta'));
    api.seed(resources.namespaces, {
      metadata: { name: 'meta', finalizers: ['kubernetes'] },
      spec: {},
    } as Namespace);
    await api.delete(resources.namespaces, 'meta');
    await waitFor(() => api.object(resources.namespaces, 'meta') === undefined, {
      what: 'namespace removed',
    });
    assert.equal(api.objects(resources.configmaps, 'meta').length, 0);
  } finally {
    await stop();
  }
});
