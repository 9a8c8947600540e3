/**
 * One pod's worker (kubelet `pod_workers.go` + kuberuntime `SyncPod`): owns the pod's sandbox, its containers'
 * processes and probes, and reports status. `sync(pod)` is level-triggered and never runs twice at once for a
 * pod (the kubelet's work queue guarantees it): it compares what should run with what runs and makes one step
 * of progress (start the next init container, restart an exited container once its back-off is over, …), then
 * writes the status if it changed. Process exits, probe results and back-off expiries only enqueue the pod.
 * Graceful deletion runs in the background (preStop, SIGTERM, the grace period, SIGKILL) and ends with the
 * kubelet's confirming delete (gracePeriodSeconds 0).
 */
import type {
  Container,
  ContainerState,
  ContainerStateTerminated,
  ContainerStatus,
  Pod,
  PodStatus,
} from '@kubelab/api-types';
import { defaultPullPolicy } from '@kubelab/api-types';
import type { Clock } from '@kubelab/clock';
import { rfc3339 } from '@kubelab/controller-kit';
import type { Logger } from '@kubelab/telemetry';
import type { BackoffConfig } from '../config.js';
import {
  type ContainerProcess,
  type ContainerRuntime,
  type ExitStatus,
  ImagePullError,
  type PullPolicy,
  type Sandbox,
  type SandboxSpec,
} from '../runtime/types.js';
import { type RestartBackoff, formatGoDuration, formatGoDurationMs } from './backoff.js';
import { ContainerConfigError, type EnvContext, type EnvSnapshot, expandArgs, resolveEnv } from './env.js';
import { type EventRecorder, Reason } from './events.js';
import { runHandler, runHook } from './handlers.js';
import type { HostLocalIpam } from './ipam.js';
import { type ContainerView, computePodStatus, sameStatus } from './pod-status.js';
import { ContainerProber, probeTitle } from './prober.js';
import { buildVolumes } from './volumes.js';

/** What a worker needs from its node (one per node; shared by its workers). */
export interface PodWorkerDeps {
  readonly nodeName: string;
  readonly hostIP: string;
  readonly clock: Clock;
  readonly log: Logger;
  readonly runtime: ContainerRuntime;
  readonly events: EventRecorder;
  readonly crashBackoff: RestartBackoff;
  readonly imageBackoff: RestartBackoff;
  readonly imageBackoffConfig: BackoffConfig;
  /** The node's IPAM, once the pod CIDR is known; undefined until then. */
  ipam(): HostLocalIpam | undefined;
  readonly dns: SandboxSpec['dns'];
  readonly allocatable: EnvContext['nodeAllocatable'];
  /** Fetches the ConfigMaps and Secrets the pod refers to. */
  snapshot(pod: Pod): Promise<EnvSnapshot>;
  /** Asks for another sync of this pod (after `delayMs`). */
  enqueue(delayMs?: number): void;
  writeStatus(pod: Pod, status: PodStatus): Promise<void>;
  /** The final delete (gracePeriodSeconds 0, uid precondition). */
  confirmDeletion(pod: Pod): Promise<void>;
  /** Hollow nodes: no probes, no hooks, no early status writes. */
  readonly lightweight: boolean;
  /** Multiplies probe durations (KUBELAB_PROBE_TIME_SCALE; 1 in production). */
  readonly probeTimeScale: number;
}

/** What the worker knows about one container. */
interface ContainerRecord {
  readonly spec: Container;
  readonly init: boolean;
  imageID: string;
  containerID: string | undefined;
  state: ContainerState;
  /** The last termination (what lastState shows once the container is waiting or running again). */
  lastTerminated: ContainerStateTerminated | undefined;
  restartCount: number;
  /** Times a process was started for it. */
  starts: number;
  process: ContainerProcess | undefined;
  /** The process before the current one (`kubectl logs --previous`). */
  previous: ContainerProcess | undefined;
  finishedAtMs: number | undefined;
  pullFailedAtMs: number | undefined;
  prober: ContainerProber | undefined;
}

const TERMINATION_MESSAGE_MAX = 4096;

function terminated(
  exit: ExitStatus,
  startedAt: string,
  finishedAt: string,
  id: string,
): ContainerStateTerminated {
  return {
    exitCode: exit.exitCode,
    reason: exit.reason,
    ...(exit.message ? { message: exit.message.slice(0, TERMINATION_MESSAGE_MAX) } : {}),
    ...(exit.signal ? { signal: exit.signal === 'SIGKILL' ? 9 : 15 } : {}),
    startedAt,
    finishedAt,
    containerID: id,
  };
}

