/**
 * Validation entry points: `validateCreate(kind, obj)` and `validateUpdate(kind, newObj, oldObj)` return the
 * causes Kubernetes would report, with its field paths and messages. Run them on objects that already went
 * through defaults.ts (Kubernetes validates after defaulting, so e.g. an omitted restartPolicy is never
 * reported). An empty list means valid; otherwise answer with `invalid(kind, group, name, causes)`.
 */
import { findByKind } from '../resources.js';
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
} from '../types/cluster.js';
import type { KubeObject } from '../types/meta.js';
import type { Pod } from '../types/pod.js';
import type {
  ControllerRevision,
  DaemonSet,
  Deployment,
  Job,
  ReplicaSet,
  ReplicationController,
  StatefulSet,
} from '../types/workloads.js';
import {
  validateControllerRevision,
  validateControllerRevisionUpdate,
  validateJob,
  validateJobUpdate,
  validateReplicationController,
  validateReplicationControllerUpdate,
} from './controllers.js';
import type { Cause } from './field.js';
import { validateObjectMetaUpdate } from './meta.js';
import {
  validateConfigMap,
  validateConfigMapUpdate,
  validateEvent,
  validateGeneric,
  validateHorizontalPodAutoscaler,
  validateIngress,
  validateLease,
  validateNamespace,
  validateNode,
  validateSecret,
  validateSecretUpdate,
} from './other.js';
import { validatePodCreate, validatePodUpdate } from './pod.js';
import {
  type ServiceValidationOptions,
  validateEndpointSlice,
  validateEndpointSliceUpdate,
  validateEndpoints,
  validateService,
  validateServiceUpdate,
} from './service.js';
import {
  validateDaemonSet,
  validateDaemonSetUpdate,
  validateDeployment,
  validateDeploymentUpdate,
  validateReplicaSet,
  validateReplicaSetUpdate,
  validateStatefulSet,
  validateStatefulSetUpdate,
} from './workloads.js';

/** Options for validation; today only the node port range. */
export type ValidationOptions = ServiceValidationOptions;

type CreateFn = (obj: never, opts: ValidationOptions) => Cause[];
type UpdateFn = (n: never, o: never, opts: ValidationOptions) => Cause[];

const CREATE: Record<string, CreateFn> = {
  Pod: (o: Pod) => validatePodCreate(o),
  Deployment: (o: Deployment) => validateDeployment(o),
  ReplicaSet: (o: ReplicaSet) => validateReplicaSet(o),
  ReplicationController: (o: ReplicationController) => validateReplicationController(o),
  StatefulSet: (o: StatefulSet) => validateStatefulSet(o),
  DaemonSet: (o: DaemonSet) => validateDaemonSet(o),
  ControllerRevision: (o: ControllerRevision) => validateControllerRevision(o),
  Job: (o: Job) => validateJob(o),
  Service: (o: Service, opts) => validateService(o, opts),
  Endpoints: (o: Endpoints) => validateEndpoints(o),
  EndpointSlice: (o: EndpointSlice) => validateEndpointSlice(o),
  Namespace: (o: Namespace) => validateNamespace(o),
  ConfigMap: (o: ConfigMap) => validateConfigMap(o),
  Secret: (o: Secret) => validateSecret(o),
  Node: (o: Node) => validateNode(o),
  Event: (o: Event) => validateEvent(o),
  Lease: (o: Lease) => validateLease(o),
  HorizontalPodAutoscaler: (o: HorizontalPodAutoscaler) => validateHorizontalPodAutoscaler(o),
  Ingress: (o: Ingress) => validateIngress(o),
};

const UPDATE: Record<string, UpdateFn> = {
  Pod: (n: Pod, o: Pod) => validatePodUpdate(n, o),
  Deployment: (n: Deployment, o: Deployment) => validateDeploymentUpdate(n, o),
  ReplicaSet: (n: ReplicaSet, o: ReplicaSet) => validateReplicaSetUpdate(n, o),
  ReplicationController: (n: ReplicationController, o: ReplicationController) =>
    validateReplicationControllerUpdate(n, o),
  StatefulSet: (n: StatefulSet, o: StatefulSet) => validateStatefulSetUpdate(n, o),
  DaemonSet: (n: DaemonSet, o: DaemonSet) => validateDaemonSetUpdate(n, o),
  ControllerRevision: (n: ControllerRevision, o: ControllerRevision) =>
    validateControllerRevisionUpdate(n, o),
  Job: (n: Job, o: Job) => validateJobUpdate(n, o),
  Service: (n: Service, o: Service, opts) => validateServiceUpdate(n, o, opts),
  EndpointSlice: (n: EndpointSlice, o: EndpointSlice) => validateEndpointSliceUpdate(n, o),
  ConfigMap: (n: ConfigMap, o: ConfigMap) => validateConfigMapUpdate(n, o),
  Secret: (n: Secret, o: Secret) => validateSecretUpdate(n, o),
};

/**
 * Validates an object about to be created.
 *
 * @example
 * validateCreate('Pod', pod); // [] or [{reason:'FieldValueRequired', field:'spec.containers[0].image', ...}]
 */
export function validateCreate(kind: string, obj: KubeObject, opts: ValidationOptions = {}): Cause[] {
  const fn = CREATE[kind];
  if (fn !== undefined) return fn(obj as never, opts);
  return validateGeneric(obj, findByKind(kind)?.namespaced ?? true);
}

/**
 * Validates an update of `oldObj` into `newObj` (both defaulted): immutable fields, then the new object as a
 * whole. Kinds without specific update rules get the metadata rules plus their create validation (minus the
 * name checks, which cannot change).
 */
export function validateUpdate(
  kind: string,
  newObj: KubeObject,
  oldObj: KubeObject,
  opts: ValidationOptions = {},
): Cause[] {
  const fn = UPDATE[kind];
  if (fn !== undefined) return fn(newObj as never, oldObj as never, opts);
  return [
    ...validateObjectMetaUpdate(newObj.metadata, oldObj.metadata),
    ...validateCreate(kind, newObj, opts).filter((c) => !c.field.startsWith('metadata.')),
  ];
}

export type { Cause, CauseReason } from './field.js';
