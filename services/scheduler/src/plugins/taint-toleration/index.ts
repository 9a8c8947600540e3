/**
 * TaintToleration (kube-scheduler plugins/tainttoleration). Filter: the node's first NoSchedule/NoExecute taint the
 * pod does not tolerate rejects it. Score: the number of PreferNoSchedule taints the pod does not tolerate, reversed
 * by normalization so fewer is better.
 */
import type { Taint, Toleration } from '@kubelab/api-types';
import {
  type CycleState,
  type FilterPlugin,
  type PreFilterPlugin,
  type ScorePlugin,
  defaultNormalizeScore,
} from '../../framework/interface.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { Code, newStatus } from '../../framework/status.js';
import { findUntoleratedTaint, isTolerated } from '../../framework/tolerations.js';

export const NAME = 'TaintToleration';
const STATE_KEY = `PreFilter${NAME}`;

/** `node(s) had untolerated taint {key: value}`, exactly as kube-scheduler words it. */
export function untoleratedTaintReason(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
}

interface PreState {
  /** Tolerations that apply to the filter (NoSchedule/NoExecute or any effect). */
  readonly hard: readonly Toleration[];
  /** Tolerations that apply to PreferNoSchedule. */
  readonly soft: readonly Toleration[];
}

function pre(state: CycleState, pod: PodInfo): PreState {
  return state.readOrCompute<PreState>(STATE_KEY, () => {
    const all = pod.pod.spec?.tolerations ?? [];
    return {
      hard: all.filter((t) => !t.effect || t.effect === 'NoSchedule' || t.effect === 'NoExecute'),
      soft: all.filter((t) => !t.effect || t.effect === 'PreferNoSchedule'),
    };
  });
}

export const taintToleration = {
  name: NAME,
  preFilter(state: CycleState, pod: PodInfo) {
    pre(state, pod);
    return undefined;
  },
  filter(state: CycleState, pod: PodInfo, node: NodeInfo) {
    const taints = node.facts.hardTaints;
    if (taints.length === 0) return undefined;
    const taint = findUntoleratedTaint(taints, pre(state, pod).hard);
    if (taint === undefined) return undefined;
    return newStatus(Code.UnschedulableAndUnresolvable, NAME, untoleratedTaintReason(taint));
  },
  score(state: CycleState, pod: PodInfo, node: NodeInfo) {
    const taints = node.facts.softTaints;
    if (taints.length === 0) return 0;
    const soft = pre(state, pod).soft;
    let n = 0;
    for (const t of taints) if (!isTolerated(soft, t)) n++;
    return n;
  },
  normalizeScore(_state: CycleState, _pod: PodInfo, scores: Float64Array) {
    defaultNormalizeScore(scores, true);
  },
} satisfies PreFilterPlugin & FilterPlugin & ScorePlugin;
