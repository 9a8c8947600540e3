/**
 * Hollow mode: one node process (KUBELAB_HOLLOW_NODES=3) registers three lightweight nodes; a pod bound to
 * one of them goes Running and Ready with a pod IP, without sockets or events.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pod } from '@kubelab/api-types';
import { waitFor } from '@kubelab/testkit';
import { TestCluster, kubectl, kubectlOk } from '../api/helpers.js';

const cluster = new TestCluster('hollow');
Object.assign(cluster.env, { KUBELAB_HOLLOW_NODES: '3', KUBELAB_NODE_POD_CIDR_WAIT_MS: '1000' });

describe('kubelet - hollow nodes', { timeout: 180_000 }, () => {
  before(async () => {
    await cluster.up(1);
  });
  after(async () => {
    await cluster.down();
  });

  it('registers N Ready nodes and runs pods on them', async () => {
    const ready = await waitFor(
      async () => {
        const r = await kubectl(cluster, ['get', 'nodes', '--no-headers']);
        const rows = r.stdout.split('\n').filter((l) => /\sReady\s/.test(l));
        return rows.length === 3 ? rows : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: '3 hollow nodes Ready' },
    );
    assert.deepEqual(
      ready.map((l) => l.split(/\s+/)[0]),
      ['node-0-h0', 'node-0-h1', 'node-0-h2'],
    );
    const manifest = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'h' },
      spec: { nodeName: 'node-0-h1', containers: [{ name: 'c', image: 'nginx' }] },
    };
    await kubectlOk(cluster, ['apply', '-f', '-'], { input: JSON.stringify(manifest) });
    const p = await waitFor(
      async () => {
        const r = await kubectl(cluster, ['get', 'pod', 'h', '-o', 'json']);
        const pod = r.code === 0 ? (JSON.parse(r.stdout) as Pod) : undefined;
        return pod?.status?.containerStatuses?.[0]?.ready ? pod : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 300, what: 'hollow pod Ready' },
    );
    assert.equal(p.status?.phase, 'Running');
    assert.ok(p.status?.podIP);
    const del = await kubectl(cluster, ['delete', 'pod', 'h', '--timeout=30s'], { timeoutMs: 60_000 });
    assert.equal(del.code, 0, del.stderr);
  });
});
