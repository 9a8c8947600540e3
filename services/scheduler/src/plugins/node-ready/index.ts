/**
 * NodeReady: a node whose Ready condition is not True takes only pods that tolerate the taint the node lifecycle
 * controller puts on such a node (`node.kubernetes.io/not-ready` for False, `node.kubernetes.io/unreachable` for
 * Unknown or missing, effect NoSchedule). Kubernetes does this through the taint alone (TaintNodesByCondition);
 * checking the condition too closes the window before the controller has tainted the node, and the reason is the
 * one the taint would give, so users see the same message either way. Once the taint is on the node this plugin
 * steps aside and TaintToleration reports it.
 */
import type { Taint } from '@kubelab/api-types';
import type { CycleState, FilterPlugin } from '../../framework/interface.js';
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { Code, newStatus } from '../../framework/status.js';
import { isTolerated } from '../../framework/tolerations.js';
import { untoleratedTaintReason } from '../taint-toleration/index.js';

export const NAME = 'NodeReady';
export const TaintNodeNotReady = 'node.kubernetes.io/not-ready';
export const TaintNodeUnreachable = 'node.kubernetes.io/unreachable';

const NOT_READY: Taint = { key: TaintNodeNotReady, effect: 'NoSchedule' };
const UNREACHABLE: Taint = { key: TaintNodeUnreachable, effect: 'NoSchedule' };
const REJECT_NOT_READY = newStatus(
  Code.UnschedulableAndUnresolvable,
  NAME,
  untoleratedTaintReason(NOT_READY),
);
const REJECT_UNREACHABLE = newStatus(
  Code.UnschedulableAndUnresolvable,
  NAME,
  untoleratedTaintReason(UNREACHABLE),
);

export const nodeReady = {
  name: NAME,
  filter(_state: CycleState, pod: PodInfo, node: NodeInfo) {
    const ready = node.facts.ready;
    if (ready === 'True') return undefined;
    const taint = ready === 'False' ? NOT_READY : UNREACHABLE;
    // Already tainted: TaintToleration decides (and words) it.
    if (node.facts.hardTaints.some((t) => t.key === taint.key)) return undefined;
    if (isTolerated(pod.pod.spec?.tolerations ?? [], taint)) return undefined;
    return ready === 'False' ? REJECT_NOT_READY : REJECT_UNREACHABLE;
  },
} satisfies FilterPlugin;
