import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resources } from '@kubelab/api-client';
import type { Deployment, Event, HorizontalPodAutoscaler, Pod } from '@kubelab/api-types';
import { fakeContext } from '@kubelab/controller-kit/testing';
import { FakeClock, waitFor } from '@kubelab/testkit';
import { USAGE_ANNOTATION, newHorizontalController } from '../../src/podautoscaler/index.js';

const SEED = 21;
const T0 = Date.UTC(2026, 10, 25, 12);

function pod(name: string, cpuMilli: number): Pod {
  return {
    metadata: {
      name,
      namespace: 'default',
      labels: { app: 'web' },
      annotations: { [USAGE_ANNOTATION]: JSON.stringify({ cpuMilli, windowSeconds: 15 }) },
    },
    spec: {
      nodeName: 'n',
      containers: [{ name: 'app', image: 'nginx', resources: { requests: { cpu: '100m' } } }],
    },
    status: {
      phase: 'Running',
      startTime: '2026-11-25T10:00:00Z',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-11-25T10:00:10Z' }],
    },
  };
}

const hpa: HorizontalPodAutoscaler = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    minReplicas: 1,
    maxReplicas: 10,
    metrics: [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
      },
    ],
  },
};

test('hpa - scales a Deployment up through scale, records the event and status; scale-down waits for the window', async () => {
  console.log(`seed ${SEED}`);
  const clock = new FakeClock(0, T0);
  const { ctx, api } = fakeContext({
    clock,
    seed: SEED,
    settings: { KUBELAB_HPA_SYNC_PERIOD_MS: '1000', KUBELAB_HPA_DOWNSCALE_STABILIZATION_MS: '30000' },
  });
  api.seed(resources.deployments, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: {} },
  } as unknown as Deployment);
  api.seed(resources.pods, pod('web-a', 90), pod('web-b', 90), {
    ...pod('other', 1000),
    metadata: { name: 'other', namespace: 'default' },
  });
  api.seed(resources.horizontalpodautoscalers, hpa);
  const c = newHorizontalController(ctx);
  const ac = new AbortController();
  ctx.informers.start(ac.signal);
  const running = c.run(ac.signal);
  const replicas = () =>
    (api.object<Deployment>(resources.deployments, 'web', 'default')?.spec as { replicas?: number }).replicas;
  const status = () =>
    api.object<HorizontalPodAutoscaler>(resources.horizontalpodautoscalers, 'web', 'default')?.status;
  try {
    await waitFor(() => replicas() === 4, { what: '90% of request against 50% → 4' });
    await waitFor(() => status()?.desiredReplicas === 4);
    const st = status();
    assert.equal(st?.currentReplicas, 2);
    assert.deepEqual(st?.currentMetrics, [
      {
        type: 'Resource',
        resource: { name: 'cpu', current: { averageUtilization: 90, averageValue: '90m' } },
      },
    ]);
    assert.ok(st?.lastScaleTime);
    const byType = Object.fromEntries((st?.conditions ?? []).map((x) => [x.type, `${x.status}/${x.reason}`]));
    assert.deepEqual(byType, {
      AbleToScale: 'True/SucceededRescale',
      ScalingActive: 'True/ValidMetricFound',
      ScalingLimited: 'False/DesiredWithinRange',
    });
    await ctx.recorder.flush();
    const events = api.objects<Event>(resources.events).map((e) => `${e.reason}: ${e.message}`);
    assert.ok(
      events.includes(
        'SuccessfulRescale: New size: 4; reason: cpu resource utilization (percentage of request) above target',
      ),
      events.join('\n'),
    );
    // Usage drops: 10% → 1 replica, but only after the 30 s stabilization window.
    for (const name of ['web-a', 'web-b']) {
      await api.patch(
        resources.pods,
        name,
        { metadata: { annotations: { [USAGE_ANNOTATION]: '{"cpuMilli":10}' } } },
        { namespace: 'default' },
      );
    }
    for (let s = 0; s < 20; s++) {
      clock.advance(1000);
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(replicas(), 4, 'stabilized');
    await waitFor(
      () => {
        clock.advance(1000);
        return replicas() === 1;
      },
      { what: 'scaled down after the window' },
    );
    await ctx.recorder.flush();
    assert.ok(
      api
        .objects<Event>(resources.events)
        .some((e) => e.message === 'New size: 1; reason: All metrics below target'),
    );
  } finally {
    ac.abort();
    await running;
  }
});

