/**
 * The kubelet's formerly known gaps in a real process cluster (one node), with the real kubectl and curl:
 * exec output streams as produced and stdin reaches `sh`; Service environment variables; the seed's slow
 * starter with probe timing scaled by KUBELAB_PROBE_TIME_SCALE=0.1 (a "90 s" start is `sleep 9`); the
 * activeDeadlineSeconds failure; and a node agent restart (SIGKILL + restart) that keeps pods' IPs and counts
 * one restart.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Pod } from '@kubelab/api-types';
import { waitFor } from '@kubelab/testkit';
import { TestCluster, kubectl, kubectlOk } from '../api/helpers.js';
import { pinnedPod, getPod as podOf, waitNodeReady, waitPod as waitPodOf } from '../cluster-helpers.js';

const run = promisify(execFile);
const cluster = new TestCluster('kubelet-gaps');
Object.assign(cluster.env, {
  KUBELAB_CRASH_BACKOFF_INITIAL_MS: '1000',
  KUBELAB_CRASH_BACKOFF_MAX_MS: '4000',
  KUBELAB_PROBE_TIME_SCALE: '0.1',
  KUBELAB_NODE_LEASE_PERIOD_MS: '2000',
  KUBELAB_NODE_STATUS_CHECK_MS: '2000',
});

const pod = (name: string, spec: Record<string, unknown>) => pinnedPod(name, spec);
const getPod = (name: string) => podOf(cluster, name);
const waitPod = (name: string, ok: (p: Pod) => boolean, what: string, timeoutMs = 60_000) =>
  waitPodOf(cluster, name, ok, what, timeoutMs);

const running = (p: Pod) =>
  p.status?.phase === 'Running' && !!p.status.containerStatuses?.[0]?.state?.running;

/** `kubectl exec`, recording when each stdout chunk arrived (ms since the start). */
function execTimed(
  args: string[],
): Promise<{ chunks: { atMs: number; text: string }[]; code: number | null; endMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(
      'kubectl',
      ['--kubeconfig', cluster.kubeconfig, '--cache-dir', cluster.cacheDir, 'exec', ...args],
      {
        env: cluster.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const chunks: { atMs: number; text: string }[] = [];
    child.stdout
      .setEncoding('utf8')
      .on('data', (text: string) => chunks.push({ atMs: performance.now() - t0, text }));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ chunks, code, endMs: performance.now() - t0 });
    });
  });
}

async function curlStatus(url: string): Promise<string> {
  const r = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-m', '3', url]).catch(
    (err: { stdout?: string }) => ({ stdout: err.stdout ?? '000' }),
  );
  return r.stdout.trim();
}

