import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateLimitingQueue, resources } from '@kubelab/api-client';
import type { Event, Lease, Pod } from '@kubelab/api-types';
import { silentLogger } from '@kubelab/telemetry';
import { FakeClock, waitFor } from '@kubelab/testkit';
import {
  createEventRecorder,
  enqueueOnChange,
  isPodAvailable,
  isPodReady,
  nextLeaseSpec,
  podRequests,
  rfc3339,
  runControllers,
  runKeyedWorkers,
} from '../src/index.js';
import { FakeApi, fakeContext } from '../src/testing/index.js';

const T0 = Date.UTC(2026, 10, 25, 10, 0, 0);

function pod(name: string, extra: Partial<Pod> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'web' } },
    spec: { containers: [{ name: 'c', image: 'nginx' }] },
    ...extra,
  };
}

test('events: a repeat within the window bumps count instead of creating another event', async () => {
  const clock = new FakeClock(0, T0);
  const api = new FakeApi({ clock });
  const [p] = api.seed(resources.pods, pod('a'));
  const rec = createEventRecorder({
    client: api,
    clock,
    logger: silentLogger(),
    component: 'kubelet',
    host: 'node-0',
  });
  rec.event(p as Pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
  rec.event(p as Pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
  rec.event(p as Pod, 'Normal', 'Pulled', 'pulled');
  await rec.flush();
  const events = api.objects<Event>(resources.events, 'default');
  assert.equal(events.length, 2);
  const backoff = events.find((e) => e.reason === 'BackOff');
  assert.equal(backoff?.count, 2);
  assert.equal(backoff?.involvedObject.name, 'a');
  assert.equal(backoff?.source?.component, 'kubelet');
  assert.equal(backoff?.firstTimestamp, rfc3339(T0));
  clock.advance(11 * 60_000);
  rec.event(p as Pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
  await rec.flush();
  assert.equal(api.objects<Event>(resources.events).length, 3, 'outside the window: a new event');
});

test('lease mirror: transitions counted only when the holder changes', () => {
  const first = nextLeaseSpec(undefined, 'scheduler-0', 1000, T0);
  assert.equal(first.holderIdentity, 'scheduler-0');
  assert.equal(first.leaseTransitions, 0);
  assert.equal(first.leaseDurationSeconds, 1);
  const lease: Lease = { metadata: { name: 'kube-scheduler' }, spec: first };
  const renewed = nextLeaseSpec(lease, 'scheduler-0', 1000, T0 + 500);
  assert.equal(renewed.acquireTime, first.acquireTime);
  assert.notEqual(renewed.renewTime, first.renewTime);
  assert.equal(renewed.leaseTransitions, 0);
  const taken = nextLeaseSpec({ ...lease, spec: renewed }, 'scheduler-1', 1000, T0 + 2000);
  assert.equal(taken.leaseTransitions, 1);
  assert.notEqual(taken.acquireTime, first.acquireTime);
});

test('pod facts: ready, available after minReadySeconds, requests with init containers', () => {
  const ready = pod('r', {
    status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(T0) }] },
  });
  assert.equal(isPodReady(ready), true);
  assert.equal(isPodAvailable(ready, 5, T0 + 4000), false);
  assert.equal(isPodAvailable(ready, 5, T0 + 5000), true);
  const p = pod('x', {
    spec: {
      containers: [
        { name: 'a', resources: { requests: { cpu: '100m', memory: '64Mi' } } },
        { name: 'b', resources: { requests: { cpu: '0.2' } } },
      ],
      initContainers: [{ name: 'i', resources: { requests: { cpu: '500m' } } }],
    },
  });
  assert.deepEqual(podRequests(p), { cpuMilli: 500, memoryBytes: 64 * 1024 * 1024 });
});

