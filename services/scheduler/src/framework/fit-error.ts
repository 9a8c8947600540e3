/**
 * The text of a scheduling failure (kube-scheduler `FitError.Error()` and DefaultPreemption's PostFilter message):
 * "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient
 * cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found
 * for incoming pod." Reasons are counted over nodes ("<count> <reason>") and sorted as strings, as Go's
 * sort.Strings does; a node with several reasons counts in each.
 */
import type { Status } from './status.js';

export const NoNodeAvailableMsg = (n: number) => `0/${n} nodes are available`;
/** What an empty cluster says (ErrNoNodesAvailable). */
export const ErrNoNodesAvailable = 'no nodes available to schedule pods';
export const PreemptionNotHelpful = 'Preemption is not helpful for scheduling';
export const NoPreemptionVictims = 'No preemption victims found for incoming pod';

/** Why a pod fits nowhere: every node's rejecting status, or one PreFilter status for all. */
export interface Diagnosis {
  readonly numAllNodes: number;
  /** Node name → the status of the first filter that rejected it. */
  readonly nodeToStatus: ReadonlyMap<string, Status>;
  /** Set when a PreFilter rejected the pod before any node was looked at. */
  readonly preFilterMsg?: string;
}

/** "<count> <reason>" per distinct reason, sorted as strings (sortReasonsHistogram). */
export function reasonsHistogram(reasons: Iterable<string>): string[] {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const out = [...counts].map(([r, n]) => `${n} ${r}`);
  // Go's sort.Strings compares bytes; for these ASCII strings plain comparison is the same order.
  out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return out;
}

function* allReasons(nodeToStatus: ReadonlyMap<string, Status>): Iterable<string> {
  for (const s of nodeToStatus.values()) yield* s.reasons;
}

/** The filter part: "0/N nodes are available: a, b." */
export function filterMessage(d: Diagnosis): string {
  let msg = `${NoNodeAvailableMsg(d.numAllNodes)}:`;
  if (d.preFilterMsg) return `${msg} ${d.preFilterMsg}.`;
  const hist = reasonsHistogram(allReasons(d.nodeToStatus));
  if (hist.length > 0) msg += ` ${hist.join(', ')}.`;
  return msg;
}

/**
 * The full FailedScheduling message: the filter part, then DefaultPreemption's verdict. kubelab does not preempt;
 * the verdict per node is what DefaultPreemption says when no victim exists: not helpful where the node rejected
 * the pod as unresolvable (taints, affinity, cordon), otherwise no victims.
 */
export function fitErrorMessage(d: Diagnosis, preemptionStatuses: ReadonlyMap<string, Status>): string {
  const filter = filterMessage(d);
  const preemption = filterMessage({
    numAllNodes: preemptionStatuses.size,
    nodeToStatus: preemptionStatuses,
  });
  return `${filter} preemption: ${preemption}`;
}
