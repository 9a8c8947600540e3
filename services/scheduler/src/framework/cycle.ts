/**
 * One scheduling cycle's algorithm (kube-scheduler `schedulePod`), synchronous and pure over the cache: PreFilter,
 * Filter over the nodes (round robin from where the last cycle stopped, stopping once enough feasible nodes are
 * found), Score with normalization and weights, and the choice among the best (ties broken by the Rng, like
 * `selectHost`'s reservoir sampling). A failure carries the {@link Diagnosis} and the message kube-scheduler writes.
 */
import type { Rng } from '@kubelab/clock';
import {
  type Diagnosis,
  ErrNoNodesAvailable,
  NoPreemptionVictims,
  PreemptionNotHelpful,
  filterMessage,
  fitErrorMessage,
} from './fit-error.js';
import { CycleState, type Profile } from './interface.js';
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import { Code, type Status, newStatus } from './status.js';

/** Below this many nodes every node is filtered (minFeasibleNodesToFind). */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
/** The adaptive percentage never goes below this (minFeasibleNodesPercentageToFind). */
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/**
 * How many feasible nodes to look for (numFeasibleNodesToFind): all of a small cluster; otherwise
 * `percentage` of the nodes, or when 0 the adaptive 50 − nodes/125 (at least 5 %), and never fewer than 100.
 *
 * @example
 * numFeasibleNodesToFind(1000, 0); // 420
 */
export function numFeasibleNodesToFind(numAllNodes: number, percentage: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND || percentage >= 100) return numAllNodes;
  let pct = percentage;
  if (pct <= 0) {
    pct = 50 - Math.floor(numAllNodes / 125);
    if (pct < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) pct = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const n = Math.floor((numAllNodes * pct) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

/** A cycle's result: the chosen node, or why there is none. */
export type CycleResult =
  | { readonly ok: true; readonly node: NodeInfo; readonly feasible: number; readonly evaluated: number }
  | { readonly ok: false; readonly message: string; readonly diagnosis: Diagnosis | undefined };

/** The algorithm with its round-robin position; one per scheduler. */
export class SchedulingAlgorithm {
  readonly #profile: Profile;
  readonly #rng: Rng;
  readonly #percentage: number;
  #nextStartNodeIndex = 0;

  constructor(profile: Profile, rng: Rng, percentageOfNodesToScore = 0) {
    this.#profile = profile;
    this.#rng = rng;
    this.#percentage = percentageOfNodesToScore;
  }

  /** Schedules `pod` onto one of `nodes` (no side effects other than the round-robin position). */
  schedule(pod: PodInfo, nodes: readonly NodeInfo[]): CycleResult {
    if (nodes.length === 0) return { ok: false, message: ErrNoNodesAvailable, diagnosis: undefined };
    const state = new CycleState();
    for (const p of this.#profile.preFilters) {
      const s = p.preFilter(state, pod);
      if (s !== undefined) {
        const all = new Map(nodes.map((n) => [n.name, s] as const));
        const d: Diagnosis = {
          numAllNodes: nodes.length,
          nodeToStatus: all,
          preFilterMsg: s.reasons.join(', '),
        };
        return { ok: false, message: failureMessage(pod, nodes, d), diagnosis: d };
      }
    }
    const { feasible, statuses, evaluated } = this.#findFeasible(state, pod, nodes);
    if (feasible.length === 0) {
      const d: Diagnosis = { numAllNodes: nodes.length, nodeToStatus: statuses };
      return { ok: false, message: failureMessage(pod, nodes, d), diagnosis: d };
    }
    const node = feasible.length === 1 ? (feasible[0] as NodeInfo) : this.#selectHost(state, pod, feasible);
    return { ok: true, node, feasible: feasible.length, evaluated };
  }

  /** The filters of the profile in order; the first rejection is the node's status. */
  runFilters(state: CycleState, pod: PodInfo, node: NodeInfo): Status | undefined {
    for (const f of this.#profile.filters) {
      const s = f.filter(state, pod, node);
      if (s !== undefined) return s;
    }
    return undefined;
  }

  #findFeasible(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]) {
    const n = nodes.length;
    const want = numFeasibleNodesToFind(n, this.#percentage);
    const feasible: NodeInfo[] = [];
    const statuses = new Map<string, Status>();
    let evaluated = 0;
    const start = this.#nextStartNodeIndex % n;
    for (let i = 0; i < n && feasible.length < want; i++) {
      const node = nodes[(start + i) % n] as NodeInfo;
      evaluated++;
      const s = this.runFilters(state, pod, node);
      if (s === undefined) feasible.push(node);
      else statuses.set(node.name, s);
    }
    this.#nextStartNodeIndex = (start + evaluated) % n;
    return { feasible, statuses, evaluated };
  }

  #selectHost(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): NodeInfo {
    const total = new Float64Array(nodes.length);
    const scores = new Float64Array(nodes.length);
    for (const { plugin, weight } of this.#profile.scorers) {
      plugin.preScore?.(state, pod, nodes);
      for (let i = 0; i < nodes.length; i++) scores[i] = plugin.score(state, pod, nodes[i] as NodeInfo);
      plugin.normalizeScore?.(state, pod, scores);
      for (let i = 0; i < nodes.length; i++) total[i] = (total[i] ?? 0) + (scores[i] ?? 0) * weight;
    }
    let best = 0;
    let max = Number.NEGATIVE_INFINITY;
    let ties = 0;
    for (let i = 0; i < total.length; i++) {
      const t = total[i] ?? 0;
      if (t > max) {
        max = t;
        best = i;
        ties = 1;
      } else if (t === max) {
        ties++;
        if (this.#rng.int(0, ties - 1) === 0) best = i;
      }
    }
    return nodes[best] as NodeInfo;
  }
}

/** The FailedScheduling message for a diagnosis, with DefaultPreemption's part. */
export function failureMessage(pod: PodInfo, nodes: readonly NodeInfo[], d: Diagnosis): string {
  if (pod.pod.spec?.preemptionPolicy === 'Never')
    return `${filterMessage(d)} preemption: not eligible due to preemptionPolicy=Never.`;
  return fitErrorMessage(d, preemptionStatuses(pod, nodes, d.nodeToStatus));
}

const NOT_HELPFUL = newStatus(Code.UnschedulableAndUnresolvable, 'DefaultPreemption', PreemptionNotHelpful);
const NO_VICTIMS = newStatus(Code.UnschedulableAndUnresolvable, 'DefaultPreemption', NoPreemptionVictims);

/**
 * DefaultPreemption's per-node verdict when it finds no candidate (kubelab evicts nothing): nodes that rejected
 * the pod as unresolvable are "not helpful"; nodes without a lower-priority pod have "no victims"; on a node with
 * lower-priority pods the filter's reasons stand (Kubernetes would re-run the filters without those pods and
 * might preempt there; kubelab does not preempt).
 */
export function preemptionStatuses(
  pod: PodInfo,
  nodes: readonly NodeInfo[],
  statuses: ReadonlyMap<string, Status>,
): Map<string, Status> {
  const out = new Map<string, Status>();
  for (const node of nodes) {
    const s = statuses.get(node.name);
    if (s === undefined || s.code === Code.UnschedulableAndUnresolvable) {
      out.set(node.name, NOT_HELPFUL);
      continue;
    }
    let lower = false;
    for (const p of node.pods.values()) {
      if (p.priority < pod.priority) {
        lower = true;
        break;
      }
    }
    out.set(node.name, lower ? s : NO_VICTIMS);
  }
  return out;
}
