import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resources } from '@kubelab/api-client';
import type { Deployment, Event, ReplicaSet } from '@kubelab/api-types';
import { seededRng } from '@kubelab/clock';
import { isPodReady } from '@kubelab/controller-kit';
import {
  CHANGE_CAUSE_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  POD_TEMPLATE_HASH_LABEL,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
} from '../../src/deployment/index.js';
import { makeReady } from '../replicaset/fixtures.js';
import { bed, deployment } from './fixtures.js';

const cond = (d: Deployment, type: string) => d.status?.conditions?.find((c) => c.type === type);
const image = (rs: ReplicaSet) => rs.spec.template?.spec.containers[0]?.image;
const revision = (rs: ReplicaSet) => rs.metadata.annotations?.[REVISION_ANNOTATION];

test('deployment - a new Deployment gets one ReplicaSet <name>-<hash> at revision 1 and completes', async () => {
  const b = await bed(11);
  try {
    const d0 = deployment('web', 3, 'nginx:1.25');
    d0.metadata.annotations = { [CHANGE_CAUSE_ANNOTATION]: 'kubectl create --record=true' };
    b.api.seed(resources.deployments, d0);
    await b.converge();
    const [rs] = b.replicaSets();
    assert.ok(rs);
    const hash = rs.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] ?? '';
    assert.match(hash, /^[a-z0-9]+$/);
    assert.equal(rs.metadata.name, `web-${hash}`);
    assert.equal(rs.spec.selector.matchLabels?.[POD_TEMPLATE_HASH_LABEL], hash);
    assert.equal(rs.spec.template?.metadata?.labels?.[POD_TEMPLATE_HASH_LABEL], hash);
    assert.equal(revision(rs), '1');
    assert.equal(rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION], '3');
    assert.equal(rs.metadata.annotations?.[MAX_REPLICAS_ANNOTATION], '4');
    assert.equal(rs.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION], 'kubectl create --record=true');
    assert.equal(rs.metadata.ownerReferences?.[0]?.kind, 'Deployment');
    assert.equal(b.pods().length, 3);
    let d = b.deploymentNow();
    assert.equal(d.metadata.annotations?.[REVISION_ANNOTATION], '1');
    assert.equal(d.metadata.generation, 1, 'writing the revision annotation does not bump the generation');
    assert.equal(cond(d, 'Available')?.status, 'False');
    assert.equal(cond(d, 'Progressing')?.reason, 'ReplicaSetUpdated');
    await b.readyPods();
    await b.converge();
    d = b.deploymentNow();
    assert.deepEqual(
      { ...d.status, conditions: undefined },
      {
        observedGeneration: 1,
        replicas: 3,
        updatedReplicas: 3,
        readyReplicas: 3,
        availableReplicas: 3,
        unavailableReplicas: 0,
        conditions: undefined,
      },
    );
    assert.equal(cond(d, 'Available')?.reason, 'MinimumReplicasAvailable');
    assert.equal(cond(d, 'Progressing')?.reason, 'NewReplicaSetAvailable');
    assert.equal(cond(d, 'Progressing')?.message, `ReplicaSet "web-${hash}" has successfully progressed.`);
    await b.ctx.recorder.flush();
    const scaling = b.api.objects<Event>(resources.events).filter((e) => e.reason === 'ScalingReplicaSet');
    assert.deepEqual(
      scaling.map((e) => e.message),
      [`Scaled up replica set web-${hash} from 0 to 3`],
    );
  } finally {
    b.stop();
  }
});

