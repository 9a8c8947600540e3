import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resources } from '@kubelab/api-client';
import type { Node } from '@kubelab/api-types';
import { fakeContext } from '@kubelab/controller-kit/testing';
import { FakeClock, waitFor } from '@kubelab/testkit';
import { CidrConfigError, CidrSet, newNodeIpamController, parseCidr } from '../../src/nodeipam/index.js';

const SEED = 3;

test('cidr set - parses, cuts and hands out round-robin; occupy and release', () => {
  assert.deepEqual(parseCidr('10.244.0.0/16'), { base: 0x0af40000, bits: 16 });
  assert.equal(parseCidr('10.244.0.1/16'), undefined);
  assert.equal(parseCidr('10.244.0.0/33'), undefined);
  const set = new CidrSet('10.244.0.0/22', 24);
  assert.equal(set.count, 4);
  assert.equal(set.occupy('10.244.1.0/24'), true);
  assert.equal(set.occupy('10.244.1.0/24'), false, 'taken');
  assert.equal(set.occupy('10.245.0.0/24'), false, 'outside');
  assert.equal(set.occupy('10.244.0.0/25'), false, 'wrong size');
  assert.equal(set.allocateNext(), '10.244.0.0/24');
  assert.equal(set.allocateNext(), '10.244.2.0/24');
  set.release('10.244.0.0/24');
  assert.equal(set.allocateNext(), '10.244.3.0/24', 'round-robin: the released one is not reused at once');
  assert.equal(set.allocateNext(), '10.244.0.0/24');
  assert.equal(set.allocateNext(), undefined, 'full');
  assert.equal(new CidrSet('127.128.0.0/10', 24).count, 16384);
  assert.equal(new CidrSet('127.128.0.0/10', 24).allocateNext(), '127.128.0.0/24');
  assert.throws(() => new CidrSet('10.0.0.0/24', 16), CidrConfigError);
  assert.throws(() => new CidrSet('nope', 24), CidrConfigError);
});

const node = (name: string, podCIDR?: string): Node => ({
  metadata: { name },
  spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
});

test('node ipam - existing assignments are respected, new nodes get distinct subnets, deleted ones free theirs', async () => {
  console.log(`seed ${SEED}`);
  const clock = new FakeClock();
  const { ctx, api } = fakeContext({
    clock,
    seed: SEED,
    settings: { KUBELAB_CLUSTER_CIDR: '10.1.0.0/22', KUBELAB_NODE_CIDR_MASK_SIZE: '24' },
  });
  api.seed(resources.nodes, node('old', '10.1.0.0/24'), node('a'), node('b'));
  const c = newNodeIpamController(ctx);
  const ac = new AbortController();
  ctx.informers.start(ac.signal);
  const running = c.run(ac.signal);
  const cidrOf = (n: string) => api.object<Node>(resources.nodes, n)?.spec?.podCIDR;
  try {
    await waitFor(() => cidrOf('a') && cidrOf('b'), { what: 'a and b assigned' });
    const got = new Set(['old', 'a', 'b'].map(cidrOf));
    assert.equal(got.size, 3, `distinct: ${[...got].join(' ')}`);
    assert.equal(cidrOf('old'), '10.1.0.0/24');
    assert.deepEqual(api.object<Node>(resources.nodes, 'a')?.spec?.podCIDRs, [cidrOf('a')]);
    api.seed(resources.nodes, node('c'));
    await waitFor(() => cidrOf('c'));
    api.seed(resources.nodes, node('d'));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(cidrOf('d'), undefined, 'range full');
    await api.delete(resources.nodes, 'a');
    await waitFor(() => cidrOf('d'), { what: 'd gets the released subnet' });
    assert.equal(new Set(['old', 'b', 'c', 'd'].map(cidrOf)).size, 4);
    assert.ok(
      api.objects(resources.events).some((e) => (e as { reason?: string }).reason === 'CIDRNotAvailable'),
    );
  } finally {
    ac.abort();
    await running;
  }
});
