/** The `scale` subresource: an autoscaling/v1 Scale view of a workload's replicas. */
import type { ResourceInfo } from '@kubelab/api-types';
import type { StoredObject } from '../store/types.js';

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** A label selector in its string form (metav1.FormatLabelSelector), e.g. `app=nginx,tier in (a,b)`. */
export function formatSelector(sel: LabelSelector | Record<string, string> | undefined): string {
  if (!sel) return '';
  const isStruct = 'matchLabels' in sel || 'matchExpressions' in sel;
  const labels = (isStruct ? (sel as LabelSelector).matchLabels : (sel as Record<string, string>)) ?? {};
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`);
  for (const e of (isStruct ? (sel as LabelSelector).matchExpressions : undefined) ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

export function toScale(_info: ResourceInfo, o: StoredObject): Record<string, unknown> {
  const spec = (o.spec ?? {}) as { replicas?: number; selector?: LabelSelector | Record<string, string> };
  const status = (o.status ?? {}) as { replicas?: number };
  const m = o.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector: formatSelector(spec.selector) },
  };
}

/** The workload with the Scale's spec.replicas (and its resourceVersion as the precondition, when set). */
export function fromScale(o: StoredObject, scale: Record<string, unknown>): StoredObject {
  const spec = (scale.spec ?? {}) as { replicas?: unknown };
  const rv = (scale.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
  return {
    ...o,
    metadata: { ...o.metadata, ...(rv ? { resourceVersion: rv } : {}) },
    spec: { ...(o.spec as object), replicas: spec.replicas },
  };
}