test('deployment - rolling update never exceeds maxSurge nor maxUnavailable (seeded readiness)', async () => {
  for (const [seed, replicas, surge, unavailable] of [
    [21, 4, '25%', '25%'],
    [22, 10, 3, 2],
    [23, 5, 0, 1],
    [24, 3, '50%', 0],
  ] as const) {
    const b = await bed(seed);
    const rng = seededRng(seed);
    try {
      b.api.seed(
        resources.deployments,
        deployment('web', replicas, 'nginx:1', {
          strategy: {
            type: 'RollingUpdate',
            rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable },
          },
        }),
      );
      await b.converge();
      await b.readyPods();
      await b.converge();
      const maxSurgeN =
        typeof surge === 'number' ? surge : Math.ceil((Number.parseInt(surge) * replicas) / 100);
      let maxUnavailN =
        typeof unavailable === 'number'
          ? unavailable
          : Math.floor((Number.parseInt(unavailable) * replicas) / 100);
      if (maxSurgeN === 0 && maxUnavailN === 0) maxUnavailN = 1;
      await b.edit((d) => {
        (d.spec.template.spec.containers[0] as { image: string }).image = 'nginx:2';
      });
      for (let step = 0; step < 200; step++) {
        await b.round();
        const pods = b.pods();
        const ready = pods.filter(isPodReady).length;
        assert.ok(
          pods.length <= replicas + maxSurgeN,
          `seed ${seed} step ${step}: ${pods.length} pods > ${replicas}+${maxSurgeN}`,
        );
        assert.ok(
          ready >= replicas - maxUnavailN,
          `seed ${seed} step ${step}: only ${ready} ready < ${replicas}-${maxUnavailN}`,
        );
        const d = b.deploymentNow();
        if (
          d.status?.updatedReplicas === replicas &&
          d.status.availableReplicas === replicas &&
          d.status.replicas === replicas
        )
          break;
        // The kubelet: a random few of the not-ready pods become Ready.
        const notReady = pods.filter((p) => !isPodReady(p));
        for (const p of notReady) if (rng.next() < 0.5) await makeReady(b.api, b.clock, p);
      }
      await b.converge();
      const d = b.deploymentNow();
      assert.equal(d.status?.updatedReplicas, replicas);
      assert.equal(d.status?.availableReplicas, replicas);
      const rss = b.replicaSets();
      assert.equal(rss.length, 2);
      const newRS = rss.find((rs) => image(rs) === 'nginx:2') as ReplicaSet;
      const oldRS = rss.find((rs) => image(rs) === 'nginx:1') as ReplicaSet;
      assert.equal(newRS.spec.replicas, replicas);
      assert.equal(oldRS.spec.replicas, 0);
      assert.equal(revision(newRS), '2');
      assert.ok(b.pods().every((p) => p.spec?.containers[0]?.image === 'nginx:2'));
      assert.equal(cond(d, 'Progressing')?.reason, 'NewReplicaSetAvailable');
    } finally {
      b.stop();
    }
  }
});

test('deployment - Recreate scales the old ReplicaSet to 0 and waits for its pods before creating the new one', async () => {
  const b = await bed(31);
  try {
    b.api.seed(resources.deployments, deployment('web', 3, 'nginx:1', { strategy: { type: 'Recreate' } }));
    await b.converge();
    await b.readyPods();
    await b.converge();
    await b.edit((d) => {
      (d.spec.template.spec.containers[0] as { image: string }).image = 'nginx:2';
    });
    await b.round();
    assert.equal(b.replicaSets().length, 1, 'no new ReplicaSet while old pods may still run');
    assert.equal(b.replicaSets()[0]?.spec.replicas, 0);
    await b.converge();
    const rss = b.replicaSets();
    assert.equal(rss.length, 2);
    const newRS = rss.find((rs) => image(rs) === 'nginx:2') as ReplicaSet;
    assert.equal(newRS.spec.replicas, 3, 'created at full size');
    assert.equal(b.pods().length, 3);
    assert.ok(b.pods().every((p) => p.spec?.containers[0]?.image === 'nginx:2'));
  } finally {
    b.stop();
  }
});

