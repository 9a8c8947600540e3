/**
 * Pure Deployment arithmetic (pkg/controller/deployment/util/deployment_util.go): revisions and the annotations
 * copied to ReplicaSets, surge/unavailable fenceposts, replica sums, orderings, finding the new ReplicaSet,
 * and proportional scaling. No I/O, no clock.
 */
import { type Deployment, type PodTemplateSpec, type ReplicaSet, canonicalJson } from '@kubelab/api-types';
import { getControllerOf, parseTime } from '@kubelab/controller-kit';

/** `deployment.kubernetes.io/revision`. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
/** `deployment.kubernetes.io/revision-history`: earlier revisions an RS had (rollbacks reuse RSs). */
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
export const DEPRECATED_ROLLBACK_TO = 'deprecated.deployment.rollback.to';
/** The label that tells ReplicaSets (and their pods) of one Deployment apart. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
/** `MaxRevHistoryLengthInChars`. */
export const MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000;

const SKIP_COPY = new Set([
  LAST_APPLIED_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  DEPRECATED_ROLLBACK_TO,
]);

export function rsReplicas(rs: ReplicaSet): number {
  return rs.spec.replicas ?? 1;
}

export function deploymentReplicas(d: Deployment): number {
  return d.spec.replicas ?? 1;
}

/** The RS's revision (0 when absent or malformed, as `Revision` errors are ignored by `MaxRevision`). */
export function revisionOf(obj: { metadata: { annotations?: Record<string, string> } }): number {
  const raw = obj.metadata.annotations?.[REVISION_ANNOTATION];
  if (raw === undefined || !/^\d+$/.test(raw)) return 0;
  return Number(raw);
}

/** `MaxRevision`. */
export function maxRevision(rss: readonly ReplicaSet[]): number {
  return rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

/**
 * `GetScaledValueFromIntOrPercent`: an int as is; `"N%"` of `total`, rounded up or down.
 * Throws for anything else, as the api's validation would have refused it.
 */
export function scaledValue(v: number | string | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) {
    if (/^\d+$/.test(v)) return Number(v);
    throw new Error(`invalid value for IntOrString: invalid value "${v}"`);
  }
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/**
 * `ResolveFenceposts`: maxSurge rounds up, maxUnavailable down; when both come to 0, maxUnavailable is 1 so
 * that a rollout can always make progress.
 */
export function resolveFenceposts(
  maxSurge: number | string | undefined,
  maxUnavailable: number | string | undefined,
  desired: number,
): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? '25%', desired, true);
  let unavailable = scaledValue(maxUnavailable ?? '25%', desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** `MaxSurge`: 0 unless RollingUpdate. */
export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, deploymentReplicas(d)).surge;
}

/** `MaxUnavailable`: 0 unless RollingUpdate with replicas; never more than the replicas. */
export function maxUnavailable(d: Deployment): number {
  const replicas = deploymentReplicas(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const ru = d.spec.strategy?.rollingUpdate;
  const { unavailable } = resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicas);
  return Math.min(unavailable, replicas);
}

/** Sum of `spec.replicas` (`GetReplicaCountForReplicaSets`). */
export function replicaCount(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs ? rsReplicas(rs) : 0), 0);
}

/** Sum of `status.replicas` (`GetActualReplicaCountForReplicaSets`). */
export function actualReplicaCount(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.replicas ?? 0), 0);
}

export function readyReplicaCount(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.readyReplicas ?? 0), 0);
}

export function availableReplicaCount(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.availableReplicas ?? 0), 0);
}

/** `FilterActiveReplicaSets`: those with `spec.replicas > 0`. */
export function activeReplicaSets(rss: readonly (ReplicaSet | undefined)[]): ReplicaSet[] {
  return rss.filter((rs): rs is ReplicaSet => rs !== undefined && rsReplicas(rs) > 0);
}

function created(rs: ReplicaSet): number {
  return parseTime(rs.metadata.creationTimestamp) ?? 0;
}

