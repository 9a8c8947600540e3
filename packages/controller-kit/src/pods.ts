/**
 * Pod facts every loop needs, as Kubernetes computes them (k8s.io/kubernetes/pkg/api/v1/pod, controller_utils.go,
 * resource helpers): readiness, availability, activeness, owner references and resource requests.
 */
import {
  type KubeObject,
  type OwnerReference,
  type Pod,
  type PodCondition,
  integerValueOf,
  milliValueOf,
} from '@kubelab/api-types';
import { parseTime } from './time.js';

/** The condition of `type`, if the pod has one. */
export function getPodCondition(pod: Pod, type: string): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === type);
}

/** Ready=True. */
export function isPodReady(pod: Pod): boolean {
  return getPodCondition(pod, 'Ready')?.status === 'True';
}

/** Ready for at least `minReadySeconds` at `nowWallMs` (0 means as soon as Ready). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowWallMs: number): boolean {
  const ready = getPodCondition(pod, 'Ready');
  if (ready?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = parseTime(ready.lastTransitionTime);
  return since !== undefined && since + minReadySeconds * 1000 <= nowWallMs;
}

/** Not terminated and not being deleted: what ReplicaSets count (controller.IsPodActive). */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

/** Succeeded or Failed. */
export function isPodTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** The owner reference with `controller: true` (metav1.GetControllerOf). */
export function getControllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** A controller owner reference to `owner` (metav1.NewControllerRef), blocking owner deletion like Kubernetes. */
export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** A pod's requests as the scheduler counts them. */
export interface PodRequests {
  readonly cpuMilli: number;
  readonly memoryBytes: number;
}

/**
 * The effective requests of a pod (resourcehelper.PodRequests): the sum over app containers, at least the largest
 * init container's, plus the pod overhead.
 */
export function podRequests(pod: Pod): PodRequests {
  let cpu = 0;
  let mem = 0;
  for (const c of pod.spec?.containers ?? []) {
    cpu += milliValueOf(c.resources?.requests?.cpu);
    mem += integerValueOf(c.resources?.requests?.memory);
  }
  for (const c of pod.spec?.initContainers ?? []) {
    cpu = Math.max(cpu, milliValueOf(c.resources?.requests?.cpu));
    mem = Math.max(mem, integerValueOf(c.resources?.requests?.memory));
  }
  const overhead = pod.spec?.overhead;
  cpu += milliValueOf(overhead?.cpu);
  mem += integerValueOf(overhead?.memory);
  return { cpuMilli: cpu, memoryBytes: mem };
}
