/**
 * activeDeadlineSeconds (pod Failed, reason DeadlineExceeded, containers stopped and not restarted) and the
 * kubelet's messages as Kubernetes writes them: Pulled with the Go duration and image size, postStart and
 * preStop hook failures.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { resources } from '@kubelab/api-client';
import type { Event, Pod } from '@kubelab/api-types';
import type { FakeApi } from '@kubelab/controller-kit/testing';
import { formatGoDurationMs } from '../../src/kubelet/backoff.js';
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

console.log(`kubelet lifecycle messages test seed ${SEED}`);

const messages = (api: FakeApi) =>
  api.objects<Event>(resources.events, 'default').map((e) => `${e.type} ${e.reason}: ${e.message}`);

describe('formatGoDurationMs', () => {
  it("prints Go's Duration.String() of millisecond durations", () => {
    const cases: [number, string][] = [
      [0, '0s'],
      [7, '7ms'],
      [212, '212ms'],
      [1000, '1s'],
      [1500, '1.5s'],
      [2345, '2.345s'],
      [60_000, '1m0s'],
      [123_040, '2m3.04s'],
      [3_600_000, '1h0m0s'],
      [3_723_500, '1h2m3.5s'],
    ];
    for (const [ms, want] of cases) assert.equal(formatGoDurationMs(ms), want, String(ms));
  });
});

describe('kubelet - deadlines and messages', () => {
  let running: RunningKubelet | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  async function start(real = false) {
    const { clock, api } = newFakeApi();
    running = await startKubelet(clock, api, { real });
    await assignPodCIDR(api, '127.136.0.0/24');
    return { clock, api };
  }

  it('activeDeadlineSeconds: Failed with DeadlineExceeded, containers stopped, no restart', async () => {
    const { clock, api } = await start();
    await api.create(
      resources.pods,
      newPod('deadline', { activeDeadlineSeconds: 5, terminationGracePeriodSeconds: 1 }),
      { namespace: 'default' },
    );
    await advance(clock, 4_000);
    assert.equal(getPod(api, 'deadline')?.status?.phase, 'Running');
    await advance(clock, 2_000);
    const st = getPod(api, 'deadline')?.status;
    assert.equal(st?.phase, 'Failed', JSON.stringify(st));
    assert.equal(st?.reason, 'DeadlineExceeded');
    assert.equal(st?.message, 'Pod was active on the node longer than the specified deadline');
    assert.ok(st?.containerStatuses?.[0]?.state?.terminated, JSON.stringify(st?.containerStatuses));
    assert.equal(st?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
    await advance(clock, 10_000, 500);
    const later = getPod(api, 'deadline')?.status;
    assert.equal(later?.phase, 'Failed');
    assert.equal(later?.reason, 'DeadlineExceeded');
    assert.equal(later?.containerStatuses?.[0]?.restartCount, 0);
    assert.ok(
      messages(api).includes(
        'Normal DeadlineExceeded: Pod was active on the node longer than the specified deadline',
      ),
      messages(api).join('\n'),
    );
    // A pod without a deadline keeps running.
    await api.create(resources.pods, newPod('forever', {}), { namespace: 'default' });
    await advance(clock, 10_000, 500);
    assert.equal(getPod(api, 'forever')?.status?.phase, 'Running');
  });

  it('Pulled: "Successfully pulled image … in 212ms (212ms including waiting). Image size: N bytes."', async () => {
    const { clock, api } = newFakeApi();
    running = await startKubelet(clock, api, { real: true });
    await assignPodCIDR(api, '127.136.0.0/24');
    await api.create(resources.pods, newPod('pulled', { containers: [{ name: 'c', image: 'nginx:1.19' }] }), {
      namespace: 'default',
    });
    await advance(clock, 1_000);
    const pulled = messages(api).filter((m) => m.startsWith('Normal Pulled:'));
    assert.equal(pulled.length, 1, messages(api).join('\n'));
    assert.match(
      pulled[0] ?? '',
      /^Normal Pulled: Successfully pulled image "nginx:1\.19" in (\d+ms|0s) \((\d+ms|0s) including waiting\)\. Image size: \d+ bytes\.$/,
    );
    await api.create(
      resources.pods,
      newPod('cached', { containers: [{ name: 'c', image: 'nginx:1.19', imagePullPolicy: 'IfNotPresent' }] }),
      { namespace: 'default' },
    );
    await advance(clock, 1_000);
    assert.ok(
      messages(api).includes('Normal Pulled: Container image "nginx:1.19" already present on machine'),
      messages(api).join('\n'),
    );
  });

  it('postStart failure: event without detail, Killing, PostStartHookError with the hook message', async () => {
    const { clock, api } = await start(true);
    const pod: Pod = newPod('hook', {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'c',
          image: 'busybox',
          command: ['sleep', '3600'],
          lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo boom; exit 3'] } } },
        },
      ],
    });
    await api.create(resources.pods, pod, { namespace: 'default' });
    const states: string[] = [];
    for (let i = 0; i < 30; i++) {
      await advance(clock, 100);
      const w = getPod(api, 'hook')?.status?.containerStatuses?.[0]?.state?.waiting;
      if (w) states.push(`${w.reason}: ${w.message}`);
    }
    const uid = getPod(api, 'hook')?.metadata.uid;
    assert.ok(
      states.includes(
        `PostStartHookError: Exec lifecycle hook ([sh -c echo boom; exit 3]) for Container "c" in Pod "hook_default(${uid})" failed - error: command 'sh -c echo boom; exit 3' exited with 3: , message: "boom\\n"`,
      ),
      states.join('\n'),
    );
    const m = messages(api);
    assert.ok(m.includes('Warning FailedPostStartHook: PostStartHook failed'), m.join('\n'));
    assert.ok(m.includes('Normal Killing: FailedPostStartHook'), m.join('\n'));
  });

  it('preStop failure: FailedPreStopHook with the hook message', async () => {
    const { clock, api } = await start(true);
    await api.create(
      resources.pods,
      newPod('stop', {
        terminationGracePeriodSeconds: 2,
        containers: [
          {
            name: 'c',
            image: 'busybox',
            command: ['sleep', '3600'],
            lifecycle: { preStop: { exec: { command: ['false'] } } },
          },
        ],
      }),
      { namespace: 'default' },
    );
    await advance(clock, 1_000);
    const p = structuredClone(getPod(api, 'stop') as Pod);
    p.metadata.deletionTimestamp = '2026-01-01T00:00:30Z';
    p.metadata.deletionGracePeriodSeconds = 2;
    p.metadata.finalizers = ['test/keep'];
    await api.update(resources.pods, p);
    await advance(clock, 3_000);
    const uid = p.metadata.uid;
    assert.ok(
      messages(api).includes(
        `Warning FailedPreStopHook: Exec lifecycle hook ([false]) for Container "c" in Pod "stop_default(${uid})" failed - error: command 'false' exited with 1: , message: ""`,
      ),
      messages(api).join('\n'),
    );
  });
});
