/**
 * The HPA's replica calculation for a resource utilization target (kube-controller-manager's
 * `podautoscaler/replica_calculator.go`, `GetResourceReplicas`), pure: pods are grouped into ready, unready
 * (Pending, or CPU samples taken too soon after start or a readiness change), missing (no sample) and ignored
 * (being deleted or Failed); the usage ratio over the ready pods decides, within the tolerance; missing and
 * unready pods are then assumed at 100 % (scale down) or 0 % (scale up) of their request, and the change is
 * dropped if that assumption reverses or cancels it.
 */

/** Kubernetes' `--horizontal-pod-autoscaler-tolerance`. */
export const DEFAULT_TOLERANCE = 0.1;
/** `--horizontal-pod-autoscaler-cpu-initialization-period`. */
export const CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000;
/** `--horizontal-pod-autoscaler-initial-readiness-delay`. */
export const INITIAL_READINESS_DELAY_MS = 30_000;

/** One pod as the calculator sees it; times are wall-clock milliseconds. */
export interface PodSample {
  readonly name: string;
  readonly phase: string | undefined;
  readonly deleting: boolean;
  /** The Ready condition, if the pod has one. */
  readonly ready: { readonly status: string; readonly lastTransitionMs: number | undefined } | undefined;
  readonly startMs: number | undefined;
  /** Sum of the containers' requests of the resource (millicores or bytes); undefined when a container has none. */
  readonly request: number | undefined;
  /** The missing request's container, for the error message. */
  readonly containerWithoutRequest?: string;
  /** The usage sample (millicores or bytes), if any. */
  readonly usage:
    | { readonly value: number; readonly timestampMs: number; readonly windowMs: number }
    | undefined;
}

/** A calculation that could not be made (the HPA reports it as FailedGetResourceMetric/ScalingActive=False). */
export class ReplicaCalculationError extends Error {
  override readonly name = 'ReplicaCalculationError';
}

/** The calculator's answer. */
export interface ReplicaCalculation {
  readonly replicas: number;
  /** Average utilization, percent of request, over the pods counted (integer; Utilization targets only). */
  readonly utilization?: number;
  /** Average usage over the pods counted (millicores or bytes). */
  readonly averageValue: number;
}