describe('kubelet gaps - process cluster', { timeout: 400_000 }, () => {
  before(async () => {
    await cluster.up(1);
    await waitNodeReady(cluster, 'node-0');
    await kubectlOk(cluster, ['apply', '-f', '-'], {
      input: pod('shell', { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] }),
    });
    await waitPod('shell', running, 'shell Running');
  });
  after(async () => {
    await cluster.down();
  });

  it('kubectl exec streams output as the command writes it', async () => {
    const r = await execTimed(['shell', '--', 'sh', '-c', 'echo one; sleep 3; echo two']);
    assert.equal(r.code, 0);
    assert.equal(r.chunks.map((c) => c.text).join(''), 'one\ntwo\n');
    const first = r.chunks[0]?.atMs ?? Number.POSITIVE_INFINITY;
    assert.ok(first < r.endMs - 2_000, `"one" arrived at ${first} ms, the command ended at ${r.endMs} ms`);
  });

  it('kubectl exec -i … -- sh runs what stdin carries', async () => {
    const out = await kubectlOk(cluster, ['exec', '-i', 'shell', '--', 'sh'], {
      input: 'echo from-stdin\ncat /etc/hostname\n',
    });
    assert.equal(out, 'from-stdin\nshell\n');
  });

  it('Service environment variables of the services that existed at container start', async () => {
    await kubectlOk(cluster, ['create', 'service', 'clusterip', 'redis-primary', '--tcp=6379:6379']);
    const ip = (
      await kubectlOk(cluster, ['get', 'svc', 'redis-primary', '-o', 'jsonpath={.spec.clusterIP}'])
    ).trim();
    await kubectlOk(cluster, ['apply', '-f', '-'], {
      input: pod('envs', { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] }),
    });
    await waitPod('envs', running, 'envs Running');
    const env = await kubectlOk(cluster, ['exec', 'envs', '--', 'env']);
    assert.match(env, new RegExp(`^REDIS_PRIMARY_SERVICE_HOST=${ip.replaceAll('.', '\\.')}$`, 'm'));
    assert.match(env, /^REDIS_PRIMARY_SERVICE_PORT=6379$/m);
    assert.match(
      env,
      new RegExp(`^REDIS_PRIMARY_PORT_6379_TCP=tcp://${ip.replaceAll('.', '\\.')}:6379$`, 'm'),
    );
    const k = await kubectl(cluster, ['get', 'svc', 'kubernetes', '-o', 'jsonpath={.spec.clusterIP}']);
    if (k.code === 0 && k.stdout.trim() !== '') {
      assert.match(
        env,
        new RegExp(`^KUBERNETES_SERVICE_HOST=${k.stdout.trim().replaceAll('.', '\\.')}$`, 'm'),
      );
    }
    // The shell pod started before the service: no variables for it.
    assert.doesNotMatch(await kubectlOk(cluster, ['exec', 'shell', '--', 'env']), /REDIS_PRIMARY/);
  });

  it('the slow starter ("90 s", scaled): survives with a startupProbe, is restarted with liveness only', async () => {
    const nginxAfter = (seconds: number) => ({
      name: 'web',
      image: 'nginx:1.27',
      command: ['sh', '-c', `sleep ${seconds}; nginx -g 'daemon off;'`],
      ports: [{ containerPort: 80 }],
    });
    const http = { httpGet: { path: '/', port: 80, httpHeaders: [{ name: 'X-Probe', value: 'kubelab' }] } };
    await kubectlOk(cluster, ['apply', '-f', '-'], {
      input: pod('slow-startup', {
        terminationGracePeriodSeconds: 3,
        containers: [
          {
            ...nginxAfter(9),
            startupProbe: { ...http, periodSeconds: 10, failureThreshold: 30 },
            livenessProbe: { tcpSocket: { port: 80 }, periodSeconds: 10, failureThreshold: 3 },
            readinessProbe: { ...http, periodSeconds: 10 },
          },
        ],
      }),
    });
    await kubectlOk(cluster, ['apply', '-f', '-'], {
      input: pod('slow-liveness', {
        terminationGracePeriodSeconds: 3,
        containers: [
          {
            ...nginxAfter(9),
            livenessProbe: { ...http, initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 3 },
          },
        ],
      }),
    });
    const ok = await waitPod(
      'slow-startup',
      (p) => p.status?.containerStatuses?.[0]?.ready === true,
      'slow-startup Ready',
      60_000,
    );
    assert.equal(ok.status?.containerStatuses?.[0]?.restartCount, 0);
    const killed = await waitPod(
      'slow-liveness',
      (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1,
      'slow-liveness restarted',
      60_000,
    );
    assert.ok(killed.status?.containerStatuses?.[0]?.lastState?.terminated);
    await new Promise((r) => setTimeout(r, 5_000));
    assert.equal((await getPod('slow-startup'))?.status?.containerStatuses?.[0]?.restartCount, 0);
    const events = await kubectlOk(cluster, [
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=slow-liveness',
    ]);
    assert.match(events, /Container web failed liveness probe, will be restarted/);
  });

  it('activeDeadlineSeconds: Failed with reason DeadlineExceeded, the container stopped', async () => {
    await kubectlOk(cluster, ['apply', '-f', '-'], {
      input: pod('deadline', {
        activeDeadlineSeconds: 3,
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }],
      }),
    });
    const p = await waitPod(
      'deadline',
      (x) => x.status?.phase === 'Failed' && !!x.status.containerStatuses?.[0]?.state?.terminated,
      'deadline Failed, its container stopped',
      30_000,
    );
    assert.equal(p.status?.reason, 'DeadlineExceeded');
    assert.equal(p.status?.message, 'Pod was active on the node longer than the specified deadline');
    // kubectl prints the killed container's reason over the pod's (printPod), as for a real kubelet.
    assert.match(
      await kubectlOk(cluster, ['get', 'pod', 'deadline']),
      /deadline\s+0\/1\s+(Error|DeadlineExceeded)\s+0/,
    );
    const events = await kubectlOk(cluster, [
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=deadline',
    ]);
    assert.match(
      events,
      /DeadlineExceeded\s+pod\/deadline\s+Pod was active on the node longer than the specified deadline/,
    );
  });

  it('a node agent restart keeps pod IPs and counts one restart', async () => {
    await kubectlOk(cluster, ['apply', '-f', '-'], {
      input: pod('keeper', {
        containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }],
      }),
    });
    const before = await waitPod('keeper', running, 'keeper Running');
    const ip = before.status?.podIP ?? '';
    await waitFor(async () => ((await curlStatus(`http://${ip}:80/`)) === '200' ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 200,
      what: 'keeper answers',
    });
    const ips = new Map<string, string>();
    for (const name of ['keeper', 'shell', 'envs']) ips.set(name, (await getPod(name))?.status?.podIP ?? '');
    await cluster.kubelab('kill', 'node-0');
    assert.equal(
      await curlStatus(`http://${ip}:80/`),
      '000',
      'the emulated nginx died with the node process',
    );
    await cluster.kubelab('restart', 'node-0');
    const after = await waitPod(
      'keeper',
      (p) => running(p) && p.status?.containerStatuses?.[0]?.restartCount === 1,
      'keeper restarted once',
      60_000,
    );
    assert.equal(after.status?.podIP, ip);
    assert.equal(after.status?.startTime, before.status?.startTime);
    assert.equal(after.status?.containerStatuses?.[0]?.lastState?.terminated?.reason, 'Unknown');
    for (const [name, was] of ips) {
      const p = await waitPod(name, running, `${name} Running again`);
      assert.equal(p.status?.podIP, was, `${name} keeps its IP`);
    }
    assert.equal(new Set(ips.values()).size, ips.size);
    await waitFor(async () => ((await curlStatus(`http://${ip}:80/`)) === '200' ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 200,
      what: 'keeper answers again',
    });
  });
});
