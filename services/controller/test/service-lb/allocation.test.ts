import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterIPAllocator, type Service } from '@kubelab/api-types';
import { decideLoadBalancer, ingressClaims } from '../../src/service-lb/allocation.js';

const CIDR = '127.200.0.0/29'; // usable .1 … .6

function svc(
  name: string,
  spec: Partial<Service['spec']> = {},
  ip?: string,
  created = '2026-01-01T00:00:00Z',
  extra: Partial<Service['metadata']> = {},
): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', creationTimestamp: created, ...extra },
    spec: { type: 'LoadBalancer', ports: [{ port: 80 }], ...spec },
    ...(ip === undefined ? {} : { status: { loadBalancer: { ingress: [{ ip }] } } }),
  };
}

/** Decides for `target` among `all` (which includes it). */
function decide(target: Service, all: Service[], pending = new Map<string, string>()) {
  const claims = ingressClaims(all, new ClusterIPAllocator(CIDR, { reserveFirst: false }), pending);
  return decideLoadBalancer(target, CIDR, claims);
}

interface Case {
  readonly name: string;
  readonly target: Service;
  readonly others?: Service[];
  readonly pending?: [string, string][];
  readonly want: ReturnType<typeof decideLoadBalancer>;
}

const cases: Case[] = [
  {
    name: 'new LoadBalancer gets the first address',
    target: svc('a'),
    want: { action: 'assign', ip: '127.200.0.1' },
  },
  {
    name: 'the lowest free address is next',
    target: svc('c'),
    others: [svc('a', {}, '127.200.0.1'), svc('b', {}, '127.200.0.3')],
    want: { action: 'assign', ip: '127.200.0.2' },
  },
  { name: 'an assigned service keeps its IP', target: svc('a', {}, '127.200.0.4'), want: { action: 'none' } },
  {
    name: 'an IP outside the pool is replaced',
    target: svc('a', {}, '10.0.0.1'),
    want: { action: 'assign', ip: '127.200.0.1' },
  },
  {
    name: 'a duplicate claim: the older service keeps it, the newer moves',
    target: svc('new', {}, '127.200.0.1', '2026-01-02T00:00:00Z'),
    others: [svc('old', {}, '127.200.0.1', '2026-01-01T00:00:00Z')],
    want: { action: 'assign', ip: '127.200.0.2' },
  },
  {
    name: 'the older of a duplicate keeps it',
    target: svc('old', {}, '127.200.0.1', '2026-01-01T00:00:00Z'),
    others: [svc('new', {}, '127.200.0.1', '2026-01-02T00:00:00Z')],
    want: { action: 'none' },
  },
  {
    name: 'pending assignments not yet in the cache are taken',
    target: svc('b'),
    others: [svc('a')],
    pending: [['default/a', '127.200.0.1']],
    want: { action: 'assign', ip: '127.200.0.2' },
  },
  {
    name: 'a full pool fails',
    target: svc('z'),
    others: [1, 2, 3, 4, 5, 6].map((i) => svc(`s${i}`, {}, `127.200.0.${i}`)),
    want: { action: 'fail', message: 'no available IPs in the load balancer pool 127.200.0.0/29' },
  },
  {
    name: 'a requested loadBalancerIP is honoured',
    target: svc('a', { loadBalancerIP: '127.200.0.5' }),
    want: { action: 'assign', ip: '127.200.0.5' },
  },
  {
    name: 'a changed loadBalancerIP moves the service',
    target: svc('a', { loadBalancerIP: '127.200.0.5' }, '127.200.0.1'),
    want: { action: 'assign', ip: '127.200.0.5' },
  },
  {
    name: 'a requested IP outside the pool fails',
    target: svc('a', { loadBalancerIP: '10.1.2.3' }),
    want: {
      action: 'fail',
      message: 'requested loadBalancerIP 10.1.2.3 is not in the load balancer pool 127.200.0.0/29',
    },
  },
  {
    name: 'a requested IP held by another service fails',
    target: svc('a', { loadBalancerIP: '127.200.0.2' }),
    others: [svc('b', {}, '127.200.0.2')],
    want: {
      action: 'fail',
      message: 'requested loadBalancerIP 127.200.0.2 is already allocated to service default/b',
    },
  },
  {
    name: 'type changed away from LoadBalancer: release',
    target: svc('a', { type: 'ClusterIP' }, '127.200.0.1'),
    want: { action: 'release' },
  },
  {
    name: 'a ClusterIP service without status: nothing',
    target: svc('a', { type: 'ClusterIP' }),
    want: { action: 'none' },
  },
  {
    name: 'a loadBalancerClass belongs to another implementation',
    target: svc('a', { loadBalancerClass: 'example.com/lb' }),
    want: { action: 'none' },
  },
  {
    name: 'another implementation’s status is left alone',
    target: svc('a', { loadBalancerClass: 'example.com/lb' }, '127.200.0.1'),
    want: { action: 'none' },
  },
  {
    name: 'a deleting service is left alone',
    target: svc('a', {}, undefined, undefined, { deletionTimestamp: '2026-01-01T00:00:01Z' }),
    want: { action: 'none' },
  },
];

describe('service-lb allocation', () => {
  for (const c of cases) {
    it(`allocation - ${c.name}`, () => {
      const all = [c.target, ...(c.others ?? [])];
      assert.deepEqual(decide(c.target, all, new Map(c.pending ?? [])), c.want);
    });
  }

  it('allocation - a released IP is handed out again', () => {
    const a = svc('a', { type: 'ClusterIP' }, '127.200.0.1');
    const b = svc('b');
    // a still shows the IP in its status but no longer wants a load balancer: it holds nothing.
    assert.deepEqual(decide(b, [a, b]), { action: 'assign', ip: '127.200.0.1' });
  });
});
