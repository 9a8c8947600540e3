/**
 * kube-proxy end to end (issue 6's acceptance: "curl to a ClusterIP and to a NodePort spreads over 3 replicas"):
 * a process cluster with 2 nodes, 3 nginx replicas behind a ClusterIP, a NodePort and a LoadBalancer service.
 * Requests go through the real curl; which replica answered is read from each pod's nginx access log (the
 * emulated nginx logs every request to stdout, so `kubectl logs` shows them), by a per-test User-Agent.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { waitFor } from '@kubelab/testkit';
import { TestCluster, kubectl, kubectlOk } from '../api/helpers.js';

const run = promisify(execFile);
const cluster = new TestCluster('proxy');
const REQUESTS = 30;

/** `curl -s` with a User-Agent; the HTTP status (000 when the connection failed). */
async function curl(url: string, agent: string): Promise<string> {
  const r = await run('curl', [
    '-s',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '-m',
    '5',
    '-A',
    agent,
    url,
  ]).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '000' }));
  return r.stdout.trim();
}

async function jsonpath(args: string[], path: string): Promise<string> {
  return (await kubectlOk(cluster, [...args, '-o', `jsonpath=${path}`])).trim();
}

/** How many access-log lines with `agent` each web pod has. */
async function hitsPerPod(agent: string): Promise<Map<string, number>> {
  const names = (await jsonpath(['get', 'pods', '-l', 'app=web'], '{.items[*].metadata.name}')).split(/\s+/);
  const out = new Map<string, number>();
  for (const name of names) {
    const logs = await kubectlOk(cluster, ['logs', name]);
    out.set(name, logs.split('\n').filter((l) => l.includes(`"${agent}"`)).length);
  }
  return out;
}

/** Sends {@link REQUESTS} requests to `url` (after it first answers) and checks every replica served some. */
async function assertSpread(url: string, agent: string): Promise<void> {
  await waitFor(async () => (await curl(url, `${agent}-warmup`)) === '200', {
    timeoutMs: 30_000,
    intervalMs: 250,
    what: `${url} to answer`,
  });
  for (let i = 0; i < REQUESTS; i++) assert.equal(await curl(url, agent), '200', `request ${i} to ${url}`);
  const hits = await hitsPerPod(agent);
  console.log(`# ${url}: ${[...hits].map(([p, n]) => `${p}=${n}`).join(' ')}`);
  assert.equal(hits.size, 3, 'three replicas');
  assert.equal(
    [...hits.values()].reduce((a, b) => a + b, 0),
    REQUESTS,
    'every request logged once',
  );
  for (const [pod, n] of hits) assert.ok(n > 0, `${pod} served some of the ${REQUESTS} requests`);
}

describe('kube-proxy: services spread over 3 nginx replicas', () => {
  before(async () => {
    await cluster.up(2);
    await cluster.apiLeader();
    await kubectlOk(cluster, ['create', 'deployment', 'web', '--image=nginx', '--replicas=3', '--port=80']);
    await kubectlOk(cluster, ['rollout', 'status', 'deployment/web', '--timeout=120s'], {
      timeoutMs: 130_000,
    });
  });

  after(async () => {
    await cluster.down();
  });

  it('ClusterIP', async () => {
    await kubectlOk(cluster, ['expose', 'deployment', 'web', '--port=80', '--name=web']);
    const ip = await jsonpath(['get', 'svc', 'web'], '{.spec.clusterIP}');
    assert.match(
      ip,
      /^127\.(9[6-9]|10[0-9]|11[01])\./,
      "a ClusterIP from the cluster slot's 127.(96+slot).0.0/16",
    );
    await assertSpread(`http://${ip}/`, 'cluster-ip-test');
  });

  it('NodePort on every node address', async () => {
    await kubectlOk(cluster, [
      'expose',
      'deployment',
      'web',
      '--port=80',
      '--type=NodePort',
      '--name=web-np',
    ]);
    const nodePort = await jsonpath(['get', 'svc', 'web-np'], '{.spec.ports[0].nodePort}');
    const addresses = (
      await jsonpath(['get', 'nodes'], '{.items[*].status.addresses[?(@.type=="InternalIP")].address}')
    ).split(/\s+/);
    assert.equal(addresses.length, 2, `two node addresses: ${addresses}`);
    for (const [i, addr] of addresses.entries())
      await assertSpread(`http://${addr}:${nodePort}/`, `node-port-${i}`);
  });

  it('LoadBalancer gets an ingress IP that serves', async () => {
    await kubectlOk(cluster, [
      'expose',
      'deployment',
      'web',
      '--port=8080',
      '--target-port=80',
      '--type=LoadBalancer',
      '--name=web-lb',
    ]);
    const ip = await waitFor(
      async () =>
        (await jsonpath(['get', 'svc', 'web-lb'], '{.status.loadBalancer.ingress[0].ip}')) || undefined,
      { timeoutMs: 30_000, intervalMs: 250, what: 'the ingress IP' },
    );
    assert.match(ip, /^127\.2(0[0-9]|1[0-5])\./, "an ingress IP from the slot's 127.(200+slot).0.0/16");
    const row = (await kubectl(cluster, ['get', 'svc', 'web-lb'])).stdout;
    assert.match(
      row,
      new RegExp(`LoadBalancer\\s+127\\.\\d+\\.\\S+\\s+${ip.replaceAll('.', '\\.')}\\s+8080:\\d+/TCP`),
    );
    await assertSpread(`http://${ip}:8080/`, 'load-balancer-test');
  });

  it('a service whose pods are gone refuses connections', async () => {
    await kubectlOk(cluster, ['scale', 'deployment', 'web', '--replicas=0']);
    const ip = await jsonpath(['get', 'svc', 'web'], '{.spec.clusterIP}');
    // While the old pods terminate their endpoints may still be listed as serving (kube-proxy then uses them,
    // and the connection fails later); once they are gone the ClusterIP refuses outright, as iptables' REJECT.
    const refused = async () => {
      const r = await run('curl', ['-sS', '-m', '5', `http://${ip}/`]).catch(
        (err: { stderr?: string }) => err,
      );
      return /Connection refused|Couldn't connect/.test(String((r as { stderr?: string }).stderr));
    };
    await waitFor(refused, { timeoutMs: 60_000, intervalMs: 250, what: 'connections to be refused' });
  });
});
