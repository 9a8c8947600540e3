import type { Pod, StatefulSet } from '@kubelab/api-types';
/**
 * A StatefulSet's pods as stateful_set_utils.go sees them: the ordinal identity (`<set>-<ordinal>`, the
 * pod-name and pod-index labels, hostname and subdomain), the revision label, and the pod facts the update
 * algorithm branches on (created, failed, terminating, running and ready, healthy). Pure.
 */
import { getControllerOf, isPodAvailable, isPodReady, newControllerRef } from '@kubelab/controller-kit';

/** `statefulset.kubernetes.io/pod-name`: lets a Service select exactly one member. */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
/** `apps.kubernetes.io/pod-index`: the ordinal as a label. */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
/** `controller-revision-hash`: the name of the ControllerRevision a pod was made from. */
export const REVISION_LABEL = 'controller-revision-hash';

const ORDINAL_RE = /^(.*)-([0-9]+)$/;

/** `getParentNameAndOrdinal`: the set name and ordinal a pod name encodes, or undefined. */
export function parentAndOrdinal(pod: Pod): { parent: string; ordinal: number } | undefined {
  const m = ORDINAL_RE.exec(pod.metadata.name ?? '');
  if (!m) return undefined;
  const ordinal = Number(m[2]);
  return Number.isSafeInteger(ordinal) ? { parent: m[1] ?? '', ordinal } : undefined;
}

/** The pod's ordinal, or -1 when its name has none. */
export function getOrdinal(pod: Pod): number {
  return parentAndOrdinal(pod)?.ordinal ?? -1;
}

/** `spec.ordinals.start` (0 by default). */
export function startOrdinal(set: StatefulSet): number {
  return set.spec.ordinals?.start ?? 0;
}

/** `spec.replicas` (1 by default, as the api defaults it). */
export function replicasOf(set: StatefulSet): number {
  return set.spec.replicas ?? 1;
}

/** The last ordinal in range: start + replicas - 1. */
export function endOrdinal(set: StatefulSet): number {
  return startOrdinal(set) + replicasOf(set) - 1;
}

/** True when the pod's ordinal lies in [start, end]. */
export function podInOrdinalRange(pod: Pod, set: StatefulSet): boolean {
  const o = getOrdinal(pod);
  return o >= startOrdinal(set) && o <= endOrdinal(set);
}

/** `<set>-<ordinal>`. */
export function podName(set: StatefulSet, ordinal: number): string {
  return `${set.metadata.name}-${ordinal}`;
}

/** `isMemberOf`: the name has this set's prefix and an ordinal. */
export function isMemberOf(set: StatefulSet, pod: Pod): boolean {
  return parentAndOrdinal(pod)?.parent === set.metadata.name;
}

/** `identityMatches`: name, namespace and the identity labels are the ordinal's. */
export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const p = parentAndOrdinal(pod);
  if (!p || p.parent !== set.metadata.name) return false;
  const labels = pod.metadata.labels ?? {};
  return (
    pod.metadata.namespace === set.metadata.namespace &&
    labels[POD_NAME_LABEL] === pod.metadata.name &&
    labels[POD_INDEX_LABEL] === String(p.ordinal)
  );
}

/** The revision name a pod carries ('' when none). */
export function podRevision(pod: Pod): string {
  return pod.metadata.labels?.[REVISION_LABEL] ?? '';
}

/**
 * `newStatefulSetPod`: the pod of `ordinal` from `set`'s template (labels, annotations, spec), named and
 * labelled for its identity, with hostname = its name and subdomain = the governing Service, controlled by
 * the set, labelled with `revision`. PersistentVolumeClaim templates are not applied (kubelab has no volumes
 * of that kind).
 */
export function newStatefulSetPod(set: StatefulSet, ordinal: number, revision: string): Pod {
  const template = structuredClone(set.spec.template);
  const name = podName(set, ordinal);
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata.namespace ?? 'default',
      labels: {
        ...(template.metadata?.labels ?? {}),
        [POD_NAME_LABEL]: name,
        [POD_INDEX_LABEL]: String(ordinal),
        [REVISION_LABEL]: revision,
      },
      ownerReferences: [newControllerRef(set, 'apps/v1', 'StatefulSet')],
    },
    spec: { ...template.spec, hostname: name },
  };
  if (template.metadata?.annotations) pod.metadata.annotations = { ...template.metadata.annotations };
  if (template.metadata?.finalizers) pod.metadata.finalizers = [...template.metadata.finalizers];
  if (set.spec.serviceName) pod.spec.subdomain = set.spec.serviceName;
  return pod;
}

/** Controlled by `set` (ownerReference with controller: true and its uid). */
export function isControlledBy(pod: Pod, set: StatefulSet): boolean {
  const ref = getControllerOf(pod);
  return ref !== undefined && ref.uid === set.metadata.uid;
}

/** `isCreated`: the api has the pod (it has a phase). Planned pods carry none. */
export function isCreated(pod: Pod): boolean {
  return (pod.status?.phase ?? '') !== '' || pod.metadata.uid !== undefined;
}

/** `isFailed` / `isSucceeded`: terminal pods are recreated. */
export function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Failed' || phase === 'Succeeded';
}

/** `isTerminating`: a deletionTimestamp. */
export function isTerminating(pod: Pod): boolean {
  return pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
}

/** `isRunningAndReady`: phase Running and Ready=True. */
export function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && isPodReady(pod);
}

/** `isRunningAndAvailable`: running, ready, and ready for minReadySeconds. */
export function isRunningAndAvailable(pod: Pod, minReadySeconds: number, nowWallMs: number): boolean {
  return pod.status?.phase === 'Running' && isPodAvailable(pod, minReadySeconds, nowWallMs);
}

/** `isHealthy`: running, ready and not terminating. */
export function isHealthy(pod: Pod): boolean {
  return isRunningAndReady(pod) && !isTerminating(pod);
}
