import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resources } from '@kubelab/api-client';
import { ApiError, ApiUnavailableError, failureStatus } from '@kubelab/api-client';
import type { Event, Pod, ReplicaSet, ReplicationController } from '@kubelab/api-types';
import {
  REPLICATION_CONTROLLER_KIND,
  REPLICA_SET_KIND,
  ReplicaSetController,
  slowStartBatch,
} from '../../src/replicaset/index.js';
import { type PodControl, realPodControl } from '../../src/replicaset/pod-control.js';
import { gatedWatch, harness, makeReady, podsOf, replicaSet, settle } from './fixtures.js';

const KEY = 'default/web';

async function setup(seed: number, opts: { wrap?: ReturnType<typeof gatedWatch>['wrap'] } = {}) {
  const h = harness(seed, opts.wrap);
  const c = new ReplicaSetController({ ctx: h.ctx, kind: REPLICA_SET_KIND, workers: 1 });
  return { ...h, c };
}

test('replicaset - creates missing pods from the template with generateName, labels and a controller reference', async () => {
  const { api, c, start, stop, ctx } = await setup(1);
  try {
    const [rs] = api.seed(resources.replicasets, replicaSet('web', 3)) as ReplicaSet[];
    await start();
    await c.syncReplicaSet(KEY);
    const pods = podsOf(api, rs as ReplicaSet);
    assert.equal(pods.length, 3);
    for (const p of pods) {
      assert.match(p.metadata.name ?? '', /^web-[a-z0-9]{5}$/);
      assert.deepEqual(p.metadata.labels, { app: 'web' });
      assert.deepEqual(p.metadata.ownerReferences, [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'web',
          uid: rs?.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
    await ctx.recorder.flush();
    const events = api.objects<Event>(resources.events).filter((e) => e.reason === 'SuccessfulCreate');
    assert.equal(events.length, 3);
    assert.match(events[0]?.message ?? '', /^Created pod: web-[a-z0-9]{5}$/);
    await settle();
    await c.syncReplicaSet(KEY);
    const st = api.object<ReplicaSet>(resources.replicasets, 'web', 'default')?.status;
    assert.equal(st?.replicas, 3);
    assert.equal(st?.fullyLabeledReplicas, 3);
    assert.equal(st?.readyReplicas, 0);
    assert.equal(st?.observedGeneration, 1);
    assert.equal(api.writes('pods').filter((a) => a.verb === 'create').length, 3, 'no more creates');
  } finally {
    stop();
  }
});

test('replicaset - expectations: a slow pod informer never causes double creates', async () => {
  const gate = gatedWatch('pods');
  const { api, c, start, stop } = await setup(2, { wrap: gate.wrap });
  try {
    api.seed(resources.replicasets, replicaSet('web', 4));
    await start();
    gate.hold();
    await c.syncReplicaSet(KEY);
    assert.equal(api.writes('pods').length, 4);
    // The informer has not seen the pods: the cache says 0 of 4, the expectations say "wait".
    await c.syncReplicaSet(KEY);
    await c.syncReplicaSet(KEY);
    assert.equal(api.writes('pods').length, 4, 'no second round of creates while the creates are unobserved');
    assert.equal(c.expectations.satisfiedExpectations(KEY), false);
    gate.release();
    await settle();
    assert.equal(c.expectations.satisfiedExpectations(KEY), true);
    await c.syncReplicaSet(KEY);
    assert.equal(api.writes('pods').filter((a) => a.verb === 'create').length, 4);
    // Deletes too: scale to 1 with the watch held.
    const rs = api.object<ReplicaSet>(resources.replicasets, 'web', 'default') as ReplicaSet;
    await api.update(resources.replicasets, { ...rs, spec: { ...rs.spec, replicas: 1 } });
    await settle();
    gate.hold();
    await c.syncReplicaSet(KEY);
    await c.syncReplicaSet(KEY);
    assert.equal(api.writes('pods').filter((a) => a.verb === 'delete').length, 3);
    gate.release();
    await settle();
    await c.syncReplicaSet(KEY);
    assert.equal(api.writes('pods').filter((a) => a.verb === 'delete').length, 3);
    assert.equal(api.objects(resources.pods).length, 1);
  } finally {
    gate.release();
    stop();
  }
});

test('replicaset - expectations expire after 5 minutes so a lost event cannot stall the controller', async () => {
  const gate = gatedWatch('pods');
  const { api, c, start, stop, clock } = await setup(3, { wrap: gate.wrap });
  try {
    api.seed(resources.replicasets, replicaSet('web', 2));
    await start();
    gate.hold();
    await c.syncReplicaSet(KEY);
    // Someone deletes the pods behind our back while the watch is stalled.
    for (const p of api.objects<Pod>(resources.pods))
      await api.delete(resources.pods, p.metadata.name ?? '', { namespace: 'default' });
    await c.syncReplicaSet(KEY);
    assert.equal(api.writes('pods').filter((a) => a.verb === 'create').length, 2);
    clock.advance(5 * 60_000 + 1);
    await c.syncReplicaSet(KEY);
    assert.equal(
      api.writes('pods').filter((a) => a.verb === 'create').length,
      4,
      'expired expectations let it act',
    );
  } finally {
    gate.release();
    stop();
  }
});

test('replicaset - deletes in Kubernetes order: unscheduled, pending, not ready, then the newest ready', async () => {
  const { api, c, start, stop, clock } = await setup(4);
  try {
    const [rs] = api.seed(resources.replicasets, replicaSet('web', 5)) as ReplicaSet[];
    await start();
    await c.syncReplicaSet(KEY);
    await settle();
    const pods = podsOf(api, rs as ReplicaSet).sort((a, b) =>
      (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
    );
    const [unscheduled, pending, notReady, oldReady, newReady] = pods as [Pod, Pod, Pod, Pod, Pod];
    const bind = async (p: Pod, phase: string, ready: boolean, node: string) => {
      const cur = api.object<Pod>(resources.pods, p.metadata.name ?? '', 'default') as Pod;
      await api.update(resources.pods, { ...cur, spec: { ...cur.spec, nodeName: node } } as Pod);
      const fresh = api.object<Pod>(resources.pods, p.metadata.name ?? '', 'default') as Pod;
      await api.updateStatus(resources.pods, {
        ...fresh,
        status: {
          phase,
          conditions: [
            {
              type: 'Ready',
              status: ready ? 'True' : 'False',
              lastTransitionTime: new Date(clock.wallNow()).toISOString().slice(0, 19) + 'Z',
            },
          ],
        },
      });
    };
    await bind(pending, 'Pending', false, 'node-1');
    await bind(notReady, 'Running', false, 'node-2');
    await bind(oldReady, 'Running', true, 'node-3');
    clock.advance(3_600_000);
    await bind(newReady, 'Running', true, 'node-4');
    void unscheduled;
    await settle();
    const deletedOrder: string[] = [];
    for (const replicas of [4, 3, 2, 1]) {
      const cur = api.object<ReplicaSet>(resources.replicasets, 'web', 'default') as ReplicaSet;
      await api.update(resources.replicasets, { ...cur, spec: { ...cur.spec, replicas } });
      await settle();
      await c.syncReplicaSet(KEY);
      await settle();
      const deletes = api.writes('pods').filter((a) => a.verb === 'delete');
      deletedOrder.push(deletes[deletes.length - 1]?.name ?? '');
    }
    assert.deepEqual(
      deletedOrder,
      [unscheduled, pending, notReady, newReady].map((p) => p.metadata.name),
    );
    assert.deepEqual(
      api.objects<Pod>(resources.pods).map((p) => p.metadata.name),
      [oldReady.metadata.name],
    );
  } finally {
    stop();
  }
});

test('replicaset - adopts matching orphans and releases owned pods whose labels stopped matching', async () => {
  const { api, c, start, stop } = await setup(5);
  try {
    const [rs] = api.seed(resources.replicasets, replicaSet('web', 2)) as ReplicaSet[];
    api.seed(resources.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'orphan', namespace: 'default', labels: { app: 'web' } },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    } as Pod);
    api.seed(resources.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'other', namespace: 'default', labels: { app: 'db' } },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    } as Pod);
    await start();
    await c.syncReplicaSet(KEY);
    await settle();
    const orphan = api.object<Pod>(resources.pods, 'orphan', 'default');
    assert.equal(orphan?.metadata.ownerReferences?.[0]?.uid, rs?.metadata.uid, 'adopted');
    assert.equal(api.object<Pod>(resources.pods, 'other', 'default')?.metadata.ownerReferences, undefined);
    assert.equal(podsOf(api, rs as ReplicaSet).length, 2, 'one created, one adopted');
    // Relabel the adopted pod: the controller releases it and makes a replacement.
    await api.patch(
      resources.pods,
      'orphan',
      { metadata: { labels: { app: 'debug' } } },
      { namespace: 'default' },
    );
    await settle();
    await c.syncReplicaSet(KEY);
    await settle();
    await c.syncReplicaSet(KEY);
    const released = api.object<Pod>(resources.pods, 'orphan', 'default');
    assert.deepEqual(released?.metadata.ownerReferences ?? [], [], 'released');
    assert.equal(podsOf(api, rs as ReplicaSet).length, 2, 'replacement created');
  } finally {
    stop();
  }
});

