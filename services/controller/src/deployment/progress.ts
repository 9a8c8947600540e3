/**
 * Rollout progress (pkg/controller/deployment/progress.go): the Progressing condition (NewReplicaSetAvailable,
 * ReplicaSetUpdated, ProgressDeadlineExceeded), ReplicaFailure copied from the ReplicaSets, and a requeue at
 * the deadline so a stuck rollout is noticed without any event.
 */
import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet } from '@kubelab/api-types';
import { parseTime } from '@kubelab/controller-kit';
import {
  PROGRESSING,
  REPLICA_FAILURE,
  Reasons,
  calculateStatus,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  getCondition,
  newCondition,
  removeCondition,
  setCondition,
  statusEqual,
} from './status.js';
import { type SyncContext, updateDeploymentStatus } from './sync-context.js';
import { hasProgressDeadline } from './util.js';

/**
 * The Progressing condition `newStatus` should carry (pure): complete → NewReplicaSetAvailable; progress since
 * the last status → ReplicaSetUpdated (keeping lastTransitionTime while it stays True); past the deadline →
 * ProgressDeadlineExceeded. Mutates `newStatus`.
 */
export function applyProgressCondition(
  d: Deployment,
  newRS: ReplicaSet | undefined,
  newStatus: DeploymentStatus,
  nowWallMs: number,
): void {
  if (!hasProgressDeadline(d)) {
    removeCondition(newStatus, PROGRESSING);
    return;
  }
  const current = getCondition(d.status, PROGRESSING);
  const isComplete =
    newStatus.replicas === newStatus.updatedReplicas && current?.reason === Reasons.NewReplicaSetAvailable;
  if (isComplete) return;
  const rsName = newRS?.metadata.name;
  if (deploymentComplete(d, newStatus)) {
    const msg = rsName
      ? `ReplicaSet "${rsName}" has successfully progressed.`
      : `Deployment "${d.metadata.name}" has successfully progressed.`;
    setCondition(
      newStatus,
      newCondition(PROGRESSING, 'True', Reasons.NewReplicaSetAvailable, msg, nowWallMs),
    );
  } else if (deploymentProgressing(d, newStatus)) {
    const msg = rsName
      ? `ReplicaSet "${rsName}" is progressing.`
      : `Deployment "${d.metadata.name}" is progressing.`;
    const cond = newCondition(PROGRESSING, 'True', Reasons.ReplicaSetUpdated, msg, nowWallMs);
    // Everything but lastTransitionTime moves while the condition stays True.
    if (current) {
      if (current.status === 'True' && current.lastTransitionTime)
        cond.lastTransitionTime = current.lastTransitionTime;
      removeCondition(newStatus, PROGRESSING);
    }
    setCondition(newStatus, cond);
  } else if (deploymentTimedOut(d, newStatus, nowWallMs)) {
    const msg = rsName
      ? `ReplicaSet "${rsName}" has timed out progressing.`
      : `Deployment "${d.metadata.name}" has timed out progressing.`;
    setCondition(newStatus, newCondition(PROGRESSING, 'False', Reasons.TimedOut, msg, nowWallMs));
  }
}

/** `getReplicaFailures`: the new RS's ReplicaFailure first, else any old one's. */
function replicaFailure(
  allRSs: readonly (ReplicaSet | undefined)[],
  newRS: ReplicaSet | undefined,
): DeploymentCondition | undefined {
  const fromRS = (rs: ReplicaSet | undefined) => {
    const c = rs?.status?.conditions?.find((x) => x.type === REPLICA_FAILURE);
    return c ? ({ ...c, lastUpdateTime: c.lastTransitionTime } as DeploymentCondition) : undefined;
  };
  const fromNew = fromRS(newRS);
  if (fromNew) return fromNew;
  for (const rs of allRSs) {
    if (rs === newRS) continue;
    const c = fromRS(rs);
    if (c) return c;
  }
  return undefined;
}

/**
 * `syncRolloutStatus`: the status with its Progressing and ReplicaFailure conditions; written if it changed,
 * otherwise the Deployment is requeued for its progress deadline.
 */
export async function syncRolloutStatus(
  sc: SyncContext,
  allRSs: readonly (ReplicaSet | undefined)[],
  newRS: ReplicaSet | undefined,
  d: Deployment,
): Promise<void> {
  const now = sc.clock.wallNow();
  const next = calculateStatus(allRSs, newRS, d, now);
  applyProgressCondition(d, newRS, next, now);
  const failure = replicaFailure(allRSs, newRS);
  if (failure) setCondition(next, failure);
  else removeCondition(next, REPLICA_FAILURE);
  if (statusEqual(d.status, next)) {
    requeueStuckDeployment(sc, d, next);
    return;
  }
  d.status = next;
  await updateDeploymentStatus(sc, d);
}

/**
 * `requeueStuckDeployment`: a rollout that is neither complete nor timed out is looked at again when its
 * deadline passes (one second later), since nothing else would wake the controller. Returns the delay in ms,
 * -1 when no requeue is needed.
 */
export function requeueStuckDeployment(sc: SyncContext, d: Deployment, next: DeploymentStatus): number {
  const cond = getCondition(next, PROGRESSING);
  if (!hasProgressDeadline(d) || !cond) return -1;
  if (deploymentComplete(d, next) || cond.reason === Reasons.TimedOut) return -1;
  const from = parseTime(cond.lastUpdateTime) ?? sc.clock.wallNow();
  const after = from + (d.spec.progressDeadlineSeconds ?? 0) * 1000 - sc.clock.wallNow();
  if (after < 1000) {
    sc.enqueueRateLimited(d);
    return 0;
  }
  sc.enqueueAfter(d, after + 1000);
  return after;
}
