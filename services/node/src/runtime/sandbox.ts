/**
 * The pod sandbox (the pause container): owns the pod IP and its port space and the pod volumes. Each
 * container start gets a fresh root filesystem from its image plus the kubelet-managed /etc files.
 */
import type { Clock } from '@kubelab/clock';
import type { CatalogImage } from './catalog.js';
import { ContainerFs, type Mount, Volume, resolvePath } from './fs.js';
import type { NetContext } from './net/context.js';
import { RequestMeter, failedProcess, startProcess } from './process.js';
import { Shell, ShellExit } from './shell/interp.js';
import { type CommandFn, type ContainerContext, ProcessKilled } from './shell/types.js';
import type {
  ContainerProcess,
  ContainerSpec,
  ExecOptions,
  ExecResult,
  Sandbox,
  SandboxSpec,
} from './types.js';

/** Thrown by `exec` when the named container has no running process (kubectl: "container not found"). */
export class ContainerNotFoundError extends Error {
  override readonly name = 'ContainerNotFoundError';
  constructor(readonly container: string) {
    super(`container not found ("${container}")`);
  }
}

/** What a sandbox needs from its runtime. */
export interface SandboxDeps {
  readonly clock: Clock;
  readonly logCapacityLines: number;
  /** The cached image for a PodSpec image string, or undefined when it was never pulled. */
  resolveImage(image: string): { readonly image: CatalogImage; readonly tag: string } | undefined;
  /** PATH contents for an image. */
  commandsFor(image: CatalogImage): ReadonlyMap<string, CommandFn>;
  /** A fresh container id (hex). */
  newContainerId(): string;
  onDestroy(sandbox: Sandbox): void;
}

const defaultPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

interface RunningContainer {
  readonly spec: ContainerSpec;
  readonly context: ContainerContext;
  readonly env: ReadonlyMap<string, string>;
  readonly cwd: string;
  readonly process: ContainerProcess;
  /** Aborted when the container's process exits: exec'd commands die with it. */
  readonly alive: AbortController;
}

/** The kubelet-managed /etc/hosts. */
export function hostsFile(spec: SandboxSpec): string {
  return [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
    `${spec.podIP}\t${spec.hostname}`,
    '',
  ].join('\n');
}

/** The kubelet-written /etc/resolv.conf (ClusterFirst). */
export function resolvConf(spec: SandboxSpec): string {
  if (spec.dns === undefined) return '';
  const search = spec.dns.searches.length > 0 ? `search ${spec.dns.searches.join(' ')}\n` : '';
  return `${search}nameserver ${spec.dns.nameserver}\noptions ndots:5\n`;
}

export class SandboxImpl implements Sandbox {
  private readonly volumes = new Map<string, Volume>();
  private readonly ports = new Map<number, string>();
  private readonly tracked = new Set<() => Promise<void>>();
  private readonly containers = new Map<string, RunningContainer>();
  private destroyed: Promise<void> | undefined;

  constructor(
    readonly spec: SandboxSpec,
    private readonly deps: SandboxDeps,
  ) {
    for (const [name, files] of spec.volumes) {
      this.volumes.set(name, new Volume(files.map((f) => [f.path, f.content] as const)));
    }
  }

  /** A network view for one container: sockets it opens close when its process exits. */
  private netFor(owned: Set<() => Promise<void>>): NetContext {
    const { podIP, dns } = this.spec;
    return {
      podIP,
      ...(dns === undefined ? {} : { dns }),
      claimPort: (port, owner) => {
        if (this.destroyed !== undefined || this.ports.has(port)) return false;
        this.ports.set(port, owner);
        return true;
      },
      releasePort: (port, owner) => {
        if (this.ports.get(port) === owner) this.ports.delete(port);
      },
      track: (close) => {
        this.tracked.add(close);
        owned.add(close);
        return () => {
          this.tracked.delete(close);
          owned.delete(close);
        };
      },
    };
  }

  private rootFs(image: CatalogImage): Volume {
    const root = new Volume(Object.entries(image.files));
    for (const d of [
      'bin',
      'dev',
      'etc',
      'home',
      'proc',
      'root',
      'sys',
      'tmp',
      'usr',
      'usr/bin',
      'var',
      'var/log',
    ]) {
      root.dirs.add(d);
    }
    root.files.set('etc/hostname', `${this.spec.hostname}\n`);
    root.files.set('etc/hosts', hostsFile(this.spec));
    if (this.spec.dns !== undefined) root.files.set('etc/resolv.conf', resolvConf(this.spec));
    return root;
  }

  private mounts(spec: ContainerSpec): Mount[] {
    return spec.volumeMounts.map((m) => {
      let volume = this.volumes.get(m.name);
      if (volume === undefined) {
        volume = new Volume();
        this.volumes.set(m.name, volume);
      }
      return { path: resolvePath('/', m.mountPath), volume, readOnly: m.readOnly === true };
    });
  }

