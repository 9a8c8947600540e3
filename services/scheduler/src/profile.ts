/**
 * The default profile (kube-scheduler's default plugin set, reduced to what kubelab models). Filters run in
 * Kubernetes' order, so a node that fails several reports the same reason it would there; NodeReady sits right
 * after TaintToleration, where the not-ready taint it stands in for would be checked. Score weights are
 * Kubernetes' defaults (TaintToleration 3, NodeAffinity 2, PodTopologySpread 2, NodeResourcesFit 1,
 * BalancedAllocation 1). Pods with `spec.nodeName` preset never reach the queue (NodeName).
 */
import type { Profile } from './framework/interface.js';
import { balancedAllocation } from './plugins/balanced-allocation/index.js';
import { nodeAffinity } from './plugins/node-affinity/index.js';
import { nodePorts } from './plugins/node-ports/index.js';
import { nodeReady } from './plugins/node-ready/index.js';
import { nodeResourcesFit } from './plugins/node-resources-fit/index.js';
import { nodeUnschedulable } from './plugins/node-unschedulable/index.js';
import { selectorSpread } from './plugins/selector-spread/index.js';
import { taintToleration } from './plugins/taint-toleration/index.js';

/** The scheduler name pods select with `spec.schedulerName` (and the events' source component). */
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

export const defaultProfile: Profile = {
  schedulerName: DEFAULT_SCHEDULER_NAME,
  preFilters: [taintToleration, nodeAffinity],
  filters: [nodeUnschedulable, taintToleration, nodeReady, nodeAffinity, nodePorts, nodeResourcesFit],
  scorers: [
    { plugin: taintToleration, weight: 3 },
    { plugin: nodeAffinity, weight: 2 },
    { plugin: selectorSpread, weight: 2 },
    { plugin: nodeResourcesFit, weight: 1 },
    { plugin: balancedAllocation, weight: 1 },
  ],
};
