/**
 * The RollingUpdate strategy (pkg/controller/deployment/rolling.go): grow the new ReplicaSet within maxSurge,
 * shrink the old ones within maxUnavailable — first their unhealthy replicas, then healthy ones as the new
 * replicas become available — so that at most `replicas + maxSurge` pods exist and at least
 * `replicas - maxUnavailable` are available at every step.
 */
import type { Deployment, ReplicaSet } from '@kubelab/api-types';
import { syncRolloutStatus } from './progress.js';
import { deploymentComplete } from './status.js';
import type { SyncContext } from './sync-context.js';
import {
  cleanupDeployment,
  getAllReplicaSetsAndSyncRevision,
  scaleReplicaSetAndRecordEvent,
} from './sync.js';
import {
  activeReplicaSets,
  availableReplicaCount,
  byCreationTimestamp,
  deploymentReplicas,
  maxUnavailable,
  newRSNewReplicas,
  replicaCount,
  rsReplicas,
} from './util.js';

/** `rolloutRolling`. */
export async function rolloutRolling(sc: SyncContext, d: Deployment, rsList: ReplicaSet[]): Promise<void> {
  const found = await getAllReplicaSetsAndSyncRevision(sc, d, rsList, true);
  const newRS = found.newRS as ReplicaSet;
  const oldRSs = found.oldRSs;
  const allRSs = [...oldRSs, newRS];
  if (await reconcileNewReplicaSet(sc, allRSs, newRS, d)) {
    await syncRolloutStatus(sc, allRSs, newRS, d);
    return;
  }
  if (await reconcileOldReplicaSets(sc, allRSs, activeReplicaSets(oldRSs), newRS, d)) {
    await syncRolloutStatus(sc, allRSs, newRS, d);
    return;
  }
  if (d.status && deploymentComplete(d, d.status)) await cleanupDeployment(sc, oldRSs, d);
  await syncRolloutStatus(sc, allRSs, newRS, d);
}

/** Scales the new RS toward `replicas` as far as maxSurge allows (down at once if it is too big). */
export async function reconcileNewReplicaSet(
  sc: SyncContext,
  allRSs: readonly ReplicaSet[],
  newRS: ReplicaSet,
  d: Deployment,
): Promise<boolean> {
  const replicas = deploymentReplicas(d);
  if (rsReplicas(newRS) === replicas) return false;
  if (rsReplicas(newRS) > replicas)
    return (await scaleReplicaSetAndRecordEvent(sc, newRS, replicas, d)).scaled;
  return (await scaleReplicaSetAndRecordEvent(sc, newRS, newRSNewReplicas(d, allRSs, newRS), d)).scaled;
}

/**
 * How many old replicas may go now (pure): everything beyond `replicas - maxUnavailable`, less the new RS's
 * replicas that are not available yet (they may never become so; old ones must not be removed for them).
 */
export function maxScaledDown(d: Deployment, allRSs: readonly ReplicaSet[], newRS: ReplicaSet): number {
  const minAvailable = deploymentReplicas(d) - maxUnavailable(d);
  const newRSUnavailable = rsReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  return replicaCount(allRSs) - minAvailable - newRSUnavailable;
}

/** `reconcileOldReplicaSets`. */
export async function reconcileOldReplicaSets(
  sc: SyncContext,
  allRSs: readonly ReplicaSet[],
  oldRSs: ReplicaSet[],
  newRS: ReplicaSet,
  d: Deployment,
): Promise<boolean> {
  if (replicaCount(oldRSs) === 0) return false;
  const budget = maxScaledDown(d, allRSs, newRS);
  if (budget <= 0) return false;
  const cleaned = await cleanupUnhealthyReplicas(sc, oldRSs, d, budget);
  const scaledDown = await scaleDownOldReplicaSetsForRollingUpdate(
    sc,
    [...cleaned.oldRSs, newRS],
    cleaned.oldRSs,
    d,
  );
  return cleaned.count + scaledDown > 0;
}

/** Removes old replicas that are not available, oldest RS first, up to `maxCleanupCount`. */
async function cleanupUnhealthyReplicas(
  sc: SyncContext,
  oldRSs: ReplicaSet[],
  d: Deployment,
  maxCleanupCount: number,
): Promise<{ oldRSs: ReplicaSet[]; count: number }> {
  const sorted = [...oldRSs].sort(byCreationTimestamp);
  let total = 0;
  for (const [i, rs] of sorted.entries()) {
    if (total >= maxCleanupCount) break;
    const replicas = rsReplicas(rs);
    const available = rs.status?.availableReplicas ?? 0;
    if (replicas === 0 || replicas === available) continue;
    const count = Math.min(maxCleanupCount - total, replicas - available);
    const next = replicas - count;
    if (next > replicas)
      throw new Error(
        `when cleaning up unhealthy replicas, got invalid request to scale down ${rs.metadata.name} ${replicas} -> ${next}`,
      );
    sorted[i] = (await scaleReplicaSetAndRecordEvent(sc, rs, next, d)).rs;
    total += count;
  }
  return { oldRSs: sorted, count: total };
}

/** Scales healthy old replicas down, oldest RS first, while more than `replicas - maxUnavailable` are available. */
async function scaleDownOldReplicaSetsForRollingUpdate(
  sc: SyncContext,
  allRSs: readonly ReplicaSet[],
  oldRSs: ReplicaSet[],
  d: Deployment,
): Promise<number> {
  const minAvailable = deploymentReplicas(d) - maxUnavailable(d);
  const available = availableReplicaCount(allRSs);
  if (available <= minAvailable) return 0;
  const totalToScaleDown = available - minAvailable;
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreationTimestamp)) {
    if (total >= totalToScaleDown) break;
    if (rsReplicas(rs) === 0) continue;
    const count = Math.min(rsReplicas(rs), totalToScaleDown - total);
    await scaleReplicaSetAndRecordEvent(sc, rs, rsReplicas(rs) - count, d);
    total += count;
  }
  return total;
}