/** `ReplicaSetsByCreationTimestamp`: older first, then by name. */
export function byCreationTimestamp(a: ReplicaSet, b: ReplicaSet): number {
  const d = created(a) - created(b);
  if (d !== 0) return d;
  return (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

/** `ReplicaSetsBySizeOlder`: larger first, ties older first. */
export function bySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  if (rsReplicas(a) !== rsReplicas(b)) return rsReplicas(b) - rsReplicas(a);
  return byCreationTimestamp(a, b);
}

/** `ReplicaSetsBySizeNewer`: larger first, ties newer first. */
export function bySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  if (rsReplicas(a) !== rsReplicas(b)) return rsReplicas(b) - rsReplicas(a);
  return byCreationTimestamp(b, a);
}

/** `ReplicaSetsByRevision`: lower revision first, ties by creation. */
export function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  const d = revisionOf(a) - revisionOf(b);
  return d !== 0 ? d : byCreationTimestamp(a, b);
}

/**
 * Drops what JSON with `omitempty` would not store (null, empty objects and arrays), so templates compare as
 * Kubernetes compares them after a round trip through storage.
 */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const n = normalize(x);
    if (n === null || n === undefined) continue;
    if (typeof n === 'object' && Object.keys(n as object).length === 0) continue;
    out[k] = n;
  }
  return out;
}

/** `EqualIgnoreHash`: equal pod templates once the pod-template-hash label is ignored. */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  const strip = (t: PodTemplateSpec | undefined) => {
    const c = structuredClone(t ?? {}) as PodTemplateSpec;
    if (c.metadata?.labels) delete c.metadata.labels[POD_TEMPLATE_HASH_LABEL];
    return canonicalJson(normalize(c));
  };
  return strip(a) === strip(b);
}

/** `FindNewReplicaSet`: the oldest RS whose template equals the Deployment's (ignoring the hash). */
export function findNewReplicaSet(d: Deployment, rss: readonly ReplicaSet[]): ReplicaSet | undefined {
  return [...rss].sort(byCreationTimestamp).find((rs) => equalIgnoreHash(rs.spec.template, d.spec.template));
}

/** `FindOldReplicaSets`: every other RS (`all`), and those of them with replicas (`required`). */
export function findOldReplicaSets(
  d: Deployment,
  rss: readonly ReplicaSet[],
): { required: ReplicaSet[]; all: ReplicaSet[] } {
  const newRS = findNewReplicaSet(d, rss);
  const all = rss.filter((rs) => rs.metadata.uid !== newRS?.metadata.uid);
  return { required: all.filter((rs) => rsReplicas(rs) !== 0), all };
}

/** `copyDeploymentAnnotationsToReplicaSet`: everything but the controller's own annotations. Mutates `rs`. */
export function copyDeploymentAnnotationsToReplicaSet(d: Deployment, rs: ReplicaSet): boolean {
  let changed = false;
  rs.metadata.annotations ??= {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (SKIP_COPY.has(k) || rs.metadata.annotations[k] === v) continue;
    rs.metadata.annotations[k] = v;
    changed = true;
  }
  return changed;
}

/** `SetReplicasAnnotations`: desired-replicas and max-replicas. Mutates `rs`; true if anything changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  rs.metadata.annotations ??= {};
  const a = rs.metadata.annotations;
  let changed = false;
  if (a[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) {
    a[DESIRED_REPLICAS_ANNOTATION] = String(desired);
    changed = true;
  }
  if (a[MAX_REPLICAS_ANNOTATION] !== String(max)) {
    a[MAX_REPLICAS_ANNOTATION] = String(max);
    changed = true;
  }
  return changed;
}

/** Whether `SetReplicasAnnotations` would change anything (on a cached RS, without copying it). */
export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = rs.metadata.annotations ?? {};
  return a[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || a[MAX_REPLICAS_ANNOTATION] !== String(max);
}

/**
 * `SetNewReplicaSetAnnotations`: copies the Deployment's annotations, raises the revision to `newRevision`
 * (remembering the old one in revision-history when an existing RS is reused, as a rollback does), and on a new
 * RS sets the replicas annotations. Mutates `rs`; true if anything changed.
 */
