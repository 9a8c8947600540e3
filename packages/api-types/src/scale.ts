/**
 * The `/scale` subresource's view of a workload: an autoscaling/v1 Scale whose `status.selector` is the
 * workload selector in string form (what `kubectl scale` and the HPA read).
 */
import { labelSelectorToString, selectorFromSet, selectorToString } from './selectors.js';
import type { KubeObject, LabelSelector, ObjectMeta } from './types/meta.js';
import type { Scale } from './types/workloads.js';

/**
 * Builds the Scale of a Deployment, ReplicaSet, StatefulSet (LabelSelector) or ReplicationController (map
 * selector).
 *
 * @example
 * scaleOf(deployment).status; // { replicas: 3, selector: 'app=nginx' }
 */
export function scaleOf(obj: KubeObject): Scale {
  const spec = (obj.spec ?? {}) as { replicas?: number; selector?: LabelSelector | Record<string, string> };
  const status = (obj.status ?? {}) as { replicas?: number };
  const sel = spec.selector;
  const isMap = obj.kind === 'ReplicationController';
  const selector = isMap
    ? selectorToString(selectorFromSet((sel ?? {}) as Record<string, string>))
    : labelSelectorToString(sel as LabelSelector | undefined);
  const m = obj.metadata;
  const metadata: ObjectMeta = {};
  for (const k of ['name', 'namespace', 'uid', 'resourceVersion', 'creationTimestamp'] as const) {
    if (m[k] !== undefined) metadata[k] = m[k] as never;
  }
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata,
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector },
  };
}

/** A copy of the workload with `spec.replicas` set (applying a Scale update). */
export function withReplicas<T extends KubeObject>(obj: T, replicas: number): T {
  const out: KubeObject = structuredClone(obj);
  out.spec = { ...((out.spec ?? {}) as object), replicas };
  return out as T;
}
