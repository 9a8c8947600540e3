/**
 * The kubelet over an in-memory api (controller-kit's FakeApi), real informers and work queue, the hollow
 * runtime with scripted exec answers, and a FakeClock: registration, lease, pod lifecycle, back-off, probes,
 * pull failures and graceful deletion.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { resources } from '@kubelab/api-client';
import type { Event, Lease, Node, Pod } from '@kubelab/api-types';
import type { FakeApi } from '@kubelab/controller-kit/testing';
import type { FakeClock } from '@kubelab/testkit';
import { USAGE_ANNOTATION } from '../../src/kubelet/kubelet.js';
import type { ExecResult } from '../../src/runtime/types.js';
import {
  type RunningKubelet,
  SEED,
  advance as advanceClock,
  newFakeApi,
  newPod,
  startKubelet,
} from './harness.js';

console.log(`kubelet test seed ${SEED}`);

interface Harness {
  clock: FakeClock;
  api: FakeApi;
  running: RunningKubelet;
  execAnswer: { fn: (c: string, cmd: readonly string[]) => ExecResult };
}

/** Advances the clock in 100 ms steps, letting promises settle between them. */
const advance = (h: Harness, ms: number) => advanceClock(h.clock, ms);

async function setup(): Promise<Harness> {
  const { clock, api } = newFakeApi();
  const execAnswer = {
    fn: (_c: string, _cmd: readonly string[]): ExecResult => ({ exitCode: 0, stdout: '', stderr: '' }),
  };
  const running = await startKubelet(clock, api, {
    env: { KUBELAB_NODE_POD_CIDR_WAIT_MS: '500' },
    exec: (c, cmd) => execAnswer.fn(c, cmd),
  });
  return { clock, api, running, execAnswer };
}

const getPod = (h: Harness, name: string) => h.api.object<Pod>(resources.pods, name, 'default');

