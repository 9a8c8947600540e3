/** All object types, re-exported. */
export type * from './meta.js';
export type * from './pod.js';
export type * from './workloads.js';
export type * from './cluster.js';
