/** The `scale` subresource: an autoscaling/v1 Scale view of a workload (api-types' scaleOf/withReplicas). */
import { type KubeObject, scaleOf, withReplicas } from '@kubelab/api-types';
import type { StoredObject } from '../store/types.js';

export function toScale(o: StoredObject): Record<string, unknown> {
  return scaleOf(o as unknown as KubeObject) as unknown as Record<string, unknown>;
}

/**
 * The workload with the Scale's spec.replicas; the Scale's resourceVersion, when set, becomes the update's
 * precondition (`kubectl scale --current-replicas` PUTs it).
 */
export function fromScale(o: StoredObject, scale: Record<string, unknown>): StoredObject {
  const replicas = (scale.spec as { replicas?: unknown } | undefined)?.replicas;
  const next = withReplicas(o as unknown as KubeObject, replicas as number) as unknown as StoredObject;
  const rv = (scale.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
  return rv ? { ...next, metadata: { ...next.metadata, resourceVersion: rv } } : next;
}
