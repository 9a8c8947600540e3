/**
 * The ReplicaSet and ReplicationController controllers (kube-controller-manager's `replicaset` and
 * `replicationcontroller`): one implementation, two kinds.
 */
import type { Controller, ControllerContext } from '@kubelab/controller-kit';
import { REPLICATION_CONTROLLER_KIND, REPLICA_SET_KIND } from './kind.js';
import { ReplicaSetController } from './replica-set.js';

export type { ReplicaSetControllerConfig } from './replica-set.js';
export { BURST_REPLICAS, ReplicaSetController, slowStartBatch } from './replica-set.js';
export { REPLICATION_CONTROLLER_KIND, REPLICA_SET_KIND } from './kind.js';
export type { ReplicaSetKind, ReplicaSetLike } from './kind.js';

/** The `replicaset` controller. */
export function newReplicaSetController(ctx: ControllerContext): Controller {
  return new ReplicaSetController({ ctx, kind: REPLICA_SET_KIND });
}

/** The `replicationcontroller` controller. */
export function newReplicationControllerController(ctx: ControllerContext): Controller {
  return new ReplicaSetController({ ctx, kind: REPLICATION_CONTROLLER_KIND });
}
