/** What the Deployment sync functions (sync.ts, rolling.ts, recreate.ts, progress.ts) act through. */
import { type ApiClient, type Lister, resources } from '@kubelab/api-client';
import type { Deployment, ReplicaSet } from '@kubelab/api-types';
import type { Clock } from '@kubelab/clock';
import type { EventRecorder } from '@kubelab/controller-kit';
import type { Logger } from '@kubelab/telemetry';

/** The controller's side of a sync: the api, events, time, and the queue. */
export interface SyncContext {
  readonly client: ApiClient;
  readonly recorder: EventRecorder;
  readonly clock: Clock;
  readonly log: Logger;
  readonly rsLister: Lister<ReplicaSet>;
  enqueueAfter(d: Deployment, delayMs: number): void;
  enqueueRateLimited(d: Deployment): void;
}

/**
 * Writes `d.status` (and, as Kubernetes' status strategy allows, its annotations) through the status
 * subresource, and carries the new resourceVersion into `d` so the sync can write again.
 */
export async function updateDeploymentStatus(sc: SyncContext, d: Deployment): Promise<void> {
  const updated = await sc.client.updateStatus<Deployment>(resources.deployments, d);
  if (updated.metadata.resourceVersion) d.metadata.resourceVersion = updated.metadata.resourceVersion;
}

/** Replaces the RS with `updated`'s uid in `list` (so later steps of one sync see the written object). */
export function replaceInList(list: ReplicaSet[], updated: ReplicaSet): void {
  const i = list.findIndex((rs) => rs.metadata.uid === updated.metadata.uid);
  if (i >= 0) list[i] = updated;
}