  async startContainer(spec: ContainerSpec): Promise<ContainerProcess> {
    if (this.destroyed !== undefined)
      throw new Error(`sandbox ${this.spec.namespace}/${this.spec.name} is destroyed`);
    const resolved = this.deps.resolveImage(spec.image);
    if (resolved === undefined)
      throw new Error(`image "${spec.image}" is not present on this node; pull it first`);
    const previous = this.containers.get(spec.name);
    if (previous !== undefined && previous.process.exitStatus() === undefined) {
      throw new Error(
        `container "${spec.name}" is already running in ${this.spec.namespace}/${this.spec.name}`,
      );
    }
    const { image, tag } = resolved;
    const owned = new Set<() => Promise<void>>();
    const meter = new RequestMeter(this.deps.clock);
    const fs = new ContainerFs(this.rootFs(image), this.mounts(spec));
    const context: ContainerContext = {
      clock: this.deps.clock,
      fs,
      hostname: this.spec.hostname,
      net: this.netFor(owned),
      name: spec.name,
      image,
      imageTag: tag,
      ports: spec.ports.filter((p) => (p.protocol ?? 'TCP') === 'TCP').map((p) => p.containerPort),
      commands: this.deps.commandsFor(image),
      recordRequest: () => meter.record(),
    };
    const env = new Map<string, string>([
      ['PATH', defaultPath],
      ['HOSTNAME', this.spec.hostname],
      ['HOME', '/root'],
      ...Object.entries(spec.env),
    ]);
    const cwd = resolvePath('/', spec.workingDir ?? '/');
    if (fs.stat(cwd) === undefined) fs.mkdir(cwd, true);
    const argv = commandLine(image, spec);
    const id = this.deps.newContainerId();
    const alive = new AbortController();
    const base = {
      name: spec.name,
      id: `containerd://${id}`,
      container: context,
      logCapacityLines: this.deps.logCapacityLines,
    };
    const missing = missingExecutable(argv, context);
    const process =
      missing === undefined
        ? startProcess({
            ...base,
            argv,
            env,
            cwd,
            meter,
            onExit: async () => {
              alive.abort();
              await Promise.all([...owned].map((close) => close()));
            },
          })
        : failedProcess(base, missing);
    this.containers.set(spec.name, { spec, context, env, cwd, process, alive });
    return process;
  }

  async exec(container: string, command: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const c = this.containers.get(container);
    if (c === undefined || c.process.exitStatus() !== undefined || this.destroyed !== undefined) {
      throw new ContainerNotFoundError(container);
    }
    let stdout = '';
    let stderr = '';
    const { onStdout, onStderr } = opts;
    const io = {
      stdin: opts.stdin ?? '',
      input: opts.input,
      out: (s: string) => {
        if (onStdout) onStdout(s);
        else stdout += s;
      },
      err: (s: string) => {
        if (onStderr) onStderr(s);
        else stderr += s;
      },
    };
    const missing = missingExecutable(command, c.context);
    if (missing !== undefined) {
      const text = missing.replace(
        /^failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed/,
        'OCI runtime exec failed: exec failed',
      );
      io.err(`${text}\n`);
      return { exitCode: 126, stdout, stderr };
    }
    const kill = new AbortController();
    const stop = () => kill.abort();
    const signals = [c.alive.signal, ...(opts.signal ? [opts.signal] : [])];
    for (const s of signals) s.addEventListener('abort', stop, { once: true });
    const timer = opts.timeoutMs === undefined ? undefined : this.deps.clock.setTimer(opts.timeoutMs, stop);
    const shell = new Shell({ container: c.context, env: c.env, cwd: c.cwd, kill: kill.signal, pid: 100 });
    try {
      const exitCode = await shell.runArgv(command, io);
      return { exitCode: kill.signal.aborted ? 137 : exitCode, stdout, stderr };
    } catch (e) {
      if (e instanceof ShellExit) return { exitCode: e.code, stdout, stderr };
      if (e instanceof ProcessKilled || kill.signal.aborted) return { exitCode: 137, stdout, stderr };
      throw e;
    } finally {
      timer?.cancel();
      kill.abort();
      for (const s of signals) s.removeEventListener('abort', stop);
    }
  }

  destroy(): Promise<void> {
    this.destroyed ??= (async () => {
      await Promise.all([...this.containers.values()].map((c) => c.process.stop(0)));
      await Promise.all([...this.tracked].map((close) => close()));
      this.ports.clear();
      this.deps.onDestroy(this);
    })();
    return this.destroyed;
  }
}

/** Docker's rule: PodSpec command replaces ENTRYPOINT (and drops CMD); args replace CMD. */
export function commandLine(image: CatalogImage, spec: Pick<ContainerSpec, 'command' | 'args'>): string[] {
  const hasCommand = spec.command !== undefined && spec.command.length > 0;
  const hasArgs = spec.args !== undefined && spec.args.length > 0;
  const entrypoint = hasCommand ? (spec.command ?? []) : image.entrypoint;
  const cmd = hasArgs ? (spec.args ?? []) : hasCommand ? [] : image.cmd;
  return [...entrypoint, ...cmd];
}

/** runc's start error when argv[0] is not an executable in the image; undefined when it is. */
function missingExecutable(argv: readonly string[], ctx: ContainerContext): string | undefined {
  const name = argv[0];
  if (name === undefined)
    return 'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: no command specified: unknown';
  const base = name.slice(name.lastIndexOf('/') + 1);
  if (ctx.commands.has(base)) return undefined;
  if (name.includes('/') && ctx.fs.stat(resolvePath('/', name)) === 'file') return undefined;
  const what = name.includes('/')
    ? `stat ${name}: no such file or directory`
    : `exec: "${name}": executable file not found in $PATH`;
  return `failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: ${what}: unknown`;
}
