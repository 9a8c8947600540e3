import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_SCALE_DOWN,
  DEFAULT_SCALE_UP,
  type PodSample,
  ReplicaCalculationError,
  calculateCpuReplicas,
  calculateResourceReplicas,
  limitByRate,
  parseResourceMetric,
  resolveRules,
  scaleDownLimit,
  scaleUpLimit,
  stabilize,
} from '../../src/podautoscaler/index.js';

const NOW = Date.UTC(2026, 10, 25, 12);
const LONG_AGO = NOW - 60 * 60_000;

/** A running, long-ready pod with a 1-cpu request and `usage` millicores (undefined: no sample). */
function pod(name: string, usage: number | undefined, extra: Partial<PodSample> = {}): PodSample {
  return {
    name,
    phase: 'Running',
    deleting: false,
    ready: { status: 'True', lastTransitionMs: LONG_AGO + 10_000 },
    startMs: LONG_AGO,
    request: 1000,
    usage: usage === undefined ? undefined : { value: usage, timestampMs: NOW, windowMs: 15_000 },
    ...extra,
  };
}

const calc = (pods: PodSample[], currentReplicas: number, targetUtilization: number) =>
  calculateCpuReplicas({ pods, currentReplicas, targetUtilization, tolerance: 0.1, nowMs: NOW });

test('hpa replica calculator - Kubernetes formula, table', () => {
  const cases: {
    what: string;
    pods: PodSample[];
    current: number;
    target: number;
    want: [number, number];
  }[] = [
    {
      what: 'scale up: 50% of request against 30% → ceil(3 × 5/3)',
      pods: [pod('a', 300), pod('b', 500), pod('c', 700)],
      current: 3,
      target: 30,
      want: [5, 50],
    },
    {
      what: 'scale down: 28% against 50% → ceil(5 × 0.56)',
      pods: [pod('a', 100), pod('b', 300), pod('c', 500), pod('d', 250), pod('e', 250)],
      current: 5,
      target: 50,
      want: [3, 28],
    },
    {
      what: 'within tolerance: 102% against 100% keeps 3',
      pods: [pod('a', 1010), pod('b', 1030), pod('c', 1020)],
      current: 3,
      target: 100,
      want: [3, 102],
    },
    {
      what: 'scale up with an unready pod counted at 0%',
      pods: [
        pod('a', 300, { ready: { status: 'False', lastTransitionMs: NOW - 1000 }, startMs: NOW - 60_000 }),
        pod('b', 500),
        pod('c', 700),
      ],
      current: 3,
      target: 30,
      want: [4, 60],
    },
    {
      what: 'scale up with a Pending pod counted at 0%',
      pods: [pod('a', undefined, { phase: 'Pending' }), pod('b', 500), pod('c', 700)],
      current: 3,
      target: 30,
      want: [4, 60],
    },
    {
      what: 'scale down with a missing pod assumed at 100%',
      pods: [pod('a', 100), pod('b', 100), pod('c', 100), pod('d', undefined)],
      current: 4,
      target: 50,
      want: [3, 10],
    },
    {
      what: 'scale up with a missing pod assumed at 0%',
      pods: [pod('a', 900), pod('b', 900), pod('c', 900), pod('d', undefined)],
      current: 4,
      target: 50,
      want: [6, 90],
    },
    {
      what: 'a missing pod that reverses the direction cancels the change',
      pods: [pod('a', 400), pod('b', 400), pod('c', 400), pod('d', undefined)],
      current: 4,
      target: 50,
      want: [4, 40],
    },
    {
      what: 'deleting and failed pods are ignored',
      pods: [pod('a', 1000), pod('b', 0, { deleting: true }), pod('c', 0, { phase: 'Failed' })],
      current: 3,
      target: 50,
      want: [2, 100],
    },
    {
      what: 'a sample that does not cover a window since readiness is unready (scale up: 0%)',
      pods: [
        pod('a', 900, { startMs: NOW - 60_000, ready: { status: 'True', lastTransitionMs: NOW - 5_000 } }),
        pod('b', 2000),
      ],
      current: 2,
      target: 50,
      want: [4, 200],
    },
    {
      what: 'an unready pod at 0% that turns the direction cancels the scale-up',
      pods: [
        pod('a', 900, { startMs: NOW - 60_000, ready: { status: 'True', lastTransitionMs: NOW - 5_000 } }),
        pod('b', 900),
      ],
      current: 2,
      target: 50,
      want: [2, 90],
    },
    {
      what: 'long after start, a pod that was ready and went unready still counts',
      pods: [pod('a', 900, { ready: { status: 'False', lastTransitionMs: NOW - 60_000 } }), pod('b', 900)],
      current: 2,
      target: 50,
      want: [4, 90],
    },
  ];
  for (const c of cases) {
    const got = calc(c.pods, c.current, c.target);
    assert.deepEqual([got.replicas, got.utilization], c.want, c.what);
  }
  assert.equal(calc([pod('a', 300), pod('b', 500), pod('c', 700)], 3, 30).averageValue, 500);
});

test('hpa replica calculator - errors', () => {
  assert.throws(() => calc([], 1, 50), /no pods returned by selector/);
  assert.throws(() => calc([pod('a', undefined)], 1, 50), /did not receive metrics/);
  assert.throws(
    () => calc([pod('a', 100, { request: undefined, containerWithoutRequest: 'app' })], 1, 50),
    /missing request for cpu in container app of Pod a/,
  );
  assert.throws(() => calc([pod('a', 100, { request: 0 })], 1, 50), ReplicaCalculationError);
});

