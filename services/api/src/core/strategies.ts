/**
 * Per-resource rules of the request pipeline beyond api-types' strategies: the store key of a resource, how
 * an update treats status, and how long deletion waits.
 */
import type { ResourceInfo } from '@kubelab/api-types';
import type { StoredObject, UpdateCommand } from '../store/types.js';

type Obj = StoredObject;

/** `core/pods`, `apps/deployments`: the store's key for a resource. */
export function resourceKey(info: Pick<ResourceInfo, 'group' | 'plural'>): string {
  return `${info.group === '' ? 'core' : info.group}/${info.plural}`;
}

/** How an update of the main resource treats status (see UpdateCommand.scope). */
export function mainUpdateScope(info: ResourceInfo): UpdateCommand['scope'] {
  return info.subresources.some((s) => s.name === 'status') ? 'main' : 'all';
}

/**
 * Grace period of a delete: pods wait for the kubelet (their own terminationGracePeriodSeconds unless the
 * request says otherwise); a pod that never ran or already finished goes at once; everything else at once.
 */
export function deleteGracePeriod(info: ResourceInfo, o: Obj, requested: number | undefined): number {
  if (info.group !== '' || info.plural !== 'pods') return 0;
  const spec = (o.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
  const phase = (o.status as { phase?: string } | undefined)?.phase;
  if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
  const grace = requested ?? spec.terminationGracePeriodSeconds ?? 30;
  // Kubernetes turns a requested 0 into 1 for a running pod unless forced; kubectl --force --grace-period=0 sends 0.
  return Math.max(0, grace);
}
