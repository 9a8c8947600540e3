/**
 * An emulated container process: PID 1 runs its argv through the shell machinery, writes to a log ring,
 * receives SIGTERM/SIGKILL from `stop`, and reports its exit as the kubelet shows it.
 */
import type { Clock } from '@kubelab/clock';
import { LogRing } from './logs.js';
import { Shell, ShellExit } from './shell/interp.js';
import { type CommandIO, type ContainerContext, ProcessKilled } from './shell/types.js';
import type { ContainerProcess, ExitStatus, LogLine } from './types.js';

/** Requests counted for usage over this window. */
const usageWindowMs = 10_000;
const usageSamplesMax = 100_000;

/** Tracks requests served, for the per-request part of emulated usage. */
export class RequestMeter {
  private readonly at: number[] = [];

  constructor(private readonly clock: Clock) {}

  record(): void {
    this.at.push(this.clock.now());
    if (this.at.length > usageSamplesMax) this.at.splice(0, this.at.length - usageSamplesMax);
  }

  /** Requests within the last window. */
  recent(): number {
    const since = this.clock.now() - usageWindowMs;
    while (this.at.length > 0 && (this.at[0] as number) < since) this.at.shift();
    return this.at.length;
  }
}

export interface ProcessOptions {
  readonly name: string;
  readonly id: string;
  readonly argv: readonly string[];
  readonly env: ReadonlyMap<string, string>;
  readonly cwd: string;
  readonly container: ContainerContext;
  readonly meter: RequestMeter;
  readonly logCapacityLines: number;
  /** Called once the process has exited (the container's sockets are then closed). */
  readonly onExit: () => Promise<void>;
}

function exitStatus(exitCode: number, finishedAtMs: number, extra: Partial<ExitStatus> = {}): ExitStatus {
  return { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', finishedAtMs, ...extra };
}

/** Starts PID 1 of a container. */
export function startProcess(opts: ProcessOptions): ContainerProcess {
  return new EmulatedProcess(opts);
}

/** A process that could not start (runc's "executable file not found"), already exited. */
export function failedProcess(
  opts: Pick<ProcessOptions, 'name' | 'id' | 'container' | 'logCapacityLines'>,
  message: string,
): ContainerProcess {
  const { clock } = opts.container;
  const logs = new LogRing(clock, opts.logCapacityLines);
  logs.close();
  const status: ExitStatus = { exitCode: 128, reason: 'StartError', message, finishedAtMs: clock.now() };
  return {
    name: opts.name,
    id: opts.id,
    startedAtMs: clock.now(),
    exited: Promise.resolve(status),
    exitStatus: () => status,
    stop: async () => status,
    logs: () => logs.snapshot(),
    followLogs: (signal) => logs.follow(signal),
    usage: () => ({ cpuMilli: 0, memoryBytes: 0 }),
  };
}

class EmulatedProcess implements ContainerProcess {
  readonly name: string;
  readonly id: string;
  readonly startedAtMs: number;
  readonly exited: Promise<ExitStatus>;
  private status: ExitStatus | undefined;
  private readonly kill = new AbortController();
  private readonly logRing: LogRing;
  private readonly shell: Shell;
  private killTimer: { cancel(): void } | undefined;

  constructor(private readonly opts: ProcessOptions) {
    const { clock } = opts.container;
    this.name = opts.name;
    this.id = opts.id;
    this.startedAtMs = clock.now();
    this.logRing = new LogRing(clock, opts.logCapacityLines);
    this.shell = new Shell({
      container: opts.container,
      env: opts.env,
      cwd: opts.cwd,
      kill: this.kill.signal,
    });
    this.exited = this.run();
  }

  private async run(): Promise<ExitStatus> {
    const io: CommandIO = {
      stdin: '',
      out: (s) => this.logRing.write('stdout', s),
      err: (s) => this.logRing.write('stderr', s),
    };
    // Let the caller see the process (and attach followers) before it produces output.
    await Promise.resolve();
    let code: number;
    let killed = false;
    try {
      code = await this.shell.runArgv(this.opts.argv, io);
    } catch (e) {
      if (e instanceof ShellExit) code = e.code;
      else if (e instanceof ProcessKilled || this.kill.signal.aborted) {
        killed = true;
        code = 137;
      } else {
        io.err(`${String(e instanceof Error ? e.stack : e)}\n`);
        code = 1;
      }
    }
    killed ||= this.kill.signal.aborted && code === 137;
    this.killTimer?.cancel();
    this.kill.abort();
    this.logRing.close();
    await this.opts.onExit();
    const { clock } = this.opts.container;
    this.status = exitStatus(code, clock.now(), killed ? { signal: 'SIGKILL' } : {});
    return this.status;
  }

  exitStatus(): ExitStatus | undefined {
    return this.status;
  }

  /** SIGTERM (the shell or foreground program decides what it means), SIGKILL after the grace period. */
  stop(gracePeriodMs: number): Promise<ExitStatus> {
    if (this.status !== undefined || this.kill.signal.aborted) return this.exited;
    if (gracePeriodMs <= 0) {
      this.kill.abort();
      return this.exited;
    }
    this.shell.deliverSignal('SIGTERM');
    this.killTimer ??= this.opts.container.clock.setTimer(gracePeriodMs, () => this.kill.abort());
    return this.exited;
  }

  /** Sends a signal without a kill deadline (SIGINT, SIGQUIT; SIGKILL kills). */
  signal(name: string): void {
    if (name === 'SIGKILL') this.kill.abort();
    else this.shell.deliverSignal(name);
  }

  logs(): readonly LogLine[] {
    return this.logRing.snapshot();
  }

  followLogs(signal: AbortSignal): AsyncIterable<LogLine> {
    return this.logRing.follow(signal);
  }

  usage(): { readonly cpuMilli: number; readonly memoryBytes: number } {
    if (this.status !== undefined) return { cpuMilli: 0, memoryBytes: 0 };
    const model = this.opts.container.image.usage;
    const recent = this.opts.meter.recent();
    return {
      cpuMilli: Math.round(model.cpuMilli + (model.cpuMilliPerRequest * recent) / (usageWindowMs / 1000)),
      memoryBytes: Math.round(model.memoryBytes + model.memoryBytesPerRequest * recent),
    };
  }
}
