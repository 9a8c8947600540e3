/**
 * Spreading of one owner's pods (kube-scheduler SelectorSpread, what PodTopologySpread's default constraints do
 * per hostname): the fewer pods of the pod's controller a node already has, the higher its score. A pod without
 * a controller gets the same score everywhere. NormalizeScore: 100 × (max − count) / max.
 */
import type { CycleState, ScorePlugin } from '../../framework/interface.js';
import { MAX_NODE_SCORE } from '../../framework/interface.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';

export const NAME = 'SelectorSpread';

export const selectorSpread = {
  name: NAME,
  score(_state: CycleState, pod: PodInfo, node: NodeInfo) {
    return pod.ownerUid === undefined ? 0 : (node.ownerCounts.get(pod.ownerUid) ?? 0);
  },
  normalizeScore(_state: CycleState, _pod: PodInfo, scores: Float64Array) {
    let max = 0;
    for (const s of scores) if (s > max) max = s;
    for (let i = 0; i < scores.length; i++) {
      scores[i] = max === 0 ? MAX_NODE_SCORE : Math.floor((MAX_NODE_SCORE * (max - (scores[i] ?? 0))) / max);
    }
  },
} satisfies ScorePlugin;
