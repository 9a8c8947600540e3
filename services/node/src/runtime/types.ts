/**
 * The contract between the kubelet (services/node/src/kubelet) and the container runtime emulator
 * (services/node/src/runtime): what the CRI is to a real kubelet. The kubelet decides *what* should run and
 * reports status; the runtime makes emulated processes run for real (real sockets on the pod IP, a small
 * shell, logs) and knows nothing about the API.
 *
 * Every duration the runtime waits (image pull latency, start delays, sleep) is measured on the injected
 * {@link Clock}, so tests can drive it with a FakeClock.
 */

import type { InputStream } from './shell/input.js';

/** `Always | IfNotPresent | Never`, exactly as in a PodSpec. */
export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** Why a pull failed, as the kubelet reports it in the container's waiting reason. */
export type PullFailureReason = 'ErrImagePull' | 'ErrImageNeverPull' | 'InvalidImageName';

/** Thrown by {@link ContainerRuntime.pullImage}; `message` is what `kubectl describe` shows. */
export class ImagePullError extends Error {
  override readonly name = 'ImagePullError';
  constructor(
    readonly reason: PullFailureReason,
    message: string,
  ) {
    super(message);
  }
}

export interface PullResult {
  /** The normalized reference, e.g. `docker.io/library/nginx:1.19`. */
  readonly imageRef: string;
  /** `sha256:…`, stable per catalog entry (what status.containerStatuses[].imageID shows). */
  readonly imageId: string;
  /** False when the image was already cached on this node (IfNotPresent hit). */
  readonly pulled: boolean;
  /** Emulated pull time in ms (0 on a cache hit). */
  readonly durationMs: number;
  /** The image's size (the `Image size: N bytes.` of the kubelet's Pulled event). */
  readonly sizeBytes: number;
}

/** A file in a pod volume or the container filesystem, as the emulated shell sees it. */
export interface FileEntry {
  readonly path: string;
  readonly content: string;
}

export interface SandboxSpec {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  /** The pod IP the sandbox owns; every container listens on it (and the shell's localhost is it). */
  readonly podIP: string;
  readonly hostname: string;
  /** For `/etc/resolv.conf` and nslookup: the cluster DNS server address and search domains. */
  readonly dns?: {
    readonly nameserver: string;
    readonly port?: number;
    readonly searches: readonly string[];
  };
  /** Volume name → mount contents (emptyDir starts empty; configMap/secret/downwardAPI are files). */
  readonly volumes: ReadonlyMap<string, readonly FileEntry[]>;
}

export interface ContainerSpec {
  readonly name: string;
  /** The image as written in the PodSpec (`nginx:1.19`, `busybox`). */
  readonly image: string;
  /** PodSpec command/args (entrypoint/cmd overrides); undefined means the image's default. */
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  /** Resolved environment (the kubelet resolves valueFrom/envFrom). */
  readonly env: Readonly<Record<string, string>>;
  readonly ports: readonly {
    readonly name?: string;
    readonly containerPort: number;
    readonly protocol?: string;
  }[];
  readonly workingDir?: string;
  /** Mount path → volume name. */
  readonly volumeMounts: readonly {
    readonly name: string;
    readonly mountPath: string;
    readonly readOnly?: boolean;
  }[];
}

/** How a container process ended. */
export interface ExitStatus {
  readonly exitCode: number;
  /** What kubectl shows: `Completed` (0), `Error` (non-zero), `OOMKilled`, `ContainerCannotRun`. */
  readonly reason: string;
  /** The signal that ended it, if any (`SIGTERM`, `SIGKILL`). */
  readonly signal?: string;
  readonly message?: string;
  /** Monotonic clock ms. */
  readonly finishedAtMs: number;
}

/** One line of container output. */
export interface LogLine {
  /** Wall clock ms (for `kubectl logs --timestamps` and `--since`). */
  readonly wallMs: number;
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

/** A running (or finished) emulated container process. */
export interface ContainerProcess {
  readonly name: string;
  /** A fresh id per start (`containerd://<hex>` as status.containerStatuses[].containerID shows). */
  readonly id: string;
  /** Monotonic ms when the process started. */
  readonly startedAtMs: number;
  /** Resolves once the process exits, for whatever reason. Never rejects. */
  readonly exited: Promise<ExitStatus>;
  /** Undefined while running. */
  exitStatus(): ExitStatus | undefined;
  /**
   * SIGTERM, then SIGKILL after `gracePeriodMs` if still running (0 = SIGKILL at once). Resolves with the
   * exit status. Emulated processes behave as their real counterparts: nginx exits on SIGTERM; a shell
   * running as PID 1 ignores it (so it is killed after the grace period) unless it traps it.
   */
  stop(gracePeriodMs: number): Promise<ExitStatus>;
  /** Everything written so far (bounded ring, newest kept). */
  logs(): readonly LogLine[];
  /** New lines as they are written, until the process exits or `signal` aborts. */
  followLogs(signal: AbortSignal): AsyncIterable<LogLine>;
  /** Emulated resource use right now (for the HPA and `kubectl top`). */
  usage(): { readonly cpuMilli: number; readonly memoryBytes: number };
}

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ExecOptions {
  /** Kill the command after this long and answer exit code 137 (probes pass timeoutSeconds). */
  readonly timeoutMs?: number;
  /** All of the command's standard input, when it is known up front. */
  readonly stdin?: string;
  /** Standard input that arrives while the command runs (`kubectl exec -i`, a terminal with `-t`). */
  readonly input?: InputStream;
  readonly signal?: AbortSignal;
  /**
   * Streams: output goes here as the command writes it (`kubectl exec` sees `echo a; sleep 5; echo b`
   * print `a` at once) and is then left out of the {@link ExecResult}. Without them it is collected.
   */
  readonly onStdout?: (chunk: string) => void;
  readonly onStderr?: (chunk: string) => void;
}

/** A pod sandbox (the pause container): owns the pod IP, the port space and the volumes. */
export interface Sandbox {
  readonly spec: SandboxSpec;
  /** Starts a container's process (the image must have been pulled). Throws if it cannot run at all. */
  startContainer(spec: ContainerSpec): Promise<ContainerProcess>;
  /** Runs a command in a container's context (its env, filesystem and the pod's network): exec probes, hooks, `kubectl exec`. */
  exec(container: string, command: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Stops every container (SIGKILL) and frees the IP and ports. Idempotent. */
  destroy(): Promise<void>;
}

/** The emulated CRI, one per node. */
export interface ContainerRuntime {
  /** Honours the pull policy and the node's image cache exactly as the kubelet does. */
  pullImage(image: string, policy: PullPolicy, signal?: AbortSignal): Promise<PullResult>;
  createSandbox(spec: SandboxSpec): Promise<Sandbox>;
  /** Images in this node's cache (for node status `images`). */
  cachedImages(): readonly { readonly names: readonly string[]; readonly sizeBytes: number }[];
  /** Destroys every sandbox. */
  close(): Promise<void>;
}
