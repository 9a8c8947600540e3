export type { ProcessSpec, Role, TopologyOptions } from './topology.js';
export { buildTopology, defaultReplicas, SERVICE_ROLES } from './topology.js';
export type { ClusterState, ProcessState } from './state.js';
export { readState } from './state.js';
export { renderKubeconfig } from './kubeconfig.js';