test('replicaset - status counts ready and available (minReadySeconds) replicas', async () => {
  const { api, c, start, stop, clock } = await setup(6);
  try {
    const [rs] = api.seed(
      resources.replicasets,
      replicaSet('web', 2, { minReadySeconds: 10 }),
    ) as ReplicaSet[];
    await start();
    await c.syncReplicaSet(KEY);
    await settle();
    for (const p of podsOf(api, rs as ReplicaSet)) await makeReady(api, clock, p);
    await settle();
    await c.syncReplicaSet(KEY);
    let st = api.object<ReplicaSet>(resources.replicasets, 'web', 'default')?.status;
    assert.equal(st?.readyReplicas, 2);
    assert.equal(st?.availableReplicas, 0, 'not yet ready for 10 s');
    clock.advance(10_000);
    await c.syncReplicaSet(KEY);
    st = api.object<ReplicaSet>(resources.replicasets, 'web', 'default')?.status;
    assert.equal(st?.availableReplicas, 2);
  } finally {
    stop();
  }
});

test('replicaset - slow start stops at the first failed batch and sets ReplicaFailure', async () => {
  const { api, c, start, stop, ctx } = await setup(7);
  try {
    api.seed(resources.replicasets, replicaSet('web', 10));
    let creates = 0;
    api.react((a) => {
      if (a.verb !== 'create' || a.resource !== 'pods') return undefined;
      creates++;
      return creates > 3
        ? new ApiError(failureStatus(403, 'pods "web-" is forbidden: exceeded quota', 'Forbidden'))
        : undefined;
    });
    await start();
    await assert.rejects(c.syncReplicaSet(KEY), /exceeded quota/);
    // Batches 1, 2 succeed, batch of 4 fails at its first create: 1 + 2 + 4 attempts.
    assert.equal(creates, 7);
    assert.equal(api.objects(resources.pods).length, 3);
    const rs = api.object<ReplicaSet>(resources.replicasets, 'web', 'default');
    const cond = rs?.status?.conditions?.find((x) => x.type === 'ReplicaFailure');
    assert.equal(cond?.reason, 'FailedCreate');
    assert.match(cond?.message ?? '', /exceeded quota/);
    await settle();
    assert.equal(c.expectations.get(KEY)?.add, 0, 'failed and skipped creates are not expected');
    await ctx.recorder.flush();
    const failed = api.objects<Event>(resources.events).filter((e) => e.reason === 'FailedCreate');
    assert.ok(failed.length >= 1);
    assert.match(failed[0]?.message ?? '', /^Error creating: pods "web-" is forbidden/);
  } finally {
    stop();
  }
});

