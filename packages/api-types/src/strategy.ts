import { findByKind } from './resources.js';
import type { KubeObject } from './types/meta.js';
/**
 * The pure parts of the registry strategies' PrepareForCreate/PrepareForUpdate: which fields a write may
 * set, and when metadata.generation moves. The api server calls these before defaults and validation.
 */
import { deepEqual } from './validation/field.js';

/** Kinds whose strategies track metadata.generation (set to 1 on create, bumped on spec change). */
export const GENERATION_KINDS: ReadonlySet<string> = new Set([
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'ReplicationController',
  'Job',
  'HorizontalPodAutoscaler',
  'Ingress',
]);

/** Whether a kind has a `status` subresource (so the main resource ignores status writes). */
export function hasStatusSubresource(kind: string): boolean {
  return findByKind(kind)?.subresources.some((s) => s.name === 'status') ?? false;
}

/**
 * PrepareForCreate: status is cleared for kinds with a status subresource (except Node, which the kubelet
 * creates with its status), and generation starts at 1 where tracked.
 */
export function prepareForCreate<T extends KubeObject>(kind: string, obj: T): T {
  const out: KubeObject = structuredClone(obj);
  if (hasStatusSubresource(kind) && kind !== 'Node') delete out.status;
  if (GENERATION_KINDS.has(kind)) out.metadata = { ...out.metadata, generation: 1 };
  return out as T;
}

/**
 * PrepareForUpdate of the main resource: status keeps its stored value, and generation is bumped when the
 * spec changed (for Deployments also when annotations changed, as they are copied to ReplicaSets).
 */
export function prepareForUpdate<T extends KubeObject>(kind: string, newObj: T, oldObj: KubeObject): T {
  const out: KubeObject = structuredClone(newObj);
  if (hasStatusSubresource(kind)) {
    if (oldObj.status === undefined) delete out.status;
    else out.status = structuredClone(oldObj.status);
  }
  if (GENERATION_KINDS.has(kind)) {
    const oldGen = oldObj.metadata.generation ?? 1;
    const changed =
      !deepEqual(out.spec, oldObj.spec) ||
      (kind === 'Deployment' && !deepEqual(out.metadata.annotations, oldObj.metadata.annotations));
    out.metadata = { ...out.metadata, generation: changed ? oldGen + 1 : oldGen };
  }
  return out as T;
}

/** PrepareForUpdate of the `status` subresource: the spec keeps its stored value. */
export function prepareForStatusUpdate<T extends KubeObject>(newObj: T, oldObj: KubeObject): T {
  const out: KubeObject = structuredClone(newObj);
  if (oldObj.spec === undefined) delete out.spec;
  else out.spec = structuredClone(oldObj.spec);
  const { generation: _dropped, ...meta } = out.metadata;
  out.metadata =
    oldObj.metadata.generation === undefined ? meta : { ...meta, generation: oldObj.metadata.generation };
  return out as T;
}
