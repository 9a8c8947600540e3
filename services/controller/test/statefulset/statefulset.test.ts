import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resources } from '@kubelab/api-client';
import type { Event, Pod, StatefulSet } from '@kubelab/api-types';
import { HOLD, startHarness, webSet } from './harness.js';

const SEED = Number(process.env.KUBELAB_TEST_SEED ?? 1);
console.log(`statefulset tests: seed ${SEED}`);

async function setImage(h: Awaited<ReturnType<typeof startHarness>>, image: string): Promise<void> {
  await h.api.patch(
    resources.statefulsets,
    'web',
    { spec: { template: { spec: { containers: [{ name: 'nginx', image }] } } } },
    { namespace: 'default', patchType: 'strategic' },
  );
}

function imageOf(p: Pod | undefined): string | undefined {
  return p?.spec.containers[0]?.image;
}

test('statefulset - OrderedReady creates web-0, and web-1 only once web-0 is Running and Ready', async () => {
  const h = await startHarness(SEED);
  try {
    h.api.seed(resources.statefulsets, webSet());
    await h.until(() => h.pod('web-0'), 'web-0 created');
    await h.settle();
    assert.deepEqual(h.podNames(), ['web-0'], 'web-1 waits for web-0');
    const p0 = h.pod('web-0') as Pod;
    assert.equal(p0.spec.hostname, 'web-0');
    assert.equal(p0.spec.subdomain, 'nginx');
    assert.equal(p0.metadata.labels?.['statefulset.kubernetes.io/pod-name'], 'web-0');
    assert.equal(p0.metadata.labels?.['apps.kubernetes.io/pod-index'], '0');
    assert.equal(p0.metadata.labels?.app, 'nginx');
    const ref = p0.metadata.ownerReferences?.[0];
    assert.equal(ref?.kind, 'StatefulSet');
    assert.equal(ref?.controller, true);
    const rev = p0.metadata.labels?.['controller-revision-hash'];
    assert.match(rev ?? '', /^web-[a-z0-9]+$/);

    await h.markReady('web-0');
    await h.until(() => h.pod('web-1'), 'web-1 created after web-0 ready');
    await h.markReady('web-1');
    const s = await h.until(() => (h.set()?.status?.readyReplicas === 2 ? h.set() : undefined), 'status');
    assert.equal(s.status?.replicas, 2);
    assert.equal(s.status?.currentReplicas, 2);
    assert.equal(s.status?.updatedReplicas, 2);
    assert.equal(s.status?.availableReplicas, 2);
    assert.equal(s.status?.currentRevision, rev);
    assert.equal(s.status?.updateRevision, rev);
    assert.equal(s.status?.observedGeneration, s.metadata.generation);
    await h.ctx.recorder.flush();
    const events = h.api.objects<Event>(resources.events, 'default').map((e) => `${e.reason}: ${e.message}`);
    assert.ok(
      events.includes('SuccessfulCreate: create Pod web-0 in StatefulSet web successful'),
      events.join(),
    );
    assert.ok(events.includes('SuccessfulCreate: create Pod web-1 in StatefulSet web successful'));
  } finally {
    await h.stop();
  }
});

test('statefulset - scale down removes the highest ordinal first, waiting for each to terminate', async () => {
  const h = await startHarness(SEED);
  try {
    h.api.seed(resources.statefulsets, webSet({ replicas: 3 }));
    await h.rollUntilReady(3);
    await h.api.patch(resources.statefulsets, 'web', { spec: { replicas: 0 } }, { namespace: 'default' });
    await h.until(() => h.pod('web-2')?.metadata.deletionTimestamp, 'web-2 terminating');
    await h.settle();
    assert.equal(h.pod('web-1')?.metadata.deletionTimestamp, undefined, 'web-1 waits for web-2 to go');
    await h.finishTermination('web-2');
    await h.until(() => h.pod('web-1')?.metadata.deletionTimestamp, 'web-1 terminating');
    assert.equal(h.pod('web-0')?.metadata.deletionTimestamp, undefined);
    await h.finishTermination('web-1');
    await h.until(() => h.pod('web-0')?.metadata.deletionTimestamp, 'web-0 terminating');
    await h.finishTermination('web-0');
    const s = await h.until(() => (h.set()?.status?.replicas === 0 ? h.set() : undefined), 'replicas 0');
    assert.equal(s.status?.readyReplicas, 0);
    await h.ctx.recorder.flush();
    const deletes = h.api
      .objects<Event>(resources.events, 'default')
      .filter((e) => e.reason === 'SuccessfulDelete')
      .map((e) => e.message);
    assert.deepEqual(deletes, [
      'delete Pod web-2 in StatefulSet web successful',
      'delete Pod web-1 in StatefulSet web successful',
      'delete Pod web-0 in StatefulSet web successful',
    ]);
  } finally {
    await h.stop();
  }
});

