/**
 * Scaling, the new ReplicaSet, cleanup and status (pkg/controller/deployment/sync.go): what every strategy
 * shares, and the whole sync of a paused Deployment or a pure scaling event.
 */
import { isAlreadyExists, isForbidden, isNotFound, resources } from '@kubelab/api-client';
import { type Deployment, type ReplicaSet, computePodTemplateHash } from '@kubelab/api-types';
import { newControllerRef } from '@kubelab/controller-kit';
import {
  PROGRESSING,
  Reasons,
  calculateStatus,
  getCondition,
  newCondition,
  setCondition,
  statusEqual,
} from './status.js';
import { type SyncContext, replaceInList, updateDeploymentStatus } from './sync-context.js';
import {
  DESIRED_REPLICAS_ANNOTATION,
  POD_TEMPLATE_HASH_LABEL,
  REVISION_ANNOTATION,
  activeReplicaSets,
  byRevision,
  bySizeNewer,
  bySizeOlder,
  deploymentReplicas,
  equalIgnoreHash,
  findActiveOrLatest,
  findNewReplicaSet,
  findOldReplicaSets,
  getProportion,
  hasProgressDeadline,
  hasRevisionHistoryLimit,
  isControlledBy,
  isRollingUpdate,
  isSaturated,
  maxRevision,
  maxSurge,
  newRSNewReplicas,
  replicaCount,
  replicasAnnotationsNeedUpdate,
  rsReplicas,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
} from './util.js';

/** The new RS (if any) and every old one, after syncing revisions (`getAllReplicaSetsAndSyncRevision`). */
export async function getAllReplicaSetsAndSyncRevision(
  sc: SyncContext,
  d: Deployment,
  rsList: ReplicaSet[],
  createIfNotExisted: boolean,
): Promise<{ newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] }> {
  const { all } = findOldReplicaSets(d, rsList);
  const newRS = await getNewReplicaSet(sc, d, rsList, all, createIfNotExisted);
  return { newRS, oldRSs: all };
}

/** `SetDeploymentRevision`. Mutates `d`. */
function setDeploymentRevision(d: Deployment, revision: string): boolean {
  d.metadata.annotations ??= {};
  if (d.metadata.annotations[REVISION_ANNOTATION] === revision) return false;
  d.metadata.annotations[REVISION_ANNOTATION] = revision;
  return true;
}

/**
 * `getNewReplicaSet`: the RS running the Deployment's template, its revision raised to max(old)+1 and its
 * annotations synced; created (named `<deployment>-<hash>`, sized by {@link newRSNewReplicas}) when missing and
 * `createIfNotExisted`. A name taken by an RS with another template is a hash collision: collisionCount goes
 * up and the next sync hashes differently.
 */
