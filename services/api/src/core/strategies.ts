/**
 * Per-resource rules of the request pipeline, as Kubernetes' registry strategies have them: what create
 * resets, which resources keep status behind a /status subresource, and how long deletion waits.
 */
import type { ResourceInfo } from '@kubelab/api-types';
import type { StoredObject, UpdateCommand } from '../store/types.js';

type Obj = StoredObject;

/** `core/pods`, `apps/deployments`: the store's key for a resource. */
export function resourceKey(info: Pick<ResourceInfo, 'group' | 'plural'>): string {
  return `${info.group === '' ? 'core' : info.group}/${info.plural}`;
}

export function hasStatusSubresource(info: ResourceInfo): boolean {
  return info.subresources.some((s) => s.name === 'status');
}

/** How an update of the main resource treats status (see UpdateCommand.scope). */
export function mainUpdateScope(info: ResourceInfo): UpdateCommand['scope'] {
  return hasStatusSubresource(info) ? 'main' : 'all';
}

/**
 * PrepareForCreate: clears what users may not set on create. Pods start Pending; workloads and services start
 * with an empty status; a namespace starts Active; nodes keep the status the kubelet registers with.
 */
export function prepareForCreate(info: ResourceInfo, o: Obj): Obj {
  const out: Obj = { ...o };
  switch (`${info.group}/${info.plural}`) {
    case '/pods':
      out.status = { phase: 'Pending', qosClass: qosClass(o) };
      break;
    case '/namespaces':
      out.status = { phase: 'Active' };
      break;
    case '/nodes':
    case '/events':
      break;
    default:
      if (hasStatusSubresource(info)) out.status = {};
  }
  return out;
}

/** The pod's QoS class from its containers' requests and limits (Kubernetes' GetPodQOS, simplified to cpu/memory). */
function qosClass(pod: Obj): string {
  const spec = (pod.spec ?? {}) as {
    containers?: { resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }[];
  };
  const containers = spec.containers ?? [];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ['cpu', 'memory']) {
      if (!lim[r] || (req[r] !== undefined && req[r] !== lim[r])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
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
