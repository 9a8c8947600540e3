/**
 * Helpers for the seed acceptance suites (issue 6): pods read back through the real kubectl, waits on their
 * status, `kubectl get pod -w` recorded with arrival times, plain HTTP/TCP from the test process to pod,
 * ClusterIP and NodePort addresses, and the env that shortens the node agents' and controllers' durations.
 */
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import net from 'node:net';
import type { Pod } from '@kubelab/api-types';
import { waitFor } from '@kubelab/testkit';
import { type TestCluster, kubectl, kubectlOk } from '../api/helpers.js';

export { getPod, httpGet, waitPod } from '../cluster-helpers.js';

/**
 * Durations shortened for the suites (each is read by the node agent or the controller manager; see
 * services/node/src/config.ts and services/controller/src/nodelifecycle). CrashLoopBackOff starts at 2 s and
 * doubles to 16 s, so three restarts take well under a minute while the doubling stays measurable.
 */
export const SHORT_DURATIONS: Readonly<Record<string, string>> = {
  KUBELAB_CRASH_BACKOFF_INITIAL_MS: '2000',
  KUBELAB_CRASH_BACKOFF_MAX_MS: '16000',
  KUBELAB_IMAGE_BACKOFF_INITIAL_MS: '1000',
  KUBELAB_NODE_POD_CIDR_WAIT_MS: '3000',
  KUBELAB_NODE_LEASE_PERIOD_MS: '1000',
  KUBELAB_NODE_LEASE_DURATION_SECONDS: '4',
  KUBELAB_NODE_STATUS_CHECK_MS: '2000',
  KUBELAB_NODE_MONITOR_GRACE_MS: '8000',
  KUBELAB_NODE_MONITOR_PERIOD_MS: '1000',
};

/** Pods matching a label selector (`kubectl get pods -l … -o json`). */
export async function listPods(cluster: TestCluster, selector: string): Promise<Pod[]> {
  const out = await kubectlOk(cluster, ['get', 'pods', '-l', selector, '-o', 'json']);
  return (JSON.parse(out) as { items: Pod[] }).items;
}

/** Every Node reports Ready=True and has a podCIDR. */
export async function waitNodesReady(cluster: TestCluster, count: number, timeoutMs = 120_000) {
  await waitFor(
    async () => {
      const r = await kubectl(cluster, ['get', 'nodes', '-o', 'json']);
      if (r.code !== 0) return undefined;
      const nodes = (
        JSON.parse(r.stdout) as {
          items: {
            spec?: { podCIDR?: string };
            status?: { conditions?: { type: string; status: string }[] };
          }[];
        }
      ).items;
      const ready = nodes.filter(
        (n) =>
          n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && n.spec?.podCIDR,
      );
      return ready.length === count ? true : undefined;
    },
    { timeoutMs, intervalMs: 500, what: `${count} nodes Ready with a podCIDR` },
  );
}

/** A condition's status on the pod (`True`/`False`/undefined). */
export function condition(p: Pod, type: string): string | undefined {
  return p.status?.conditions?.find((c) => c.type === type)?.status;
}

/** Seconds between two RFC 3339 timestamps (kubectl shows second precision). */
export function secondsBetween(from: string | undefined, to: string | undefined): number {
  assert.ok(from && to, `both timestamps are set (${from}, ${to})`);
  return (Date.parse(to) - Date.parse(from)) / 1000;
}

/** One row of `kubectl get pod -w` with the test's monotonic arrival time (ms since the watch started). */
export interface WatchRow {
  readonly atMs: number;
  readonly name: string;
  readonly ready: string;
  readonly status: string;
  readonly restarts: number;
  readonly line: string;
}

/**
 * `kubectl get pods -w` running in the background: every row it prints, parsed, with when it arrived (the
 * seed's way of following pods). It watches the whole namespace, so it can start before the pods exist
 * (`kubectl get pod NAME -w` exits with NotFound then); {@link of} picks one pod's rows.
 */
export class PodWatch {
  readonly rows: WatchRow[] = [];
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #t0 = performance.now();
  #buf = '';
  #stderr = '';

  constructor(cluster: TestCluster) {
    this.#child = spawn(
      'kubectl',
      ['--kubeconfig', cluster.kubeconfig, '--cache-dir', cluster.cacheDir, 'get', 'pods', '-w'],
      { env: cluster.env, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this.#child.stdin.end();
    this.#child.stdout.setEncoding('utf8').on('data', (c: string) => {
      this.#buf += c;
      for (let nl = this.#buf.indexOf('\n'); nl >= 0; nl = this.#buf.indexOf('\n')) {
        const line = this.#buf.slice(0, nl);
        this.#buf = this.#buf.slice(nl + 1);
        this.#onLine(line);
      }
    });
    this.#child.stderr.setEncoding('utf8').on('data', (c: string) => {
      this.#stderr += c;
    });
  }

  #onLine(line: string): void {
    if (line.startsWith('NAME') || line.trim() === '') return;
    // NAME READY STATUS RESTARTS AGE; RESTARTS may read "3 (5s ago)".
    const m = /^(\S+)\s+(\d+\/\d+)\s+(\S+)\s+(\d+)/.exec(line);
    if (!m) return;
    this.rows.push({
      atMs: performance.now() - this.#t0,
      name: m[1] ?? '',
      ready: m[2] ?? '',
      status: m[3] ?? '',
      restarts: Number(m[4]),
      line,
    });
  }

  /** Rows for one pod. */
  of(name: string): WatchRow[] {
    return this.rows.filter((r) => r.name === name);
  }

  /** Waits until a row for `name` satisfies `ok`. */
  until(name: string, ok: (r: WatchRow) => boolean, what: string, timeoutMs = 120_000): Promise<WatchRow> {
    return waitFor(() => this.of(name).find(ok), {
      timeoutMs,
      intervalMs: 100,
      what: `kubectl get pod -w: ${name} ${what}\nrows:\n${this.dump(name)}\nstderr: ${this.#stderr}`,
    });
  }

  /** The rows seen for `name`, one per line with their times (for assertion messages and the test log). */
  dump(name: string): string {
    return this.of(name)
      .map((r) => `  +${(r.atMs / 1000).toFixed(1)}s  ${r.line}`)
      .join('\n');
  }

  stop(): void {
    this.#child.kill('SIGKILL');
  }
}

/** What a TCP connect attempt to host:port ended in: 'connected', or the error code (ECONNREFUSED, …). */
export function tcpConnect(host: string, port: number, timeoutMs = 3_000): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      resolve('ETIMEDOUT');
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.destroy();
      resolve('connected');
    });
    s.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(err.code ?? err.message);
    });
  });
}
