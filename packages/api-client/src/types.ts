import type { ListMeta, Status, StatusCause, StatusDetails } from '@kubelab/api-types';

export type { ListMeta, Status, StatusCause, StatusDetails };
/**
 * The object shapes the client needs, structurally identical to `@kubelab/api-types`' meta types (so a
 * `Pod` from there is a {@link KubeObject} here) but declared locally: the client moves objects, it does not
 * interpret them, and it must not pull the api's schemas into every service.
 */

/** metav1.ObjectMeta, loosely: only what the client reads is named; everything else round-trips. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  /** The raft index of the object's last write, as a decimal string. */
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  [extra: string]: unknown;
}

/** Any Kubernetes object. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [extra: string]: unknown;
}

/** A `<Kind>List`. */
export interface KubeList<T> {
  apiVersion?: string;
  kind?: string;
  metadata: ListMeta;
  items: T[];
}

/** A watch event type as Kubernetes names it. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/**
 * One watch event. ERROR carries a Status (410 Expired means "relist"); BOOKMARK carries an object of the
 * watched kind whose only meaningful field is `metadata.resourceVersion`.
 */
export type WatchEvent<T> =
  | { readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK'; readonly object: T }
  | { readonly type: 'ERROR'; readonly object: Status };

/** True for a plain (non-null, non-array) object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when `value` looks like a Kubernetes object (has a `metadata` object). */
export function isKubeObject(value: unknown): value is KubeObject {
  return isRecord(value) && isRecord(value.metadata);
}

/** True when `value` is a metav1.Status. */
export function isStatus(value: unknown): value is Status {
  return isRecord(value) && value.kind === 'Status' && typeof value.code === 'number';
}