test('deployment - paused: no rollout, scaling still works, two edits make one revision after resume', async () => {
  const b = await bed(41);
  try {
    b.api.seed(resources.deployments, deployment('web', 2, 'nginx:1'));
    await b.converge();
    await b.readyPods();
    await b.converge();
    await b.edit((d) => {
      d.spec.paused = true;
    });
    await b.converge();
    assert.equal(cond(b.deploymentNow(), 'Progressing')?.reason, 'DeploymentPaused');
    await b.edit((d) => {
      (d.spec.template.spec.containers[0] as { image: string }).image = 'nginx:2';
    });
    await b.converge();
    await b.edit((d) => {
      (d.spec.template.spec.containers[0] as { image: string }).image = 'nginx:3';
      d.spec.replicas = 4;
    });
    await b.converge();
    assert.equal(b.replicaSets().length, 1, 'no new ReplicaSet while paused');
    assert.equal(b.replicaSets()[0]?.spec.replicas, 4, 'scaling works while paused');
    await b.readyPods();
    await b.edit((d) => {
      delete d.spec.paused;
    });
    for (let i = 0; i < 20; i++) {
      await b.converge();
      if ((await b.readyPods()) === 0) break;
    }
    await b.converge();
    const rss = b.replicaSets();
    assert.equal(rss.length, 2, 'exactly one new ReplicaSet');
    const newRS = rss.find((rs) => image(rs) === 'nginx:3') as ReplicaSet;
    assert.equal(revision(newRS), '2');
    assert.equal(newRS.spec.replicas, 4);
    const d = b.deploymentNow();
    assert.equal(d.metadata.annotations?.[REVISION_ANNOTATION], '2');
    assert.equal(cond(d, 'Progressing')?.reason, 'NewReplicaSetAvailable');
  } finally {
    b.stop();
  }
});

async function rollTo(b: Awaited<ReturnType<typeof bed>>, img: string): Promise<void> {
  await b.edit((d) => {
    (d.spec.template.spec.containers[0] as { image: string }).image = img;
  });
  for (let i = 0; i < 30; i++) {
    await b.converge();
    const d = b.deploymentNow();
    if (
      d.status?.observedGeneration === d.metadata.generation &&
      d.status?.updatedReplicas === d.spec.replicas &&
      d.status?.availableReplicas === d.spec.replicas &&
      d.status?.replicas === d.spec.replicas
    ) {
      return;
    }
    await b.readyPods();
  }
  throw new Error(`rollout to ${img} did not finish`);
}

test('deployment - revisionHistoryLimit keeps that many old ReplicaSets (0 keeps none)', async () => {
  for (const limit of [2, 0]) {
    const b = await bed(51 + limit);
    try {
      b.api.seed(resources.deployments, deployment('web', 2, 'nginx:1', { revisionHistoryLimit: limit }));
      await b.converge();
      await b.readyPods();
      await b.converge();
      for (const img of ['nginx:2', 'nginx:3', 'nginx:4', 'nginx:5']) await rollTo(b, img);
      await b.converge();
      const rss = b.replicaSets();
      assert.equal(
        rss.length,
        limit + 1,
        `limit ${limit}: ${rss.map((r) => `${image(r)}@${revision(r)}`).join(' ')}`,
      );
      assert.deepEqual(
        rss.map(revision).sort(),
        ['5', '4', '3'].slice(0, limit + 1).sort(),
        'the newest revisions stay',
      );
    } finally {
      b.stop();
    }
  }
});

test('deployment - rollback to an old template reuses its ReplicaSet with a new revision (max+1)', async () => {
  const b = await bed(61);
  try {
    b.api.seed(resources.deployments, deployment('web', 2, 'nginx:1'));
    await b.converge();
    await b.readyPods();
    await b.converge();
    await rollTo(b, 'nginx:2');
    await rollTo(b, 'nginx:3');
    // `kubectl rollout undo --to-revision=1` writes revision 1's template into the Deployment.
    await rollTo(b, 'nginx:1');
    const rss = b.replicaSets();
    assert.equal(rss.length, 3, 'no ReplicaSet created for the rollback');
    const v1 = rss.find((rs) => image(rs) === 'nginx:1') as ReplicaSet;
    assert.equal(revision(v1), '4');
    assert.equal(v1.metadata.annotations?.[REVISION_HISTORY_ANNOTATION], '1');
    assert.equal(v1.spec.replicas, 2);
    assert.equal(b.deploymentNow().metadata.annotations?.[REVISION_ANNOTATION], '4');
    assert.deepEqual(rss.map(revision).sort(), ['2', '3', '4']);
  } finally {
    b.stop();
  }
});

