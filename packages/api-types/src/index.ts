/** @kubelab/api-types: the pure Kubernetes API model kubelab's api server and controllers share. */
export type * from './types/index.js';
export * from './resources.js';
export * from './discovery.js';
