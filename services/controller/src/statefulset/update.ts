/**
 * One round of stateful_set_control.go `updateStatefulSet`, as a pure plan: given the set, its current and
 * update revisions and the pods it owns, the status it observes and the ordered pod actions to take this
 * round. The executor performs the actions in order and stops at the first failure; each action carries the
 * status change Kubernetes applies once it succeeded.
 *
 * The order is Kubernetes': replicas in [start, end] by ordinal (delete terminal pods, create missing ones,
 * and under OrderedReady stop at the first one that is missing, terminating, or not running and ready), then
 * condemned pods (ordinals past the end) from the highest down, one at a time under OrderedReady, then, for
 * RollingUpdate, the highest-ordinal pod at or above the partition that is not at the update revision — one
 * per round, and none while any pod in that range is unhealthy (maxUnavailable 1).
 */
import type { Pod, StatefulSet, StatefulSetStatus } from '@kubelab/api-types';
import {
  getOrdinal,
  identityMatches,
  isCreated,
  isHealthy,
  isRunningAndAvailable,
  isRunningAndReady,
  isTerminal,
  isTerminating,
  newStatefulSetPod,
  podInOrdinalRange,
  podRevision,
  replicasOf,
  startOrdinal,
} from './pods.js';

/** How a successful action changes the status counters. */
export interface StatusDelta {
  readonly replicas: number;
  readonly currentReplicas: number;
  readonly updatedReplicas: number;
}

/** One pod write of a round. */
export type PodAction =
  | { readonly type: 'create'; readonly pod: Pod; readonly delta: StatusDelta }
  | {
      readonly type: 'delete';
      readonly pod: Pod;
      /** recreate: a Failed/Succeeded replica; condemned: scale-down; update: rolling update. */
      readonly reason: 'recreate' | 'condemned' | 'update';
      readonly delta: StatusDelta;
    }
  /** The pod lost its identity labels: put them back. */
  | { readonly type: 'fixIdentity'; readonly pod: Pod };

/** The inputs of a round. */
export interface UpdateInput {
  readonly set: StatefulSet;
  /** The set with the current revision's template, and that revision's name. */
  readonly currentSet: StatefulSet;
  readonly currentRevision: string;
  /** The set with the update revision's template, and that revision's name. */
  readonly updateSet: StatefulSet;
  readonly updateRevision: string;
  readonly collisionCount: number;
  /** The pods the set controls (any order). */
  readonly pods: readonly Pod[];
  readonly nowWallMs: number;
}

/** A round's outcome. */
export interface UpdatePlan {
  /** The observed status, before any action's delta. */
  readonly status: StatefulSetStatus;
  readonly actions: readonly PodAction[];
}

const ZERO: StatusDelta = { replicas: 0, currentReplicas: 0, updatedReplicas: 0 };

/** `computeReplicaStatus`: counts over the pods the set owns. */
export function computeStatus(input: UpdateInput): StatefulSetStatus {
  const minReady = input.set.spec.minReadySeconds ?? 0;
  const status: Required<
    Pick<
      StatefulSetStatus,
      'replicas' | 'readyReplicas' | 'availableReplicas' | 'currentReplicas' | 'updatedReplicas'
    >
  > = { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 };
  for (const pod of input.pods) {
    if (isCreated(pod)) status.replicas++;
    if (isRunningAndReady(pod)) {
      status.readyReplicas++;
      if (isRunningAndAvailable(pod, minReady, input.nowWallMs)) status.availableReplicas++;
    }
    if (isCreated(pod) && !isTerminating(pod)) {
      if (podRevision(pod) === input.currentRevision) status.currentReplicas++;
      if (podRevision(pod) === input.updateRevision) status.updatedReplicas++;
    }
  }
  return {
    observedGeneration: input.set.metadata.generation ?? 0,
    ...status,
    currentRevision: input.currentRevision,
    updateRevision: input.updateRevision,
    collisionCount: input.collisionCount,
  };
}

/** Whether the set may act on many pods at once (podManagementPolicy Parallel). */
export function allowsBurst(set: StatefulSet): boolean {
  return set.spec.podManagementPolicy === 'Parallel';
}

/** The rolling update partition (0 unless RollingUpdate sets one). */
export function partitionOf(set: StatefulSet): number {
  const us = set.spec.updateStrategy;
  if (us?.type !== undefined && us.type !== 'RollingUpdate') return 0;
  return us?.rollingUpdate?.partition ?? 0;
}

/**
 * `newVersionedStatefulSetPod`: ordinals below the partition are made at the current revision, the rest at
 * the update revision.
 */
