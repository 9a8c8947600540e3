/** All object types, re-exported. */
export type * from './meta.js';
export type * from './pod.js';
export type * from './workloads.js';
export type * from './cluster.js';

import type {
  ConfigMap,
  EndpointSlice,
  Endpoints,
  Event,
  HorizontalPodAutoscaler,
  Ingress,
  Lease,
  Namespace,
  Node,
  Secret,
  Service,
  ServiceAccount,
} from './cluster.js';
import type { Binding, Eviction, Pod } from './pod.js';
import type {
  ControllerRevision,
  DaemonSet,
  Deployment,
  Job,
  ReplicaSet,
  ReplicationController,
  Scale,
  StatefulSet,
} from './workloads.js';

/** Kind name → TypeScript type, for kind-keyed helpers. */
export interface KindTypes {
  Pod: Pod;
  Binding: Binding;
  Eviction: Eviction;
  Deployment: Deployment;
  ReplicaSet: ReplicaSet;
  ReplicationController: ReplicationController;
  StatefulSet: StatefulSet;
  DaemonSet: DaemonSet;
  ControllerRevision: ControllerRevision;
  Job: Job;
  Scale: Scale;
  Service: Service;
  Endpoints: Endpoints;
  EndpointSlice: EndpointSlice;
  Namespace: Namespace;
  Node: Node;
  ConfigMap: ConfigMap;
  Secret: Secret;
  Event: Event;
  ServiceAccount: ServiceAccount;
  Lease: Lease;
  HorizontalPodAutoscaler: HorizontalPodAutoscaler;
  Ingress: Ingress;
}
