/**
 * Shared helpers for the api integration tests and bench/api.ts: one process cluster per file in a temp
 * KUBELAB_HOME (`kubelab up --detach`, `status`, `kill`, `restart`, `down`), a sweep that SIGKILLs every
 * process whose environment names that home, the real kubectl (always with `--kubeconfig` and a private
 * `--cache-dir`), and a small HTTPS client that trusts the cluster CA and sends the admin bearer token.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '@kubelab/testkit';

const run = promisify(execFile);
const bin = new URL('../../bin/kubelab.js', import.meta.url).pathname;

/** One row of `kubelab status` (NAME ROLE PID PORT ALIVE READY LEADER RESTARTS). */
export interface StatusRow {
  readonly name: string;
  readonly role: string;
  readonly pid: number | undefined;
  readonly port: number | undefined;
  readonly alive: string;
  readonly ready: string;
  readonly leader: string;
  readonly restarts: string;
}

export function parseStatus(stdout: string): StatusRow[] {
  const rows: StatusRow[] = [];
  for (const line of stdout.split('\n')) {
    if (!/^[a-z]+(-\d+)?\s/.test(line) || line.startsWith('NAME ')) continue;
    const [name = '', role = '', pid = '', port = '', alive = '', ready = '', leader = '', restarts = ''] =
      line.trim().split(/\s{2,}/);
    rows.push({
      name,
      role,
      pid: /^\d+$/.test(pid) ? Number(pid) : undefined,
      port: /^\d+$/.test(port) ? Number(port) : undefined,
      alive,
      ready,
      leader,
      restarts,
    });
  }
  return rows;
}

/** Credentials read back from the kubeconfig `kubelab up` wrote. */
export interface Credentials {
  readonly server: string;
  readonly ca: Buffer;
  readonly token: string;
}

/** A process cluster owned by one test file (or the benchmark). */
export class TestCluster {
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;
  readonly kubeconfig: string;
  /** kubectl's discovery cache: private to this cluster, so nothing stale from another run is used. */
  readonly cacheDir: string;

  constructor(prefix: string) {
    this.home = mkdtempSync(join(tmpdir(), `kubelab-${prefix}-`));
    this.env = { ...process.env, KUBELAB_HOME: this.home };
    this.kubeconfig = join(this.home, 'kubeconfig');
    this.cacheDir = join(this.home, 'kubectl-cache');
  }

  kubelab(...args: string[]): Promise<{ stdout: string; stderr: string }> {
    return run(process.execPath, [bin, ...args], { env: this.env, timeout: 120_000 });
  }

  async up(nodes = 0): Promise<void> {
    const { stdout } = await this.kubelab('up', '--detach', '--nodes', String(nodes));
    assert.match(stdout, /kubelab is up/);
  }

  /** Pids of every process whose environment names this cluster's KUBELAB_HOME (children inherit it). */
  ownPids(): number[] {
    const pids: number[] = [];
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
      try {
        if (readFileSync(`/proc/${d}/environ`, 'utf8').split('\0').includes(`KUBELAB_HOME=${this.home}`))
          pids.push(Number(d));
      } catch {
        // gone already, or not ours to read
      }
    }
    return pids;
  }

  /** `kubelab down`, then SIGKILL whatever is left of this cluster, then remove the home (kept, with its logs, when KUBELAB_KEEP_HOME=1). */
  async down(): Promise<void> {
    await this.kubelab('down').catch(() => undefined);
    for (const pid of this.ownPids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
    if (process.env.KUBELAB_KEEP_HOME === '1') console.error(`kept ${this.home}`);
    else rmSync(this.home, { recursive: true, force: true });
  }

  async status(): Promise<StatusRow[]> {
    return parseStatus((await this.kubelab('status')).stdout);
  }

  /** The api replica that leads Raft: waits until exactly one api row says LEADER yes. */
  async apiLeader(timeoutMs = 30_000): Promise<StatusRow> {
    return waitFor(
      async () => {
        const leaders = (await this.status()).filter((r) => r.role === 'api' && r.leader === 'yes');
        return leaders.length === 1 ? leaders[0] : undefined;
      },
      { timeoutMs, intervalMs: 250, what: 'exactly one api Raft leader' },
    );
  }

  async apiPort(name: string): Promise<number> {
    const row = (await this.status()).find((r) => r.name === name);
    assert.ok(row?.port, `status has a port for ${name}`);
    return row.port;
  }

  credentials(): Credentials {
    const kc = readFileSync(this.kubeconfig, 'utf8');
    const server = /^\s*server:\s*(\S+)/m.exec(kc)?.[1];
    const ca = /certificate-authority-data:\s*(\S+)/.exec(kc)?.[1];
    const token = /^\s*token:\s*(\S+)/m.exec(kc)?.[1];
    assert.ok(server && ca && token, 'the kubeconfig has a server, CA data and a token');
    return { server, ca: Buffer.from(ca, 'base64'), token };
  }

  /** A copy of the kubeconfig whose server is the given https port (kubeconfig has one server per cluster). */
  kubeconfigForPort(port: number): string {
    const text = readFileSync(this.kubeconfig, 'utf8').replace(
      /^(\s*server:\s*)https:\/\/127\.0\.0\.1:\d+/m,
      `$1https://127.0.0.1:${port}`,
    );
    const dir = join(this.home, 'kubeconfigs');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `port-${port}`);
    writeFileSync(path, text);
    return path;
  }

  /** A scratch directory inside the home (manifests, editor scripts). */
  scratch(name: string): string {
    const dir = join(this.home, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  }
}