test('fake api: informers list and watch it; conflicts, generateName, binding, finalizers', async () => {
  const clock = new FakeClock(0, T0);
  const { ctx, api } = fakeContext({ clock, seed: 7 });
  const seen: string[] = [];
  const inf = ctx.informers.informerFor<Pod>(resources.pods);
  inf.addEventHandler({
    onAdd: (p) => seen.push(`add:${p.metadata.name}`),
    onUpdate: (_o, p) => seen.push(`update:${p.metadata.name}:${p.spec?.nodeName ?? ''}`),
    onDelete: (p) => seen.push(`delete:${'metadata' in p ? p.metadata.name : ''}`),
  });
  const ac = new AbortController();
  ctx.informers.start(ac.signal);
  try {
    assert.equal(await ctx.informers.waitForCacheSync(ac.signal), true);
    const created = await api.create<Pod>(
      resources.pods,
      { metadata: { generateName: 'web-' }, spec: { containers: [] } },
      { namespace: 'default' },
    );
    assert.match(created.metadata.name ?? '', /^web-[a-z0-9]{5}$/);
    const name = created.metadata.name ?? '';
    await api.create(
      resources.pods,
      { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { kind: 'Node', name: 'node-0' } },
      { namespace: 'default', name, subresource: 'binding' },
    );
    await assert.rejects(api.update(resources.pods, created), /has been modified/);
    const blocked = api.seed(
      resources.pods,
      pod('fin', { metadata: { name: 'fin', namespace: 'default', finalizers: ['x'] } }),
    )[0];
    await api.delete(resources.pods, 'fin', { namespace: 'default' });
    assert.ok(api.object<Pod>(resources.pods, 'fin', 'default')?.metadata.deletionTimestamp);
    const current = api.object<Pod>(resources.pods, 'fin', 'default') as Pod;
    await api.update(resources.pods, { ...current, metadata: { ...current.metadata, finalizers: [] } });
    assert.equal(api.object(resources.pods, 'fin', 'default'), undefined);
    assert.ok(blocked);
    await waitFor(() => seen.includes('delete:fin'), { timeoutMs: 2000 });
    assert.deepEqual(seen.slice(0, 2), [`add:${name}`, `update:${name}:node-0`]);
  } finally {
    ac.abort();
  }
});

test('runControllers: each controller records events under its own source', async () => {
  const clock = new FakeClock(0, T0);
  const { ctx, api } = fakeContext({ clock, seed: 3 });
  const [p] = api.seed(resources.pods, pod('e'));
  const ac = new AbortController();
  const recorded: Promise<void>[] = [];
  const make = (name: string) => (c: typeof ctx) => ({
    name,
    run: async () => {
      c.recorder.event(p as Pod, 'Normal', 'Hello', name);
      recorded.push(c.recorder.flush());
    },
  });
  await runControllers(ctx, [make('deployment'), make('nodelifecycle')], ac.signal, {
    eventSource: (n) => (n === 'nodelifecycle' ? 'node-controller' : undefined),
  });
  await Promise.all(recorded);
  ac.abort();
  const sources = api
    .objects<Event>(resources.events)
    .map((e) => `${e.message}:${e.source?.component}`)
    .sort();
  assert.deepEqual(sources, ['deployment:deployment-controller', 'nodelifecycle:node-controller']);
});

test('enqueueOnChange + runKeyedWorkers: adds, updates and deletes reach the sync as namespace/name keys', async () => {
  const clock = new FakeClock(0, T0);
  const { ctx, api } = fakeContext({ clock, seed: 5 });
  api.seed(resources.pods, pod('a'));
  const queue = new RateLimitingQueue<string>({ clock, name: 'test' });
  enqueueOnChange(ctx.informers.informerFor<Pod>(resources.pods), (key) => queue.add(key));
  const synced: string[] = [];
  const sync = async (key: string) => {
    synced.push(key);
  };
  const ac = new AbortController();
  ctx.informers.start(ac.signal);
  const running = runKeyedWorkers(ctx, { queue, workers: 1, sync, logger: ctx.logger }, ac.signal);
  try {
    await waitFor(() => synced.includes('default/a'), { timeoutMs: 2000, what: 'the initial list' });
    await api.create(resources.pods, pod('b'), { namespace: 'default' });
    await waitFor(() => synced.includes('default/b'), { timeoutMs: 2000, what: 'the add' });
    synced.length = 0;
    const b = api.object<Pod>(resources.pods, 'b', 'default') as Pod;
    await api.update(resources.pods, { ...b, metadata: { ...b.metadata, labels: { app: 'other' } } });
    await waitFor(() => synced.includes('default/b'), { timeoutMs: 2000, what: 'the update' });
    synced.length = 0;
    await api.delete(resources.pods, 'a', { namespace: 'default' });
    await waitFor(() => synced.includes('default/a'), { timeoutMs: 2000, what: 'the delete' });
  } finally {
    ac.abort();
    await running;
  }
});