test('statefulset - Parallel creates and deletes every pod at once', async () => {
  const h = await startHarness(SEED);
  try {
    h.api.seed(resources.statefulsets, webSet({ replicas: 3, podManagementPolicy: 'Parallel' }));
    await h.until(() => h.podNames().length === 3, 'three pods without readiness');
    assert.deepEqual(h.podNames(), ['web-0', 'web-1', 'web-2']);
    await h.api.patch(resources.statefulsets, 'web', { spec: { replicas: 1 } }, { namespace: 'default' });
    await h.until(
      () => h.pod('web-1')?.metadata.deletionTimestamp && h.pod('web-2')?.metadata.deletionTimestamp,
      'web-1 and web-2 terminating together',
    );
  } finally {
    await h.stop();
  }
});

test('statefulset - a deleted or failed pod is recreated with the same name', async () => {
  const h = await startHarness(SEED);
  try {
    h.api.seed(resources.statefulsets, webSet({ replicas: 2 }));
    await h.rollUntilReady(2);
    const uid0 = h.pod('web-0')?.metadata.uid;
    await h.api.delete(resources.pods, 'web-0', { namespace: 'default' });
    await h.finishTermination('web-0');
    await h.until(() => h.pod('web-0') && h.pod('web-0')?.metadata.uid !== uid0, 'web-0 recreated');
    await h.markReady('web-0');
    const uid1 = h.pod('web-1')?.metadata.uid;
    await h.markFailed('web-1');
    await h.until(() => h.pod('web-1')?.metadata.deletionTimestamp, 'failed web-1 deleted');
    await h.finishTermination('web-1');
    await h.until(() => h.pod('web-1') && h.pod('web-1')?.metadata.uid !== uid1, 'web-1 recreated');
    await h.ctx.recorder.flush();
    const reasons = h.api.objects<Event>(resources.events, 'default').map((e) => e.reason);
    assert.ok(reasons.includes('RecreatingFailedPod'));
  } finally {
    await h.stop();
  }
});

test('statefulset - RollingUpdate replaces pods in reverse ordinal order, one at a time', async () => {
  const h = await startHarness(SEED);
  try {
    h.api.seed(resources.statefulsets, webSet({ replicas: 3 }));
    await h.rollUntilReady(3);
    const rev1 = h.set()?.status?.currentRevision;
    await setImage(h, 'nginx:1.26');
    const order: string[] = [];
    for (const name of ['web-2', 'web-1', 'web-0']) {
      await h.until(() => h.pod(name)?.metadata.deletionTimestamp, `${name} terminating for update`);
      const terminating = h.api
        .objects<Pod>(resources.pods, 'default')
        .filter((p) => p.metadata.deletionTimestamp)
        .map((p) => p.metadata.name);
      assert.deepEqual(terminating, [name], 'one pod at a time');
      order.push(name);
      await h.finishTermination(name);
      await h.until(() => imageOf(h.pod(name)) === 'nginx:1.26', `${name} recreated at the new revision`);
      await h.settle();
      await h.markReady(name);
    }
    assert.deepEqual(order, ['web-2', 'web-1', 'web-0']);
    const s = await h.until(
      () => (h.set()?.status?.currentRevision === h.set()?.status?.updateRevision ? h.set() : undefined),
      'rolling update complete',
    );
    assert.notEqual(s.status?.updateRevision, rev1);
    assert.equal(s.status?.updatedReplicas, 3);
    assert.equal(s.status?.currentReplicas, 3);
  } finally {
    await h.stop();
  }
});

test('statefulset - partition keeps ordinals below it at the current revision', async () => {
  const h = await startHarness(SEED);
  try {
    h.api.seed(
      resources.statefulsets,
      webSet({ replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }),
    );
    await h.rollUntilReady(3);
    await setImage(h, 'nginx:1.26');
    await h.until(() => h.pod('web-2')?.metadata.deletionTimestamp, 'web-2 updated');
    await h.finishTermination('web-2');
    await h.until(() => imageOf(h.pod('web-2')) === 'nginx:1.26', 'web-2 at the new image');
    await h.markReady('web-2');
    const s = await h.until(
      () =>
        h.set()?.status?.updatedReplicas === 1 && h.set()?.status?.readyReplicas === 3 ? h.set() : undefined,
      'status shows one updated',
    );
    await h.settle();
    assert.equal(imageOf(h.pod('web-1')), 'nginx:1.25');
    assert.equal(imageOf(h.pod('web-0')), 'nginx:1.25');
    assert.equal(h.pod('web-1')?.metadata.deletionTimestamp, undefined);
    assert.equal(s.status?.currentReplicas, 2);
    assert.notEqual(s.status?.currentRevision, s.status?.updateRevision);
  } finally {
    await h.stop();
  }
});

