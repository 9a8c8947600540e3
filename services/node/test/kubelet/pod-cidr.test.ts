/**
 * Where pod IPs come from: node.spec.podCIDR from the node IPAM controller (pods wait for it), an explicit
 * KUBELAB_NODE_POD_CIDR, or a fallback only after a long wait, from a range that cannot overlap the cluster
 * CIDR the IPAM controller assigns from.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { resources } from '@kubelab/api-client';
import { cidrsOverlap, defaultFallbackCIDR, readNodeConfig } from '../../src/config.js';
import { HostLocalIpam } from '../../src/kubelet/ipam.js';
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

console.log(`kubelet pod CIDR test seed ${SEED}`);

describe('config - fallback pod CIDR', () => {
  it('is cut from a range outside the cluster CIDR, by node index', () => {
    const c = readNodeConfig({ KUBELAB_ID: 'node-3' });
    assert.equal(c.fallbackPodCIDR, '127.64.3.0/24');
    assert.equal(cidrsOverlap(c.fallbackCIDR, '127.128.0.0/10'), false);
    assert.equal(c.podCIDR, undefined);
    for (let i = 0; i < 300; i++) {
      const f = readNodeConfig({ KUBELAB_ID: `node-${i}` }).fallbackPodCIDR;
      assert.equal(cidrsOverlap(f, '127.128.0.0/10'), false, f);
    }
  });
  it('defaults to a range per process-cluster network slot', () => {
    assert.equal(defaultFallbackCIDR('127.128.0.0/10'), '127.64.0.0/16');
    assert.equal(defaultFallbackCIDR('127.128.0.0/14'), '127.64.0.0/16');
    assert.equal(defaultFallbackCIDR('127.188.0.0/14'), '127.79.0.0/16');
    assert.equal(defaultFallbackCIDR('10.244.0.0/16'), '127.64.0.0/12');
    for (let slot = 0; slot < 16; slot++) {
      const cluster = `127.${128 + slot * 4}.0.0/14`;
      const f = readNodeConfig({ KUBELAB_CLUSTER_CIDR: cluster, KUBELAB_ID: 'node-1' }).fallbackPodCIDR;
      assert.equal(f, `127.${64 + slot}.1.0/24`);
      for (let other = 0; other < 16; other++) {
        assert.equal(cidrsOverlap(f, `127.${128 + other * 4}.0.0/14`), false);
        assert.equal(cidrsOverlap(f, `127.${96 + other}.0.0/16`), false, 'service CIDRs');
        assert.equal(cidrsOverlap(f, `127.${200 + other}.0.0/16`), false, 'load balancer CIDRs');
      }
    }
  });
  it('refuses a fallback range overlapping the cluster CIDR', () => {
    assert.throws(
      () => readNodeConfig({ KUBELAB_NODE_FALLBACK_CIDR: '127.128.0.0/16' }),
      /overlaps KUBELAB_CLUSTER_CIDR/,
    );
    assert.throws(
      () =>
        readNodeConfig({ KUBELAB_CLUSTER_CIDR: '10.0.0.0/8', KUBELAB_NODE_FALLBACK_CIDR: '10.200.0.0/16' }),
      /overlaps/,
    );
    assert.equal(
      readNodeConfig({ KUBELAB_CLUSTER_CIDR: '10.0.0.0/8', KUBELAB_NODE_FALLBACK_CIDR: '11.0.0.0/16' })
        .fallbackPodCIDR,
      '11.0.0.0/24',
    );
  });
  it('cidrsOverlap', () => {
    assert.equal(cidrsOverlap('10.0.0.0/24', '10.0.0.128/25'), true);
    assert.equal(cidrsOverlap('10.0.0.0/24', '10.0.1.0/24'), false);
    assert.equal(cidrsOverlap('127.64.0.0/12', '127.79.255.0/24'), true);
    assert.equal(cidrsOverlap('127.64.0.0/12', '127.80.0.0/24'), false);
  });
});

describe('kubelet - pod CIDR', () => {
  let running: RunningKubelet | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it('pods wait for node.spec.podCIDR (no early fallback), then get IPs from it', async () => {
    const { clock, api } = newFakeApi();
    running = await startKubelet(clock, api);
    await api.create(resources.pods, newPod('web', {}), { namespace: 'default' });
    await advance(clock, 30_000, 1_000);
    const waiting = getPod(api, 'web')?.status;
    assert.equal(waiting?.podIP, undefined, JSON.stringify(waiting));
    await assignPodCIDR(api, '127.128.7.0/24');
    await advance(clock, 1_000);
    const p = getPod(api, 'web')?.status;
    assert.equal(p?.phase, 'Running');
    assert.ok(new HostLocalIpam('127.128.7.0/24').contains(p?.podIP ?? ''), p?.podIP);
  });

  it('falls back only after the configured wait, outside the cluster CIDR', async () => {
    const { clock, api } = newFakeApi();
    running = await startKubelet(clock, api, { env: { KUBELAB_NODE_POD_CIDR_WAIT_MS: '10000' } });
    await api.create(resources.pods, newPod('web', {}), { namespace: 'default' });
    await advance(clock, 9_000, 500);
    assert.equal(getPod(api, 'web')?.status?.podIP, undefined);
    await advance(clock, 2_000, 500);
    const ip = getPod(api, 'web')?.status?.podIP ?? '';
    assert.ok(new HostLocalIpam('127.64.0.0/24').contains(ip), ip);
  });

  it('an explicit KUBELAB_NODE_POD_CIDR is used at once and wins over the assignment', async () => {
    const { clock, api } = newFakeApi();
    running = await startKubelet(clock, api, { env: { KUBELAB_NODE_POD_CIDR: '127.130.0.0/24' } });
    await assignPodCIDR(api, '127.128.7.0/24');
    await api.create(resources.pods, newPod('web', {}), { namespace: 'default' });
    await advance(clock, 1_000);
    assert.equal(getPod(api, 'web')?.status?.podIP, '127.130.0.2');
  });
});