export function setNewReplicaSetAnnotations(
  d: Deployment,
  rs: ReplicaSet,
  newRevision: number,
  exists: boolean,
): boolean {
  let changed = copyDeploymentAnnotationsToReplicaSet(d, rs);
  rs.metadata.annotations ??= {};
  const a = rs.metadata.annotations;
  const oldRevision = a[REVISION_ANNOTATION];
  if (oldRevision !== undefined && !/^\d+$/.test(oldRevision)) return false;
  const oldInt = oldRevision === undefined ? 0 : Number(oldRevision);
  if (oldInt < newRevision) {
    a[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
  }
  if (exists && oldRevision !== undefined && oldInt < newRevision) {
    const prior = a[REVISION_HISTORY_ANNOTATION];
    let history = prior ? `${prior},${oldRevision}` : oldRevision;
    while (history.length > MAX_REV_HISTORY_LENGTH_IN_CHARS && history.includes(',')) {
      history = history.slice(history.indexOf(',') + 1);
    }
    a[REVISION_HISTORY_ANNOTATION] = history;
  }
  if (!exists && setReplicasAnnotations(rs, deploymentReplicas(d), deploymentReplicas(d) + maxSurge(d))) {
    changed = true;
  }
  return changed;
}

/**
 * `NewRSNewReplicas`: how big the new RS may be now. RollingUpdate: grow by what the surge leaves room for,
 * never past the desired count; Recreate: the desired count at once.
 */
export function newRSNewReplicas(
  d: Deployment,
  allRSs: readonly (ReplicaSet | undefined)[],
  newRS: ReplicaSet,
): number {
  const replicas = deploymentReplicas(d);
  if (!isRollingUpdate(d)) return replicas;
  const current = replicaCount(allRSs);
  const maxTotal = replicas + maxSurge(d);
  if (current >= maxTotal) return rsReplicas(newRS);
  const scaleUp = Math.min(maxTotal - current, replicas - rsReplicas(newRS));
  return rsReplicas(newRS) + scaleUp;
}

/** `IsSaturated`: the new RS runs exactly the desired count, all available. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION];
  if (desired === undefined || !/^\d+$/.test(desired)) return false;
  const replicas = deploymentReplicas(d);
  return (
    rsReplicas(rs) === replicas &&
    Number(desired) === replicas &&
    (rs.status?.availableReplicas ?? 0) === replicas
  );
}

/** `FindActiveOrLatest`: the only RS with replicas, or the newest one if none has any; undefined if several do. */
export function findActiveOrLatest(
  newRS: ReplicaSet | undefined,
  oldRSs: readonly ReplicaSet[],
): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreationTimestamp(b, a));
  const active = activeReplicaSets([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  if (active.length === 1) return active[0];
  return undefined;
}

/** `getReplicaSetFraction`: this RS's share of a resize, from its max-replicas annotation. */
function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  const replicas = deploymentReplicas(d);
  if (replicas === 0) return -rsReplicas(rs);
  const deploymentMax = replicas + maxSurge(d);
  const raw = rs.metadata.annotations?.[MAX_REPLICAS_ANNOTATION];
  const annotated = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : (d.status?.replicas ?? 0);
  if (annotated === 0) return 0;
  // integer.RoundToInt32 is math.Round: halves away from zero (the value is never negative here).
  return Math.round((rsReplicas(rs) * deploymentMax) / annotated) - rsReplicas(rs);
}

/** `GetProportion`: how many of the remaining replicas to add (or remove, when negative) to this RS. */
export function getProportion(
  rs: ReplicaSet | undefined,
  d: Deployment,
  toAdd: number,
  added: number,
): number {
  if (!rs || rsReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** True if `rs` is controlled by the Deployment `d` (uid match). */
export function isControlledBy(rs: ReplicaSet, d: Deployment): boolean {
  return getControllerOf(rs)?.uid === d.metadata.uid;
}

/** `HasProgressDeadline`: set and not MaxInt32. */
export function hasProgressDeadline(d: Deployment): boolean {
  const s = d.spec.progressDeadlineSeconds;
  return s !== undefined && s !== 2147483647;
}

/** `HasRevisionHistoryLimit`: set and not MaxInt32. */
export function hasRevisionHistoryLimit(d: Deployment): boolean {
  const s = d.spec.revisionHistoryLimit;
  return s !== undefined && s !== 2147483647;
}
