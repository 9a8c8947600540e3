/**
 * NodeResourcesBalancedAllocation (kube-scheduler plugins/noderesources/balanced_allocation.go): favours nodes
 * whose cpu and memory would be used in similar proportions after placing the pod. With two resources the
 * standard deviation of the fractions is |cpu − memory| / 2; the score is (1 − std) × 100.
 */
import type { CycleState, ScorePlugin } from '../../framework/interface.js';
import { MAX_NODE_SCORE } from '../../framework/interface.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';

export const NAME = 'NodeResourcesBalancedAllocation';

function fraction(requested: number, allocatable: number): number {
  if (allocatable <= 0) return 1;
  return Math.min(1, requested / allocatable);
}

export const balancedAllocation = {
  name: NAME,
  score(_state: CycleState, pod: PodInfo, node: NodeInfo) {
    const alloc = node.facts.allocatable;
    const cpu = fraction(node.requested.cpuMilli + pod.requests.cpuMilli, alloc.cpuMilli);
    const mem = fraction(node.requested.memoryBytes + pod.requests.memoryBytes, alloc.memoryBytes);
    const std = Math.abs(cpu - mem) / 2;
    return Math.floor((1 - std) * MAX_NODE_SCORE);
  },
} satisfies ScorePlugin;