test('deployment - Progressing=False ProgressDeadlineExceeded once no progress is made for progressDeadlineSeconds', async () => {
  const b = await bed(71);
  try {
    b.api.seed(resources.deployments, deployment('web', 2, 'nginx:1', { progressDeadlineSeconds: 10 }));
    await b.converge();
    assert.equal(cond(b.deploymentNow(), 'Progressing')?.status, 'True');
    const queued = b.dc.queue.metrics.waiting;
    assert.ok(queued >= 1, 'the stuck rollout is requeued for its deadline');
    b.clock.advance(9_000);
    await b.converge();
    assert.equal(cond(b.deploymentNow(), 'Progressing')?.status, 'True');
    b.clock.advance(2_000);
    await b.converge();
    const c = cond(b.deploymentNow(), 'Progressing');
    assert.equal(c?.status, 'False');
    assert.equal(c?.reason, 'ProgressDeadlineExceeded');
    assert.match(c?.message ?? '', /^ReplicaSet "web-[a-z0-9]+" has timed out progressing\.$/);
  } finally {
    b.stop();
  }
});

test('deployment - scaling during a rollout is spread over the ReplicaSets proportionally', async () => {
  const b = await bed(81);
  try {
    b.api.seed(
      resources.deployments,
      deployment('web', 10, 'nginx:1', {
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } },
      }),
    );
    await b.converge();
    await b.readyPods();
    await b.converge();
    await b.edit((d) => {
      (d.spec.template.spec.containers[0] as { image: string }).image = 'nginx:2';
    });
    await b.converge();
    // 13 allowed (10 + surge 3): the new RS took 3 + 2 as the old one gave up 2 (maxUnavailable).
    const before = Object.fromEntries(b.replicaSets().map((rs) => [image(rs), rs.spec.replicas]));
    assert.deepEqual(before, { 'nginx:1': 8, 'nginx:2': 5 });
    await b.edit((d) => {
      d.spec.replicas = 20;
    });
    await b.round();
    const sizes = Object.fromEntries(b.replicaSets().map((rs) => [image(rs), rs.spec.replicas ?? 0]));
    // 10 more allowed (23 - 13), by the max-replicas annotation (13): old 8*23/13 ≈ 14, new 5*23/13 ≈ 9.
    assert.deepEqual(sizes, { 'nginx:1': 14, 'nginx:2': 9 });
    for (const rs of b.replicaSets())
      assert.equal(rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION], '20');
  } finally {
    b.stop();
  }
});

test('deployment - adopts an orphan ReplicaSet matching its selector', async () => {
  const b = await bed(91);
  try {
    const [d] = b.api.seed(resources.deployments, deployment('web', 1, 'nginx:1')) as Deployment[];
    b.api.seed(resources.replicasets, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web-orphan', namespace: 'default', labels: { app: 'web' } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'web' } },
        template: structuredClone(d?.spec.template),
      },
    } as ReplicaSet);
    await b.converge();
    const rss = b.replicaSets();
    assert.equal(rss.length, 1, 'the orphan has the same template: it is the new ReplicaSet');
    assert.equal(rss[0]?.metadata.ownerReferences?.[0]?.uid, d?.metadata.uid);
    assert.equal(rss[0]?.spec.replicas, 1);
    assert.equal(revision(rss[0] as ReplicaSet), '1');
  } finally {
    b.stop();
  }
});