/**
 * The termination a container gets when its process was lost with the node agent (exit code 255, reason
 * Unknown: what the kubelet reports for containers that died in a node reboot).
 */
export function lostTermination(
  startedAt: string | undefined,
  finishedAt: string,
  containerID: string | undefined,
): ContainerStateTerminated {
  return {
    exitCode: 255,
    reason: 'Unknown',
    message: 'The container was lost when the node agent restarted',
    ...(startedAt ? { startedAt } : {}),
    finishedAt,
    ...(containerID ? { containerID } : {}),
  };
}

/** See the module comment. */
export class PodWorker {
  readonly key: string;
  readonly uid: string;
  readonly #d: PodWorkerDeps;
  #pod: Pod;
  readonly #records: ContainerRecord[];
  #sandbox: Sandbox | undefined;
  #podIP: string | undefined;
  #startTime: string | undefined;
  #lastWritten: PodStatus | undefined;
  /** Set once every container ended for good (Succeeded/Failed): nothing runs any more. */
  #finished = false;
  #terminating: Promise<void> | undefined;
  /** A sync is queued for the activeDeadlineSeconds deadline. */
  #deadlineArmed = false;
  /** Why the kubelet failed the pod itself (DeadlineExceeded). */
  #failure: { reason: string; message: string } | undefined;
  #removed = false;
  /** Aborted when the pod is terminated: in-flight pulls and hooks stop. */
  readonly #abort = new AbortController();

