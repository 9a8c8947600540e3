/**
 * Child processes for integration tests: every process a test starts is tracked and killed by
 * {@link killAll} (call it in `after`), and also on the test process' exit, so nothing is left behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  NATS_SERVER,
  REDIS_SERVER,
  type ServerCommand,
  ensureBinaries,
  natsServerCommand,
  redisServerCommand,
} from '@kubelab/binaries';
import { freePort, waitForPort } from './ports.js';

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

/** Spawns a tracked child; its output is collected in `output()` (and echoed when KUBELAB_TEST_VERBOSE=1). */
export function spawnTracked(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let out = '';
  const onData = (d: Buffer) => {
    out += d.toString();
    if (process.env.KUBELAB_TEST_VERBOSE === '1') process.stderr.write(d);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, exited, output: () => out };
}

/** Runs a TypeScript file in a child node process through tsx. */
export function spawnTs(file: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = process.env) {
  return spawnTracked(process.execPath, ['--import', 'tsx', file, ...args], env);
}

/** SIGKILLs every tracked child and waits for them to exit. */
export async function killAll(): Promise<void> {
  const waits = [...live].map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r))));
  for (const c of live) c.kill('SIGKILL');
  await Promise.all(waits);
}

/** A real server process on a fixed free port that a test can kill, pause and restart. */
export class ServerProcess {
  private proc: ReturnType<typeof spawnTracked> | undefined;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly cmd: ServerCommand,
  ) {}

  get pid(): number | undefined {
    return this.proc?.child.pid;
  }

  output(): string {
    return this.proc?.output() ?? '';
  }

  async start(): Promise<this> {
    this.proc = spawnTracked(this.cmd.command, this.cmd.args);
    await waitForPort(this.port);
    return this;
  }

  /** Sends `signal` (SIGKILL by default) and waits for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const p = this.proc;
    if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
    p.child.kill(signal);
    await p.exited;
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  pause(): void {
    this.proc?.child.kill('SIGSTOP');
  }

  resume(): void {
    this.proc?.child.kill('SIGCONT');
  }

  stop(): Promise<void> {
    return this.kill('SIGTERM');
  }
}

/** Starts a real nats-server on a free 127.0.0.1 port. */
export async function startNatsServer(): Promise<ServerProcess & { url: string }> {
  ensureBinaries([NATS_SERVER]);
  const port = await freePort();
  const srv = new ServerProcess('nats', port, natsServerCommand({ port }));
  await srv.start();
  return Object.assign(srv, { url: `nats://127.0.0.1:${port}` });
}

/** Starts a real redis-server on a free 127.0.0.1 port, with its data in a fresh temp dir. */
export async function startRedisServer(
  opts: { appendOnly?: boolean } = {},
): Promise<ServerProcess & { url: string; dir: string; cleanup(): void }> {
  ensureBinaries([REDIS_SERVER]);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'kubelab-redis-'));
  const cmdOpts = opts.appendOnly === undefined ? { port, dir } : { port, dir, appendOnly: opts.appendOnly };
  const srv = new ServerProcess('redis', port, redisServerCommand(cmdOpts));
  await srv.start();
  return Object.assign(srv, {
    url: `redis://127.0.0.1:${port}`,
    dir,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  });
}
