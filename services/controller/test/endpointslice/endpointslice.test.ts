import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resources } from '@kubelab/api-client';
import type { EndpointSlice, Pod } from '@kubelab/api-types';
import { newEndpointSliceController, planSlices } from '../../src/endpointslice/index.js';
import { pod, service, startController } from '../endpoints/fixtures.js';

const SEED = Number(process.env.KUBELAB_TEST_SEED ?? 1);
console.log(`endpointslice tests: seed ${SEED}`);

const ip = (i: number) => `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`;

function pods(n: number, from = 0): Pod[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const p = pod(`p-${i}`, { ip: ip(i) });
    p.metadata.uid = `u-${i}`;
    return p;
  });
}

test('endpointslice - plan splits above 100 endpoints per slice', () => {
  const svc = service('web');
  svc.metadata.uid = 'svc-uid';
  const plan = planSlices(svc, pods(250), []);
  assert.deepEqual(
    plan.create.map((s) => s.endpoints.length),
    [100, 100, 50],
  );
  assert.equal(plan.update.length + plan.delete.length, 0);
  const [s] = plan.create;
  assert.equal(s?.metadata.generateName, 'web-');
  assert.equal(s?.metadata.labels?.['kubernetes.io/service-name'], 'web');
  assert.equal(
    s?.metadata.labels?.['endpointslice.kubernetes.io/managed-by'],
    'endpointslice-controller.k8s.io',
  );
  assert.equal(s?.metadata.labels?.team, 'web');
  assert.equal(s?.metadata.ownerReferences?.[0]?.uid, 'svc-uid');
  assert.equal(s?.addressType, 'IPv4');
  assert.deepEqual(s?.ports, [
    { name: 'http', port: 8080, protocol: 'TCP' },
    { name: 'metrics', port: 9113, protocol: 'TCP' },
  ]);
});

test('endpointslice - plan updates in place, fills updated slices first, deletes emptied ones', () => {
  const svc = service('web');
  svc.metadata.uid = 'svc-uid';
  const first = planSlices(svc, pods(150), []).create.map((s, i) => ({
    ...s,
    metadata: { ...s.metadata, name: `web-${i}`, resourceVersion: '1' },
  }));
  // p-0..p-9 go away (slice web-0 shrinks), p-150..p-154 arrive: they fill web-0 rather than a new slice.
  const next = planSlices(svc, [...pods(140, 10), ...pods(5, 150)], first);
  assert.equal(next.create.length, 0);
  assert.equal(next.delete.length, 0);
  const web0 = next.update.find((s) => s.metadata.name === 'web-0');
  assert.equal(web0?.endpoints.length, 95);
  // Everything gone but one pod of web-1: web-0 is deleted.
  const last = planSlices(svc, pods(1, 120), first);
  assert.deepEqual(
    last.delete.map((s) => s.metadata.name),
    ['web-0'],
  );
  assert.deepEqual(
    last.update.map((s) => s.endpoints.length),
    [1],
  );
});

test('endpointslice - conditions ready/serving/terminating, hostname, placeholder when empty', () => {
  const svc = service('nginx', { clusterIP: 'None' });
  svc.metadata.uid = 'svc-uid';
  const ready = pod('web-0', { ip: '10.0.0.1', hostname: 'web-0', subdomain: 'nginx' });
  const notReady = pod('web-1', { ip: '10.0.0.2', ready: false });
  const terminating = pod('web-2', { ip: '10.0.0.3' });
  terminating.metadata.deletionTimestamp = '2026-11-25T10:00:00Z';
  const [slice] = planSlices(svc, [ready, notReady, terminating], []).create;
  const byName = new Map(slice?.endpoints.map((e) => [e.targetRef?.name, e]));
  assert.deepEqual(byName.get('web-0')?.conditions, { ready: true, serving: true, terminating: false });
  assert.equal(byName.get('web-0')?.hostname, 'web-0');
  assert.equal(byName.get('web-0')?.nodeName, 'node-0');
  assert.deepEqual(byName.get('web-1')?.conditions, { ready: false, serving: false, terminating: false });
  assert.deepEqual(byName.get('web-2')?.conditions, { ready: false, serving: true, terminating: true });
  assert.equal(slice?.metadata.labels?.['service.kubernetes.io/headless'], '');
  const empty = planSlices(svc, [], []);
  assert.equal(empty.create.length, 1);
  assert.deepEqual(empty.create[0]?.endpoints, []);
  assert.equal(empty.create[0]?.ports, undefined);
});

test('endpointslice - controller keeps every endpoint in exactly one slice and cleans up with the Service', async () => {
  const h = startController(newEndpointSliceController, SEED);
  const slices = () =>
    h.api
      .objects<EndpointSlice>(resources.endpointslices, 'default')
      .filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === 'web');
  const total = () => slices().reduce((n, s) => n + s.endpoints.length, 0);
  try {
    h.api.seed(resources.services, service('web'));
    await h.until(() => slices().length === 1 && slices()[0]?.endpoints.length === 0, 'placeholder slice');
    h.api.seed(resources.pods, ...pods(230));
    await h.until(() => total() === 230 && slices().length === 3, '230 endpoints in 3 slices');
    await h.settle();
    assert.equal(slices().length, 3, 'no duplicate slices from a lagging cache');
    assert.match(slices()[0]?.metadata.name ?? '', /^web-[a-z0-9]{5}$/);
    const uids = slices().flatMap((s) => s.endpoints.map((e) => e.targetRef?.uid));
    assert.equal(new Set(uids).size, 230);
    for (let i = 0; i < 30; i++) await h.api.delete(resources.pods, `p-${i}`, { namespace: 'default' });
    await h.until(() => total() === 200, '200 endpoints after deletes');
    await h.api.delete(resources.services, 'web', { namespace: 'default' });
    await h.until(() => slices().length === 0, 'slices deleted with the Service');
  } finally {
    await h.stop();
  }
});
