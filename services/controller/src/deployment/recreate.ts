/**
 * The Recreate strategy (pkg/controller/deployment/recreate.go): scale every old ReplicaSet to 0, wait until
 * none of their pods is left running, then create (or scale up) the new one to the full size.
 */
import type { Deployment, Pod, ReplicaSet } from '@kubelab/api-types';
import { syncRolloutStatus } from './progress.js';
import { deploymentComplete } from './status.js';
import type { SyncContext } from './sync-context.js';
import {
  cleanupDeployment,
  getAllReplicaSetsAndSyncRevision,
  scaleReplicaSetAndRecordEvent,
} from './sync.js';
import { activeReplicaSets, actualReplicaCount, deploymentReplicas, rsReplicas } from './util.js';

/** Pods by the uid of the ReplicaSet that controls them. */
export type PodMap = ReadonlyMap<string, readonly Pod[]>;

/** `oldPodsRunning` (pure): old ReplicaSets still report replicas, or an old pod is not Succeeded/Failed. */
export function oldPodsRunning(
  newRS: ReplicaSet | undefined,
  oldRSs: readonly ReplicaSet[],
  podMap: PodMap,
): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  for (const [uid, pods] of podMap) {
    if (newRS && newRS.metadata.uid === uid) continue;
    for (const pod of pods) {
      const phase = pod.status?.phase;
      if (phase === 'Failed' || phase === 'Succeeded') continue;
      return true;
    }
  }
  return false;
}

/** `rolloutRecreate`. */
export async function rolloutRecreate(
  sc: SyncContext,
  d: Deployment,
  rsList: ReplicaSet[],
  podMap: PodMap,
): Promise<void> {
  let { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(sc, d, rsList, false);
  let allRSs = [...oldRSs, newRS];
  let scaledDown = false;
  for (const rs of activeReplicaSets(oldRSs)) {
    if ((await scaleReplicaSetAndRecordEvent(sc, rs, 0, d)).scaled) scaledDown = true;
  }
  if (scaledDown) {
    await syncRolloutStatus(sc, allRSs, newRS, d);
    return;
  }
  if (oldPodsRunning(newRS, oldRSs, podMap)) {
    await syncRolloutStatus(sc, allRSs, newRS, d);
    return;
  }
  if (!newRS) {
    ({ newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(sc, d, rsList, true));
    allRSs = [...oldRSs, newRS];
  }
  if (newRS && rsReplicas(newRS) !== deploymentReplicas(d)) {
    await scaleReplicaSetAndRecordEvent(sc, newRS, deploymentReplicas(d), d);
  }
  if (d.status && deploymentComplete(d, d.status)) await cleanupDeployment(sc, oldRSs, d);
  await syncRolloutStatus(sc, allRSs, newRS, d);
}
