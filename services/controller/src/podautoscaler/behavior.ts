/**
 * autoscaling/v2 `behavior` (kube-controller-manager's `podautoscaler/horizontal.go`,
 * `normalizeDesiredReplicasWithBehaviors`), pure: the stabilization windows (scale up to the lowest, down to
 * the highest recommendation within the window) and the rate policies (how many pods, or what percent, may be
 * added or removed per period, given the scale events of that period), clamped to min/max replicas, with the
 * AbleToScale and ScalingLimited reasons Kubernetes writes.
 */
import type { HPAScalingPolicy, HPAScalingRules } from '@kubelab/api-types';

/** A past recommendation (wall ms). */
export interface Recommendation {
  readonly atMs: number;
  readonly replicas: number;
}

/** A past rescale: `change` pods added (scale-up events) or removed (scale-down events). */
export interface ScaleEvent {
  readonly atMs: number;
  readonly change: number;
}

/** Kubernetes' defaults (`GenerateHPAScaleUpRules`, `GenerateHPAScaleDownRules`). */
export const DEFAULT_SCALE_UP: Required<
  Pick<HPAScalingRules, 'stabilizationWindowSeconds' | 'selectPolicy' | 'policies'>
> = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
};
export const DEFAULT_SCALE_DOWN: Required<
  Pick<HPAScalingRules, 'stabilizationWindowSeconds' | 'selectPolicy' | 'policies'>
> = {
  stabilizationWindowSeconds: 300,
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};

/** Rules with Kubernetes' defaults filled in; `downWindowSeconds` replaces the default scale-down window. */
export interface ResolvedRules {
  readonly stabilizationWindowSeconds: number;
  readonly selectPolicy: string;
  readonly policies: readonly HPAScalingPolicy[];
}

export function resolveRules(
  rules: HPAScalingRules | undefined,
  defaults: typeof DEFAULT_SCALE_UP,
  defaultWindowSeconds = defaults.stabilizationWindowSeconds,
): ResolvedRules {
  return {
    stabilizationWindowSeconds: rules?.stabilizationWindowSeconds ?? defaultWindowSeconds,
    selectPolicy: rules?.selectPolicy ?? defaults.selectPolicy,
    policies: rules?.policies ?? defaults.policies,
  };
}

/** A condition reason and message. */
export interface Reason {
  readonly reason: string;
  readonly message: string;
}

/** `stabilizeRecommendationWithBehaviors`. */
export function stabilize(o: {
  desired: number;
  current: number;
  nowMs: number;
  up: ResolvedRules;
  down: ResolvedRules;
  recommendations: readonly Recommendation[];
}): { replicas: number } & Reason {
  let upRec = o.desired;
  let downRec = o.desired;
  const upCutoff = o.nowMs - o.up.stabilizationWindowSeconds * 1000;
  const downCutoff = o.nowMs - o.down.stabilizationWindowSeconds * 1000;
  for (const r of o.recommendations) {
    if (r.atMs > upCutoff) upRec = Math.min(upRec, r.replicas);
    if (r.atMs > downCutoff) downRec = Math.max(downRec, r.replicas);
  }
  let replicas = o.current;
  if (replicas < upRec) replicas = upRec;
  if (replicas > downRec) replicas = downRec;
  if (replicas === o.desired) return { replicas, ...READY_FOR_NEW_SCALE };
  return replicas < o.desired
    ? {
        replicas,
        reason: 'ScaleUpStabilized',
        message:
          'recent recommendations were lower than current one, applying the lowest recent recommendation',
      }
    : {
        replicas,
        reason: 'ScaleDownStabilized',
        message:
          'recent recommendations were higher than current one, applying the highest recent recommendation',
      };
}

export const READY_FOR_NEW_SCALE: Reason = {
  reason: 'ReadyForNewScale',
  message: 'recommended size matches current size',
};

function changeInPeriod(events: readonly ScaleEvent[], periodSeconds: number, nowMs: number): number {
  const cutoff = nowMs - periodSeconds * 1000;
  let sum = 0;
  for (const e of events) if (e.atMs > cutoff) sum += e.change;
  return sum;
}

/** `calculateScaleUpLimitWithScalingRules`. */
export function scaleUpLimit(
  current: number,
  upEvents: readonly ScaleEvent[],
  downEvents: readonly ScaleEvent[],
  rules: ResolvedRules,
  nowMs: number,
): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pickMax = rules.selectPolicy !== 'Min';
  let result = pickMax ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  for (const p of rules.policies) {
    const start =
      current -
      changeInPeriod(upEvents, p.periodSeconds, nowMs) +
      changeInPeriod(downEvents, p.periodSeconds, nowMs);
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pickMax ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return Number.isFinite(result) ? result : current;
}

/** `calculateScaleDownLimitWithBehaviors`. */
export function scaleDownLimit(
  current: number,
  upEvents: readonly ScaleEvent[],
  downEvents: readonly ScaleEvent[],
  rules: ResolvedRules,
  nowMs: number,
): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pickMax = rules.selectPolicy !== 'Min'; // "Max" allows the biggest change: the smallest result
  let result = pickMax ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  for (const p of rules.policies) {
    const start =
      current -
      changeInPeriod(upEvents, p.periodSeconds, nowMs) +
      changeInPeriod(downEvents, p.periodSeconds, nowMs);
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pickMax ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return Number.isFinite(result) ? result : current;
}

/** `convertDesiredReplicasWithBehaviorRate`: the rate policies and min/max. */
export function limitByRate(o: {
  desired: number;
  current: number;
  minReplicas: number;
  maxReplicas: number;
  nowMs: number;
  up: ResolvedRules;
  down: ResolvedRules;
  upEvents: readonly ScaleEvent[];
  downEvents: readonly ScaleEvent[];
}): { replicas: number } & Reason {
  if (o.desired > o.current) {
    const limit = Math.max(o.current, scaleUpLimit(o.current, o.upEvents, o.downEvents, o.up, o.nowMs));
    const byRate = o.maxReplicas > limit;
    const maxAllowed = byRate ? limit : o.maxReplicas;
    if (o.desired > maxAllowed) {
      return byRate
        ? {
            replicas: maxAllowed,
            reason: 'ScaleUpLimit',
            message: 'the desired replica count is increasing faster than the maximum scale rate',
          }
        : {
            replicas: maxAllowed,
            reason: 'TooManyReplicas',
            message: 'the desired replica count is more than the maximum replica count',
          };
    }
  } else if (o.desired < o.current) {
    const limit = Math.min(o.current, scaleDownLimit(o.current, o.upEvents, o.downEvents, o.down, o.nowMs));
    const byRate = o.minReplicas < limit;
    const minAllowed = byRate ? limit : o.minReplicas;
    if (o.desired < minAllowed) {
      return byRate
        ? {
            replicas: minAllowed,
            reason: 'ScaleDownLimit',
            message: 'the desired replica count is decreasing faster than the maximum scale rate',
          }
        : {
            replicas: minAllowed,
            reason: 'TooFewReplicas',
            message: 'the desired replica count is less than the minimum replica count',
          };
    }
  }
  return {
    replicas: o.desired,
    reason: 'DesiredWithinRange',
    message: 'the desired count is within the acceptable range',
  };
}