export interface KubectlResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the real kubectl against the cluster, always with `--kubeconfig` and `--cache-dir`. Never rejects:
 * the exit code is part of what the tests assert. The child inherits the cluster's environment (so the
 * cleanup sweep finds a stuck kubectl too); `env` adds to it (EDITOR for `kubectl edit`).
 */
export function kubectl(
  cluster: TestCluster,
  args: readonly string[],
  opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; kubeconfig?: string } = {},
): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'kubectl',
      ['--kubeconfig', opts.kubeconfig ?? cluster.kubeconfig, '--cache-dir', cluster.cacheDir, ...args],
      { env: { ...cluster.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kubectl ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** kubectl that must succeed (exit 0); returns stdout. */
export async function kubectlOk(
  cluster: TestCluster,
  args: readonly string[],
  opts: Parameters<typeof kubectl>[2] = {},
): Promise<string> {
  const r = await kubectl(cluster, args, opts);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} exits 0\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

export interface HttpsResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

/** A minimal HTTPS client for one api replica (Node's fetch cannot take a CA, so this is https.request). */
export class ApiClient {
  readonly agent: https.Agent;

  constructor(
    readonly port: number,
    readonly creds: Credentials,
    opts: { keepAlive?: boolean; maxSockets?: number } = {},
  ) {
    this.agent = new https.Agent({
      keepAlive: opts.keepAlive ?? true,
      maxSockets: opts.maxSockets ?? 64,
      ca: creds.ca,
    });
  }

  request(
    method: string,
    path: string,
    body?: unknown,
    opts: { timeoutMs?: number; headers?: Record<string, string> } = {},
  ): Promise<HttpsResponse> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = https.request(
        {
          host: '127.0.0.1',
          port: this.port,
          method,
          path,
          agent: this.agent,
          headers: {
            authorization: `Bearer ${this.creds.token}`,
            accept: 'application/json',
            ...(payload === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
            ...opts.headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', reject);
        },
      );
      req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** A request whose reply must have the given status; returns the parsed JSON body. */
  async json<T = unknown>(method: string, path: string, body?: unknown, expect = 200): Promise<T> {
    const r = await this.request(method, path, body);
    assert.equal(r.status, expect, `${method} ${path}: ${r.text.slice(0, 500)}`);
    return JSON.parse(r.text) as T;
  }

  /**
   * A watch: GET `path` (which must carry `watch=true`), calling `onEvent` for each JSON line as it arrives.
   * Resolves once the response headers are in; `close()` ends it from this side.
   */
  watch(
    path: string,
    onEvent: (ev: { type: string; object: KubeObject }) => void,
  ): Promise<{ close: () => void; ended: Promise<void>; status: number }> {
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: this.port,
          method: 'GET',
          path,
          agent: false,
          ca: this.creds.ca,
          headers: { authorization: `Bearer ${this.creds.token}`, accept: 'application/json' },
        },
        (res) => {
          let buf = '';
          const ended = new Promise<void>((done) => {
            res.on('end', done);
            res.on('close', done);
            res.on('error', () => done());
          });
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            buf += c;
            for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              if (line.trim()) onEvent(JSON.parse(line));
            }
          });
          resolve({ close: () => req.destroy(), ended, status: res.statusCode ?? 0 });
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name?: string;
    generateName?: string;
    namespace?: string;
    resourceVersion?: string;
    uid?: string;
    labels?: Record<string, string>;
    [k: string]: unknown;
  };
  data?: Record<string, string>;
  [k: string]: unknown;
}

export interface KubeList<T = KubeObject> {
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

/** p-th percentile (nearest rank) of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)] ?? Number.NaN;
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight. */
export async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
