/**
 * `applyDefaults(kind, obj)`: the admission-time defaults of every kind, as one dispatch. Kinds without
 * defaults are returned as a copy.
 */
import type { KindTypes } from '../types/index.js';
import type { KubeObject } from '../types/meta.js';
import {
  defaultEndpointSlice,
  defaultEndpoints,
  defaultHorizontalPodAutoscaler,
  defaultHorizontalPodAutoscalerV1,
  defaultNamespace,
  defaultNode,
  defaultSecret,
  defaultService,
} from './other.js';
import { defaultPod } from './pod.js';
import {
  defaultDaemonSet,
  defaultDeployment,
  defaultJob,
  defaultReplicaSet,
  defaultReplicationController,
  defaultStatefulSet,
} from './workloads.js';

type DefaultFn = (obj: never) => KubeObject;

const DEFAULTS: Record<string, DefaultFn> = {
  Pod: defaultPod,
  Deployment: defaultDeployment,
  ReplicaSet: defaultReplicaSet,
  ReplicationController: defaultReplicationController,
  StatefulSet: defaultStatefulSet,
  DaemonSet: defaultDaemonSet,
  Job: defaultJob,
  Service: defaultService,
  Namespace: defaultNamespace,
  Secret: defaultSecret,
  Node: defaultNode,
  Endpoints: defaultEndpoints,
  EndpointSlice: defaultEndpointSlice,
  HorizontalPodAutoscaler: defaultHorizontalPodAutoscaler,
};

/**
 * Applies the defaults of a kind and returns a new object (the input is never modified). For
 * HorizontalPodAutoscaler pass `apiVersion` `autoscaling/v1` to get the v1 defaults.
 *
 * @example
 * applyDefaults('Deployment', deploy).spec.strategy; // {type:'RollingUpdate', rollingUpdate:{maxUnavailable:'25%', maxSurge:'25%'}}
 */
export function applyDefaults<K extends keyof KindTypes>(
  kind: K,
  obj: KubeObject,
  apiVersion?: string,
): KindTypes[K];
export function applyDefaults<T extends KubeObject>(kind: string, obj: T, apiVersion?: string): T;
export function applyDefaults(kind: string, obj: KubeObject, apiVersion?: string): KubeObject {
  if (kind === 'HorizontalPodAutoscaler' && (apiVersion ?? obj.apiVersion) === 'autoscaling/v1') {
    return defaultHorizontalPodAutoscalerV1(obj as never);
  }
  const fn = DEFAULTS[kind];
  return fn === undefined ? structuredClone(obj) : fn(obj as never);
}

export * from './other.js';
export * from './pod.js';
export * from './workloads.js';
