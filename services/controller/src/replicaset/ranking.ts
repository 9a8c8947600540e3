import type { Pod } from '@kubelab/api-types';
/**
 * Which pods a shrinking ReplicaSet deletes first (controller_utils.go `ActivePodsWithRanks`,
 * replica_set.go `getPodsToDelete`, `getPodsRankedByRelatedPodsOnSameNode`). Pure: the same pods, ranks and
 * time always give the same order.
 */
import { getPodCondition, isPodActive, isPodReady, parseTime } from '@kubelab/controller-kit';

/** `controller.kubernetes.io/pod-deletion-cost`: lower costs are deleted first. */
export const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

const PHASE_ORDINAL: Readonly<Record<string, number>> = { Pending: 0, Unknown: 1, Running: 2 };

/** A pod with its rank: how many active pods of the same owner family share its node. */
export interface RankedPod {
  readonly pod: Pod;
  readonly rank: number;
}

function deletionCost(pod: Pod): number {
  const raw = pod.metadata.annotations?.[POD_DELETION_COST_ANNOTATION];
  if (raw === undefined) return 0;
  const n = Number(raw);
  return Number.isInteger(n) ? n : 0;
}

function readyTimeMs(pod: Pod): number | undefined {
  if (!isPodReady(pod)) return undefined;
  return parseTime(getPodCondition(pod, 'Ready')?.lastTransitionTime);
}

function maxRestarts(pod: Pod): number {
  let max = 0;
  for (const s of pod.status?.containerStatuses ?? []) max = Math.max(max, s.restartCount ?? 0);
  return max;
}

/** `afterOrZero`: t1 after t2, where a missing time counts as after every real one. */
function afterOrZero(t1: number | undefined, t2: number | undefined): boolean {
  if (t1 === undefined || t2 === undefined) return t1 === undefined;
  return t1 > t2;
}

/** `logarithmicRankDiff`: compares how long ago two times were in powers of two of nanoseconds. */
function logarithmicRankDiff(t1Ms: number, t2Ms: number, nowMs: number): number {
  const bucket = (t: number) => {
    const dNs = (nowMs - t) * 1e6;
    return dNs > 0 ? Math.floor(Math.log2(dNs)) : -1;
  };
  return bucket(t1Ms) - bucket(t2Ms);
}

/** Newer (in log-scale buckets, with uid as the tie-break) before older; missing times first. */
function newerFirst(
  a: RankedPod,
  b: RankedPod,
  ta: number | undefined,
  tb: number | undefined,
  nowMs: number,
): number {
  if (ta === undefined || tb === undefined) return afterOrZero(ta, tb) ? -1 : afterOrZero(tb, ta) ? 1 : 0;
  const diff = logarithmicRankDiff(ta, tb, nowMs);
  if (diff !== 0) return diff < 0 ? -1 : 1;
  const ua = a.pod.metadata.uid ?? '';
  const ub = b.pod.metadata.uid ?? '';
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

/**
 * `ActivePodsWithRanks.Less` as a comparator: negative when `a` should be deleted before `b`.
 * 1. unassigned < assigned; 2. Pending < Unknown < Running; 3. not ready < ready; 4. lower deletion cost;
 * 5. more co-located pods (higher rank) first; 6. both ready: more recently ready first; 7. more container
 * restarts first; 8. newer creation first (missing creation time first).
 */
export function compareForDeletion(a: RankedPod, b: RankedPod, nowMs: number): number {
  const na = a.pod.spec?.nodeName ?? '';
  const nb = b.pod.spec?.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '' ? -1 : 1;
  const pa = PHASE_ORDINAL[a.pod.status?.phase ?? ''] ?? 0;
  const pb = PHASE_ORDINAL[b.pod.status?.phase ?? ''] ?? 0;
  if (pa !== pb) return pa - pb;
  const ra = isPodReady(a.pod);
  const rb = isPodReady(b.pod);
  if (ra !== rb) return ra ? 1 : -1;
  const ca = deletionCost(a.pod);
  const cb = deletionCost(b.pod);
  if (ca !== cb) return ca - cb;
  if (a.rank !== b.rank) return b.rank - a.rank;
  if (ra && rb) {
    const ta = readyTimeMs(a.pod);
    const tb = readyTimeMs(b.pod);
    if (ta !== tb) {
      const c = newerFirst(a, b, ta, tb, nowMs);
      if (c !== 0) return c;
    }
  }
  const restartsA = maxRestarts(a.pod);
  const restartsB = maxRestarts(b.pod);
  if (restartsA !== restartsB) return restartsB - restartsA;
  const ka = parseTime(a.pod.metadata.creationTimestamp);
  const kb = parseTime(b.pod.metadata.creationTimestamp);
  if (ka !== kb) return newerFirst(a, b, ka, kb, nowMs);
  return 0;
}

/**
 * Ranks each pod by how many active `relatedPods` (pods of every ReplicaSet with the same owner, this one
 * included) run on its node.
 */
export function rankPodsByRelatedPodsOnSameNode(
  pods: readonly Pod[],
  relatedPods: readonly Pod[],
): RankedPod[] {
  const perNode = new Map<string, number>();
  for (const p of relatedPods) {
    const node = p.spec?.nodeName;
    if (node && isPodActive(p)) perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  return pods.map((pod) => ({ pod, rank: perNode.get(pod.spec?.nodeName ?? '') ?? 0 }));
}

/** The `diff` pods to delete, best candidates first (`getPodsToDelete`). */
export function getPodsToDelete(
  pods: readonly Pod[],
  relatedPods: readonly Pod[],
  diff: number,
  nowMs: number,
): Pod[] {
  if (diff >= pods.length) return [...pods];
  const ranked = rankPodsByRelatedPodsOnSameNode(pods, relatedPods);
  ranked.sort((a, b) => compareForDeletion(a, b, nowMs));
  return ranked.slice(0, diff).map((r) => r.pod);
}
