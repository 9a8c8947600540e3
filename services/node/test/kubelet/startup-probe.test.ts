/**
 * The seed's 90 s slow starter (SEED.md: "a slow starter (90 s) needs a startupProbe instead of long
 * liveness/readiness delays"), on the real runtime emulator over a FakeClock: the container becomes healthy
 * 90 s after it starts. With a startupProbe allowing failureThreshold × period ≥ 90 s it survives and goes
 * Ready; with only a liveness probe (short initialDelay) it is killed and restarted again and again, never
 * Ready. The same scenario runs at KUBELAB_PROBE_TIME_SCALE=0.1 with the starter's sleep written scaled.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { resources } from '@kubelab/api-client';
import type { Container, Event, Probe } from '@kubelab/api-types';
import { readNodeConfig } from '../../src/config.js';
import { probeTiming } from '../../src/kubelet/probe-state.js';
import {
  type RunningKubelet,
  SEED,
  advance,
  assignPodCIDR,
  getPod,
  newFakeApi,
  newPod,
  startKubelet,
} from './harness.js';

console.log(`kubelet startup probe test seed ${SEED}`);

const healthy: Probe = { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 10, failureThreshold: 3 };

/** Healthy `startSeconds` after it starts (a slow starter: think nginx behind a 90 s warm-up). */
function slowStarter(startSeconds: number, probes: Partial<Container>): Container {
  return {
    name: 'app',
    image: 'busybox',
    command: ['sh', '-c', `sleep ${startSeconds}; touch /tmp/healthy; sleep 3600`],
    ...probes,
  };
}

const withStartupProbe = {
  // 30 × 10 s = 300 s ≥ 90 s (the seed's numbers).
  startupProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 10, failureThreshold: 30 },
  livenessProbe: healthy,
  readinessProbe: { ...healthy, periodSeconds: 5 },
};

const livenessOnly = {
  livenessProbe: { ...healthy, initialDelaySeconds: 10 },
  readinessProbe: { ...healthy, periodSeconds: 5 },
};

describe('kubelet - 90 s slow starter', () => {
  let running: RunningKubelet | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  async function run(scale: number, startSeconds: number, probes: Partial<Container>, forSeconds: number) {
    const { clock, api } = newFakeApi();
    running = await startKubelet(clock, api, {
      real: true,
      env: { KUBELAB_PROBE_TIME_SCALE: String(scale) },
    });
    await assignPodCIDR(api, '127.132.0.0/24');
    await api.create(
      resources.pods,
      newPod('slow', {
        terminationGracePeriodSeconds: 30 * scale,
        containers: [slowStarter(startSeconds, probes)],
      }),
      { namespace: 'default' },
    );
    const readyAt: number[] = [];
    for (let t = 0; t < forSeconds * 1000; t += 1000 * scale) {
      await advance(clock, 1000 * scale, 250 * scale);
      if (getPod(api, 'slow')?.status?.containerStatuses?.[0]?.ready) readyAt.push(t);
    }
    const events = api.objects<Event>(resources.events, 'default').map((e) => `${e.reason}: ${e.message}`);
    return { status: getPod(api, 'slow')?.status, readyAt, events };
  }

  for (const scale of [1, 0.1]) {
    it(`with a startupProbe it survives and goes Ready (time scale ${scale})`, async () => {
      const { status, readyAt, events } = await run(scale, 90 * scale, withStartupProbe, 150 * scale);
      const cs = status?.containerStatuses?.[0];
      assert.equal(cs?.restartCount, 0, JSON.stringify(cs));
      assert.equal(cs?.ready, true);
      assert.equal(cs?.started, true);
      assert.ok(cs?.state?.running);
      // Not Ready before it became healthy; Ready within a startup period after.
      const first = readyAt[0] ?? Number.POSITIVE_INFINITY;
      assert.ok(first >= 90_000 * scale && first <= 105_000 * scale, `Ready at ${first} ms`);
      assert.ok(
        events.some((e) => e.startsWith('Unhealthy: Startup probe failed')),
        events.join('\n'),
      );
      assert.ok(!events.some((e) => e.includes('will be restarted')), events.join('\n'));
    });

    it(`with only a liveness probe it is killed and restarted, never Ready (time scale ${scale})`, async () => {
      const { status, readyAt, events } = await run(scale, 90 * scale, livenessOnly, 300 * scale);
      const cs = status?.containerStatuses?.[0];
      assert.ok((cs?.restartCount ?? 0) >= 2, JSON.stringify(cs));
      assert.deepEqual(readyAt, []);
      assert.equal(cs?.lastState?.terminated?.exitCode, 137, JSON.stringify(cs?.lastState));
      assert.ok(
        events.includes('Killing: Container app failed liveness probe, will be restarted'),
        events.join('\n'),
      );
    });
  }
});

describe('config - KUBELAB_PROBE_TIME_SCALE', () => {
  it('scales initialDelay, period and timeout, not thresholds', () => {
    assert.equal(readNodeConfig({}).probeTimeScale, 1);
    const scale = readNodeConfig({ KUBELAB_PROBE_TIME_SCALE: '0.1' }).probeTimeScale;
    const t = probeTiming(
      { initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 30 },
      'startup',
      scale,
    );
    assert.deepEqual(t, {
      initialDelayMs: 1_000,
      periodMs: 1_000,
      timeoutMs: 200,
      successThreshold: 1,
      failureThreshold: 30,
    });
    assert.throws(() => readNodeConfig({ KUBELAB_PROBE_TIME_SCALE: '0' }), /> 0/);
  });
});
