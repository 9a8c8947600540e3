/**
 * The two kinds the ReplicaSet controller runs for (Kubernetes runs replica_set.go for ReplicaSets and, through
 * an adapter, for ReplicationControllers): where they live, how they select pods, how they are named in
 * owner references and logs.
 */
import { type ResourceRef, resources } from '@kubelab/api-client';
import {
  type LabelSelectorMatcher,
  NOTHING,
  type PodTemplateSpec,
  type ReplicaSet,
  type ReplicaSetStatus,
  type ReplicationController,
  selectorFromLabelSelector,
  selectorFromSet,
} from '@kubelab/api-types';

/** A ReplicaSet or a ReplicationController: the fields the controller reads and writes. */
export type ReplicaSetLike = ReplicaSet | ReplicationController;

/** How one kind is handled. */
export interface ReplicaSetKind {
  /** `replicaset` / `replicationcontroller`: logs, queue names. */
  readonly name: string;
  readonly ref: ResourceRef;
  /** Owner references to it: `apps/v1` + `ReplicaSet`, `v1` + `ReplicationController`. */
  readonly apiVersion: string;
  readonly kind: string;
  /** Its pod selector; an invalid selector selects nothing. */
  selector(obj: ReplicaSetLike): LabelSelectorMatcher;
}

/** `spec.replicas`, defaulting to 1 as the api does. */
export function specReplicas(obj: ReplicaSetLike): number {
  return obj.spec.replicas ?? 1;
}

export function templateOf(obj: ReplicaSetLike): PodTemplateSpec | undefined {
  return obj.spec.template;
}

export function statusOf(obj: ReplicaSetLike): ReplicaSetStatus {
  return obj.status ?? { replicas: 0 };
}

export const REPLICA_SET_KIND: ReplicaSetKind = {
  name: 'replicaset',
  ref: resources.replicasets,
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  selector: (obj) => {
    try {
      return selectorFromLabelSelector((obj as ReplicaSet).spec.selector);
    } catch {
      return NOTHING;
    }
  },
};

export const REPLICATION_CONTROLLER_KIND: ReplicaSetKind = {
  name: 'replicationcontroller',
  ref: resources.replicationcontrollers,
  apiVersion: 'v1',
  kind: 'ReplicationController',
  // An RC without a selector selects its template's labels (the api's defaulting does the same).
  selector: (obj) => {
    const rc = obj as ReplicationController;
    const set = rc.spec.selector ?? rc.spec.template?.metadata?.labels ?? {};
    return Object.keys(set).length === 0 ? NOTHING : selectorFromSet(set);
  },
};
