/**
 * NodeResourcesFit (kube-scheduler plugins/noderesources/fit.go). Filter: the pod count, then cpu and memory
 * requests against what the node's allocatable leaves after its pods' requests; every shortfall is a reason of
 * its own ("Too many pods", "Insufficient cpu", "Insufficient memory"). Score (LeastAllocated): the mean over cpu
 * and memory of the share left free after placing the pod, with non-zero requests, 0–100.
 */
import type { CycleState, FilterPlugin, ScorePlugin } from '../../framework/interface.js';
import { MAX_NODE_SCORE } from '../../framework/interface.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { Code, type Status, newStatus } from '../../framework/status.js';

export const NAME = 'NodeResourcesFit';
export const ErrReasonTooManyPods = 'Too many pods';
export const ErrReasonInsufficientCpu = 'Insufficient cpu';
export const ErrReasonInsufficientMemory = 'Insufficient memory';

// The seven combinations, built once: the filter runs for every node of every cycle.
const statuses = new Map<number, Status>();
function rejected(pods: boolean, cpu: boolean, mem: boolean): Status {
  const bits = (pods ? 1 : 0) | (cpu ? 2 : 0) | (mem ? 4 : 0);
  let s = statuses.get(bits);
  if (s === undefined) {
    const reasons: string[] = [];
    if (pods) reasons.push(ErrReasonTooManyPods);
    if (cpu) reasons.push(ErrReasonInsufficientCpu);
    if (mem) reasons.push(ErrReasonInsufficientMemory);
    s = newStatus(Code.Unschedulable, NAME, ...reasons);
    statuses.set(bits, s);
  }
  return s;
}

/** The reasons `pod` does not fit `node` (fitsRequest), or undefined if it fits. */
export function fitsRequest(pod: PodInfo, node: NodeInfo): Status | undefined {
  const alloc = node.facts.allocatable;
  const tooMany = node.pods.size + 1 > alloc.pods;
  const req = pod.requests;
  const cpu = req.cpuMilli > 0 && req.cpuMilli > alloc.cpuMilli - node.requested.cpuMilli;
  const mem = req.memoryBytes > 0 && req.memoryBytes > alloc.memoryBytes - node.requested.memoryBytes;
  return tooMany || cpu || mem ? rejected(tooMany, cpu, mem) : undefined;
}

/** (allocatable − requested) × 100 / allocatable, 0 when over (leastRequestedScore). */
export function leastRequestedScore(requested: number, allocatable: number): number {
  if (allocatable <= 0 || requested > allocatable) return 0;
  return Math.floor(((allocatable - requested) * MAX_NODE_SCORE) / allocatable);
}

export const nodeResourcesFit = {
  name: NAME,
  filter(_state: CycleState, pod: PodInfo, node: NodeInfo) {
    return fitsRequest(pod, node);
  },
  score(_state: CycleState, pod: PodInfo, node: NodeInfo) {
    const alloc = node.facts.allocatable;
    const cpu = leastRequestedScore(
      node.nonZeroRequested.cpuMilli + pod.nonZeroRequests.cpuMilli,
      alloc.cpuMilli,
    );
    const mem = leastRequestedScore(
      node.nonZeroRequested.memoryBytes + pod.nonZeroRequests.memoryBytes,
      alloc.memoryBytes,
    );
    return Math.floor((cpu + mem) / 2);
  },
} satisfies FilterPlugin & ScorePlugin;