describe('kubelet - over a fake api', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await setup();
  });
  afterEach(async () => {
    await h.running.stop();
  });

  it('registers the node with conditions and renews its lease', async () => {
    await advance(h, 600); // past the pod CIDR wait: fallback CIDR, node Ready
    await advance(h, 10_000);
    const node = h.api.object<Node>(resources.nodes, 'node-0');
    assert.equal(node?.metadata.labels?.['kubernetes.io/hostname'], 'node-0');
    const ready = node?.status?.conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'True');
    assert.equal(ready?.reason, 'KubeletReady');
    assert.equal(ready?.message, 'kubelet is posting ready status');
    assert.deepEqual(node?.status?.addresses?.[0], { type: 'InternalIP', address: '127.0.100.1' });
    const lease = h.api.object<Lease>(resources.leases, 'node-0', 'kube-node-lease');
    assert.equal(lease?.spec?.holderIdentity, 'node-0');
    assert.ok(lease?.spec?.renewTime);
  });

  it('rewrites Ready at the next status check when the node lifecycle controller marked it Unknown', async () => {
    await advance(h, 600);
    await advance(h, 10_000);
    const node = h.api.object<Node>(resources.nodes, 'node-0') as Node;
    const conditions = (node.status?.conditions ?? []).map((c) =>
      c.type === 'Ready'
        ? {
            ...c,
            status: 'Unknown',
            reason: 'NodeStatusUnknown',
            message: 'Kubelet stopped posting node status.',
          }
        : c,
    );
    await h.api.patch(
      resources.nodes,
      'node-0',
      { status: { conditions } },
      { subresource: 'status', patchType: 'merge' },
    );
    // Well within the 5-minute status period: only the 10 s status check may bring it back.
    await advance(h, 11_000);
    const ready = h.api
      .object<Node>(resources.nodes, 'node-0')
      ?.status?.conditions?.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'True');
    assert.equal(ready?.reason, 'KubeletReady');
  });

  it('runs a pod: Running, Ready, a pod IP from the assigned CIDR, events', async () => {
    const node = h.api.object<Node>(resources.nodes, 'node-0') as Node;
    await h.api.update(resources.nodes, { ...structuredClone(node), spec: { podCIDR: '127.128.9.0/24' } });
    await h.api.create(resources.pods, newPod('web', {}), { namespace: 'default' });
    await advance(h, 300);
    const p = getPod(h, 'web');
    assert.equal(p?.status?.phase, 'Running');
    assert.equal(p?.status?.podIP, '127.128.9.2');
    assert.equal(p?.status?.hostIP, '127.0.100.1');
    assert.equal(p?.status?.containerStatuses?.[0]?.ready, true);
    assert.ok(p?.status?.containerStatuses?.[0]?.state?.running);
    assert.equal(p?.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
    await advance(h, 200);
    const reasons = h.api.objects<Event>(resources.events, 'default').map((e) => e.reason);
    for (const r of ['Pulling', 'Pulled', 'Created', 'Started'])
      assert.ok(reasons.includes(r), `event ${r} in ${reasons}`);
  });

  it('sleep 2 with restartPolicy Never: Succeeded, Completed', async () => {
    await h.api.create(
      resources.pods,
      newPod('sleeper', {
        restartPolicy: 'Never',
        containers: [{ name: 'c', image: 'busybox', command: ['sleep', '2'] }],
      }),
      { namespace: 'default' },
    );
    await advance(h, 800);
    assert.equal(getPod(h, 'sleeper')?.status?.phase, 'Running');
    await advance(h, 2_000);
    const p = getPod(h, 'sleeper');
    assert.equal(p?.status?.phase, 'Succeeded');
    assert.equal(p?.status?.containerStatuses?.[0]?.state?.terminated?.reason, 'Completed');
    assert.equal(p?.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'PodCompleted');
  });

  it('init container before the main one; a crashing container backs off', async () => {
    await h.api.create(
      resources.pods,
      newPod('crash', {
        initContainers: [{ name: 'init', image: 'busybox', command: ['sleep', '1'] }],
        containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'exit 1'] }],
      }),
      { namespace: 'default' },
    );
    await advance(h, 700);
    let p = getPod(h, 'crash');
    assert.equal(p?.status?.phase, 'Pending');
    assert.ok(p?.status?.initContainerStatuses?.[0]?.state?.running);
    assert.equal(p?.status?.containerStatuses?.[0]?.state?.waiting?.reason, 'PodInitializing');
    await advance(h, 1_000);
    p = getPod(h, 'crash');
    assert.equal(p?.status?.initContainerStatuses?.[0]?.state?.terminated?.reason, 'Completed');
    await advance(h, 300);
    p = getPod(h, 'crash');
    const cs = p?.status?.containerStatuses?.[0];
    assert.equal(cs?.state?.waiting?.reason, 'CrashLoopBackOff', JSON.stringify(cs));
    assert.equal(cs?.restartCount, 1);
    assert.equal(cs?.lastState?.terminated?.exitCode, 1);
    assert.equal(p?.status?.phase, 'Running');
    await advance(h, 8_000);
    const later = getPod(h, 'crash')?.status?.containerStatuses?.[0]?.restartCount ?? 0;
    assert.ok(later >= 3 && later <= 5, `restartCount ${later} climbs with back-off (1 s doubling to 4 s)`);
  });

  it('a failing liveness probe restarts the container', async () => {
    h.execAnswer.fn = (_c, cmd) =>
      cmd[0] === 'check'
        ? { exitCode: 1, stdout: 'unhealthy', stderr: '' }
        : { exitCode: 0, stdout: '', stderr: '' };
    await h.api.create(
      resources.pods,
      newPod('live', {
        containers: [
          {
            name: 'c',
            image: 'nginx',
            livenessProbe: { exec: { command: ['check'] }, periodSeconds: 1, failureThreshold: 2 },
          },
        ],
      }),
      { namespace: 'default' },
    );
    await advance(h, 5_000);
    const cs = getPod(h, 'live')?.status?.containerStatuses?.[0];
    assert.ok((cs?.restartCount ?? 0) >= 1, JSON.stringify(cs));
    const msgs = h.api.objects<Event>(resources.events, 'default').map((e) => `${e.reason}: ${e.message}`);
    assert.ok(msgs.includes('Unhealthy: Liveness probe failed: unhealthy'), msgs.join('\n'));
    assert.ok(msgs.includes('Killing: Container c failed liveness probe, will be restarted'));
  });

  it('readiness gates Ready', async () => {
    let ok = false;
    h.execAnswer.fn = () => ({ exitCode: ok ? 0 : 1, stdout: '', stderr: '' });
    await h.api.create(
      resources.pods,
      newPod('ready', {
        containers: [
          { name: 'c', image: 'nginx', readinessProbe: { exec: { command: ['ready'] }, periodSeconds: 1 } },
        ],
      }),
      { namespace: 'default' },
    );
    await advance(h, 2_500);
    assert.equal(getPod(h, 'ready')?.status?.containerStatuses?.[0]?.ready, false);
    ok = true;
    await advance(h, 1_500);
    assert.equal(getPod(h, 'ready')?.status?.containerStatuses?.[0]?.ready, true);
  });

  it('pull failures: ErrImageNeverPull, ErrImagePull then ImagePullBackOff', async () => {
    await h.api.create(
      resources.pods,
      newPod('never', { containers: [{ name: 'c', image: 'uncached:1', imagePullPolicy: 'Never' }] }),
      { namespace: 'default' },
    );
    await h.api.create(resources.pods, newPod('bad', { containers: [{ name: 'c', image: 'nosuch' }] }), {
      namespace: 'default',
    });
    await advance(h, 700);
    const never = getPod(h, 'never')?.status?.containerStatuses?.[0]?.state?.waiting;
    assert.equal(never?.reason, 'ErrImageNeverPull');
    assert.equal(never?.message, 'Container image "uncached:1" is not present with pull policy of Never');
    assert.equal(getPod(h, 'never')?.status?.phase, 'Pending');
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      await advance(h, 100);
      const r = getPod(h, 'bad')?.status?.containerStatuses?.[0]?.state?.waiting?.reason;
      if (r) seen.add(r);
    }
    assert.ok(
      seen.has('ErrImagePull') && seen.has('ImagePullBackOff'),
      [...seen].join() + JSON.stringify(getPod(h, 'bad')?.status),
    );
  });

  it('graceful deletion stops the containers, then confirms with grace 0', async () => {
    await h.api.create(resources.pods, newPod('bye', {}), { namespace: 'default' });
    await advance(h, 700);
    const p = structuredClone(getPod(h, 'bye') as Pod);
    p.metadata.deletionTimestamp = '2026-01-01T00:00:30Z';
    p.metadata.deletionGracePeriodSeconds = 30;
    // A finalizer keeps the fake api from removing the object at this update (it has no graceful deletion).
    p.metadata.finalizers = ['test/keep'];
    await h.api.update(resources.pods, p);
    await advance(h, 500);
    const status = getPod(h, 'bye')?.status;
    assert.equal(
      status?.containerStatuses?.[0]?.state?.terminated?.reason,
      'Completed',
      JSON.stringify(status),
    );
    assert.equal(status?.phase, 'Succeeded');
    const del = h.api.actions.find((a) => a.verb === 'delete' && a.name === 'bye');
    assert.deepEqual((del?.options as { gracePeriodSeconds?: number }).gracePeriodSeconds, 0);
    assert.equal(h.running.kubelet.worker('default', 'bye'), undefined);
  });

  it('publishes emulated usage in the kubelab.io/usage annotation', async () => {
    await h.api.create(resources.pods, newPod('busy', {}), { namespace: 'default' });
    await advance(h, 700);
    await h.running.kubelet.publishUsage();
    const raw = getPod(h, 'busy')?.metadata.annotations?.[USAGE_ANNOTATION];
    assert.ok(raw);
    const u = JSON.parse(raw) as { cpuMilli: number; containers: Record<string, { cpuMilli: number }> };
    assert.equal(u.cpuMilli, 1);
    assert.equal(u.containers.c?.cpuMilli, 1);
  });

  it('publishes usage again when a container starts or stops, even if the CPU barely moves', async () => {
    // 'b' ends after 1 s (OnFailure: not restarted) while 'a' keeps running: the pod's CPU moves by 1m only,
    // below the 5m threshold, but the published containers must follow (kubectl top --containers).
    const pod = newPod('short', {
      restartPolicy: 'OnFailure',
      containers: [
        { name: 'a', image: 'nginx' },
        { name: 'b', image: 'busybox', command: ['sleep', '1'] },
      ],
    });
    await h.api.create(resources.pods, pod, { namespace: 'default' });
    const containersOf = () =>
      Object.keys(
        (
          JSON.parse(getPod(h, 'short')?.metadata.annotations?.[USAGE_ANNOTATION] ?? '{"containers":{}}') as {
            containers: Record<string, unknown>;
          }
        ).containers,
      ).sort();
    await advance(h, 700);
    await h.running.kubelet.publishUsage();
    assert.deepEqual(containersOf(), ['a', 'b']);
    await advance(h, 2_000);
    await h.running.kubelet.publishUsage();
    assert.deepEqual(containersOf(), ['a']);
  });

  it('ignores pods bound to another node', async () => {
    await h.api.create(
      resources.pods,
      { ...newPod('other', {}), spec: { ...newPod('other', {}).spec, nodeName: 'node-9' } },
      { namespace: 'default' },
    );
    await advance(h, 700);
    assert.equal(getPod(h, 'other')?.status, undefined);
  });
});
