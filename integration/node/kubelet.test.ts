/**
 * The kubelet in a real process cluster (api ×3, one node agent with the emulated runtime), driven by the real
 * kubectl: pods created with spec.nodeName preset (no scheduler needed) run for real — an nginx pod answers
 * HTTP on its pod IP, a `sleep` completes, a failing liveness probe restarts the container with back-off,
 * imagePullPolicy Never on an uncached image waits with ErrImageNeverPull, and `kubectl delete pod` finishes
 * through the kubelet's graceful termination. Durations are shortened through the environment.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Pod } from '@kubelab/api-types';
import { waitFor } from '@kubelab/testkit';
import { TestCluster, kubectl, kubectlOk } from '../api/helpers.js';
import {
  httpGet,
  pinnedPod,
  getPod as podOf,
  waitNodeReady,
  waitPod as waitPodOf,
} from '../cluster-helpers.js';

const cluster = new TestCluster('kubelet');
Object.assign(cluster.env, {
  KUBELAB_CRASH_BACKOFF_INITIAL_MS: '1000',
  KUBELAB_CRASH_BACKOFF_MAX_MS: '4000',
  KUBELAB_IMAGE_BACKOFF_INITIAL_MS: '1000',
  KUBELAB_NODE_LEASE_PERIOD_MS: '2000',
  KUBELAB_NODE_STATUS_CHECK_MS: '2000',
});
// An image only this cluster's catalog file knows (the node reads KUBELAB_IMAGE_CATALOG at start).
const catalog = join(cluster.scratch('catalog'), 'catalog.yaml');
writeFileSync(
  catalog,
  [
    'images:',
    '  - name: example.com/shop/web',
    '    tags: [v1, v2]',
    '    app: { ports: [8080], body: "web {{tag}}\\n" }',
    '',
  ].join('\n'),
);
cluster.env.KUBELAB_IMAGE_CATALOG = catalog;

const pod = (name: string, spec: Record<string, unknown>) => pinnedPod(name, spec);
const getPod = (name: string) => podOf(cluster, name);
const waitPod = (name: string, ok: (p: Pod) => boolean, what: string, timeoutMs = 60_000) =>
  waitPodOf(cluster, name, ok, what, timeoutMs);

describe('kubelet - process cluster', { timeout: 300_000 }, () => {
  before(async () => {
    await cluster.up(1);
    await waitNodeReady(cluster, 'node-0');
  });
  after(async () => {
    await cluster.down();
  });

  it('nginx pod: Running with a pod IP that answers HTTP on port 80', async () => {
    await kubectlOk(cluster, ['apply', '-f', '-'], {
      input: pod('nginx', {
        containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }],
      }),
    });
    const p = await waitPod(
      'nginx',
      (x) => x.status?.phase === 'Running' && !!x.status.podIP,
      'nginx Running',
    );
    const podIP = p.status?.podIP ?? '';
    // The pod IP comes from the range the node IPAM controller assigned (no fallback).
    const cidr = await kubectlOk(cluster, ['get', 'node', 'node-0', '-o', 'jsonpath={.spec.podCIDR}']);
    assert.match(cidr, /^127\.\d+\.\d+\.0\/24$/);
    assert.equal(
      podIP.split('.').slice(0, 3).join('.'),
      cidr.split('.').slice(0, 3).join('.'),
      `${podIP} in ${cidr}`,
    );
    const res = await waitFor(() => httpGet(podIP, 80).catch(() => undefined), {
      timeoutMs: 10_000,
      intervalMs: 200,
      what: 'nginx answers',
    });
    assert.equal(res.status, 200);
    assert.match(res.body, /nginx/i);
    const table = await kubectlOk(cluster, ['get', 'pod', 'nginx']);
    assert.match(table, /nginx\s+1\/1\s+Running\s+0/);
  });

  it('an image from the KUBELAB_IMAGE_CATALOG file runs; a tag it does not list fails to pull', async () => {
    await kubectlOk(cluster, ['apply', '-f', '-'], {
      input: pod('shop', { containers: [{ name: 'web', image: 'example.com/shop/web:v2' }] }),
    });
    const p = await waitPod('shop', (x) => x.status?.phase === 'Running' && !!x.status.podIP, 'shop Running');
    const res = await waitFor(() => httpGet(p.status?.podIP ?? '', 8080).catch(() => undefined), {
      timeoutMs: 10_000,
      intervalMs: 200,
      what: 'the catalog app answers',
    });
    assert.equal(res.body, 'web v2\n');
    await kubectlOk(cluster, ['apply', '-f', '-'], {
      input: pod('shop-v3', { containers: [{ name: 'web', image: 'example.com/shop/web:v3' }] }),
    });
    await waitPod(
      'shop-v3',
      (x) =>
        /ErrImagePull|ImagePullBackOff/.test(x.status?.containerStatuses?.[0]?.state?.waiting?.reason ?? ''),
      'shop-v3 fails to pull',
    );
  });

  it('sleep 2 with restartPolicy Never: Succeeded, Completed', async () => {
    await kubectlOk(cluster, ['apply', '-f', '-'], {
      input: pod('sleeper', {
        restartPolicy: 'Never',
        containers: [{ name: 'c', image: 'busybox', command: ['sleep', '2'] }],
      }),
    });
    const p = await waitPod('sleeper', (x) => x.status?.phase === 'Succeeded', 'sleeper Succeeded');
    assert.equal(p.status?.containerStatuses?.[0]?.state?.terminated?.reason, 'Completed');
    assert.match(await kubectlOk(cluster, ['get', 'pod', 'sleeper']), /sleeper\s+0\/1\s+Completed\s+0/);
  });

  it('a failing liveness probe: restarts climb', async () => {
    await kubectlOk(cluster, ['apply', '-f', '-'], {
      input: pod('unhealthy', {
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'c',
            image: 'nginx:1.27',
            livenessProbe: {
              httpGet: { path: '/nothing-here', port: 80 },
              periodSeconds: 1,
              failureThreshold: 1,
            },
          },
        ],
      }),
    });
    const p = await waitPod(
      'unhealthy',
      (x) => (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2,
      'restarts ≥ 2',
      90_000,
    );
    assert.ok(p.status?.containerStatuses?.[0]?.lastState?.terminated);
    const events = await kubectlOk(cluster, [
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=unhealthy',
    ]);
    assert.match(events, /Liveness probe failed: HTTP probe failed with statuscode: 404/);
  });

  it('imagePullPolicy Never on an uncached image: ErrImageNeverPull', async () => {
    await kubectlOk(cluster, ['apply', '-f', '-'], {
      input: pod('neverpull', { containers: [{ name: 'c', image: 'nginx:1.99', imagePullPolicy: 'Never' }] }),
    });
    const p = await waitPod(
      'neverpull',
      (x) => x.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImageNeverPull',
      'ErrImageNeverPull',
    );
    assert.equal(p.status?.phase, 'Pending');
    assert.match(await kubectlOk(cluster, ['get', 'pod', 'neverpull']), /ErrImageNeverPull/);
  });

  it('kubectl logs and kubectl exec reach the emulated container', async () => {
    await kubectlOk(cluster, ['apply', '-f', '-'], {
      input: pod('talker', {
        containers: [
          { name: 'c', image: 'busybox', command: ['sh', '-c', 'echo hello from talker; sleep 3600'] },
        ],
      }),
    });
    await waitPod('talker', (x) => x.status?.phase === 'Running', 'talker Running');
    const logs = await waitFor(
      async () => {
        const r = await kubectl(cluster, ['logs', 'talker']);
        return r.code === 0 && r.stdout.includes('hello') ? r.stdout : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 300, what: 'kubectl logs talker' },
    );
    assert.equal(logs, 'hello from talker\n');
    const host = await kubectlOk(cluster, ['exec', 'talker', '--', 'cat', '/etc/hostname']);
    assert.equal(host.trim(), 'talker');
  });

  it('kubectl delete pod completes gracefully', async () => {
    const r = await kubectl(cluster, ['delete', 'pod', 'nginx', '--timeout=60s'], { timeoutMs: 90_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /pod "nginx" deleted/);
    assert.equal(await getPod('nginx'), undefined);
  });
});
