/** Node lifecycle: heartbeats, Unknown conditions, readiness taints and the NoExecute taint manager. */
export {
  NODE_LEASE_NAMESPACE,
  NodeLifecycleController,
  newNodeLifecycleController,
} from './node-lifecycle.js';
export * from './taints.js';
