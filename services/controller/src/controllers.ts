/**
 * Every controller the manager runs, in start order (kube-controller-manager's `NewControllerDescriptors`). Each
 * entry is a {@link ControllerConstructor} exported by its own folder.
 */
import type { ControllerConstructor } from '@kubelab/controller-kit';
import { newDeploymentController } from './deployment/index.js';
import { newEndpointsController } from './endpoints/index.js';
import { newEndpointSliceController } from './endpointslice/index.js';
import { newGarbageCollector } from './garbagecollector/index.js';
import { newNamespaceController } from './namespace/index.js';
import { newNodeIpamController } from './nodeipam/index.js';
import { newNodeLifecycleController } from './nodelifecycle/index.js';
import { newHorizontalController } from './podautoscaler/index.js';
import { newReplicaSetController, newReplicationControllerController } from './replicaset/index.js';
import { newServiceLoadBalancerController } from './service-lb/index.js';
import { newStatefulSetController } from './statefulset/index.js';

export const CONTROLLERS: readonly ControllerConstructor[] = [
  newGarbageCollector,
  newReplicaSetController,
  newReplicationControllerController,
  newDeploymentController,
  newStatefulSetController,
  newEndpointsController,
  newEndpointSliceController,
  newNamespaceController,
  newNodeIpamController,
  newNodeLifecycleController,
  newHorizontalController,
  newServiceLoadBalancerController,
];

/** The event sources Kubernetes' controllers use, where they differ from `<name>-controller`. */
const EVENT_SOURCES: Readonly<Record<string, string>> = {
  replicationcontroller: 'replication-controller',
  endpoints: 'endpoint-controller',
  endpointslice: 'endpoint-slice-controller',
  nodelifecycle: 'node-controller',
  nodeipam: 'cidrAllocator',
  horizontalpodautoscaling: 'horizontal-pod-autoscaler',
  'service-lb-controller': 'service-controller',
};

/** What `kubectl describe` shows in an event's FROM column for the controller `name`. */
export function eventSourceOf(name: string): string | undefined {
  return EVENT_SOURCES[name];
}