async function getNewReplicaSet(
  sc: SyncContext,
  d: Deployment,
  rsList: ReplicaSet[],
  oldRSs: readonly ReplicaSet[],
  createIfNotExisted: boolean,
): Promise<ReplicaSet | undefined> {
  const existing = findNewReplicaSet(d, rsList);
  const newRevision = maxRevision(oldRSs) + 1;
  if (existing) return syncExistingNewReplicaSet(sc, d, rsList, existing, newRevision);
  if (!createIfNotExisted) return undefined;
  const hash = computePodTemplateHash(d.spec.template, d.status?.collisionCount);
  const template = structuredClone(d.spec.template);
  template.metadata = {
    ...template.metadata,
    labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash },
  };
  const selector = structuredClone(d.spec.selector);
  selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash };
  const newRS: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      namespace: d.metadata.namespace ?? 'default',
      ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
      labels: { ...template.metadata.labels },
    },
    spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
  };
  newRS.spec.replicas = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
  setNewReplicaSetAnnotations(d, newRS, newRevision, false);
  let created: ReplicaSet;
  let alreadyExists = false;
  try {
    created = await sc.client.create<ReplicaSet>(resources.replicasets, newRS, {
      namespace: newRS.metadata.namespace ?? 'default',
    });
  } catch (err) {
    if (isAlreadyExists(err)) {
      const rs = sc.rsLister.get(newRS.metadata.namespace, newRS.metadata.name ?? '');
      if (!rs) throw err;
      if (isControlledBy(rs, d) && equalIgnoreHash(d.spec.template, rs.spec.template)) {
        created = rs;
        alreadyExists = true;
      } else {
        // A hash collision: bump collisionCount so the next sync picks another name.
        d.status = { ...d.status, collisionCount: (d.status?.collisionCount ?? 0) + 1 };
        await updateDeploymentStatus(sc, d);
        sc.log.info(
          { deployment: d.metadata.name, collisionCount: d.status.collisionCount },
          'found a hash collision',
        );
        throw err;
      }
    } else if (isForbidden(err)) {
      throw err; // e.g. the namespace is terminating: nothing to record
    } else {
      const msg = `Failed to create new replica set "${newRS.metadata.name}": ${err instanceof Error ? err.message : String(err)}`;
      if (hasProgressDeadline(d)) {
        d.status ??= {};
        setCondition(
          d.status,
          newCondition(PROGRESSING, 'False', Reasons.FailedRSCreate, msg, sc.clock.wallNow()),
        );
        await updateDeploymentStatus(sc, d);
      }
      sc.recorder.event(d, 'Warning', Reasons.FailedRSCreate, msg);
      throw err;
    }
  }
  rsList.push(created);
  const replicas = rsReplicas(created);
  if (!alreadyExists && replicas > 0) {
    sc.recorder.event(
      d,
      'Normal',
      'ScalingReplicaSet',
      `Scaled up replica set ${created.metadata.name} from 0 to ${replicas}`,
    );
  }
  let needsUpdate = setDeploymentRevision(d, String(newRevision));
  if (!alreadyExists && hasProgressDeadline(d)) {
    d.status ??= {};
    const msg = `Created new replica set "${created.metadata.name}"`;
    setCondition(d.status, newCondition(PROGRESSING, 'True', Reasons.NewReplicaSet, msg, sc.clock.wallNow()));
    needsUpdate = true;
  }
  if (needsUpdate) await updateDeploymentStatus(sc, d);
  return created;
}

/** The existing new RS: annotations, minReadySeconds and the Deployment's revision brought up to date. */
async function syncExistingNewReplicaSet(
  sc: SyncContext,
  d: Deployment,
  rsList: ReplicaSet[],
  existing: ReplicaSet,
  newRevision: number,
): Promise<ReplicaSet> {
  const copy = structuredClone(existing);
  const annotationsUpdated = setNewReplicaSetAnnotations(d, copy, newRevision, true);
  const minReadySecondsNeedsUpdate = (copy.spec.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0);
  if (annotationsUpdated || minReadySecondsNeedsUpdate) {
    copy.spec.minReadySeconds = d.spec.minReadySeconds ?? 0;
    const updated = await sc.client.update<ReplicaSet>(resources.replicasets, copy);
    replaceInList(rsList, updated);
    return updated;
  }
  let needsUpdate = setDeploymentRevision(d, copy.metadata.annotations?.[REVISION_ANNOTATION] ?? '');
  if (hasProgressDeadline(d) && !getCondition(d.status, PROGRESSING)) {
    d.status ??= {};
    const msg = `Found new replica set "${copy.metadata.name}"`;
    setCondition(
      d.status,
      newCondition(PROGRESSING, 'True', Reasons.FoundNewReplicaSet, msg, sc.clock.wallNow()),
    );
    needsUpdate = true;
  }
  if (needsUpdate) await updateDeploymentStatus(sc, d);
  return copy;
}

/**
 * `scaleReplicaSet`: sets the size and the desired/max-replicas annotations in one update; records
 * ScalingReplicaSet ("Scaled up replica set web-7d9f8 from 0 to 3") when the size changed.
 */