test('statefulset - OnDelete updates a pod only when someone deletes it', async () => {
  const h = await startHarness(SEED);
  try {
    h.api.seed(resources.statefulsets, webSet({ replicas: 2, updateStrategy: { type: 'OnDelete' } }));
    await h.rollUntilReady(2);
    await setImage(h, 'nginx:1.26');
    await h.until(() => h.set()?.status?.updateRevision !== h.set()?.status?.currentRevision, 'new revision');
    await h.settle();
    assert.equal(h.pod('web-1')?.metadata.deletionTimestamp, undefined);
    assert.equal(imageOf(h.pod('web-1')), 'nginx:1.25');
    await h.api.delete(resources.pods, 'web-0', { namespace: 'default' });
    await h.finishTermination('web-0');
    await h.until(() => imageOf(h.pod('web-0')) === 'nginx:1.26', 'web-0 recreated at the new revision');
    assert.equal(imageOf(h.pod('web-1')), 'nginx:1.25');
  } finally {
    await h.stop();
  }
});

test('statefulset - ControllerRevisions: data, numbering, rollback reuse, history limit', async () => {
  const h = await startHarness(SEED);
  try {
    h.api.seed(resources.statefulsets, webSet({ replicas: 1, revisionHistoryLimit: 2 }));
    await h.rollUntilReady(1);
    const [first] = h.revisions();
    assert.ok(first);
    assert.equal(first.revision, 1);
    assert.equal(first.metadata.labels?.app, 'nginx');
    assert.match(first.metadata.labels?.['controller.kubernetes.io/hash'] ?? '', /^[a-z0-9]+$/);
    assert.equal(first.metadata.name, `web-${first.metadata.labels?.['controller.kubernetes.io/hash']}`);
    assert.equal(first.metadata.ownerReferences?.[0]?.kind, 'StatefulSet');
    const data = first.data as { spec: { template: Record<string, unknown> } };
    assert.equal(data.spec.template.$patch, 'replace');
    assert.deepEqual(Object.keys(data), ['spec']);

    for (const image of ['nginx:2', 'nginx:3', 'nginx:4']) {
      await setImage(h, image);
      await h.rollUntilReady(1);
      assert.equal(imageOf(h.pod('web-0')), image);
    }
    let revs = h.revisions();
    assert.deepEqual(
      revs.map((r) => r.revision),
      [2, 3, 4],
      'limit 2 keeps two old revisions plus the live one',
    );
    // Rollback as `kubectl rollout undo` does it: the old revision's data as a strategic merge patch.
    const old = revs[0];
    await h.api.patch(resources.statefulsets, 'web', old?.data, {
      namespace: 'default',
      patchType: 'strategic',
    });
    await h.rollUntilReady(1);
    assert.equal(imageOf(h.pod('web-0')), 'nginx:2');
    revs = h.revisions();
    const reused = revs.find((r) => r.metadata.name === old?.metadata.name);
    assert.equal(reused?.revision, 5, 'the equal revision is renumbered, not duplicated');
    assert.equal(revs.length, 3);
    assert.equal(h.set()?.status?.currentRevision, old?.metadata.name);
  } finally {
    await h.stop();
  }
});

test('statefulset - adopts a matching orphan pod instead of creating another', async () => {
  const h = await startHarness(SEED);
  try {
    const set = webSet({ replicas: 1 });
    h.api.seed(resources.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-0', namespace: 'default', labels: { app: 'nginx' }, finalizers: [HOLD] },
      spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] },
    } as Pod);
    const [seeded] = h.api.seed(resources.statefulsets, set) as StatefulSet[];
    await h.until(
      () => h.pod('web-0')?.metadata.ownerReferences?.[0]?.uid === seeded?.metadata.uid,
      'adopted',
    );
    assert.equal(h.api.writes('pods').filter((a) => a.verb === 'create').length, 0);
  } finally {
    await h.stop();
  }
});