test('replicaset - slowStartBatch counts successes', async () => {
  let n = 0;
  const r = await slowStartBatch(10, 1, async () => {
    n++;
  });
  assert.deepEqual(r, { successes: 10, error: undefined });
  assert.equal(n, 10);
});

test('replicationcontroller - the same controller through the RC adapter (map selector, v1 owner)', async () => {
  const h = harness(8);
  const c = new ReplicaSetController({ ctx: h.ctx, kind: REPLICATION_CONTROLLER_KIND, workers: 1 });
  try {
    const rc: ReplicationController = {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 2,
        selector: { app: 'web' },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'c', image: 'nginx' }] },
        },
      },
    };
    h.api.seed(resources.replicationcontrollers, rc);
    await h.start();
    await c.syncReplicaSet(KEY);
    const pods = h.api.objects<Pod>(resources.pods);
    assert.equal(pods.length, 2);
    assert.equal(pods[0]?.metadata.ownerReferences?.[0]?.kind, 'ReplicationController');
    assert.equal(pods[0]?.metadata.ownerReferences?.[0]?.apiVersion, 'v1');
    await settle();
    await c.syncReplicaSet(KEY);
    assert.equal(
      h.api.object<ReplicationController>(resources.replicationcontrollers, 'web', 'default')?.status
        ?.replicas,
      2,
    );
  } finally {
    h.stop();
  }
});