export async function scaleReplicaSet(
  sc: SyncContext,
  rs: ReplicaSet,
  newScale: number,
  d: Deployment,
): Promise<{ scaled: boolean; rs: ReplicaSet }> {
  const desired = deploymentReplicas(d);
  const max = desired + maxSurge(d);
  const sizeNeedsUpdate = rsReplicas(rs) !== newScale;
  if (!sizeNeedsUpdate && !replicasAnnotationsNeedUpdate(rs, desired, max)) return { scaled: false, rs };
  const oldScale = rsReplicas(rs);
  const copy = structuredClone(rs);
  copy.spec.replicas = newScale;
  setReplicasAnnotations(copy, desired, max);
  const updated = await sc.client.update<ReplicaSet>(resources.replicasets, copy);
  if (sizeNeedsUpdate) {
    const op = oldScale < newScale ? 'up' : 'down';
    sc.recorder.event(
      d,
      'Normal',
      'ScalingReplicaSet',
      `Scaled ${op} replica set ${updated.metadata.name} from ${oldScale} to ${newScale}`,
    );
  }
  return { scaled: sizeNeedsUpdate, rs: updated };
}

/** `scaleReplicaSetAndRecordEvent`: {@link scaleReplicaSet} unless the size is already right. */
export async function scaleReplicaSetAndRecordEvent(
  sc: SyncContext,
  rs: ReplicaSet,
  newScale: number,
  d: Deployment,
): Promise<{ scaled: boolean; rs: ReplicaSet }> {
  if (rsReplicas(rs) === newScale) return { scaled: false, rs };
  return scaleReplicaSet(sc, rs, newScale, d);
}

/**
 * `scale`: a resize of the Deployment. One active (or only the latest) RS takes the whole size; a saturated
 * new RS scales the old ones to 0; otherwise, during a rolling update, the change is spread over the active
 * ReplicaSets in proportion to their size (largest first, leftovers to the first).
 */
export async function scale(
  sc: SyncContext,
  d: Deployment,
  newRS: ReplicaSet | undefined,
  oldRSs: ReplicaSet[],
): Promise<void> {
  const replicas = deploymentReplicas(d);
  const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
  if (activeOrLatest) {
    if (rsReplicas(activeOrLatest) === replicas) return;
    await scaleReplicaSetAndRecordEvent(sc, activeOrLatest, replicas, d);
    return;
  }
  if (isSaturated(d, newRS)) {
    for (const old of activeReplicaSets(oldRSs)) await scaleReplicaSetAndRecordEvent(sc, old, 0, d);
    return;
  }
  if (!isRollingUpdate(d)) return;
  const allRSs = activeReplicaSets([...oldRSs, newRS]);
  const allowedSize = replicas > 0 ? replicas + maxSurge(d) : 0;
  const toAdd = allowedSize - replicaCount(allRSs);
  if (toAdd > 0) allRSs.sort(bySizeNewer);
  else if (toAdd < 0) allRSs.sort(bySizeOlder);
  const sizes = new Map<string, number>();
  let added = 0;
  for (const rs of allRSs) {
    if (toAdd === 0) {
      sizes.set(rs.metadata.name ?? '', rsReplicas(rs));
      continue;
    }
    const proportion = getProportion(rs, d, toAdd, added);
    sizes.set(rs.metadata.name ?? '', rsReplicas(rs) + proportion);
    added += proportion;
  }
  for (const [i, rs] of allRSs.entries()) {
    const name = rs.metadata.name ?? '';
    if (i === 0 && toAdd !== 0) sizes.set(name, Math.max(0, (sizes.get(name) ?? 0) + toAdd - added));
    await scaleReplicaSet(sc, rs, sizes.get(name) ?? rsReplicas(rs), d);
  }
}

