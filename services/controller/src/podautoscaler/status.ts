/** HPA status conditions (AbleToScale, ScalingActive, ScalingLimited) as Kubernetes keeps them. */
import type { Condition } from '@kubelab/api-types';

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
