import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from '@kubelab/api-types';
import { readNodeConfig, subnetOf } from '../../src/config.js';
import { RestartBackoff, formatGoDuration } from '../../src/kubelet/backoff.js';
import { ContainerConfigError, expand, resolveEnv } from '../../src/kubelet/env.js';
import { HostLocalIpam, IpamExhaustedError } from '../../src/kubelet/ipam.js';
import { type ContainerView, computePhase, computePodStatus } from '../../src/kubelet/pod-status.js';
import { ProbeState, probeTiming } from '../../src/kubelet/probe-state.js';
import { buildVolumes } from '../../src/kubelet/volumes.js';

const ctx = { podIP: '127.128.0.2', hostIP: '127.0.100.1', nodeAllocatable: { cpu: '4', memory: '8Gi' } };

function pod(spec: Partial<Pod['spec']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'u1', labels: { app: 'web' } },
    spec: { nodeName: 'node-0', containers: [{ name: 'c', image: 'nginx' }], ...spec },
  };
}

function view(state: ContainerView['state'], extra: Partial<ContainerView> = {}): ContainerView {
  return {
    name: 'c',
    image: 'nginx',
    imageID: '',
    state,
    lastState: {},
    restartCount: 0,
    ready: false,
    started: false,
    ...extra,
  };
}

describe('config - readNodeConfig', () => {
  it('defaults and env overrides', () => {
    const c = readNodeConfig({
      KUBELAB_ID: 'node-2',
      KUBELAB_NODE_IP: '127.0.100.3',
      KUBELAB_NODE_LABELS: 'zone=a,tier=',
    });
    assert.equal(c.nodeName, 'node-2');
    assert.deepEqual(c.capacity, { cpu: '4', memory: '8Gi', pods: '110' });
    assert.deepEqual(c.labels, { zone: 'a', tier: '' });
    assert.equal(c.fallbackPodCIDR, '127.64.2.0/24');
    assert.equal(c.podCIDRWaitMs, 60_000);
    assert.equal(c.crashBackoff.initialMs, 10_000);
    assert.equal(c.leasePeriodMs, 10_000);
    const t = readNodeConfig({
      KUBELAB_NODE_TAINTS: 'dedicated=gpu:NoSchedule',
      KUBELAB_CRASH_BACKOFF_INITIAL_MS: '100',
    });
    assert.deepEqual(t.taints, [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }]);
    assert.equal(t.crashBackoff.initialMs, 100);
    assert.throws(() => readNodeConfig({ KUBELAB_NODE_CPU: 'lots' }), /quantity/);
  });
  it('subnetOf splits a CIDR', () => {
    assert.equal(subnetOf('127.128.0.0/10', 24, 0), '127.128.0.0/24');
    assert.equal(subnetOf('127.128.0.0/10', 24, 257), '127.129.1.0/24');
  });
});

describe('ipam - host-local', () => {
  it('skips the network and gateway, is stable per owner, reuses only after wrapping', () => {
    const ipam = new HostLocalIpam('10.0.0.0/29'); // .2 … .6
    assert.equal(ipam.capacity, 5);
    assert.equal(ipam.allocate('a'), '10.0.0.2');
    assert.equal(ipam.allocate('a'), '10.0.0.2');
    assert.equal(ipam.allocate('b'), '10.0.0.3');
    ipam.release('a');
    assert.equal(ipam.allocate('c'), '10.0.0.4');
    ipam.allocate('d');
    ipam.allocate('e');
    assert.equal(ipam.allocate('f'), '10.0.0.2'); // wrapped to the freed one
    assert.throws(() => ipam.allocate('g'), IpamExhaustedError);
    assert.equal(ipam.reserve('x', '10.0.0.3'), false);
  });
});

describe('backoff - CrashLoopBackOff', () => {
  it('first restart at once, then 10s doubling to the cap, reset after a long run', () => {
    const b = new RestartBackoff({ initialMs: 10_000, maxMs: 40_000, resetMs: 600_000 });
    const k = 'u/c';
    assert.equal(b.waitMs(k, 0, 0), 0);
    b.next(k, 0);
    assert.equal(b.waitMs(k, 1_000, 1_000), 10_000);
    assert.equal(b.waitMs(k, 1_000, 11_000), 0);
    b.next(k, 11_000);
    assert.equal(b.currentMs(k), 20_000);
    b.next(k, 40_000);
    b.next(k, 90_000);
    assert.equal(b.currentMs(k), 40_000);
    b.observeRun(k, 600_000);
    assert.equal(b.waitMs(k, 0, 0), 0);
    assert.equal(formatGoDuration(20_000), '20s');
    assert.equal(formatGoDuration(160_000), '2m40s');
  });
});

describe('probe-state - thresholds', () => {
  it('readiness flips after successThreshold, back after failureThreshold', () => {
    const s = new ProbeState(
      'readiness',
      probeTiming({ successThreshold: 2, failureThreshold: 2 }, 'readiness'),
    );
    assert.equal(s.result, false);
    assert.equal(s.observe(true), false);
    assert.equal(s.observe(true), true);
    assert.equal(s.observe(false), false);
    assert.equal(s.observe(true), false);
    assert.equal(s.observe(false), false);
    assert.equal(s.observe(false), true);
    assert.equal(s.result, false);
  });
  it('liveness starts healthy and its success threshold is always 1', () => {
    const t = probeTiming({ successThreshold: 5 }, 'liveness');
    assert.equal(t.successThreshold, 1);
    assert.equal(t.periodMs, 10_000);
    const s = new ProbeState('liveness', t);
    assert.equal(s.result, true);
    s.observe(false);
    s.observe(false);
    assert.equal(s.observe(false), true);
    assert.equal(s.consecutiveFailures, 3);
  });
});

