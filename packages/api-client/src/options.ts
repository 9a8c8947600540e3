/**
 * The options of the client's verbs, and how each becomes Kubernetes query parameters or a DeleteOptions
 * body. Pure: no I/O.
 */
import { AssertionError } from 'node:assert';
import type { ResourceRef } from './resources.js';
import type { KubeObject } from './types.js';

/** Every call: a timeout and a way to give up early (reads stop retrying when the signal aborts). */
export interface CallOptions {
  /** Per attempt; the client's default otherwise. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** Options of `get`. */
export interface GetOptions extends CallOptions {
  readonly namespace?: string;
  /** `'0'` allows a cached (possibly stale) answer; omitted means the latest. */
  readonly resourceVersion?: string;
  /** e.g. `status`, `scale`. */
  readonly subresource?: string;
}

/** Selectors, shared by list, watch, deleteCollection and informers. */
export interface SelectorOptions {
  /** `app=web,tier!=db`, as Kubernetes parses it. */
  readonly labelSelector?: string;
  /** `spec.nodeName=node-0`. */
  readonly fieldSelector?: string;
}

/** Options of `list`. */
export interface ListOptions extends CallOptions, SelectorOptions {
  /** Omit for all namespaces. */
  readonly namespace?: string;
  /** Page size; the answer carries `metadata.continue` while more remain. */
  readonly limit?: number;
  readonly continue?: string;
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: 'NotOlderThan' | 'Exact';
}

/** Options of `listAll`. */
export interface ListAllOptions extends Omit<ListOptions, 'limit' | 'continue'> {
  /** Items per page. Default 500 (client-go's pager). */
  readonly pageSize?: number;
  /** Bound on pages followed (TigerStyle); beyond it listAll throws. Default 10_000. */
  readonly maxPages?: number;
  /** When a continue token expires mid-way (410), list again in one unpaginated request. Default true. */
  readonly fullListIfExpired?: boolean;
}

/** Options of every write. */
export interface WriteOptions extends CallOptions {
  /** Defaults to the object's `metadata.namespace` when there is an object. */
  readonly namespace?: string;
  /** Validate and answer without persisting (`dryRun=All`). */
  readonly dryRun?: boolean;
  readonly fieldManager?: string;
  readonly subresource?: string;
}

/** Options of `create`. */
export interface CreateOptions extends WriteOptions {
  /** The parent's name, for subresource creates: `pods/<name>/binding`, `pods/<name>/eviction`. */
  readonly name?: string;
}

/** Patch flavours and their content types. */
export const PATCH_CONTENT_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;
export type PatchType = keyof typeof PATCH_CONTENT_TYPES;

/** Options of `patch`. */
export interface PatchOptions extends WriteOptions {
  /** Default `merge`. */
  readonly patchType?: PatchType;
  /** Server-side apply: take ownership of conflicting fields. */
  readonly force?: boolean;
}

/** metav1.Preconditions: the delete only happens if the object still has this uid / resourceVersion. */
export interface Preconditions {
  readonly uid?: string;
  readonly resourceVersion?: string;
}

/** Options of `delete`. */
export interface DeleteOptions extends CallOptions {
  readonly namespace?: string;
  readonly propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  readonly gracePeriodSeconds?: number;
  readonly preconditions?: Preconditions;
  readonly dryRun?: boolean;
}

/** Options of `deleteCollection`. */
export interface DeleteCollectionOptions extends DeleteOptions, SelectorOptions {}

/** Sets `query[key]` when `value` is defined. */
function put(query: Record<string, string>, key: string, value: string | number | undefined): void {
  if (value !== undefined) query[key] = String(value);
}

/** Query parameters of a list (also used by deleteCollection). */
export function listQuery(opts: ListOptions & SelectorOptions): Record<string, string> {
  const q: Record<string, string> = {};
  put(q, 'labelSelector', opts.labelSelector);
  put(q, 'fieldSelector', opts.fieldSelector);
  put(q, 'limit', opts.limit);
  put(q, 'continue', opts.continue);
  put(q, 'resourceVersion', opts.resourceVersion);
  put(q, 'resourceVersionMatch', opts.resourceVersionMatch);
  return q;
}

/** Query parameters of a create, update or patch. */
export function writeQuery(opts: WriteOptions & { force?: boolean }): Record<string, string> {
  const q: Record<string, string> = {};
  if (opts.dryRun) q.dryRun = 'All';
  put(q, 'fieldManager', opts.fieldManager);
  if (opts.force) q.force = 'true';
  return q;
}

/** The metav1.DeleteOptions body (client-go sends it as the body, not as query parameters). */
export function deleteBody(opts: DeleteOptions): Record<string, unknown> {
  const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
  if (opts.propagationPolicy !== undefined) body.propagationPolicy = opts.propagationPolicy;
  if (opts.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = opts.gracePeriodSeconds;
  if (opts.preconditions !== undefined) body.preconditions = { ...opts.preconditions };
  if (opts.dryRun) body.dryRun = ['All'];
  return body;
}

/**
 * The namespace a single-object call addresses: the option, else the object's; required for a namespaced
 * resource (a missing one is a programming error), dropped for a cluster-scoped one.
 */
export function namespaceFor(
  ref: ResourceRef,
  given: string | undefined,
  obj?: KubeObject,
): string | undefined {
  if (!ref.namespaced) return undefined;
  const ns = given ?? obj?.metadata.namespace;
  if (ns === undefined || ns === '') {
    throw new AssertionError({ message: `${ref.resource} is namespaced: pass a namespace` });
  }
  return ns;
}

/** The name of an object being written; an object without one is a programming error. */
export function nameOf(obj: KubeObject, ref: ResourceRef): string {
  const name = obj.metadata.name;
  if (name === undefined || name === '') {
    throw new AssertionError({ message: `${ref.resource}: the object has no metadata.name` });
  }
  return name;
}
