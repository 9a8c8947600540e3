/**
 * The pod status the kubelet reports (kubelet `generateAPIPodStatus` and `getPhase`), computed purely from
 * what the pod worker knows about its sandbox and containers. The worker writes the result through the
 * `pods/status` subresource only when it differs from the last one written.
 */
import type { ContainerState, ContainerStatus, Pod, PodCondition, PodStatus } from '@kubelab/api-types';
import { computeQOSClass } from '@kubelab/api-types';

/** What the worker knows about one container, already in the API's shape. */
export interface ContainerView {
  readonly name: string;
  readonly image: string;
  /** `''` until the image was pulled once. */
  readonly imageID: string;
  readonly containerID?: string;
  readonly state: ContainerState;
  readonly lastState: ContainerState;
  readonly restartCount: number;
  readonly ready: boolean;
  readonly started: boolean;
}

/** Everything {@link computePodStatus} reads. */
export interface PodStatusInput {
  readonly pod: Pod;
  readonly init: readonly ContainerView[];
  readonly main: readonly ContainerView[];
  readonly podIP: string | undefined;
  readonly hostIP: string;
  /** RFC 3339; set once the kubelet accepted the pod. */
  readonly startTime: string | undefined;
  /** The sandbox exists (PodReadyToStartContainers). */
  readonly sandboxReady: boolean;
  /** RFC 3339 "now", the lastTransitionTime of conditions that change. */
  readonly now: string;
  /** The kubelet failed the pod itself (activeDeadlineSeconds: DeadlineExceeded): phase Failed with this. */
  readonly failure?: { readonly reason: string; readonly message: string } | undefined;
}

/** Conditions the kubelet owns; others (PodScheduled, DisruptionTarget, readiness gates) are kept as they are. */
const KUBELET_CONDITIONS = new Set(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady']);

function isSucceeded(s: ContainerState): boolean {
  return s.terminated !== undefined && s.terminated.exitCode === 0;
}

/** True when every init container completed successfully (or there are none). */
export function isInitialized(init: readonly ContainerView[]): boolean {
  return init.every((c) => isSucceeded(c.state));
}

/** The pod phase (kubelet `getPhase`). */
export function computePhase(pod: Pod, init: readonly ContainerView[], main: readonly ContainerView[]) {
  const policy = pod.spec.restartPolicy ?? 'Always';
  if (!isInitialized(init)) {
    const failed = init.some(
      (c) =>
        (c.state.terminated !== undefined && c.state.terminated.exitCode !== 0) ||
        (c.state.waiting !== undefined && (c.lastState.terminated?.exitCode ?? 0) !== 0),
    );
    return failed && policy === 'Never' ? 'Failed' : 'Pending';
  }
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of main) {
    if (c.state.running) running++;
    else if (c.state.terminated) {
      stopped++;
      if (c.state.terminated.exitCode === 0) succeeded++;
    } else if (c.lastState.terminated) stopped++;
    else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function condition(
  prev: readonly PodCondition[],
  type: string,
  status: boolean,
  now: string,
  reason?: string,
  message?: string,
): PodCondition {
  const s = status ? 'True' : 'False';
  const old = prev.find((c) => c.type === type);
  return {
    type,
    status: s,
    lastProbeTime: null,
    lastTransitionTime: old?.status === s && old.lastTransitionTime ? old.lastTransitionTime : now,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  };
}

function names(list: readonly ContainerView[]): string {
  return `[${list.map((c) => c.name).join(' ')}]`;
}

/** The kubelet's conditions, in the order Kubernetes lists them, with the others kept after them. */
export function computeConditions(input: PodStatusInput, phase: string): PodCondition[] {
  const prev = input.pod.status?.conditions ?? [];
  const done = phase === 'Succeeded' || phase === 'Failed';
  const completed = phase === 'Succeeded' ? 'PodCompleted' : undefined;
  const incomplete = input.init.filter((c) => !isSucceeded(c.state));
  const unready = input.main.filter((c) => !c.ready);
  const initialized = incomplete.length === 0 || phase === 'Succeeded';
  const ready = !done && unready.length === 0;
  const notReady = done
    ? { reason: completed }
    : { reason: 'ContainersNotReady', message: `containers with unready status: ${names(unready)}` };
  const out: PodCondition[] = [
    condition(prev, 'PodReadyToStartContainers', input.sandboxReady, input.now),
    initialized
      ? condition(prev, 'Initialized', true, input.now, completed)
      : condition(
          prev,
          'Initialized',
          false,
          input.now,
          'ContainersNotInitialized',
          `containers with incomplete status: ${names(incomplete)}`,
        ),
    ready
      ? condition(prev, 'Ready', true, input.now)
      : condition(prev, 'Ready', false, input.now, notReady.reason, notReady.message),
    ready
      ? condition(prev, 'ContainersReady', true, input.now)
      : condition(prev, 'ContainersReady', false, input.now, notReady.reason, notReady.message),
  ];
  const others = prev.filter((c) => !KUBELET_CONDITIONS.has(c.type));
  if (!others.some((c) => c.type === 'PodScheduled')) {
    others.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: input.now });
  }
  return [...out, ...others];
}

/** One container's status in the API's shape. */
export function containerStatus(c: ContainerView): ContainerStatus {
  return {
    name: c.name,
    state: c.state,
    lastState: c.lastState,
    ready: c.ready,
    restartCount: c.restartCount,
    image: c.image,
    imageID: c.imageID,
    ...(c.containerID ? { containerID: c.containerID } : {}),
    started: c.started,
  };
}

/**
 * The whole status. A pod that already reached Succeeded or Failed never leaves it (Kubernetes' rule that a
 * terminal phase is final).
 *
 * @example
 * const status = computePodStatus({ pod, init: [], main: [view], podIP, hostIP, startTime, sandboxReady: true, now });
 */
export function computePodStatus(input: PodStatusInput): PodStatus {
  const prevPhase = input.pod.status?.phase;
  const terminal = prevPhase === 'Succeeded' || prevPhase === 'Failed';
  const phase = terminal
    ? prevPhase
    : input.failure
      ? 'Failed'
      : computePhase(input.pod, input.init, input.main);
  const failure =
    input.failure ??
    (terminal && input.pod.status?.reason
      ? { reason: input.pod.status.reason, message: input.pod.status.message ?? '' }
      : undefined);
  const status: PodStatus = {
    phase,
    conditions: computeConditions(input, phase),
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    ...(input.podIP ? { podIP: input.podIP, podIPs: [{ ip: input.podIP }] } : {}),
    ...(input.startTime ? { startTime: input.startTime } : {}),
    ...(input.init.length > 0 ? { initContainerStatuses: input.init.map(containerStatus) } : {}),
    containerStatuses: input.main.map(containerStatus),
    qosClass: input.pod.status?.qosClass ?? computeQOSClass(input.pod.spec),
    ...(failure ? { reason: failure.reason, message: failure.message } : {}),
  };
  if (input.pod.status?.nominatedNodeName) status.nominatedNodeName = input.pod.status.nominatedNodeName;
  return status;
}

/** JSON with object keys sorted at every level, so two equal statuses give the same text. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x !== null && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(
          Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : x,
  );
}

/** Status equality, whatever the key order or the order of conditions. */
export function sameStatus(a: PodStatus | undefined, b: PodStatus): boolean {
  return a !== undefined && canonicalJson(normalize(a)) === canonicalJson(normalize(b));
}

function normalize(s: PodStatus): unknown {
  const { conditions, ...rest } = s;
  return { ...rest, conditions: [...(conditions ?? [])].sort((x, y) => x.type.localeCompare(y.type)) };
}