  constructor(pod: Pod, deps: PodWorkerDeps) {
    this.#pod = pod;
    this.#d = deps;
    this.key = `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name ?? ''}`;
    this.uid = pod.metadata.uid ?? '';
    const hasInit = (pod.spec.initContainers ?? []).length > 0;
    const rec = (spec: Container, init: boolean): ContainerRecord => ({
      spec,
      init,
      imageID: '',
      containerID: undefined,
      state: { waiting: { reason: init || hasInit ? 'PodInitializing' : 'ContainerCreating' } },
      lastTerminated: undefined,
      restartCount: 0,
      starts: 0,
      process: undefined,
      previous: undefined,
      finishedAtMs: undefined,
      pullFailedAtMs: undefined,
      prober: undefined,
    });
    this.#records = [
      ...(pod.spec.initContainers ?? []).map((c) => rec(c, true)),
      ...pod.spec.containers.map((c) => rec(c, false)),
    ];
    this.#adopt(pod);
  }

  /**
   * Picks up a pod this node ran before the node agent restarted (its status already lists containers),
   * so that it does not look new. The emulated processes died with the old node process (Kubernetes would
   * find the containers still running; here they are gone), so every container that ran is taken as exited
   * with 255/Unknown, as after a node reboot, and goes through the restart policy like any exit: Always and
   * OnFailure restart it (restartCount continues from the stored count, +1 for this restart; lastState
   * shows the lost run), Never leaves it terminated (the pod ends Failed). The sandbox is new, so init
   * containers run again (restartCount kept, lastState dropped), as Kubernetes does when it recreates a
   * sandbox, except for a
   * restartPolicy Never pod whose main containers already started (it only reports its end). startTime is
   * kept; the pod IP is kept by the kubelet re-reserving stored pod IPs before it allocates new ones.
   */
  #adopt(pod: Pod): void {
    const status = pod.status;
    const stored = (r: ContainerRecord): ContainerStatus | undefined =>
      (r.init ? status?.initContainerStatuses : status?.containerStatuses)?.find(
        (s) => s.name === r.spec.name,
      );
    if (!this.#records.some((r) => stored(r) !== undefined)) return;
    if (status?.startTime) this.#startTime = status.startTime;
    const now = rfc3339(this.#d.clock.wallNow());
    const ran = (s: ContainerStatus | undefined): ContainerStateTerminated | undefined => {
      if (s?.state?.running) return lostTermination(s.state.running.startedAt, now, s.containerID);
      return s?.state?.terminated ?? s?.lastState?.terminated ?? undefined;
    };
    const never = (pod.spec.restartPolicy ?? 'Always') === 'Never';
    const mainStarted = this.#records.some((r) => !r.init && ran(stored(r)) !== undefined);
    for (const r of this.#records) {
      const s = stored(r);
      if (s === undefined) continue;
      r.restartCount = s.restartCount ?? 0;
      r.imageID = s.imageID ?? '';
      const last = ran(s);
      if (last === undefined) continue; // never started (a pull or config failure): starts afresh
      if (r.init && !(never && mainStarted)) continue; // runs again in the new sandbox, as a first start
      r.state = { terminated: last };
      r.lastTerminated = s.state?.running ? (s.lastState?.terminated ?? undefined) : undefined;
      r.containerID = last.containerID;
      r.starts = 1;
      r.finishedAtMs = this.#d.clock.now();
    }
  }

  get pod(): Pod {
    return this.#pod;
  }

  /** The pod IP, once the sandbox exists. */
  get podIP(): string | undefined {
    return this.#podIP;
  }

  get sandbox(): Sandbox | undefined {
    return this.#sandbox;
  }

  /** True once the worker released everything and the pod can be forgotten. */
  get done(): boolean {
    return this.#removed;
  }

  /** The current and previous process of a container (for logs and exec). */
  container(
    name: string,
  ):
    | { spec: Container; state: ContainerState; current?: ContainerProcess; previous?: ContainerProcess }
    | undefined {
    const r = this.#records.find((x) => x.spec.name === name);
    if (r === undefined) return undefined;
    return {
      spec: r.spec,
      state: r.state,
      ...(r.process ? { current: r.process } : {}),
      ...(r.previous ? { previous: r.previous } : {}),
    };
  }

  /** Emulated use of the running containers (for the HPA). */
  usage(): {
    cpuMilli: number;
    memoryBytes: number;
    containers: Record<string, { cpuMilli: number; memoryBytes: number }>;
  } {
    let cpuMilli = 0;
    let memoryBytes = 0;
    const containers: Record<string, { cpuMilli: number; memoryBytes: number }> = {};
    for (const r of this.#records) {
      if (!r.state.running || r.process === undefined) continue;
      const u = r.process.usage();
      containers[r.spec.name] = { cpuMilli: u.cpuMilli, memoryBytes: u.memoryBytes };
      cpuMilli += u.cpuMilli;
      memoryBytes += u.memoryBytes;
    }
    return { cpuMilli, memoryBytes, containers };
  }

  /** One level-triggered step; `pod` undefined means it is gone from the API (force-deleted). */
  async sync(pod: Pod | undefined): Promise<void> {
    if (this.#removed) return;
    if (pod === undefined || pod.metadata.uid !== this.uid) {
      await this.#teardown(0);
      this.#removed = true;
      return;
    }
    this.#pod = pod;
    if (this.#terminating) return;
    if (pod.metadata.deletionTimestamp) {
      this.#terminating = this.#terminate().catch((err: unknown) => {
        this.#d.log.warn({ err, pod: this.key }, 'terminating the pod failed; retrying');
        this.#terminating = undefined;
        this.#d.enqueue(1_000);
      });
      return;
    }
    if (this.#finished) return this.#maybeWriteStatus();
    if (this.#startTime === undefined) this.#startTime = rfc3339(this.#d.clock.wallNow());
    if (await this.#maybeDeadline()) return this.#maybeWriteStatus();
    if (!(await this.#ensureSandbox())) return this.#maybeWriteStatus();
    if (!this.#d.lightweight) await this.#maybeWriteStatus();
    if (await this.#syncInit()) await this.#syncMain();
    if (this.#allDone()) {
      this.#finished = true;
      await this.#teardown(0);
    }
    await this.#maybeWriteStatus();
  }

  /**
   * activeDeadlineSeconds (kubelet `activeDeadlineHandler`): once the pod has been active on the node that
   * long since its startTime, it is failed with reason DeadlineExceeded: its containers are stopped with the
   * pod's grace period, nothing restarts, the sandbox goes. True once the deadline passed (the pod is done).
   */
  async #maybeDeadline(): Promise<boolean> {
    const seconds = this.#pod.spec.activeDeadlineSeconds;
    if (seconds === undefined || this.#startTime === undefined) return false;
    const leftMs = Date.parse(this.#startTime) + seconds * 1000 - this.#d.clock.wallNow();
    if (leftMs > 0) {
      if (!this.#deadlineArmed) {
        this.#deadlineArmed = true;
        this.#d.enqueue(leftMs);
      }
      return false;
    }
    const message = 'Pod was active on the node longer than the specified deadline';
    this.#failure = { reason: 'DeadlineExceeded', message };
    this.#finished = true;
    const pod = this.#pod;
    this.#d.events.event(pod, 'Normal', Reason.DeadlineExceeded, message);
    // As the kubelet: the pod is reported Failed first, then its containers are killed (their final states
    // follow in the next status).
    await this.#maybeWriteStatus();
    const graceMs = this.#graceMs();
    await Promise.all(
      this.#records.map(async (r) => {
        r.prober?.stop();
        const proc = r.process;
        if (!r.state.running || proc === undefined) return;
        this.#d.events.event(pod, 'Normal', Reason.Killing, `Stopping container ${r.spec.name}`);
        await proc.stop(graceMs);
      }),
    );
    this.#finalizeStates();
    await this.#teardown(0);
    return true;
  }

  /** Builds the sandbox (pod IP, volumes); false while the pod CIDR is unknown or a volume source is missing. */
  async #ensureSandbox(): Promise<boolean> {
    if (this.#sandbox) return true;
    const ipam = this.#d.ipam();
    if (ipam === undefined) {
      this.#d.enqueue(250); // the pod CIDR arrives with the Node (or the fallback after a short wait)
      return false;
    }
    const pod = this.#pod;
    const podIP = ipam.allocate(this.uid);
    let volumes: Map<string, { path: string; content: string }[]>;
    try {
      const snap = await this.#d.snapshot(pod);
      volumes = buildVolumes(pod, snap, this.#envContext(podIP));
    } catch (err) {
      ipam.release(this.uid);
      if (!(err instanceof ContainerConfigError)) throw err;
      this.#d.events.event(pod, 'Warning', Reason.FailedMount, `MountVolume.SetUp failed: ${err.message}`);
      this.#d.enqueue(this.#d.imageBackoffConfig.initialMs);
      return false;
    }
    const spec: SandboxSpec = {
      uid: this.uid,
      namespace: pod.metadata.namespace ?? 'default',
      name: pod.metadata.name ?? '',
      podIP,
      hostname: pod.spec.hostname ?? pod.metadata.name ?? '',
      ...(this.#d.dns ? { dns: this.#dnsFor(pod) } : {}),
      volumes,
    };
    try {
      this.#sandbox = await this.#d.runtime.createSandbox(spec);
    } catch (err) {
      ipam.release(this.uid);
      throw err;
    }
    this.#podIP = podIP;
    return true;
  }

  #dnsFor(pod: Pod): NonNullable<SandboxSpec['dns']> {
    const base = this.#d.dns as NonNullable<SandboxSpec['dns']>;
    const ns = pod.metadata.namespace ?? 'default';
    const domain = base.searches[0] ?? 'cluster.local';
    return { ...base, searches: [`${ns}.svc.${domain}`, `svc.${domain}`, domain] };
  }

  #envContext(podIP: string): EnvContext {
    return { podIP, hostIP: this.#d.hostIP, nodeAllocatable: this.#d.allocatable };
  }

  /** Runs init containers in order; true once all succeeded. */
  async #syncInit(): Promise<boolean> {
    for (const r of this.#records) {
      if (!r.init) continue;
      if (r.state.terminated?.exitCode === 0) continue;
      if (r.state.running || this.#abort.signal.aborted) return false;
      const last = r.state.terminated ?? r.lastTerminated;
      if (last === undefined) await this.#start(r);
      else if ((this.#pod.spec.restartPolicy ?? 'Always') !== 'Never') await this.#maybeRestart(r);
      return false;
    }
    for (const r of this.#records) {
      if (!r.init && r.starts === 0 && r.state.waiting?.reason === 'PodInitializing') {
        r.state = { waiting: { reason: 'ContainerCreating' } };
      }
    }
    return true;
  }

  /** Starts, restarts or leaves each main container as its state and the restart policy say. */
  async #syncMain(): Promise<void> {
    const policy = this.#pod.spec.restartPolicy ?? 'Always';
    for (const r of this.#records) {
      if (r.init || r.state.running || this.#abort.signal.aborted) continue;
      if (r.starts === 0) {
        await this.#start(r);
        continue;
      }
      const last = r.state.terminated ?? r.lastTerminated;
      if (last === undefined) {
        await this.#start(r); // a pull or config failure before the first start
        continue;
      }
      const restart = policy === 'Always' || (policy === 'OnFailure' && last.exitCode !== 0);
      if (restart) await this.#maybeRestart(r);
    }
  }

  /** Restarts an exited container unless its CrashLoopBackOff is still running. */
  async #maybeRestart(r: ContainerRecord): Promise<void> {
    const key = `${this.uid}/${r.spec.name}`;
    const now = this.#d.clock.now();
    const wait = this.#d.crashBackoff.waitMs(key, r.finishedAtMs ?? now, now);
    if (wait > 0) {
      if (r.state.waiting?.reason !== 'CrashLoopBackOff') {
        const pod = this.#pod;
        const who = `${r.spec.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${this.uid})`;
        this.#setWaiting(
          r,
          'CrashLoopBackOff',
          `back-off ${formatGoDuration(this.#d.crashBackoff.currentMs(key))} restarting failed container=${who}`,
        );
        this.#d.events.event(
          pod,
          'Warning',
          Reason.BackOff,
          `Back-off restarting failed container ${r.spec.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${this.uid})`,
        );
      }
      this.#d.enqueue(wait);
      return;
    }
    this.#d.crashBackoff.next(key, now);
    await this.#start(r);
  }

  /** Pull, configure and start one container; leaves it waiting with a reason when a step fails. */
  async #start(r: ContainerRecord): Promise<void> {
    const pod = this.#pod;
    const sandbox = this.#sandbox;
    if (sandbox === undefined || this.#abort.signal.aborted) return;
    if (!(await this.#pull(r))) return;
    let env: Record<string, string>;
    try {
      env = resolveEnv(pod, r.spec, await this.#d.snapshot(pod), this.#envContext(this.#podIP ?? ''));
    } catch (err) {
      if (!(err instanceof ContainerConfigError)) throw err;
      this.#setWaiting(r, 'CreateContainerConfigError', err.message);
      this.#d.events.event(pod, 'Warning', Reason.Failed, `Error: ${err.message}`);
      this.#d.enqueue(this.#d.imageBackoffConfig.initialMs);
      return;
    }
    let proc: ContainerProcess;
    try {
      proc = await sandbox.startContainer({
        name: r.spec.name,
        image: r.spec.image ?? '',
        ...(r.spec.command ? { command: expandArgs(r.spec.command, env) as string[] } : {}),
        ...(r.spec.args ? { args: expandArgs(r.spec.args, env) as string[] } : {}),
        env,
        ports: (r.spec.ports ?? []).map((p) => ({
          containerPort: p.containerPort,
          ...(p.name ? { name: p.name } : {}),
          ...(p.protocol ? { protocol: p.protocol } : {}),
        })),
        ...(r.spec.workingDir ? { workingDir: r.spec.workingDir } : {}),
        volumeMounts: (r.spec.volumeMounts ?? []).map((m) => ({
          name: m.name,
          mountPath: m.mountPath,
          ...(m.readOnly ? { readOnly: true } : {}),
        })),
      });
    } catch (err) {
      this.#startFailed(r, err instanceof Error ? err.message : String(err));
      return;
    }
    this.#onStarted(r, proc);
    if (!this.#d.lightweight && r.spec.lifecycle?.postStart) await this.#postStart(r, proc);
  }

  /** A start that failed outright is a termination with StartError (exit code 128), as containerd reports it. */
  #startFailed(r: ContainerRecord, message: string): void {
    const now = rfc3339(this.#d.clock.wallNow());
    if (r.state.terminated) r.lastTerminated = r.state.terminated;
    r.state = {
      terminated: {
        exitCode: 128,
        reason: 'StartError',
        message,
        startedAt: '1970-01-01T00:00:00Z',
        finishedAt: now,
      },
    };
    r.starts++;
    if (r.starts > 1) r.restartCount++;
    r.finishedAtMs = this.#d.clock.now();
    this.#d.events.event(this.#pod, 'Warning', Reason.Failed, `Error: ${message}`);
    this.#d.enqueue();
  }

  #onStarted(r: ContainerRecord, proc: ContainerProcess): void {
    const pod = this.#pod;
    const prevTerm = r.state.terminated ?? r.lastTerminated;
    if (r.starts > 0) r.restartCount++;
    r.starts++;
    if (prevTerm) r.lastTerminated = prevTerm;
    if (r.process) r.previous = r.process;
    r.process = proc;
    r.containerID = proc.id;
    const startedAt = rfc3339(this.#d.clock.wallNow() - (this.#d.clock.now() - proc.startedAtMs));
    r.state = { running: { startedAt } };
    this.#d.events.event(pod, 'Normal', Reason.Created, `Created container: ${r.spec.name}`);
    this.#d.events.event(pod, 'Normal', Reason.Started, `Started container ${r.spec.name}`);
    void proc.exited.then((exit) => this.#onExit(r, proc, exit, startedAt));
    if (!this.#d.lightweight && !r.init) this.#startProber(r, proc);
  }

  #onExit(r: ContainerRecord, proc: ContainerProcess, exit: ExitStatus, startedAt: string): void {
    if (r.process !== proc) return;
    r.prober?.stop();
    r.prober = undefined;
    const finishedAt = rfc3339(this.#d.clock.wallNow() - (this.#d.clock.now() - exit.finishedAtMs));
    r.state = { terminated: terminated(exit, startedAt, finishedAt, proc.id) };
    r.finishedAtMs = exit.finishedAtMs;
    this.#d.crashBackoff.observeRun(`${this.uid}/${r.spec.name}`, exit.finishedAtMs - proc.startedAtMs);
    this.#d.enqueue();
  }

  #startProber(r: ContainerRecord, proc: ContainerProcess): void {
    const c = r.spec;
    if (!c.livenessProbe && !c.readinessProbe && !c.startupProbe) return;
    const pod = this.#pod;
    r.prober = new ContainerProber(
      this.#d.clock,
      c,
      proc.startedAtMs,
      {
        run: (probe, timeoutMs) => {
          const sandbox = this.#sandbox;
          if (sandbox === undefined) return Promise.resolve({ ok: false, output: 'no sandbox' });
          return runHandler(probe, {
            sandbox,
            container: c,
            podIP: this.#podIP ?? '',
            timeoutMs,
            signal: this.#abort.signal,
          });
        },
        onFailure: (kind, output) => {
          if (r.process !== proc || this.#terminating) return;
          this.#d.events.event(
            pod,
            'Warning',
            Reason.Unhealthy,
            `${probeTitle(kind)} probe failed: ${output}`.trimEnd(),
          );
        },
        onChange: () => this.#d.enqueue(),
        onKill: (kind) => {
          if (r.process !== proc || this.#terminating) return;
          this.#d.events.event(
            pod,
            'Normal',
            Reason.Killing,
            `Container ${c.name} failed ${kind} probe, will be restarted`,
          );
          void proc.stop(this.#graceMs(kind === 'liveness' ? c.livenessProbe : c.startupProbe));
        },
      },
      this.#d.probeTimeScale,
    );
    r.prober.start();
  }

  /** The grace period for a probe kill: the probe's own, else the pod's (default 30 s). */
  #graceMs(probe?: { terminationGracePeriodSeconds?: number }): number {
    return (
      (probe?.terminationGracePeriodSeconds ?? this.#pod.spec.terminationGracePeriodSeconds ?? 30) * 1000
    );
  }

  async #postStart(r: ContainerRecord, proc: ContainerProcess): Promise<void> {
    const sandbox = this.#sandbox;
    const hook = r.spec.lifecycle?.postStart;
    if (sandbox === undefined || hook === undefined) return;
    const res = await runHook(
      hook,
      {
        sandbox,
        container: r.spec,
        podIP: this.#podIP ?? '',
        timeoutMs: this.#graceMs(),
        signal: this.#abort.signal,
      },
      this.#pod,
    );
    if (res.ok || r.process !== proc) return;
    // As kuberuntime: the event carries no detail (it could hold secrets); the container is killed and
    // waits with PostStartHookError and the hook's message until its restart (then CrashLoopBackOff).
    this.#d.events.event(this.#pod, 'Warning', Reason.FailedPostStartHook, 'PostStartHook failed');
    this.#d.events.event(this.#pod, 'Normal', Reason.Killing, 'FailedPostStartHook');
    await proc.stop(this.#graceMs());
    await proc.exited;
    if (r.process === proc && r.state.terminated) this.#setWaiting(r, 'PostStartHookError', res.message);
  }

  /** Pulls the container's image as its pull policy says; false (with a waiting reason) when it cannot. */
  async #pull(r: ContainerRecord): Promise<boolean> {
    const pod = this.#pod;
    const image = r.spec.image ?? '';
    const key = `${this.uid}/${r.spec.name}`;
    const now = this.#d.clock.now();
    if (r.pullFailedAtMs !== undefined) {
      const wait = this.#d.imageBackoff.waitMs(key, r.pullFailedAtMs, now);
      if (wait > 0) {
        if (r.state.waiting?.reason === 'ErrImagePull' || r.state.waiting?.reason === 'ImagePullBackOff') {
          this.#setWaiting(r, 'ImagePullBackOff', `Back-off pulling image "${image}"`);
          this.#d.events.event(pod, 'Normal', Reason.BackOff, `Back-off pulling image "${image}"`);
        }
        this.#d.enqueue(wait);
        return false;
      }
    }
    const policy = (r.spec.imagePullPolicy ?? defaultPullPolicy(image)) as PullPolicy;
    const cached = this.#isCached(image);
    if (policy === 'Always' || (policy === 'IfNotPresent' && !cached)) {
      this.#d.events.event(pod, 'Normal', Reason.Pulling, `Pulling image "${image}"`);
    }
    try {
      const res = await this.#d.runtime.pullImage(image, policy, this.#abort.signal);
      r.imageID = res.imageId;
      r.pullFailedAtMs = undefined;
      this.#d.imageBackoff.reset(key);
      const took = formatGoDurationMs(res.durationMs);
      const waited = formatGoDurationMs(this.#d.clock.now() - now);
      this.#d.events.event(
        pod,
        'Normal',
        Reason.Pulled,
        res.pulled
          ? `Successfully pulled image "${image}" in ${took} (${waited} including waiting). Image size: ${res.sizeBytes} bytes.`
          : `Container image "${image}" already present on machine`,
      );
      return true;
    } catch (err) {
      if (this.#abort.signal.aborted) return false;
      if (!(err instanceof ImagePullError)) throw err;
      this.#pullFailed(r, err);
      return false;
    }
  }

  #pullFailed(r: ContainerRecord, err: ImagePullError): void {
    const pod = this.#pod;
    const image = r.spec.image ?? '';
    const key = `${this.uid}/${r.spec.name}`;
    const now = this.#d.clock.now();
    this.#d.imageBackoff.next(key, now);
    r.pullFailedAtMs = now;
    this.#setWaiting(r, err.reason, err.message);
    if (err.reason === 'ErrImageNeverPull') {
      this.#d.events.event(pod, 'Warning', Reason.ErrImageNeverPull, err.message);
    } else if (err.reason === 'InvalidImageName') {
      this.#d.events.event(pod, 'Warning', Reason.InspectFailed, err.message);
    } else {
      this.#d.events.event(pod, 'Warning', Reason.Failed, `Failed to pull image "${image}": ${err.message}`);
      this.#d.events.event(pod, 'Warning', Reason.Failed, `Error: ${err.reason}`);
    }
    // Sync again halfway through the back-off, so the status shows ImagePullBackOff while it lasts.
    const wait = this.#d.imageBackoff.waitMs(key, now, now);
    this.#d.enqueue(Math.min(Math.floor(wait / 2), 2_000));
  }

  #isCached(image: string): boolean {
    const names = this.#d.runtime.cachedImages().flatMap((i) => i.names);
    const short = image.includes(':') || image.includes('@') ? image : `${image}:latest`;
    return names.some((n) => n === image || n === short || n.endsWith(`/${short}`));
  }

  #setWaiting(r: ContainerRecord, reason: string, message: string): void {
    if (r.state.terminated) r.lastTerminated = r.state.terminated;
    r.state = { waiting: { reason, message } };
  }

  /** Every container ended and none will restart: the pod is Succeeded or Failed. */
  #allDone(): boolean {
    const phase = computePodStatus(this.#statusInput()).phase;
    return phase === 'Succeeded' || phase === 'Failed';
  }

  #views(init: boolean): ContainerView[] {
    return this.#records
      .filter((r) => r.init === init)
      .map((r) => {
        const running = r.state.running !== undefined;
        // Hollow containers have no probes: they are started and ready as soon as they run.
        const started = running && (this.#d.lightweight || (r.prober?.started ?? true));
        const ready = running && (this.#d.lightweight || (r.prober?.ready ?? true));
        return {
          name: r.spec.name,
          image: r.spec.image ?? '',
          imageID: r.imageID,
          ...(r.containerID ? { containerID: r.containerID } : {}),
          state: r.state,
          lastState: r.lastTerminated ? { terminated: r.lastTerminated } : {},
          restartCount: r.restartCount,
          ready: init ? r.state.terminated?.exitCode === 0 : ready,
          started: init ? running : started,
        };
      });
  }

  #statusInput() {
    return {
      pod: this.#pod,
      init: this.#views(true),
      main: this.#views(false),
      podIP: this.#podIP,
      hostIP: this.#d.hostIP,
      startTime: this.#startTime,
      sandboxReady: this.#sandbox !== undefined,
      now: rfc3339(this.#d.clock.wallNow()),
      failure: this.#failure,
    };
  }

  async #maybeWriteStatus(): Promise<void> {
    const status = computePodStatus(this.#statusInput());
    if (sameStatus(this.#lastWritten, status) || sameStatus(this.#pod.status, status)) return;
    await this.#d.writeStatus(this.#pod, status);
    this.#lastWritten = status;
  }

  /** The pod is being deleted: stop waiting for pulls and hooks now (the next sync terminates it). */
  abortInFlight(): void {
    this.#abort.abort();
  }

  /** Forgets what was written (a periodic resync compares with the API again). */
  resync(): void {
    this.#lastWritten = undefined;
  }

  /** Graceful deletion: preStop hooks, stop with the grace period, report, release, confirm. */
  async #terminate(): Promise<void> {
    const pod = this.#pod;
    const graceS = pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
    const deadline = this.#d.clock.now() + graceS * 1000;
    this.#abort.abort();
    await Promise.all(
      this.#records.map(async (r) => {
        r.prober?.stop();
        const proc = r.process;
        if (!r.state.running || proc === undefined) return;
        if (!r.init) {
          this.#d.events.event(pod, 'Normal', Reason.Killing, `Stopping container ${r.spec.name}`);
        }
        if (!this.#d.lightweight && r.spec.lifecycle?.preStop) await this.#preStop(r, deadline);
        await proc.stop(Math.max(0, deadline - this.#d.clock.now()));
        await proc.exited;
      }),
    );
    this.#finalizeStates();
    await this.#teardown(0);
    await this.#writeFinalStatus();
    await this.#d.confirmDeletion(pod);
    this.#removed = true;
    this.#d.enqueue(); // lets the kubelet forget this worker
  }

  async #preStop(r: ContainerRecord, deadlineMs: number): Promise<void> {
    const sandbox = this.#sandbox;
    const hook = r.spec.lifecycle?.preStop;
    if (sandbox === undefined || hook === undefined) return;
    const timeoutMs = Math.max(0, deadlineMs - this.#d.clock.now());
    const run = hook.sleep
      ? this.#d.clock
          .sleep(Math.min(timeoutMs, hook.sleep.seconds * 1000))
          .then(() => ({ ok: true, message: '' }))
      : runHook(hook, { sandbox, container: r.spec, podIP: this.#podIP ?? '', timeoutMs }, this.#pod);
    const res = await run;
    if (!res.ok) this.#d.events.event(this.#pod, 'Warning', Reason.FailedPreStopHook, res.message);
  }

  /** Containers that never ran end as terminated too, so the final status says the pod stopped. */
  #finalizeStates(): void {
    for (const r of this.#records) {
      if (r.state.waiting) {
        if (r.lastTerminated) r.state = { terminated: r.lastTerminated };
        else
          r.state = {
            terminated: {
              exitCode: 137,
              reason: 'ContainerStatusUnknown',
              message: 'The container could not be located when the pod was terminated',
            },
          };
      }
    }
  }

  async #writeFinalStatus(): Promise<void> {
    const input = this.#statusInput();
    const status = computePodStatus(input);
    if (status.phase !== 'Succeeded' && status.phase !== 'Failed') {
      const allOk = input.main.every((c) => c.state.terminated?.exitCode === 0);
      status.phase = allOk ? 'Succeeded' : 'Failed';
    }
    try {
      if (!sameStatus(this.#pod.status, status)) await this.#d.writeStatus(this.#pod, status);
    } catch (err) {
      this.#d.log.debug({ err, pod: this.key }, 'final status not written');
    }
  }

  /** Stops whatever still runs (SIGKILL after `graceMs`), destroys the sandbox and frees the pod IP. */
  async #teardown(graceMs: number): Promise<void> {
    this.#abort.abort();
    await Promise.all(
      this.#records.map(async (r) => {
        r.prober?.stop();
        r.prober = undefined;
        if (r.process && r.process.exitStatus() === undefined) await r.process.stop(graceMs);
      }),
    );
    if (this.#sandbox) await this.#sandbox.destroy();
    this.#sandbox = undefined;
    this.#d.ipam()?.release(this.uid);
  }
}
