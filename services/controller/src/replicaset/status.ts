/**
 * A ReplicaSet's status from its pods (replica_set_utils.go `calculateStatus`, `updateReplicaSetStatus`'s
 * equality test). Pure.
 */
import {
  type Condition,
  type Pod,
  type ReplicaSetStatus,
  labelSelectorMatches,
  selectorFromSet,
} from '@kubelab/api-types';
import { isPodAvailable, isPodReady, rfc3339 } from '@kubelab/controller-kit';
import { type ReplicaSetLike, specReplicas, statusOf, templateOf } from './kind.js';

/** `apps.ReplicaSetReplicaFailure`. */
export const REPLICA_FAILURE = 'ReplicaFailure';

/**
 * The new status: replicas counts the active pods, fullyLabeledReplicas those carrying every template label,
 * readyReplicas the Ready ones, availableReplicas those Ready for `minReadySeconds`. A failed create/delete
 * adds the ReplicaFailure condition (FailedCreate / FailedDelete with the error's message) if absent; a clean
 * sync removes it. observedGeneration is left to {@link withObservedGeneration}.
 */
export function calculateStatus(
  rs: ReplicaSetLike,
  activePods: readonly Pod[],
  manageReplicasErr: unknown,
  nowWallMs: number,
): ReplicaSetStatus {
  const next: ReplicaSetStatus = structuredClone(statusOf(rs));
  const templateLabels = selectorFromSet(templateOf(rs)?.metadata?.labels ?? {});
  const minReadySeconds = rs.spec.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of activePods) {
    if (labelSelectorMatches(templateLabels, pod.metadata.labels)) fullyLabeled++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReadySeconds, nowWallMs)) available++;
    }
  }
  const failure = next.conditions?.find((c) => c.type === REPLICA_FAILURE);
  if (manageReplicasErr !== undefined && failure === undefined) {
    const diff = activePods.length - specReplicas(rs);
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
    const cond: Condition = {
      type: REPLICA_FAILURE,
      status: 'True',
      lastTransitionTime: rfc3339(nowWallMs),
      reason,
      message: manageReplicasErr instanceof Error ? manageReplicasErr.message : String(manageReplicasErr),
    };
    next.conditions = [...(next.conditions ?? []), cond];
  } else if (manageReplicasErr === undefined && failure !== undefined) {
    next.conditions = (next.conditions ?? []).filter((c) => c.type !== REPLICA_FAILURE);
    if (next.conditions.length === 0) delete next.conditions;
  }
  next.replicas = activePods.length;
  next.fullyLabeledReplicas = fullyLabeled;
  next.readyReplicas = ready;
  next.availableReplicas = available;
  return next;
}

/** True when writing `next` would change nothing `updateReplicaSetStatus` compares. */
export function statusUnchanged(rs: ReplicaSetLike, next: ReplicaSetStatus): boolean {
  const cur = statusOf(rs);
  return (
    (cur.replicas ?? 0) === next.replicas &&
    (cur.fullyLabeledReplicas ?? 0) === (next.fullyLabeledReplicas ?? 0) &&
    (cur.readyReplicas ?? 0) === (next.readyReplicas ?? 0) &&
    (cur.availableReplicas ?? 0) === (next.availableReplicas ?? 0) &&
    (rs.metadata.generation ?? 0) === (cur.observedGeneration ?? 0) &&
    JSON.stringify(cur.conditions ?? []) === JSON.stringify(next.conditions ?? [])
  );
}
