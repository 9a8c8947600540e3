/**
 * The object store's vocabulary: stored objects, the commands the Raft log carries, and what applying one
 * yields. A command is decided entirely by the state machine from the store's current content (never from
 * the proposing replica's possibly stale view), so every replica reaches the same result.
 */

/** Object metadata as stored; only the fields the store itself reads or writes are named. */
export interface StoredMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  finalizers?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** A Kubernetes object as the store keeps it (always with kind and apiVersion). */
export interface StoredObject {
  apiVersion: string;
  kind: string;
  metadata: StoredMeta;
  [field: string]: unknown;
}

/** `<group>/<resource>` with `core` for the legacy group, e.g. `core/pods`, `apps/deployments`. */
export type ResourceKey = string;

/** A leader-elected writer's fencing token (STYLE.md principle 8). */
export interface Fence {
  readonly lease: string;
  readonly token: number;
}

interface CommandBase {
  /** Unique per logical request; a re-proposed command with the same id is applied at most once. */
  readonly id: string;
  /** RFC 3339 time chosen by the proposing replica, so that timestamps are the same on every replica. */
  readonly now: string;
  readonly resource: ResourceKey;
  readonly fence?: Fence;
}

export interface CreateCommand extends CommandBase {
  readonly op: 'create';
  /** Fully admitted object (defaults, uid, name) without resourceVersion. */
  readonly object: StoredObject;
  /** Whether the resource is namespaced: then its namespace must exist and not be terminating. */
  readonly namespaced: boolean;
  /** Whether the kind has metadata.generation (workloads do, pods and config maps do not). Default true. */
  readonly tracksGeneration?: boolean;
}

export interface UpdateCommand extends CommandBase {
  readonly op: 'update';
  /** The new object; `metadata.resourceVersion`, when set, is a precondition (409 Conflict on mismatch). */
  readonly object: StoredObject;
  /**
   * `main`: the status is kept from the stored object (for resources with a status subresource);
   * `status`: only the status is taken from `object`; `all`: the object is taken as is (no status subresource).
   */
  readonly scope: 'main' | 'status' | 'all';
  /** Whether the kind has metadata.generation. Default true. */
  readonly tracksGeneration?: boolean;
}

export interface DeleteCommand extends CommandBase {
  readonly op: 'delete';
  readonly namespace: string | undefined;
  readonly name: string;
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
  /**
   * Seconds the object lingers with a deletionTimestamp before its owner (the kubelet for pods) removes it;
   * 0 removes at once (unless finalizers remain).
   */
  readonly gracePeriodSeconds: number;
  readonly propagationPolicy: 'Background' | 'Foreground' | 'Orphan';
}

export type StoreCommand = CreateCommand | UpdateCommand | DeleteCommand;

/** Why a command did not change anything. The HTTP layer turns these into Kubernetes Status objects. */
export type FailureReason =
  | 'AlreadyExists'
  | 'NotFound'
  | 'Conflict'
  | 'Forbidden'
  | 'NamespaceTerminating'
  | 'Invalid';

export type ApplyResult =
  | { readonly ok: true; readonly object: StoredObject; readonly deleted: boolean }
  | {
      readonly ok: false;
      readonly reason: FailureReason;
      readonly message: string;
      /** Field causes of an Invalid result (allocation failures). */
      readonly causes?: readonly { reason: string; message: string; field?: string }[];
    };

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change of one object, at the Raft index that made it. */
export interface StoreEvent {
  readonly type: WatchEventType;
  readonly resource: ResourceKey;
  readonly object: StoredObject;
  /** The object before the change (MODIFIED, DELETED), for selector transitions in watches. */
  readonly prev: StoredObject | undefined;
  readonly revision: number;
}
