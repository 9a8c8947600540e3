/**
 * The Service ⇄ pod relation both endpoint controllers share: which Services select a pod (to enqueue on pod
 * changes, for the pod's old and new labels) and which pods a Service selects. Services without a selector
 * select nothing: their Endpoints are someone else's to write.
 */
import type { HandlerRegistration, Lister, SharedInformer } from '@kubelab/api-client';
import { type Pod, type Service, labelSelectorMatches, selectorFromSet } from '@kubelab/api-types';

/** True when `svc` has a non-empty selector matching `labels` (ExternalName Services select nothing). */
export function selects(svc: Service, labels: Record<string, string> | undefined): boolean {
  const sel = svc.spec.selector;
  if (!sel || Object.keys(sel).length === 0 || svc.spec.type === 'ExternalName') return false;
  return labelSelectorMatches(selectorFromSet(sel), labels);
}

/** Keys of the Services in the pod's namespace that select it. */
export function serviceKeysForPod(services: Lister<Service>, pod: Pod): string[] {
  const ns = pod.metadata.namespace ?? 'default';
  return services
    .listNamespace(ns, (svc) => selects(svc, pod.metadata.labels))
    .map((svc) => `${ns}/${svc.metadata.name}`);
}

/** The pods `svc` selects, from the pod cache. */
export function podsForService(pods: Lister<Pod>, svc: Service): Pod[] {
  return pods.listNamespace(svc.metadata.namespace ?? 'default', (p) => selects(svc, p.metadata.labels));
}

/**
 * Enqueues the Services of a pod change: the Services selecting the new pod, and those that selected the old
 * one when its labels changed. Status-only changes still enqueue (readiness and IPs live in the status).
 */
export function enqueueForPodChange(
  services: Lister<Service>,
  add: (key: string) => void,
  oldPod: Pod | undefined,
  newPod: Pod,
): void {
  const keys = new Set(serviceKeysForPod(services, newPod));
  if (
    oldPod &&
    JSON.stringify(oldPod.metadata.labels ?? {}) !== JSON.stringify(newPod.metadata.labels ?? {})
  ) {
    for (const k of serviceKeysForPod(services, oldPod)) keys.add(k);
  }
  for (const k of keys) add(k);
}

/** Registers a pod handler that enqueues, through {@link enqueueForPodChange}, the Services of every pod change. */
export function enqueueServicesOfPods(
  pods: SharedInformer<Pod>,
  services: Lister<Service>,
  add: (key: string) => void,
): HandlerRegistration {
  return pods.addEventHandler({
    onAdd: (p) => enqueueForPodChange(services, add, undefined, p),
    onUpdate: (old, p) => enqueueForPodChange(services, add, old, p),
    onDelete: (p) => enqueueForPodChange(services, add, undefined, 'metadata' in p ? p : p.obj),
  });
}