/** `isScalingEvent`: an active RS's desired-replicas annotation differs from `spec.replicas`. */
export async function isScalingEvent(sc: SyncContext, d: Deployment, rsList: ReplicaSet[]): Promise<boolean> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(sc, d, rsList, false);
  for (const rs of activeReplicaSets([...oldRSs, newRS])) {
    const desired = rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION];
    if (desired === undefined || !/^\d+$/.test(desired)) continue;
    if (Number(desired) !== deploymentReplicas(d)) return true;
  }
  return false;
}

/**
 * `sync`: a paused Deployment or a scaling event: resize without rolling out, clean up history while paused,
 * and write the status.
 */
export async function sync(sc: SyncContext, d: Deployment, rsList: ReplicaSet[]): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(sc, d, rsList, false);
  await scale(sc, d, newRS, oldRSs);
  if (d.spec.paused) await cleanupDeployment(sc, oldRSs, d);
  await syncDeploymentStatus(sc, [...oldRSs, newRS], newRS, d);
}

/** `syncStatusOnly`: a Deployment being deleted only gets its status updated. */
export async function syncStatusOnly(sc: SyncContext, d: Deployment, rsList: ReplicaSet[]): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSetsAndSyncRevision(sc, d, rsList, false);
  await syncDeploymentStatus(sc, [...oldRSs, newRS], newRS, d);
}

/**
 * `cleanupDeployment`: deletes the oldest old ReplicaSets beyond revisionHistoryLimit, but only those fully
 * scaled down (spec and status 0, latest generation observed) and not already being deleted.
 */
export async function cleanupDeployment(
  sc: SyncContext,
  oldRSs: readonly ReplicaSet[],
  d: Deployment,
): Promise<void> {
  if (!hasRevisionHistoryLimit(d)) return;
  const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
  const diff = cleanable.length - (d.spec.revisionHistoryLimit ?? 10);
  if (diff <= 0) return;
  cleanable.sort(byRevision);
  for (const rs of cleanable.slice(0, diff)) {
    if (
      (rs.status?.replicas ?? 0) !== 0 ||
      rsReplicas(rs) !== 0 ||
      (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0) ||
      rs.metadata.deletionTimestamp
    ) {
      continue;
    }
    try {
      await sc.client.delete(resources.replicasets, rs.metadata.name ?? '', {
        namespace: rs.metadata.namespace ?? 'default',
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

/** `syncDeploymentStatus`: writes the calculated status if it changed. */
export async function syncDeploymentStatus(
  sc: SyncContext,
  allRSs: readonly (ReplicaSet | undefined)[],
  newRS: ReplicaSet | undefined,
  d: Deployment,
): Promise<void> {
  const next = calculateStatus(allRSs, newRS, d, sc.clock.wallNow());
  if (statusEqual(d.status, next)) return;
  d.status = next;
  await updateDeploymentStatus(sc, d);
}

/**
 * `checkPausedConditions`: Progressing=Unknown DeploymentPaused / DeploymentResumed when pausing or resuming,
 * so the time spent paused never counts against the progress deadline. A timed-out rollout keeps its reason.
 */
export async function checkPausedConditions(sc: SyncContext, d: Deployment): Promise<void> {
  if (!hasProgressDeadline(d)) return;
  const cond = getCondition(d.status, PROGRESSING);
  if (cond?.reason === Reasons.TimedOut) return;
  const pausedCondExists = cond?.reason === Reasons.Paused;
  const now = sc.clock.wallNow();
  d.status ??= {};
  if (d.spec.paused && !pausedCondExists) {
    setCondition(d.status, newCondition(PROGRESSING, 'Unknown', Reasons.Paused, 'Deployment is paused', now));
  } else if (!d.spec.paused && pausedCondExists) {
    setCondition(
      d.status,
      newCondition(PROGRESSING, 'Unknown', Reasons.Resumed, 'Deployment is resumed', now),
    );
  } else {
    return;
  }
  await updateDeploymentStatus(sc, d);
}
