import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resources } from '@kubelab/api-client';
import type { Endpoints, Pod } from '@kubelab/api-types';
import { computeSubsets, newEndpointsController } from '../../src/endpoints/index.js';
import { pod, service, startController } from './fixtures.js';

const SEED = Number(process.env.KUBELAB_TEST_SEED ?? 1);
console.log(`endpoints tests: seed ${SEED}`);

test('endpoints - subsets: ready and not-ready addresses, named and numeric target ports, targetRef', () => {
  const svc = service('web');
  const pods = [
    {
      ...pod('b', { ip: '10.0.0.2', ready: false }),
      metadata: { name: 'b', namespace: 'default', uid: 'ub' },
    },
    { ...pod('a', { ip: '10.0.0.11' }), metadata: { name: 'a', namespace: 'default', uid: 'ua' } },
    { ...pod('c', { ip: '10.0.0.3' }), metadata: { name: 'c', namespace: 'default', uid: 'uc' } },
    pod('no-ip'),
    pod('done', { ip: '10.0.0.9', phase: 'Succeeded' }),
  ] as Pod[];
  const subsets = computeSubsets(svc, pods);
  assert.equal(subsets.length, 1);
  const [s] = subsets;
  assert.deepEqual(
    s?.addresses?.map((a) => a.ip),
    ['10.0.0.3', '10.0.0.11'],
    'ready addresses sorted by IP',
  );
  assert.deepEqual(
    s?.notReadyAddresses?.map((a) => a.ip),
    ['10.0.0.2'],
  );
  assert.deepEqual(s?.ports, [
    { name: 'http', port: 8080, protocol: 'TCP' },
    { name: 'metrics', port: 9113, protocol: 'TCP' },
  ]);
  assert.deepEqual(s?.addresses?.[0]?.targetRef, { kind: 'Pod', namespace: 'default', name: 'c', uid: 'uc' });
  assert.equal(s?.addresses?.[0]?.nodeName, 'node-0');
});

test('endpoints - a pod lacking the named port is published only on the ports it has', () => {
  const svc = service('web');
  const pods = [
    { ...pod('a', { ip: '10.0.0.1' }), metadata: { name: 'a', namespace: 'default', uid: 'ua' } },
    {
      ...pod('b', { ip: '10.0.0.2', webPort: null }),
      metadata: { name: 'b', namespace: 'default', uid: 'ub' },
    },
  ] as Pod[];
  // RepackSubsets groups by address set: http is served by a alone, metrics by a and b.
  const subsets = computeSubsets(svc, pods);
  assert.equal(subsets.length, 2);
  const http = subsets.find((s) => s.ports?.[0]?.name === 'http');
  const metrics = subsets.find((s) => s.ports?.[0]?.name === 'metrics');
  assert.deepEqual(
    http?.addresses?.map((a) => a.ip),
    ['10.0.0.1'],
  );
  assert.equal(http?.ports?.length, 1);
  assert.deepEqual(
    metrics?.addresses?.map((a) => a.ip),
    ['10.0.0.1', '10.0.0.2'],
  );
});

test('endpoints - publishNotReadyAddresses and headless hostnames', () => {
  const svc = service('nginx', { clusterIP: 'None', publishNotReadyAddresses: true });
  const p = pod('web-0', { ip: '10.0.0.5', ready: false, hostname: 'web-0', subdomain: 'nginx' });
  const [s] = computeSubsets(svc, [p]);
  assert.equal(s?.addresses?.[0]?.ip, '10.0.0.5');
  assert.equal(s?.addresses?.[0]?.hostname, 'web-0');
  assert.equal(s?.notReadyAddresses, undefined);
  const other = computeSubsets(service('other'), [p]);
  assert.equal(other[0]?.notReadyAddresses?.[0]?.hostname, undefined, 'hostname only for its own subdomain');
});

test('endpoints - controller writes, updates on readiness, leaves selectorless Services alone, deletes with the Service', async () => {
  const h = startController(newEndpointsController, SEED);
  try {
    h.api.seed(resources.services, service('web', { clusterIP: 'None' }));
    h.api.seed(resources.pods, pod('a', { ip: '10.0.0.1' }), pod('b', { ip: '10.0.0.2', ready: false }));
    h.api.seed(resources.pods, pod('other', { ip: '10.0.0.3', labels: { app: 'db' } }));
    const ep = await h.until(
      () => h.api.object<Endpoints>(resources.endpoints, 'web', 'default'),
      'endpoints',
    );
    assert.equal(ep.subsets?.[0]?.addresses?.[0]?.ip, '10.0.0.1');
    assert.equal(ep.subsets?.[0]?.notReadyAddresses?.[0]?.ip, '10.0.0.2');
    assert.equal(ep.metadata.labels?.team, 'web');
    assert.equal(ep.metadata.labels?.['service.kubernetes.io/headless'], '');

    const b = h.api.object<Pod>(resources.pods, 'b', 'default') as Pod;
    b.status = { ...b.status, conditions: [{ type: 'Ready', status: 'True' }] };
    await h.api.updateStatus(resources.pods, b, { namespace: 'default' });
    await h.until(
      () =>
        h.api.object<Endpoints>(resources.endpoints, 'web', 'default')?.subsets?.[0]?.addresses?.length === 2,
      'b becomes ready',
    );
    const writes = h.api.writes('endpoints').length;
    await h.api.patch(
      resources.pods,
      'a',
      { metadata: { annotations: { x: 'y' } } },
      { namespace: 'default' },
    );
    await h.settle();
    assert.equal(h.api.writes('endpoints').length, writes, 'an unrelated pod change writes nothing');

    const manual = service('external');
    delete manual.spec.selector;
    h.api.seed(resources.services, manual);
    h.api.seed(resources.endpoints, {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'external', namespace: 'default' },
      subsets: [{ addresses: [{ ip: '192.0.2.1' }], ports: [{ port: 5432 }] }],
    } as Endpoints);
    await h.settle();
    assert.equal(
      h.api.object<Endpoints>(resources.endpoints, 'external', 'default')?.subsets?.[0]?.addresses?.[0]?.ip,
      '192.0.2.1',
    );

    await h.api.delete(resources.services, 'web', { namespace: 'default' });
    await h.until(() => !h.api.object(resources.endpoints, 'web', 'default'), 'endpoints deleted');
  } finally {
    await h.stop();
  }
});
