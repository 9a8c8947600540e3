/** HPA status conditions (AbleToScale, ScalingActive, ScalingLimited) as Kubernetes keeps them. */
import type { Condition, HorizontalPodAutoscaler, MetricStatus } from '@kubelab/api-types';

/** A mutable condition list. */
export type Conditions = Condition[];

/**
 * Sets a condition in place: lastTransitionTime moves only when the status changes (`setConditionInList`).
 */
export function setCondition(
  conditions: Conditions,
  c: { type: string; status: string; reason: string; message: string },
  nowRfc: string,
): void {
  const existing = conditions.find((x) => x.type === c.type);
  if (!existing) {
    conditions.push({ ...c, lastTransitionTime: nowRfc });
    return;
  }
  if (existing.status !== c.status) existing.lastTransitionTime = nowRfc;
  existing.status = c.status;
  existing.reason = c.reason;
  existing.message = c.message;
}

/** What one reconcile decided. */
export interface HpaOutcome {
  readonly current: number;
  readonly desired: number;
  /** The metrics as computed (empty when they could not be). */
  readonly currentMetrics?: readonly MetricStatus[];
  readonly rescaled: boolean;
}

/** The HPA's new status: counts, the cpu metric, conditions, lastScaleTime (`nowRfc` when it rescaled). */
export function computeHpaStatus(
  hpa: HorizontalPodAutoscaler,
  conditions: Conditions,
  o: HpaOutcome,
  nowRfc: string,
): NonNullable<HorizontalPodAutoscaler['status']> {
  const last = o.rescaled ? nowRfc : hpa.status?.lastScaleTime;
  return {
    ...(hpa.metadata.generation === undefined ? {} : { observedGeneration: hpa.metadata.generation }),
    ...(last ? { lastScaleTime: last } : {}),
    currentReplicas: o.current,
    desiredReplicas: o.desired,
    currentMetrics: [...(o.currentMetrics ?? [])],
    conditions,
  };
}
