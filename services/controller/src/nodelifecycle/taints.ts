/**
 * The pure half of node lifecycle: which conditions a silent node gets, which taints a node's readiness
 * implies (`TaintNodeByCondition` and taint-based eviction), whether a pod tolerates them and for how long
 * (`v1helper.TolerationsTolerateTaint`, the taint manager's `getMinTolerationTime`), and the pod condition
 * `MarkPodsNotReady` writes. No I/O, no clock: times come in as arguments.
 */
import type { Node, NodeCondition, Pod, Taint, Toleration } from '@kubelab/api-types';

export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
/** The taints this controller owns; every other taint on a node is left alone. */
const MANAGED = new Set([TAINT_UNREACHABLE, TAINT_NOT_READY, TAINT_UNSCHEDULABLE]);

/** The conditions a kubelet posts and the lifecycle controller turns Unknown when it falls silent. */
export const NODE_CONDITION_TYPES = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

export const NODE_STATUS_UNKNOWN = 'NodeStatusUnknown';
export const NODE_STATUS_NEVER_UPDATED = 'NodeStatusNeverUpdated';
export const KUBELET_STOPPED_MESSAGE = 'Kubelet stopped posting node status.';
export const KUBELET_NEVER_POSTED_MESSAGE = 'Kubelet never posted node status.';

/** The node's Ready status; undefined while it has none (never posted: no taint until the grace runs out). */
export function readyStatusOf(node: Node): 'True' | 'False' | 'Unknown' | undefined {
  const s = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  if (s === undefined) return undefined;
  return s === 'True' || s === 'False' ? s : 'Unknown';
}

/**
 * The conditions of a node whose kubelet missed the grace period: each of {@link NODE_CONDITION_TYPES} becomes
 * Unknown (lastHeartbeatTime kept, lastTransitionTime `nowRfc` when it changes); a missing one is added as never
 * updated. Undefined when every one is Unknown already (nothing to write).
 */
export function unknownConditions(node: Node, nowRfc: string): NodeCondition[] | undefined {
  const current = node.status?.conditions ?? [];
  const next: NodeCondition[] = current.map((c) => ({ ...c }));
  let changed = false;
  for (const type of NODE_CONDITION_TYPES) {
    const c = next.find((x) => x.type === type);
    if (!c) {
      next.push({
        type,
        status: 'Unknown',
        reason: NODE_STATUS_NEVER_UPDATED,
        message: KUBELET_NEVER_POSTED_MESSAGE,
        lastHeartbeatTime: node.metadata.creationTimestamp ?? nowRfc,
        lastTransitionTime: nowRfc,
      });
      changed = true;
    } else if (c.status !== 'Unknown') {
      c.status = 'Unknown';
      c.reason = NODE_STATUS_UNKNOWN;
      c.message = KUBELET_STOPPED_MESSAGE;
      c.lastTransitionTime = nowRfc;
      changed = true;
    }
  }
  return changed ? next : undefined;
}

/** The managed taints a node should carry: by Ready status (NoSchedule and NoExecute) and by cordon. */
export function desiredManagedTaints(node: Node): { key: string; effect: string }[] {
  const out: { key: string; effect: string }[] = [];
  const ready = readyStatusOf(node);
  const key = ready === 'False' ? TAINT_NOT_READY : ready === 'Unknown' ? TAINT_UNREACHABLE : undefined;
  if (key) out.push({ key, effect: 'NoSchedule' }, { key, effect: 'NoExecute' });
  if (node.spec?.unschedulable) out.push({ key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' });
  return out;
}

/**
 * The node's taints with the managed ones made as {@link desiredManagedTaints} says: others are kept, a managed
 * taint that stays keeps its timeAdded, a new NoExecute one gets `nowRfc`. Undefined when nothing changes.
 */
export function reconcileTaints(node: Node, nowRfc: string): Taint[] | undefined {
  const current = node.spec?.taints ?? [];
  const want = desiredManagedTaints(node);
  const same = (t: { key: string; effect: string }, u: { key: string; effect: string }) =>
    t.key === u.key && t.effect === u.effect;
  const kept = current.filter((t) => !MANAGED.has(t.key) || want.some((w) => same(w, t)));
  const added: Taint[] = want
    .filter((w) => !current.some((t) => same(w, t)))
    .map((w) => (w.effect === 'NoExecute' ? { ...w, timeAdded: nowRfc } : { ...w }));
  if (added.length === 0 && kept.length === current.length) return undefined;
  return [...kept, ...added];
}

/** Does `t` tolerate `taint` (`Toleration.ToleratesTaint`)? */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (!t.key && t.operator !== 'Exists') return false;
  if (t.operator === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}

/**
 * When the taint manager evicts a pod from a node with these NoExecute taints: `now` when one is not tolerated,
 * `never` when every matching toleration is unbounded (or there are no taints), else after the smallest
 * tolerationSeconds among the matching tolerations (negative counts as 0).
 */
export function evictionDelay(
  tolerations: readonly Toleration[],
  taints: readonly Taint[],
): { kind: 'now' } | { kind: 'never' } | { kind: 'after'; seconds: number } {
  const noExecute = taints.filter((t) => t.effect === 'NoExecute');
  if (noExecute.length === 0) return { kind: 'never' };
  let min: number | undefined;
  for (const taint of noExecute) {
    const matching = tolerations.filter((t) => toleratesTaint(t, taint));
    if (matching.length === 0) return { kind: 'now' };
    for (const t of matching) {
      if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
      const s = Math.max(0, t.tolerationSeconds);
      min = min === undefined ? s : Math.min(min, s);
    }
  }
  return min === undefined ? { kind: 'never' } : { kind: 'after', seconds: min };
}

/** The pod with Ready=False (`MarkPodsNotReady`), or undefined when it is not Ready=True now. */
export function podMarkedNotReady(pod: Pod, nowRfc: string): Pod | undefined {
  const conds = pod.status?.conditions ?? [];
  const ready = conds.find((c) => c.type === 'Ready');
  if (ready?.status !== 'True') return undefined;
  const next = structuredClone(pod);
  next.status = {
    ...next.status,
    conditions: conds.map((c) =>
      c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: nowRfc } : { ...c },
    ),
  };
  return next;
}