test('replicaset - runs as a controller: pods deleted from outside are replaced', async () => {
  const h = harness(9);
  const c = new ReplicaSetController({ ctx: h.ctx, kind: REPLICA_SET_KIND, workers: 2 });
  try {
    h.api.seed(resources.replicasets, replicaSet('web', 3));
    h.ctx.informers.start(h.signal);
    const running = c.run(h.signal);
    const waitPods = async (n: number) => {
      for (let i = 0; i < 200 && h.api.objects(resources.pods).length !== n; i++) await settle(2);
      assert.equal(h.api.objects(resources.pods).length, n);
    };
    await waitPods(3);
    const victim = h.api.objects<Pod>(resources.pods)[0] as Pod;
    await h.api.delete(resources.pods, victim.metadata.name ?? '', { namespace: 'default' });
    await settle();
    await waitPods(3);
    assert.equal(h.api.object(resources.pods, victim.metadata.name ?? '', 'default'), undefined);
    h.stop();
    await running;
  } finally {
    h.stop();
  }
});

/**
 * A PodControl whose `late`-th create (1-based) answers with a timeout and lands only when `land()` is called
 * (a write whose reply was lost, or that committed after the caller gave up); other creates go through.
 */
function lateCreate(h: ReturnType<typeof harness>, late: number, error: () => Error) {
  const real = realPodControl(h.ctx.client, h.ctx.recorder);
  let n = 0;
  let pending: (() => Promise<unknown>) | undefined;
  const control: PodControl = {
    async createPod(namespace, template, owner, ref) {
      n++;
      if (n !== late) return real.createPod(namespace, template, owner, ref);
      pending = () => real.createPod(namespace, template, owner, ref);
      throw error();
    },
    deletePod: (namespace, name, owner) => real.deletePod(namespace, name, owner),
  };
  return { control, land: async () => pending?.() };
}

for (const [what, error] of [
  ['the api timed out (504)', () => new ApiError(failureStatus(504, 'request did not complete', 'Timeout'))],
  ['no reply in time', () => new ApiUnavailableError('timeout', 'request timed out after 10000 ms')],
] as const) {
  test(`replicaset - a create whose outcome is unknown (${what}) stays expected: no replacement before the informer shows it`, async () => {
    const h = harness(11);
    const late = lateCreate(h, 2, error);
    const c = new ReplicaSetController({
      ctx: h.ctx,
      kind: REPLICA_SET_KIND,
      workers: 1,
      podControl: late.control,
    });
    try {
      const [rs] = h.api.seed(resources.replicasets, replicaSet('web', 3)) as ReplicaSet[];
      await h.start();
      // Batches of 1 then 2: the second create times out, the third works; the sync fails and is retried.
      await assert.rejects(c.syncReplicaSet(KEY));
      await settle();
      assert.equal(podsOf(h.api, rs as ReplicaSet).length, 2);
      await c.syncReplicaSet(KEY);
      await settle();
      assert.equal(
        podsOf(h.api, rs as ReplicaSet).length,
        2,
        'no replacement for a create that may still land',
      );
      await late.land();
      await settle();
      await c.syncReplicaSet(KEY);
      await settle();
      assert.equal(podsOf(h.api, rs as ReplicaSet).length, 3);
      assert.equal(h.api.writes('pods').filter((a) => a.verb === 'delete').length, 0, 'nothing over-created');
    } finally {
      h.stop();
    }
  });
}

test('replicaset - a timed-out create that never lands is replaced once the expectations expire', async () => {
  const h = harness(12);
  const late = lateCreate(h, 2, () => new ApiUnavailableError('timeout', 'request timed out after 10000 ms'));
  const c = new ReplicaSetController({
    ctx: h.ctx,
    kind: REPLICA_SET_KIND,
    workers: 1,
    podControl: late.control,
  });
  try {
    const [rs] = h.api.seed(resources.replicasets, replicaSet('web', 3)) as ReplicaSet[];
    await h.start();
    await assert.rejects(c.syncReplicaSet(KEY));
    await settle();
    await c.syncReplicaSet(KEY);
    assert.equal(podsOf(h.api, rs as ReplicaSet).length, 2);
    h.clock.advance(5 * 60_000 + 1);
    await c.syncReplicaSet(KEY);
    await settle();
    assert.equal(podsOf(h.api, rs as ReplicaSet).length, 3);
  } finally {
    h.stop();
  }
});
