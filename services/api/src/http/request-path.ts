/**
 * The Kubernetes resource URL grammar, as apiserver's RequestInfoFactory reads it (pure):
 *
 *   /api/v1/<resource>[/<name>[/<subresource>]]                         cluster-scoped, or all namespaces
 *   /api/v1/namespaces/<ns>/<resource>[/<name>[/<subresource>]]          namespaced
 *   /apis/<group>/<version>/…                                           the same for named groups
 *
 * `/api/v1/namespaces/<ns>` itself is the Namespace object, and `/api/v1/namespaces/<ns>/{status,finalize}`
 * its subresources. Then the method (and `watch=true`) picks the verb.
 */
import { type ResourceInfo, findResource, findSubresource } from '@kubelab/api-types';

/** Where a resource request points. */
export interface ResourcePath {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly subresource?: string;
}

/** Namespace subresources that read like a namespaced collection (`namespaces/x/status`). */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/**
 * Splits a resource URL into its coordinates, or undefined when it is not one (discovery paths such as
 * `/api/v1` or `/apis/apps` are handled elsewhere; the caller gets undefined for them too).
 *
 * @example
 * parseResourcePath('/apis/apps/v1/namespaces/default/deployments/web/scale');
 * // { group: 'apps', version: 'v1', namespace: 'default', resource: 'deployments', name: 'web', subresource: 'scale' }
 */
export function parseResourcePath(pathname: string): ResourcePath | undefined {
  const parts = pathname.split('/').filter((p) => p !== '');
  let group: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    rest = parts.slice(1);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1] ?? '';
    rest = parts.slice(2);
  } else {
    return undefined;
  }
  const [version = '', ...segments] = rest.map(decodeSegment);
  let namespace: string | undefined;
  let tail = segments;
  if (
    segments[0] === 'namespaces' &&
    segments.length >= 3 &&
    !NAMESPACE_SUBRESOURCES.has(segments[2] ?? '')
  ) {
    namespace = segments[1];
    tail = segments.slice(2);
  }
  const [resource, name, subresource, ...extra] = tail;
  if (resource === undefined || resource === '' || extra.length > 0) return undefined;
  return {
    group,
    version,
    resource,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
  };
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A request resolved against the registry: the resource and the Kubernetes verb. */
export interface ResolvedRequest {
  readonly path: ResourcePath;
  readonly info: ResourceInfo;
  /** get, list, watch, create, update, patch, delete, deletecollection. */
  readonly verb: string;
}

export type Resolution =
  | { readonly ok: true; readonly request: ResolvedRequest }
  | { readonly ok: false; readonly code: 404 }
  | { readonly ok: false; readonly code: 405; readonly info: ResourceInfo; readonly verb: string };

/** The verb of a method on a collection or an item (apiserver's RequestInfo). */
export function verbOf(method: string, hasName: boolean, watch: boolean): string | undefined {
  switch (method) {
    case 'GET':
    case 'HEAD':
      return watch ? 'watch' : hasName ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return hasName ? 'delete' : 'deletecollection';
    default:
      return undefined;
  }
}

/**
 * Checks a path against the registry and picks the verb: unknown group/version/resource/subresource or a
 * wrong scope is a 404, a verb the resource does not take a 405.
 */
export function resolveRequest(path: ResourcePath, method: string, watch: boolean): Resolution {
  const info = findResource(path.group, path.version, path.resource);
  if (!info) return { ok: false, code: 404 };
  if (!info.namespaced && path.namespace !== undefined) return { ok: false, code: 404 };
  const hasName = path.name !== undefined;
  const verb = verbOf(method, hasName, watch);
  if (verb === undefined) return { ok: false, code: 405, info, verb: method.toLowerCase() };
  if (path.subresource !== undefined) {
    const sub = findSubresource(info, path.subresource);
    if (!sub) return { ok: false, code: 404 };
    // Subresources are addressed on an item; POST to one (binding, eviction) creates it.
    if (!(sub.verbs as readonly string[]).includes(verb)) return { ok: false, code: 405, info, verb };
    return { ok: true, request: { path, info, verb } };
  }
  if (info.namespaced && path.namespace === undefined && (hasName || !['list', 'watch'].includes(verb))) {
    // A namespaced resource without a namespace is only an all-namespaces list or watch.
    return { ok: false, code: 404 };
  }
  if (hasName && verb === 'create') return { ok: false, code: 405, info, verb };
  if (!hasName && (verb === 'update' || verb === 'patch')) return { ok: false, code: 405, info, verb };
  if (!(info.verbs as readonly string[]).includes(verb)) return { ok: false, code: 405, info, verb };
  return { ok: true, request: { path, info, verb } };
}
