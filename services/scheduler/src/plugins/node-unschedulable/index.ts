/**
 * NodeUnschedulable (kube-scheduler plugins/nodeunschedulable): a cordoned node (`spec.unschedulable`) takes only
 * pods that tolerate the `node.kubernetes.io/unschedulable:NoSchedule` taint.
 */
import type { CycleState, FilterPlugin } from '../../framework/interface.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { Code, newStatus } from '../../framework/status.js';
import { isTolerated } from '../../framework/tolerations.js';

export const NAME = 'NodeUnschedulable';
export const ErrReasonUnschedulable = 'node(s) were unschedulable';
const UNSCHEDULABLE_TAINT = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };
const REJECTED = newStatus(Code.UnschedulableAndUnresolvable, NAME, ErrReasonUnschedulable);

export const nodeUnschedulable = {
  name: NAME,
  filter(_state: CycleState, pod: PodInfo, node: NodeInfo) {
    if (!node.facts.unschedulable) return undefined;
    return isTolerated(pod.pod.spec?.tolerations ?? [], UNSCHEDULABLE_TAINT) ? undefined : REJECTED;
  },
} satisfies FilterPlugin;