interface Grouped {
  readyCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

/** `groupPods`: the readiness rules for samples apply to cpu only. */
export function groupPods(
  pods: readonly PodSample[],
  nowMs: number,
  resource: 'cpu' | 'memory' = 'cpu',
): Grouped {
  const g: Grouped = { readyCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const p of pods) {
    if (p.deleting || p.phase === 'Failed') {
      g.ignored.add(p.name);
      continue;
    }
    if (p.phase === 'Pending') {
      g.unready.add(p.name);
      continue;
    }
    if (!p.usage) {
      g.missing.add(p.name);
      continue;
    }
    let unready = false;
    if (resource !== 'cpu') {
      // memory samples count as soon as there is one
    } else if (!p.ready || p.startMs === undefined) {
      unready = true;
    } else {
      const transition = p.ready.lastTransitionMs ?? p.startMs;
      if (p.startMs + CPU_INITIALIZATION_PERIOD_MS > nowMs) {
        // Too soon after start: ignore an unready pod, or a sample that does not cover a window since the change.
        unready = p.ready.status === 'False' || p.usage.timestampMs < transition + p.usage.windowMs;
      } else {
        // Later: ignore only a pod that is unready and has never been ready.
        unready = p.ready.status === 'False' && p.startMs + INITIAL_READINESS_DELAY_MS > transition;
      }
    }
    if (unready) g.unready.add(p.name);
    else g.readyCount++;
  }
  return g;
}

/** `GetResourceUtilizationRatio` over the pods present in `usage` that have a request. */
export function utilizationRatio(
  usage: ReadonlyMap<string, number>,
  requests: ReadonlyMap<string, number>,
  targetUtilization: number,
): { ratio: number; utilization: number; averageValue: number } {
  let used = 0;
  let requested = 0;
  let n = 0;
  for (const [name, milli] of usage) {
    const r = requests.get(name);
    if (r === undefined) continue;
    used += milli;
    requested += r;
    n++;
  }
  if (requested === 0) throw new ReplicaCalculationError('no metrics returned matched known pods');
  const utilization = Math.trunc((used * 100) / requested);
  return { ratio: utilization / targetUtilization, utilization, averageValue: Math.trunc(used / n) };
}

/** A resource target: percent of request (`Utilization`) or a per-pod amount (`AverageValue`). */
export type ResourceTarget =
  | { readonly kind: 'Utilization'; readonly utilization: number }
  | { readonly kind: 'AverageValue'; readonly averageValue: number };

/**
 * The desired replica count for a resource target (`GetResourceReplicas` for Utilization,
 * `GetRawResourceReplicas`/`calcPlainMetricReplicas` for AverageValue).
 *
 * @example
 * calculateResourceReplicas({ pods, currentReplicas: 2, resource: 'cpu',
 *   target: { kind: 'Utilization', utilization: 50 }, tolerance: 0.1, nowMs });
 */
export function calculateResourceReplicas(o: {
  pods: readonly PodSample[];
  currentReplicas: number;
  resource: 'cpu' | 'memory';
  target: ResourceTarget;
  tolerance: number;
  nowMs: number;
}): ReplicaCalculation {
  if (o.pods.length === 0)
    throw new ReplicaCalculationError('no pods returned by selector while calculating replica count');
  const g = groupPods(o.pods, o.nowMs, o.resource);
  const usage = new Map<string, number>();
  for (const p of o.pods) {
    if (p.usage && !g.ignored.has(p.name) && !g.unready.has(p.name)) usage.set(p.name, p.usage.value);
  }
  if (usage.size === 0)
    throw new ReplicaCalculationError('did not receive metrics for targeted pods (pods might be unready)');
  const requests = new Map<string, number>();
  if (o.target.kind === 'Utilization') {
    for (const p of o.pods) {
      if (p.request === undefined)
        throw new ReplicaCalculationError(
          `missing request for ${o.resource} in container ${p.containerWithoutRequest ?? ''} of Pod ${p.name}`,
        );
      requests.set(p.name, p.request);
    }
  }
  const target = o.target;
  const measure = (u: ReadonlyMap<string, number>) => {
    if (target.kind === 'Utilization') return utilizationRatio(u, requests, target.utilization);
    let sum = 0;
    for (const v of u.values()) sum += v;
    return { ratio: sum / (target.averageValue * u.size), averageValue: Math.trunc(sum / u.size) };
  };
  const first = measure(usage);
  const base = {
    ...('utilization' in first ? { utilization: first.utilization } : {}),
    averageValue: first.averageValue,
  };
  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1 - first.ratio) <= o.tolerance) return { replicas: o.currentReplicas, ...base };
    return { replicas: Math.ceil(first.ratio * g.readyCount), ...base };
  }
  // Missing pods: assume they use their whole request (or the target) when scaling down, nothing when up.
  if (first.ratio !== 1) {
    for (const name of g.missing) {
      const full = target.kind === 'Utilization' ? (requests.get(name) ?? 0) : target.averageValue;
      usage.set(name, first.ratio < 1 ? full : 0);
    }
  }
  if (scaleUpWithUnready) for (const name of g.unready) usage.set(name, 0);
  const next = measure(usage);
  if (
    Math.abs(1 - next.ratio) <= o.tolerance ||
    (first.ratio < 1 && next.ratio > 1) ||
    (first.ratio > 1 && next.ratio < 1)
  ) {
    return { replicas: o.currentReplicas, ...base };
  }
  const replicas = Math.ceil(next.ratio * usage.size);
  if ((next.ratio < 1 && replicas > o.currentReplicas) || (next.ratio > 1 && replicas < o.currentReplicas))
    return { replicas: o.currentReplicas, ...base };
  return { replicas, ...base };
}

/** {@link calculateResourceReplicas} for a cpu utilization target (percent of request). */
export function calculateCpuReplicas(o: {
  pods: readonly PodSample[];
  currentReplicas: number;
  targetUtilization: number;
  tolerance: number;
  nowMs: number;
}): ReplicaCalculation {
  return calculateResourceReplicas({
    ...o,
    resource: 'cpu',
    target: { kind: 'Utilization', utilization: o.targetUtilization },
  });
}