test('hpa - a target without pods or metrics reports ScalingActive=False and does not scale', async () => {
  const clock = new FakeClock(0, T0);
  const { ctx, api } = fakeContext({ clock, seed: SEED });
  api.seed(resources.deployments, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: {} },
  } as unknown as Deployment);
  api.seed(resources.horizontalpodautoscalers, hpa, {
    ...hpa,
    metadata: { name: 'ghost', namespace: 'default' },
    spec: { ...hpa.spec, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'nope' } },
  });
  const c = newHorizontalController(ctx);
  const ac = new AbortController();
  ctx.informers.start(ac.signal);
  const running = c.run(ac.signal);
  const cond = (name: string, type: string) =>
    api
      .object<HorizontalPodAutoscaler>(resources.horizontalpodautoscalers, name, 'default')
      ?.status?.conditions?.find((x) => x.type === type);
  try {
    await waitFor(() => cond('web', 'ScalingActive')?.status === 'False');
    assert.equal(cond('web', 'ScalingActive')?.reason, 'FailedGetResourceMetric');
    assert.match(cond('web', 'ScalingActive')?.message ?? '', /no pods returned by selector/);
    await waitFor(() => cond('ghost', 'AbleToScale')?.reason === 'FailedGetScale');
    assert.equal(api.writes('deployments').length, 0);
  } finally {
    ac.abort();
    await running;
  }
});

test('hpa - several metrics: the largest count wins (memory here), an unusable one does not block a scale-up', async () => {
  const clock = new FakeClock(0, T0);
  const { ctx, api } = fakeContext({ clock, seed: SEED });
  api.seed(resources.deployments, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: {} },
  } as unknown as Deployment);
  const mem = (name: string): Pod => {
    const p = pod(name, 10);
    p.metadata.annotations = {
      [USAGE_ANNOTATION]: JSON.stringify({ cpuMilli: 10, memoryBytes: 90 * 2 ** 20 }),
    };
    p.spec.containers = [
      { name: 'app', image: 'nginx', resources: { requests: { cpu: '100m', memory: '100Mi' } } },
    ];
    return p;
  };
  api.seed(resources.pods, mem('web-a'), mem('web-b'));
  api.seed(resources.horizontalpodautoscalers, {
    ...hpa,
    spec: {
      ...hpa.spec,
      metrics: [
        { type: 'Pods', pods: { metric: { name: 'qps' } } },
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
        },
        {
          type: 'Resource',
          resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 50 } },
        },
      ],
    },
  });
  const c = newHorizontalController(ctx);
  const ac = new AbortController();
  ctx.informers.start(ac.signal);
  const running = c.run(ac.signal);
  try {
    await waitFor(
      () =>
        (api.object<Deployment>(resources.deployments, 'web', 'default')?.spec as { replicas?: number })
          .replicas === 4,
      { what: 'memory at 90% of request against 50% → 4' },
    );
    await ctx.recorder.flush();
    const events = api.objects<Event>(resources.events).map((e) => e.message);
    assert.ok(
      events.includes(
        'New size: 4; reason: memory resource utilization (percentage of request) above target',
      ),
      events.join('\n'),
    );
    await waitFor(
      () => api.object<HorizontalPodAutoscaler>(resources.horizontalpodautoscalers, 'web', 'default')?.status,
    );
    const st = api.object<HorizontalPodAutoscaler>(
      resources.horizontalpodautoscalers,
      'web',
      'default',
    )?.status;
    assert.deepEqual(
      st?.currentMetrics?.map((m) => `${m.resource?.name}:${m.resource?.current.averageUtilization}`),
      ['cpu:10', 'memory:90'],
    );
  } finally {
    ac.abort();
    await running;
  }
});
