/**
 * One index of pods by their controller, shared by the controllers that read "the pods this object controls"
 * (ReplicaSet, ReplicationController, Deployment): a pod is filed under its controller's uid, or, without a
 * controller, under {@link orphanIndexValue} of its namespace (the pods a selector may adopt). Registered once
 * per pod informer, so every pod event is indexed once, not once per controller.
 */
import type { SharedInformer } from '@kubelab/api-client';
import type { Pod } from '@kubelab/api-types';
import { getControllerOf } from '@kubelab/controller-kit';

/** The index's name on the pod informer. */
export const POD_CONTROLLER_INDEX = 'pods.byControllerUid';

/** Index value of pods without a controller reference (per namespace: only those can be adopted). */
export function orphanIndexValue(namespace: string | undefined): string {
  return `orphan/${namespace ?? ''}`;
}

/** A pod's controller uid, or {@link orphanIndexValue} of its namespace. */
export function podControllerIndex(pod: Pod): string[] {
  const ref = getControllerOf(pod);
  return [ref ? ref.uid : orphanIndexValue(pod.metadata.namespace)];
}

const indexed = new WeakSet<SharedInformer<Pod>>();

/** Adds {@link POD_CONTROLLER_INDEX} to `informer` unless a controller already did. */
export function ensurePodControllerIndex(informer: SharedInformer<Pod>): void {
  if (indexed.has(informer)) return;
  informer.addIndexer(POD_CONTROLLER_INDEX, podControllerIndex);
  indexed.add(informer);
}
