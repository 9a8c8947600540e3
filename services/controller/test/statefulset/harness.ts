/**
 * A StatefulSet controller running on a FakeApi with a FakeClock (real informers and work queue), plus a
 * kubelet stand-in: `markReady` makes a pod Running and Ready, `finishTermination` drops the test finalizer so
 * a terminating pod goes away.
 */
import { resources } from '@kubelab/api-client';
import type { ControllerRevision, Pod, StatefulSet } from '@kubelab/api-types';
import { fakeContext } from '@kubelab/controller-kit/testing';
import { FakeClock, sleep, waitFor } from '@kubelab/testkit';
import { newStatefulSetController } from '../../src/statefulset/index.js';

export const T0 = Date.UTC(2026, 10, 25, 10, 0, 0);
/** Pods carry this finalizer so deletion is graceful: they stay terminating until the test finishes them. */
export const HOLD = 'kubelab.test/hold';

export function webSet(extra: Partial<StatefulSet['spec']> = {}, image = 'nginx:1.25'): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: 2,
      serviceName: 'nginx',
      selector: { matchLabels: { app: 'nginx' } },
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      revisionHistoryLimit: 10,
      template: {
        metadata: { labels: { app: 'nginx' }, finalizers: [HOLD] },
        spec: { containers: [{ name: 'nginx', image, ports: [{ name: 'web', containerPort: 80 }] }] },
      },
      ...extra,
    },
  };
}

export async function startHarness(seed = 1) {
  const clock = new FakeClock(0, T0);
  const { ctx, api } = fakeContext({ clock, seed });
  const controller = newStatefulSetController(ctx);
  const ac = new AbortController();
  ctx.informers.start(ac.signal);
  const running = controller.run(ac.signal);

  const pod = (name: string) => api.object<Pod>(resources.pods, name, 'default');
  const podNames = () =>
    api
      .objects<Pod>(resources.pods, 'default')
      .map((p) => p.metadata.name ?? '')
      .sort();
  const set = () => api.object<StatefulSet>(resources.statefulsets, 'web', 'default');
  const revisions = () =>
    api
      .objects<ControllerRevision>(resources.controllerrevisions, 'default')
      .sort((a, b) => a.revision - b.revision);

  /** Lets queued work run: a few event-loop turns and a small real pause, with the fake clock moved on. */
  const settle = async () => {
    for (let i = 0; i < 5; i++) {
      await sleep(5);
      clock.advance(10);
    }
  };

  const markReady = async (name: string) => {
    const p = await api.get<Pod>(resources.pods, name, { namespace: 'default' });
    p.status = {
      phase: 'Running',
      podIP: `10.0.0.${Number(name.split('-').pop()) + 10}`,
      conditions: [
        { type: 'Ready', status: 'True', lastTransitionTime: new Date(clock.wallNow()).toISOString() },
      ],
    };
    await api.updateStatus(resources.pods, p, { namespace: 'default' });
  };

  const markFailed = async (name: string) => {
    const p = await api.get<Pod>(resources.pods, name, { namespace: 'default' });
    p.status = { phase: 'Failed' };
    await api.updateStatus(resources.pods, p, { namespace: 'default' });
  };

  const finishTermination = async (name: string) => {
    const p = await api.get<Pod>(resources.pods, name, { namespace: 'default' });
    await api.patch(
      resources.pods,
      name,
      { metadata: { finalizers: (p.metadata.finalizers ?? []).filter((f) => f !== HOLD) } },
      { namespace: 'default', patchType: 'merge' },
    );
  };

  /** Waits for `check`, settling between polls. */
  const until = <T>(check: () => T, what: string) =>
    waitFor(
      async () => {
        clock.advance(10);
        return check();
      },
      { timeoutMs: 5000, what },
    );

  /** Marks every existing, non-terminating, not-ready pod ready until `names` all exist and are ready. */
  const rollUntilReady = async (count: number) => {
    for (let round = 0; round < 50; round++) {
      await settle();
      const pods = api.objects<Pod>(resources.pods, 'default');
      for (const p of pods) {
        if (p.metadata.deletionTimestamp) await finishTermination(p.metadata.name ?? '');
        else if (p.status?.phase !== 'Running') await markReady(p.metadata.name ?? '');
      }
      const s = set();
      if (
        pods.length === count &&
        pods.every((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp) &&
        s?.status?.readyReplicas === count &&
        s.status.updateRevision === s.status.currentRevision
      )
        return;
    }
    throw new Error(`pods never settled at ${count}: ${podNames().join(',')}`);
  };

  const stop = async () => {
    ac.abort();
    await running;
    await ctx.informers.shutdown();
  };
  return {
    api,
    clock,
    ctx,
    pod,
    podNames,
    set,
    revisions,
    settle,
    until,
    markReady,
    markFailed,
    finishTermination,
    rollUntilReady,
    stop,
  };
}
