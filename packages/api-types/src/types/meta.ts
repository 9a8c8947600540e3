/**
 * meta.k8s.io/v1 shapes shared by every kind: TypeMeta, ObjectMeta, OwnerReference, LabelSelector, Status.
 *
 * Types are deliberately loose: every object interface accepts unknown extra fields (an index signature), so
 * objects round-trip through the api server without losing fields kubelab does not model. Times are RFC 3339
 * strings, exactly as on the wire.
 */

/** An RFC 3339 timestamp as Kubernetes serialises it (`2024-01-02T03:04:05Z`). */
export type Time = string;
/** `intstr.IntOrString`: a port number or name, a count or a percentage (`"25%"`). */
export type IntOrString = number | string;
/** A resource quantity string (`"100m"`, `"128Mi"`), see quantity.ts. */
export type QuantityString = string;

/** `apiVersion` and `kind`, present on every top-level object and every watch-event object. */
export interface TypeMeta {
  apiVersion?: string;
  kind?: string;
}

/** metav1.OwnerReference. `controller: true` marks the managing controller (at most one per object). */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** metav1.ManagedFieldsEntry (server-side apply bookkeeping); opaque to kubelab. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: 'Apply' | 'Update' | string;
  apiVersion?: string;
  time?: Time;
  fieldsType?: string;
  fieldsV1?: unknown;
  subresource?: string;
}

/** metav1.ObjectMeta. `resourceVersion` is the raft index of the last write, as a decimal string. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  /** Incremented by the server on every spec change; controllers report it back as status.observedGeneration. */
  generation?: number;
  creationTimestamp?: Time | null;
  deletionTimestamp?: Time;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
  selfLink?: string;
  [extra: string]: unknown;
}

/** metav1.ListMeta. */
export interface ListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
  selfLink?: string;
}

/** Any Kubernetes object: TypeMeta plus ObjectMeta plus whatever else. */
export interface KubeObject extends TypeMeta {
  metadata: ObjectMeta;
  [extra: string]: unknown;
}

/** A `<Kind>List`. */
export interface KubeList<T> extends TypeMeta {
  metadata: ListMeta;
  items: T[];
}

/** The operators of a LabelSelectorRequirement. */
export type LabelSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

/** metav1.LabelSelectorRequirement. */
export interface LabelSelectorRequirement {
  key: string;
  operator: LabelSelectorOperator | string;
  values?: string[];
}

/**
 * metav1.LabelSelector. `undefined` matches nothing, `{}` matches everything (LabelSelectorAsSelector), and
 * both parts are ANDed.
 */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** metav1.Condition (the generic condition type; older kinds have their own with the same fields). */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown' | string;
  observedGeneration?: number;
  lastTransitionTime?: Time;
  lastUpdateTime?: Time;
  lastProbeTime?: Time | null;
  lastHeartbeatTime?: Time;
  reason?: string;
  message?: string;
}

/** The machine-readable reasons a Status can carry (metav1.StatusReason). */
export type StatusReason =
  | ''
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Invalid'
  | 'ServerTimeout'
  | 'StoreReadError'
  | 'Timeout'
  | 'TooManyRequests'
  | 'BadRequest'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'InternalError'
  | 'Expired'
  | 'ServiceUnavailable';

/** The reasons a StatusCause (a field error) can carry (metav1.CauseType). */
export type CauseType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError'
  | 'FieldValueTypeInvalid'
  | 'UnexpectedServerResponse'
  | 'FieldManagerConflict'
  | 'ResourceVersionTooLarge'
  | 'ExitCode';

/** metav1.StatusCause. On the wire the type travels as `reason`. */
export interface StatusCause {
  reason?: CauseType | string;
  message?: string;
  field?: string;
}

/** metav1.StatusDetails. `kind` is the resource plural for NotFound/AlreadyExists/Conflict, the Kind for Invalid. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** metav1.Status, the body of every error response and of watch ERROR events. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: ListMeta;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason | string;
  details?: StatusDetails;
  code: number;
}

/** A `core/v1` ObjectReference (Event.involvedObject, Binding.target, Endpoints targetRef). */
export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

/** A reference to an object in the same namespace by name (`secretRef`, `imagePullSecrets`). */
export interface LocalObjectReference {
  name?: string;
}
