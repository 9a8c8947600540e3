/** The service-lb controller over the in-memory FakeApi with real informers and queue. */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { resources } from '@kubelab/api-client';
import type { Event, Service } from '@kubelab/api-types';
import { systemClock } from '@kubelab/clock';
import { fakeContext } from '@kubelab/controller-kit/testing';
import { waitFor } from '@kubelab/testkit';
import { newServiceLoadBalancerController } from '../../src/service-lb/index.js';

const aborts: AbortController[] = [];
afterEach(() => {
  for (const ac of aborts.splice(0)) ac.abort();
});

function lbService(name: string, type = 'LoadBalancer'): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { type, clusterIP: '127.96.0.10', ports: [{ port: 80, nodePort: 30080 }] },
  };
}

async function start(settings: Record<string, string> = {}) {
  const { ctx, api } = fakeContext({ clock: systemClock, seed: 7, settings });
  const controller = newServiceLoadBalancerController(ctx);
  const ac = new AbortController();
  aborts.push(ac);
  ctx.informers.start(ac.signal);
  const running = controller.run(ac.signal);
  const get = async (name: string) => api.get<Service>(resources.services, name, { namespace: 'default' });
  const ingressOf = async (name: string) => (await get(name)).status?.loadBalancer?.ingress;
  const events = async () =>
    (await api.list<Event>(resources.events, { namespace: 'default' })).items.map((e) => e.reason);
  return { ctx, api, ac, running, get, ingressOf, events };
}

describe('service-lb controller', () => {
  it('service-lb - assigns distinct ingress IPs and records events', async () => {
    const { api, ingressOf, events } = await start({ KUBELAB_LOADBALANCER_CIDR: '127.200.0.0/16' });
    await api.create(resources.services, lbService('a'), { namespace: 'default' });
    await api.create(resources.services, lbService('b'), { namespace: 'default' });
    await api.create(resources.services, lbService('c', 'ClusterIP'), { namespace: 'default' });
    await waitFor(async () => (await ingressOf('a')) && (await ingressOf('b')), { what: 'both ingress IPs' });
    const ips = [(await ingressOf('a'))?.[0]?.ip, (await ingressOf('b'))?.[0]?.ip].sort();
    assert.deepEqual(ips, ['127.200.0.1', '127.200.0.2']);
    assert.equal(await ingressOf('c'), undefined);
    await waitFor(async () => (await events()).includes('EnsuredLoadBalancer'), { what: 'the event' });
  });

  it('service-lb - releases on a type change and reuses the IP', async () => {
    const { api, get, ingressOf } = await start();
    await api.create(resources.services, lbService('a'), { namespace: 'default' });
    await waitFor(() => ingressOf('a'), { what: 'the ingress IP' });
    const a = await get('a');
    await api.update(resources.services, { ...a, spec: { ...a.spec, type: 'ClusterIP' } });
    await waitFor(async () => (await get('a')).status?.loadBalancer?.ingress === undefined, {
      what: 'the release',
    });
    await api.create(resources.services, lbService('b'), { namespace: 'default' });
    await waitFor(async () => (await ingressOf('b'))?.[0]?.ip === '127.200.0.1', { what: 'the reuse' });
  });

  it('service-lb - a deleted service frees its IP', async () => {
    const { api, ingressOf, events } = await start({ KUBELAB_LOADBALANCER_CIDR: '127.200.0.0/30' }); // 2 usable
    await api.create(resources.services, lbService('a'), { namespace: 'default' });
    await api.create(resources.services, lbService('b'), { namespace: 'default' });
    await waitFor(async () => (await ingressOf('a')) && (await ingressOf('b')), { what: 'the pool to fill' });
    await api.create(resources.services, lbService('c'), { namespace: 'default' });
    await waitFor(async () => (await events()).includes('SyncLoadBalancerFailed'), {
      what: 'the failure event',
    });
    assert.equal(await ingressOf('c'), undefined, 'the pool is full');
    const freed = (await ingressOf('a'))?.[0]?.ip;
    await api.delete(resources.services, 'a', { namespace: 'default' });
    await waitFor(async () => (await ingressOf('c'))?.[0]?.ip === freed, { what: 'c to get the freed IP' });
  });
});