describe('env - resolution', () => {
  const snap = {
    configMaps: new Map([
      ['cfg', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { A: '1', B: '2' } }],
    ]),
    secrets: new Map([
      [
        'sec',
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'sec' },
          data: { pw: Buffer.from('hunter2').toString('base64') },
        },
      ],
    ]),
  };
  it('value, $(VAR), valueFrom and envFrom', () => {
    const p = pod({
      containers: [
        {
          name: 'c',
          image: 'busybox',
          resources: { limits: { memory: '64Mi' } },
          envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CM_' }],
          env: [
            { name: 'X', value: 'x' },
            { name: 'Y', value: '$(X)-$(NOPE)-$$(X)' },
            { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
            { name: 'PW', valueFrom: { secretKeyRef: { name: 'sec', key: 'pw' } } },
            { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
            { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
            { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'none', key: 'k', optional: true } } },
          ],
        },
      ],
    });
    const env = resolveEnv(p, p.spec.containers[0] as never, snap, ctx);
    assert.deepEqual(env, {
      CM_A: '1',
      CM_B: '2',
      X: 'x',
      Y: 'x-$(NOPE)-$(X)',
      POD: 'web',
      IP: '127.128.0.2',
      APP: 'web',
      PW: 'hunter2',
      MEM: '64',
      CPU: '4',
    });
    assert.equal(expand('$(A)$(B)', new Map([['A', '1']])), '1$(B)');
  });
  it('missing required sources are CreateContainerConfigError messages', () => {
    const p = pod();
    const c = (env: never) => ({ name: 'c', env });
    assert.throws(
      () =>
        resolveEnv(
          p,
          c([{ name: 'A', valueFrom: { configMapKeyRef: { name: 'gone', key: 'k' } } }] as never),
          snap,
          ctx,
        ),
      (e: unknown) => e instanceof ContainerConfigError && e.message === 'configmap "gone" not found',
    );
    assert.throws(
      () =>
        resolveEnv(
          p,
          c([{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'Z' } } }] as never),
          snap,
          ctx,
        ),
      /couldn't find key Z in ConfigMap default\/cfg/,
    );
  });
  it('volumes: configMap, secret, downwardAPI, emptyDir', () => {
    const p = pod({
      volumes: [
        { name: 'a', configMap: { name: 'cfg', items: [{ key: 'B', path: 'b.txt' }] } },
        { name: 's', secret: { secretName: 'sec' } },
        {
          name: 'd',
          downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] },
        },
        { name: 'e', emptyDir: {} },
      ],
    });
    const v = buildVolumes(p, snap, ctx);
    assert.deepEqual(v.get('a'), [{ path: 'b.txt', content: '2' }]);
    assert.deepEqual(v.get('s'), [{ path: 'pw', content: 'hunter2' }]);
    assert.deepEqual(v.get('d'), [{ path: 'labels', content: 'app="web"' }]);
    assert.deepEqual(v.get('e'), []);
  });
});

describe('pod-status - phase and conditions', () => {
  const term = (exitCode: number) => ({
    terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' },
  });
  it('phases as getPhase computes them', () => {
    assert.equal(computePhase(pod(), [], [view({ waiting: { reason: 'ContainerCreating' } })]), 'Pending');
    assert.equal(computePhase(pod(), [], [view({ running: {} })]), 'Running');
    assert.equal(computePhase(pod({ restartPolicy: 'Never' }), [], [view(term(0))]), 'Succeeded');
    assert.equal(computePhase(pod({ restartPolicy: 'Never' }), [], [view(term(1))]), 'Failed');
    assert.equal(computePhase(pod({ restartPolicy: 'OnFailure' }), [], [view(term(1))]), 'Running');
    assert.equal(computePhase(pod(), [], [view(term(0))]), 'Running');
    const crash = view({ waiting: { reason: 'CrashLoopBackOff' } }, { lastState: term(1) });
    assert.equal(computePhase(pod(), [], [crash]), 'Running');
    const initFailed = { ...view(term(1)), name: 'init' };
    assert.equal(
      computePhase(pod({ restartPolicy: 'Never' }), [initFailed], [view({ waiting: {} })]),
      'Failed',
    );
    assert.equal(computePhase(pod(), [initFailed], [view({ waiting: {} })]), 'Pending');
  });
  it('conditions with reasons, kept transition times, PodScheduled kept', () => {
    const p = pod();
    p.status = {
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: 't0' },
        { type: 'Ready', status: 'False', lastTransitionTime: 't1' },
      ],
    };
    const init = [{ ...view({ running: {} }), name: 'setup' }];
    const s = computePodStatus({
      pod: p,
      init,
      main: [view({ waiting: { reason: 'PodInitializing' } })],
      podIP: '1.2.3.4',
      hostIP: '5.6.7.8',
      startTime: 't',
      sandboxReady: true,
      now: 't2',
    });
    assert.equal(s.phase, 'Pending');
    const byType = Object.fromEntries((s.conditions ?? []).map((c) => [c.type, c]));
    assert.equal(byType.Initialized?.reason, 'ContainersNotInitialized');
    assert.equal(byType.Initialized?.message, 'containers with incomplete status: [setup]');
    assert.equal(byType.Ready?.message, 'containers with unready status: [c]');
    assert.equal(byType.Ready?.lastTransitionTime, 't1');
    assert.equal(byType.PodScheduled?.lastTransitionTime, 't0');
    assert.equal(byType.PodReadyToStartContainers?.status, 'True');
    assert.equal(s.qosClass, 'BestEffort');
    assert.deepEqual(s.podIPs, [{ ip: '1.2.3.4' }]);
  });
});
