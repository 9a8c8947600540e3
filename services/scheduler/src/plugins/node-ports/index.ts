/**
 * NodePorts (kube-scheduler plugins/nodeports): a pod asking for a host port a pod on the node already holds (same
 * protocol and port, same IP or either on 0.0.0.0) does not fit there.
 */
import type { CycleState, FilterPlugin } from '../../framework/interface.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { Code, newStatus } from '../../framework/status.js';

export const NAME = 'NodePorts';
export const ErrReason = "node(s) didn't have free ports for the requested pod ports";
const REJECTED = newStatus(Code.Unschedulable, NAME, ErrReason);

export const nodePorts = {
  name: NAME,
  filter(_state: CycleState, pod: PodInfo, node: NodeInfo) {
    if (pod.hostPorts.length === 0 || node.usedPorts.size === 0) return undefined;
    for (const p of pod.hostPorts) if (node.usedPorts.conflicts(p)) return REJECTED;
    return undefined;
  },
} satisfies FilterPlugin;