export function newVersionedPod(input: UpdateInput, ordinal: number): Pod {
  const cur = input.currentSet;
  const rolling = (cur.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  const partition = cur.spec.updateStrategy?.rollingUpdate?.partition;
  const belowPartition =
    (rolling && partition === undefined && ordinal < startOrdinal(cur)) ||
    (partition !== undefined && ordinal < startOrdinal(cur) + partition);
  return belowPartition
    ? newStatefulSetPod(cur, ordinal, input.currentRevision)
    : newStatefulSetPod(input.updateSet, ordinal, input.updateRevision);
}

function revisionDelta(input: UpdateInput, pod: Pod, sign: 1 | -1, replicas: number): StatusDelta {
  const rev = podRevision(pod);
  return {
    replicas,
    currentReplicas: rev === input.currentRevision ? sign : 0,
    updatedReplicas: rev === input.updateRevision ? sign : 0,
  };
}

/** The replicas (index = ordinal - start; missing ordinals are planned pods) and the condemned, highest first. */
export function partitionPods(input: UpdateInput): { replicas: Pod[]; condemned: Pod[] } {
  const { set } = input;
  const replicas: (Pod | undefined)[] = new Array(replicasOf(set)).fill(undefined);
  const condemned: Pod[] = [];
  for (const pod of input.pods) {
    if (podInOrdinalRange(pod, set)) replicas[getOrdinal(pod) - startOrdinal(set)] = pod;
    else if (getOrdinal(pod) >= 0) condemned.push(pod);
  }
  condemned.sort((a, b) => getOrdinal(b) - getOrdinal(a));
  return {
    replicas: replicas.map((p, i) => p ?? newVersionedPod(input, startOrdinal(set) + i)),
    condemned,
  };
}

/** The whole round (see the file comment). */
export function planUpdate(input: UpdateInput): UpdatePlan {
  const status = computeStatus(input);
  const { replicas, condemned } = partitionPods(input);
  const actions: PodAction[] = [];
  if (input.set.metadata.deletionTimestamp) return { status, actions };
  const monotonic = !allowsBurst(input.set);
  if (!planReplicas(input, replicas, monotonic, actions)) return { status, actions };
  if (!planCondemned(input, replicas, condemned, monotonic, actions)) return { status, actions };
  if (input.set.spec.updateStrategy?.type === 'OnDelete') return { status, actions };
  planRollingUpdate(input, replicas, actions);
  return { status, actions };
}

/** Replicas in range; false when the round must stop here. */
function planReplicas(
  input: UpdateInput,
  replicas: Pod[],
  monotonic: boolean,
  actions: PodAction[],
): boolean {
  const minReady = input.set.spec.minReadySeconds ?? 0;
  for (let i = 0; i < replicas.length; i++) {
    const pod = replicas[i] as Pod;
    // A Failed or Succeeded replica is deleted; its successor is made in a later round, once it is gone.
    if (isCreated(pod) && isTerminal(pod)) {
      if (!isTerminating(pod)) {
        actions.push({ type: 'delete', pod, reason: 'recreate', delta: revisionDelta(input, pod, -1, -1) });
      }
      if (monotonic) return false;
      continue;
    }
    if (!isCreated(pod)) {
      actions.push({ type: 'create', pod, delta: revisionDelta(input, pod, 1, 1) });
      if (monotonic) return false;
      continue;
    }
    if (monotonic && isTerminating(pod)) return false;
    if (monotonic && !isRunningAndReady(pod)) return false;
    if (monotonic && !isRunningAndAvailable(pod, minReady, input.nowWallMs)) return false;
    if (!identityMatches(input.set, pod)) actions.push({ type: 'fixIdentity', pod });
  }
  return true;
}

/** Condemned pods, highest ordinal first; false when the round must stop here. */
function planCondemned(
  input: UpdateInput,
  replicas: readonly Pod[],
  condemned: readonly Pod[],
  monotonic: boolean,
  actions: PodAction[],
): boolean {
  const minReady = input.set.spec.minReadySeconds ?? 0;
  // The first unhealthy pod, looking at replicas by ordinal, then condemned pods by ordinal: under
  // OrderedReady only that one may be removed while unhealthy.
  const firstUnhealthy =
    replicas.find((p) => !isHealthy(p)) ?? [...condemned].reverse().find((p) => !isHealthy(p));
  for (const pod of condemned) {
    if (isTerminating(pod)) {
      if (monotonic) return false;
      continue;
    }
    if (monotonic && pod !== firstUnhealthy) {
      if (!isRunningAndReady(pod)) return false;
      if (!isRunningAndAvailable(pod, minReady, input.nowWallMs)) return false;
    }
    actions.push({ type: 'delete', pod, reason: 'condemned', delta: revisionDelta(input, pod, -1, 0) });
    if (monotonic) return false;
  }
  return true;
}

/** RollingUpdate: the highest ordinal at or above the partition not at the update revision, one per round. */
function planRollingUpdate(input: UpdateInput, replicas: readonly Pod[], actions: PodAction[]): void {
  const updateMin = partitionOf(input.set);
  for (let target = replicas.length - 1; target >= updateMin; target--) {
    const pod = replicas[target] as Pod;
    if (podRevision(pod) !== input.updateRevision && !isTerminating(pod)) {
      actions.push({
        type: 'delete',
        pod,
        reason: 'update',
        delta: { ...ZERO, currentReplicas: -1 },
      });
      return;
    }
    if (!isHealthy(pod)) return;
  }
}
