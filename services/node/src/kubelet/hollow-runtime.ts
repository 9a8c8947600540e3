/**
 * An in-memory {@link ContainerRuntime} without sockets or a shell: what hollow nodes run (kwok-style: a pod
 * goes Running and Ready as soon as it is started) and what the kubelet's unit tests drive. Processes run
 * until stopped, except `sleep N` (exits 0 after N seconds) and `exit N` / `false` (exit at once). Images pull
 * instantly; `unknownImages` fail with ErrImagePull, and Never on an uncached image gives ErrImageNeverPull.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '@kubelab/clock';
import {
  type ContainerProcess,
  type ContainerRuntime,
  type ContainerSpec,
  type ExecOptions,
  type ExecResult,
  type ExitStatus,
  ImagePullError,
  type LogLine,
  type PullPolicy,
  type PullResult,
  type Sandbox,
  type SandboxSpec,
} from '../runtime/types.js';

export interface HollowRuntimeOptions {
  readonly clock: Clock;
  /** Images that fail to pull (ErrImagePull). */
  readonly unknownImages?: ReadonlySet<string>;
  /** Images already in the cache at start. */
  readonly cached?: readonly string[];
  /** Exec answers (tests): command joined by spaces → result; default exit 0. */
  readonly exec?: (container: string, command: readonly string[]) => ExecResult;
  /** A process ignores SIGTERM (waits for the grace period) when this says so. */
  readonly ignoresSigterm?: (spec: ContainerSpec) => boolean;
}

let seq = 0;

/** Every hollow image's size. */
const HOLLOW_IMAGE_BYTES = 1_000_000;

/** The exit an emulated command plans, if any: `[delayMs, exitCode]`. */
function plannedExit(argv: readonly string[]): [number, number] | undefined {
  const line = argv.join(' ');
  const sleep = /(?:^|\s|;|-c\s)sleep\s+(\d+(?:\.\d+)?)/.exec(line);
  const exit = /(?:^|\s|;|&&)exit\s+(\d+)/.exec(line);
  if (sleep?.[1] !== undefined)
    return [Number(sleep[1]) * 1000, exit?.[1] !== undefined ? Number(exit[1]) : 0];
  if (exit?.[1] !== undefined) return [0, Number(exit[1])];
  if (argv[0] === 'false') return [0, 1];
  if (argv[0] === 'true') return [0, 0];
  return undefined;
}

class HollowProcess implements ContainerProcess {
  readonly id = `containerd://${createHash('sha256').update(`hollow-${++seq}`).digest('hex')}`;
  readonly startedAtMs: number;
  readonly exited: Promise<ExitStatus>;
  #exit: ExitStatus | undefined;
  #resolve!: (e: ExitStatus) => void;
  readonly #lines: LogLine[] = [];
  readonly #clock: Clock;
  readonly #ignoresTerm: boolean;

  constructor(
    readonly name: string,
    clock: Clock,
    argv: readonly string[],
    ignoresTerm: boolean,
  ) {
    this.#clock = clock;
    this.#ignoresTerm = ignoresTerm;
    this.startedAtMs = clock.now();
    this.exited = new Promise((r) => {
      this.#resolve = r;
    });
    const plan = plannedExit(argv);
    if (plan) clock.setTimer(plan[0], () => this.#finish(plan[1], plan[1] === 0 ? 'Completed' : 'Error'));
  }

  #finish(exitCode: number, reason: string, signal?: string): void {
    if (this.#exit) return;
    this.#exit = { exitCode, reason, finishedAtMs: this.#clock.now(), ...(signal ? { signal } : {}) };
    this.#resolve(this.#exit);
  }

  exitStatus(): ExitStatus | undefined {
    return this.#exit;
  }

  stop(gracePeriodMs: number): Promise<ExitStatus> {
    if (!this.#ignoresTerm || gracePeriodMs <= 0) {
      this.#finish(
        gracePeriodMs <= 0 ? 137 : 0,
        gracePeriodMs <= 0 ? 'Error' : 'Completed',
        gracePeriodMs <= 0 ? 'SIGKILL' : 'SIGTERM',
      );
    } else {
      this.#clock.setTimer(gracePeriodMs, () => this.#finish(137, 'Error', 'SIGKILL'));
    }
    return this.exited;
  }

  logs(): readonly LogLine[] {
    return this.#lines;
  }

  async *followLogs(_signal: AbortSignal): AsyncIterable<LogLine> {}

  usage() {
    return { cpuMilli: this.#exit ? 0 : 1, memoryBytes: this.#exit ? 0 : 4 * 1024 * 1024 };
  }
}

class HollowSandbox implements Sandbox {
  readonly processes = new Map<string, HollowProcess>();
  constructor(
    readonly spec: SandboxSpec,
    private readonly opts: HollowRuntimeOptions,
    private readonly onDestroy: () => void,
  ) {}

  async startContainer(spec: ContainerSpec): Promise<ContainerProcess> {
    const argv = [...(spec.command ?? []), ...(spec.args ?? [])];
    const p = new HollowProcess(spec.name, this.opts.clock, argv, this.opts.ignoresSigterm?.(spec) ?? false);
    this.processes.set(spec.name, p);
    return p;
  }

  async exec(container: string, command: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const r = this.opts.exec?.(container, command) ?? { exitCode: 0, stdout: '', stderr: '' };
    if (opts.onStdout && r.stdout) opts.onStdout(r.stdout);
    if (opts.onStderr && r.stderr) opts.onStderr(r.stderr);
    return {
      exitCode: r.exitCode,
      stdout: opts.onStdout ? '' : r.stdout,
      stderr: opts.onStderr ? '' : r.stderr,
    };
  }

  async destroy(): Promise<void> {
    for (const p of this.processes.values()) await p.stop(0);
    this.onDestroy();
  }
}

/**
 * @example
 * const runtime = createHollowRuntime({ clock });
 * const sandbox = await runtime.createSandbox(spec);
 */
export function createHollowRuntime(
  opts: HollowRuntimeOptions,
): ContainerRuntime & { sandboxes: Map<string, HollowSandbox> } {
  const cache = new Set(opts.cached ?? []);
  const sandboxes = new Map<string, HollowSandbox>();
  return {
    sandboxes,
    async pullImage(image: string, policy: PullPolicy): Promise<PullResult> {
      const imageId = `sha256:${createHash('sha256').update(image).digest('hex')}`;
      const present = cache.has(image);
      if (policy === 'Never' && !present) {
        throw new ImagePullError(
          'ErrImageNeverPull',
          `Container image "${image}" is not present with pull policy of Never`,
        );
      }
      if (present && policy !== 'Always') {
        return { imageRef: image, imageId, pulled: false, durationMs: 0, sizeBytes: HOLLOW_IMAGE_BYTES };
      }
      if (opts.unknownImages?.has(image)) {
        throw new ImagePullError(
          'ErrImagePull',
          `failed to pull and unpack image "docker.io/library/${image}": failed to resolve reference: not found`,
        );
      }
      cache.add(image);
      return { imageRef: image, imageId, pulled: true, durationMs: 0, sizeBytes: HOLLOW_IMAGE_BYTES };
    },
    async createSandbox(spec: SandboxSpec): Promise<Sandbox> {
      const s = new HollowSandbox(spec, opts, () => sandboxes.delete(spec.uid));
      sandboxes.set(spec.uid, s);
      return s;
    },
    cachedImages: () => [...cache].map((n) => ({ names: [n], sizeBytes: HOLLOW_IMAGE_BYTES })),
    async close(): Promise<void> {
      for (const s of [...sandboxes.values()]) await s.destroy();
    },
  };
}
