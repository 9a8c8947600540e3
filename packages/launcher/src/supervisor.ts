/**
 * Runs the process cluster: starts every {@link ProcessSpec} as a child process, writes each one's output to
 * `$KUBELAB_HOME/logs/<name>.log` (and, in the foreground, to a prefixed line sink), tracks exits, restarts on
 * request and stops everything in reverse order. It never restarts a process by itself: a chaos drill kills
 * a process to watch the rest of the cluster heal, and `kubelab restart` brings it back.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type WriteStream, createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ProcessState } from './state.js';
import type { ProcessSpec } from './topology.js';

/** Decides whether a started process is ready (nats/redis: port open; services: health over the bus). */
export type ReadinessProbe = (spec: ProcessSpec, signal: AbortSignal) => Promise<boolean>;

export interface SupervisorOptions {
  readonly home: string;
  readonly specs: readonly ProcessSpec[];
  readonly probe: ReadinessProbe;
  /** Receives every output line as `name | line` (foreground mode). */
  readonly lineSink?: (name: string, line: string) => void;
  /** How long a process gets between SIGTERM and SIGKILL on stop. */
  readonly stopGraceMs?: number;
  readonly readyTimeoutMs?: number;
  /** Called whenever a process starts or exits, so the state file can be rewritten. */
  readonly onChange?: () => void;
}

interface Managed {
  readonly spec: ProcessSpec;
  child: ChildProcess | undefined;
  exited: Promise<void>;
  lastExit: string | null;
  restarts: number;
  log: WriteStream;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Supervisor {
  private readonly procs = new Map<string, Managed>();
  private stopping = false;

  constructor(private readonly o: SupervisorOptions) {
    mkdirSync(join(o.home, 'logs'), { recursive: true });
    for (const spec of o.specs) {
      const log = createWriteStream(this.logFile(spec.name), { flags: 'a' });
      this.procs.set(spec.name, {
        spec,
        child: undefined,
        exited: Promise.resolve(),
        lastExit: null,
        restarts: 0,
        log,
      });
    }
  }

  logFile(name: string): string {
    return join(this.o.home, 'logs', `${name}.log`);
  }

  /** Starts the external servers, then every service, and waits until all are ready. */
  async start(signal: AbortSignal): Promise<void> {
    const specs = this.o.specs;
    const external = specs.filter((s) => s.role === 'nats' || s.role === 'redis');
    const services = specs.filter((s) => !external.includes(s));
    for (const s of external) this.spawn(s);
    await Promise.all(external.map((s) => this.waitReady(s, signal)));
    for (const s of services) this.spawn(s);
    await Promise.all(services.map((s) => this.waitReady(s, signal)));
  }

  /** Stops one process (SIGTERM, then SIGKILL after the grace period) and starts it again. */
  async restart(name: string, signal: AbortSignal): Promise<void> {
    const m = this.get(name);
    await this.stopOne(m);
    m.restarts++;
    this.spawn(m.spec);
    await this.waitReady(m.spec, signal);
  }

  /** Stops every process, services first (in reverse start order), then redis and nats. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    const order = [...this.procs.values()].reverse();
    const services = order.filter((m) => m.spec.role !== 'nats' && m.spec.role !== 'redis');
    await Promise.all(services.map((m) => this.stopOne(m)));
    for (const m of order.filter((x) => !services.includes(x))) await this.stopOne(m);
    await Promise.all([...this.procs.values()].map((m) => new Promise((r) => m.log.end(r))));
  }

  states(): ProcessState[] {
    return [...this.procs.values()].map((m) => ({
      name: m.spec.name,
      role: m.spec.role,
      pid: m.child?.pid ?? null,
      port: m.spec.port ?? null,
      alive: isRunning(m.child),
      lastExit: m.lastExit,
      restarts: m.restarts,
      logFile: this.logFile(m.spec.name),
    }));
  }

  has(name: string): boolean {
    return this.procs.has(name);
  }

  private get(name: string): Managed {
    const m = this.procs.get(name);
    if (!m) throw new Error(`no process named "${name}"`);
    return m;
  }

  private spawn(spec: ProcessSpec): void {
    const m = this.get(spec.name);
    const child = spawn(spec.command, [...profileArgs(spec), ...spec.args], {
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    m.child = child;
    m.lastExit = null;
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      const rl = createInterface({ input: stream });
      rl.on('line', (line) => {
        m.log.write(`${line}\n`);
        this.o.lineSink?.(spec.name, line);
      });
    }
    m.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, sig) => {
        m.lastExit = sig ?? `exit ${code}`;
        if (!this.stopping) this.o.lineSink?.(spec.name, `-- process exited (${m.lastExit})`);
        this.o.onChange?.();
        resolve();
      });
      child.once('error', (err) => {
        m.lastExit = `spawn error: ${err.message}`;
        this.o.onChange?.();
        resolve();
      });
    });
    this.o.onChange?.();
  }

  private async stopOne(m: Managed): Promise<void> {
    const child = m.child;
    if (!isRunning(child)) return;
    child?.kill('SIGTERM');
    const graceful = await Promise.race([
      m.exited.then(() => true),
      sleep(this.o.stopGraceMs ?? 5000).then(() => false),
    ]);
    if (!graceful) {
      child?.kill('SIGKILL');
      await m.exited;
    }
  }

  private async waitReady(spec: ProcessSpec, signal: AbortSignal): Promise<void> {
    const m = this.get(spec.name);
    const deadline = Date.now() + (this.o.readyTimeoutMs ?? 60_000);
    for (;;) {
      if (signal.aborted) throw signal.reason ?? new Error('aborted');
      if (!isRunning(m.child)) {
        throw new Error(
          `${spec.name} exited during start-up (${m.lastExit}); see ${this.logFile(spec.name)}`,
        );
      }
      if (await this.o.probe(spec, signal).catch(() => false)) return;
      if (Date.now() > deadline)
        throw new Error(`${spec.name} not ready after ${this.o.readyTimeoutMs ?? 60_000} ms`);
      await sleep(100);
    }
  }
}

function isRunning(child: ChildProcess | undefined): boolean {
  return (
    child !== undefined && child.exitCode === null && child.signalCode === null && child.pid !== undefined
  );
}

/**
 * `KUBELAB_CPU_PROF_DIR=dir` makes every service process write a V8 CPU profile (`--cpu-prof`, one per thread) into
 * dir/<process name> when it
 * exits (Node refuses `--cpu-prof` in NODE_OPTIONS, so the launcher passes it). For performance work.
 */
function profileArgs(spec: ProcessSpec): string[] {
  const dir = process.env.KUBELAB_CPU_PROF_DIR;
  if (!dir || spec.role === 'nats' || spec.role === 'redis') return [];
  return ['--cpu-prof', `--cpu-prof-dir=${dir}/${spec.name}`];
}
