/**
 * Helpers the process-cluster suites (node, controllers, seed) share on top of `api/helpers.ts`: objects read
 * and created through the real kubectl, pods waited on, node readiness as `kubectl get nodes` shows it, and a
 * plain HTTP GET from the test process.
 */
import http from 'node:http';
import type { Pod } from '@kubelab/api-types';
import { waitFor } from '@kubelab/testkit';
import { ApiClient, type TestCluster, kubectl, kubectlOk } from './api/helpers.js';

/** A pod manifest (JSON, for `kubectl create -f -`) bound to `nodeName` up front, so no scheduler is needed. */
export function pinnedPod(name: string, spec: Record<string, unknown>, nodeName = 'node-0'): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName, ...spec } });
}

/** `kubectl <args> -o json`, parsed; rejects when kubectl fails. */
export async function getJson<T>(cluster: TestCluster, args: string[]): Promise<T> {
  return JSON.parse(await kubectlOk(cluster, [...args, '-o', 'json'])) as T;
}

/** `kubectl create -f -` of one object. */
export async function createObject(cluster: TestCluster, obj: unknown): Promise<void> {
  await kubectlOk(cluster, ['create', '-f', '-'], { input: JSON.stringify(obj) });
}

/** The pod as `kubectl get pod NAME -o json` shows it, or undefined when kubectl cannot get it. */
export async function getPod(cluster: TestCluster, name: string): Promise<Pod | undefined> {
  const r = await kubectl(cluster, ['get', 'pod', name, '-o', 'json']);
  return r.code === 0 ? (JSON.parse(r.stdout) as Pod) : undefined;
}

/** Polls the pod through kubectl until `ok` holds; returns the pod that satisfied it. */
export function waitPod(
  cluster: TestCluster,
  name: string,
  ok: (p: Pod) => boolean,
  what: string,
  timeoutMs = 120_000,
): Promise<Pod> {
  return waitFor(
    async () => {
      const p = await getPod(cluster, name);
      return p && ok(p) ? p : undefined;
    },
    { timeoutMs, intervalMs: 500, what: `${name}: ${what}` },
  );
}

/** Waits until the node's Ready condition is True. */
export async function waitNodeReady(cluster: TestCluster, node: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () => {
      const r = await kubectl(cluster, [
        'get',
        'node',
        node,
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
      ]);
      return r.code === 0 && r.stdout === 'True' ? true : undefined;
    },
    { timeoutMs, intervalMs: 500, what: `${node} Ready` },
  );
}

/** Waits until `kubectl get nodes` shows `count` nodes Ready. */
export async function waitNodesListedReady(cluster: TestCluster, count: number, timeoutMs = 90_000) {
  await waitFor(
    async () => {
      const r = await kubectl(cluster, ['get', 'nodes', '--no-headers']);
      return r.stdout.split('\n').filter((l) => /\sReady\s/.test(l)).length === count ? true : undefined;
    },
    { timeoutMs, intervalMs: 500, what: `${count} nodes Ready` },
  );
}

/**
 * Starts the cluster with `nodes` node agents, returns an HTTPS client of its api (destroy its agent when
 * done) once `kubectl get nodes` shows them all Ready.
 */
export async function upWithNodesReady(cluster: TestCluster, nodes: number): Promise<ApiClient> {
  await cluster.up(nodes);
  const creds = cluster.credentials();
  const api = new ApiClient(Number(new URL(creds.server).port), creds);
  try {
    await waitNodesListedReady(cluster, nodes);
  } catch (err) {
    api.agent.destroy();
    throw err;
  }
  return api;
}

/** An HTTP GET from the test process; rejects on connection errors and after `timeoutMs`. */
export function httpGet(
  host: string,
  port: number,
  path = '/',
  timeoutMs = 5_000,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path, timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`GET http://${host}:${port}${path} timed out`)));
  });
}