test('hpa behavior - default rate limits and stabilization, table', () => {
  const up = resolveRules(undefined, DEFAULT_SCALE_UP);
  const down = resolveRules(undefined, DEFAULT_SCALE_DOWN);
  assert.equal(scaleUpLimit(2, [], [], up, NOW), 6, 'max(2+4, 2×2)');
  assert.equal(scaleUpLimit(10, [], [], up, NOW), 20, 'max(10+4, 10×2)');
  assert.equal(scaleUpLimit(10, [{ atMs: NOW - 5_000, change: 3 }], [], up, NOW), 14, 'period started at 7');
  assert.equal(
    scaleUpLimit(10, [{ atMs: NOW - 20_000, change: 3 }], [], up, NOW),
    20,
    'event outside period',
  );
  assert.equal(scaleDownLimit(10, [], [], down, NOW), 0, '100% per 15 s');
  const half = resolveRules(
    { policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] },
    DEFAULT_SCALE_DOWN,
  );
  assert.equal(scaleDownLimit(5, [], [{ atMs: NOW - 10_000, change: 5 }], half, NOW), 5, 'trunc(10 × 0.5)');
  assert.equal(scaleUpLimit(3, [], [], { ...up, selectPolicy: 'Disabled' }, NOW), 3);
  const min = resolveRules({ selectPolicy: 'Min' }, DEFAULT_SCALE_UP);
  assert.equal(scaleUpLimit(10, [], [], min, NOW), 14, 'Min picks the smaller proposal');

  const s = stabilize({
    desired: 2,
    current: 5,
    nowMs: NOW,
    up,
    down,
    recommendations: [
      { atMs: NOW - 400_000, replicas: 9 },
      { atMs: NOW - 100_000, replicas: 5 },
      { atMs: NOW - 10_000, replicas: 3 },
    ],
  });
  assert.deepEqual([s.replicas, s.reason], [5, 'ScaleDownStabilized']);
  const free = stabilize({
    desired: 2,
    current: 5,
    nowMs: NOW,
    up,
    down,
    recommendations: [{ atMs: NOW - 400_000, replicas: 9 }],
  });
  assert.deepEqual([free.replicas, free.reason], [2, 'ReadyForNewScale']);
  const upStable = stabilize({
    desired: 8,
    current: 2,
    nowMs: NOW,
    up: { ...up, stabilizationWindowSeconds: 60 },
    down,
    recommendations: [{ atMs: NOW - 30_000, replicas: 4 }],
  });
  assert.deepEqual([upStable.replicas, upStable.reason], [4, 'ScaleUpStabilized']);

  const rate = (desired: number, current: number, minReplicas: number, maxReplicas: number) =>
    limitByRate({
      desired,
      current,
      minReplicas,
      maxReplicas,
      nowMs: NOW,
      up,
      down,
      upEvents: [],
      downEvents: [],
    });
  assert.deepEqual([rate(20, 2, 1, 10).replicas, rate(20, 2, 1, 10).reason], [6, 'ScaleUpLimit']);
  assert.deepEqual([rate(12, 10, 1, 11).replicas, rate(12, 10, 1, 11).reason], [11, 'TooManyReplicas']);
  assert.deepEqual([rate(1, 5, 2, 10).replicas, rate(1, 5, 2, 10).reason], [2, 'TooFewReplicas']);
  assert.deepEqual([rate(8, 7, 1, 8).replicas, rate(8, 7, 1, 8).reason], [8, 'DesiredWithinRange']);
});

test('hpa replica calculator - AverageValue and memory targets, table', () => {
  const fresh = { startMs: NOW - 60_000, ready: { status: 'True', lastTransitionMs: NOW - 5_000 } };
  const cases: {
    what: string;
    pods: PodSample[];
    resource: 'cpu' | 'memory';
    target: Parameters<typeof calculateResourceReplicas>[0]['target'];
    current: number;
    want: [number, number | undefined, number];
  }[] = [
    {
      what: 'cpu AverageValue 250m: 1500m over 3 pods → ceil(3 × 2)',
      pods: [pod('a', 300), pod('b', 500), pod('c', 700)],
      resource: 'cpu',
      target: { kind: 'AverageValue', averageValue: 250 },
      current: 3,
      want: [6, undefined, 500],
    },
    {
      what: 'AverageValue, missing pod assumed at the target when scaling down',
      pods: [pod('a', 100), pod('b', 100), pod('c', undefined)],
      resource: 'cpu',
      target: { kind: 'AverageValue', averageValue: 400 },
      current: 3,
      want: [2, undefined, 100],
    },
    {
      what: 'memory utilization counts a freshly ready pod (the cpu readiness rules do not apply)',
      pods: [pod('a', 900, fresh), pod('b', 900)],
      resource: 'memory',
      target: { kind: 'Utilization', utilization: 50 },
      current: 2,
      want: [4, 90, 900],
    },
  ];
  for (const c of cases) {
    const got = calculateResourceReplicas({
      pods: c.pods,
      currentReplicas: c.current,
      resource: c.resource,
      target: c.target,
      tolerance: 0.1,
      nowMs: NOW,
    });
    assert.deepEqual([got.replicas, got.utilization, got.averageValue], c.want, c.what);
  }
  assert.deepEqual(
    parseResourceMetric({
      type: 'Resource',
      resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '64Mi' } },
    }),
    {
      resource: 'memory',
      target: { kind: 'AverageValue', averageValue: 64 * 1024 * 1024 },
      name: 'memory resource',
    },
  );
  assert.ok(parseResourceMetric({ type: 'Pods', pods: {} }) instanceof Error);
  assert.ok(
    parseResourceMetric({
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization' } },
    }) instanceof Error,
  );
});
