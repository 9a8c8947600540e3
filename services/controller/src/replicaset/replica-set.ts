/**
 * The ReplicaSet controller (replica_set.go), also run for ReplicationControllers through a {@link ReplicaSetKind}.
 * Handlers only turn objects into `namespace/name` keys; {@link ReplicaSetController.syncReplicaSet} reads the
 * caches, claims pods (adopting matching orphans, releasing owned pods that stopped matching), creates or
 * deletes pods to reach `spec.replicas` when the expectations allow it, and writes the status.
 */
import {
  DeletedFinalStateUnknown,
  type Lister,
  RateLimitingQueue,
  isNotFound,
  metaNamespaceKey,
  resources,
  splitMetaNamespaceKey,
} from '@kubelab/api-client';
import { type Pod, labelSelectorMatches } from '@kubelab/api-types';
import {
  type Controller,
  type ControllerContext,
  getControllerOf,
  intSetting,
  isPodActive,
  isPodReady,
  newControllerRef,
  runKeyedWorkers,
} from '@kubelab/controller-kit';
import type { Logger } from '@kubelab/telemetry';
import { POD_CONTROLLER_INDEX, ensurePodControllerIndex, orphanIndexValue } from '../pod-controller-index.js';
import { claimObjects, recheckOwner } from './controller-ref-manager.js';
import { UIDTrackingControllerExpectations } from './expectations.js';
import { type ReplicaSetKind, type ReplicaSetLike, specReplicas } from './kind.js';
import { type PodControl, outcomeUnknown, realPodControl } from './pod-control.js';
import { getPodsToDelete } from './ranking.js';
import { calculateStatus, statusUnchanged } from './status.js';

/** kube-controller-manager's `BurstReplicas`: at most this many creates or deletes per sync. */
export const BURST_REPLICAS = 500;
/** `SlowStartInitialBatchSize`. */
export const SLOW_START_INITIAL_BATCH_SIZE = 1;

/** What a ReplicaSet controller is built from. */
export interface ReplicaSetControllerConfig {
  readonly ctx: ControllerContext;
  readonly kind: ReplicaSetKind;
  /** Default {@link BURST_REPLICAS}. */
  readonly burstReplicas?: number;
  /** Concurrent syncs; default 5 (`--concurrent-replicaset-syncs`). */
  readonly workers?: number;
  /** Default: the api-backed one. */
  readonly podControl?: PodControl;
}

/**
 * `slowStartBatch`: calls `fn` `count` times in batches of 1, 2, 4 … run concurrently, and stops after the
 * first batch with a failure. Resolves with the number of successful calls and the first error, so a
 * doomed create (quota, admission) costs one request rather than `count`.
 */
export async function slowStartBatch(
  count: number,
  initialBatchSize: number,
  fn: () => Promise<void>,
): Promise<{ successes: number; error: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += batch - failed.length;
    if (failed.length > 0) return { successes, error: failed[0]?.reason };
    remaining -= batch;
  }
  return { successes, error: undefined };
}

function podKey(pod: Pod): string {
  return metaNamespaceKey(pod);
}

function unwrap<T>(obj: T | DeletedFinalStateUnknown<T>): T {
  return obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
}

/** See the module comment. */
export class ReplicaSetController implements Controller {
  readonly name: string;
  readonly queue: RateLimitingQueue<string>;
  readonly expectations: UIDTrackingControllerExpectations;
  /** The sync of one key; a field so tests can call or wrap it (replica_set.go's `syncHandler`). */
  syncHandler: (key: string) => Promise<void>;
  readonly #ctx: ControllerContext;
  readonly #kind: ReplicaSetKind;
  readonly #log: Logger;
  readonly #burst: number;
  readonly #workers: number;
  readonly #podControl: PodControl;
  readonly #rsLister: Lister<ReplicaSetLike>;
  readonly #podLister: Lister<Pod>;

  constructor(cfg: ReplicaSetControllerConfig) {
    const { ctx, kind } = cfg;
    this.#ctx = ctx;
    this.#kind = kind;
    this.name = kind.name;
    this.#log = ctx.logger.child({ controller: kind.name });
    this.#burst = cfg.burstReplicas ?? BURST_REPLICAS;
    this.#workers = cfg.workers ?? intSetting(ctx.settings, 'KUBELAB_CONCURRENT_REPLICASET_SYNCS', 5);
    this.#podControl = cfg.podControl ?? realPodControl(ctx.client, ctx.recorder);
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: kind.name });
    this.expectations = new UIDTrackingControllerExpectations(ctx.clock);
    this.syncHandler = (key) => this.syncReplicaSet(key);
    const rsInformer = ctx.informers.informerFor<ReplicaSetLike>(kind.ref);
    const podInformer = ctx.informers.informerFor<Pod>(resources.pods);
    this.#rsLister = rsInformer.lister();
    this.#podLister = podInformer.lister();
    ensurePodControllerIndex(podInformer);
    rsInformer.addEventHandler({
      onAdd: (rs) => this.#enqueue(rs),
      onUpdate: (old, cur) => {
        if (old.metadata.uid !== cur.metadata.uid) this.#deleteRS(old);
        this.#enqueue(cur);
      },
      onDelete: (rs) => this.#deleteRS(unwrap(rs)),
    });
    podInformer.addEventHandler({
      onAdd: (pod) => this.#addPod(pod),
      onUpdate: (old, cur) => this.#updatePod(old, cur),
      onDelete: (pod) => this.#deletePod(unwrap(pod)),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    const sync = (key: string) => this.syncHandler(key);
    await runKeyedWorkers(
      this.#ctx,
      { queue: this.queue, workers: this.#workers, sync, logger: this.#log },
      signal,
    );
  }

  #enqueue(rs: ReplicaSetLike): void {
    this.queue.add(metaNamespaceKey(rs));
  }

  #deleteRS(rs: ReplicaSetLike): void {
    const key = metaNamespaceKey(rs);
    this.expectations.deleteExpectations(key);
    this.queue.add(key);
  }

  /** The controller a pod's controller reference names, if it is ours and still the same object. */
  #resolveControllerRef(namespace: string | undefined, ref: { kind: string; name: string; uid: string }) {
    if (ref.kind !== this.#kind.kind) return undefined;
    const rs = this.#rsLister.get(namespace, ref.name);
    return rs?.metadata.uid === ref.uid ? rs : undefined;
  }

  /** Controllers whose selector matches an orphan pod (`getPodReplicaSets`). */
  #matchingControllers(pod: Pod): ReplicaSetLike[] {
    if (!pod.metadata.labels || !pod.metadata.namespace) return [];
    return this.#rsLister.listNamespace(pod.metadata.namespace, (rs) =>
      labelSelectorMatches(this.#kind.selector(rs), pod.metadata.labels),
    );
  }

  #addPod(pod: Pod): void {
    if (pod.metadata.deletionTimestamp) {
      // A pod already being deleted when first seen (a restarted manager) is not a creation observation.
      this.#deletePod(pod);
      return;
    }
    const ref = getControllerOf(pod);
    if (ref) {
      const rs = this.#resolveControllerRef(pod.metadata.namespace, ref);
      if (!rs) return;
      const key = metaNamespaceKey(rs);
      this.expectations.creationObserved(key);
      this.queue.add(key);
      return;
    }
    // An orphan: every matching controller may want to adopt it. No creation is observed: nobody waits for it.
    for (const rs of this.#matchingControllers(pod)) this.#enqueue(rs);
  }

  #updatePod(old: Pod, cur: Pod): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return; // a resync
    const labelChanged =
      JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(cur.metadata.labels ?? {});
    if (cur.metadata.deletionTimestamp) {
      // Graceful deletion: the pod is as good as gone, so count the deletion now rather than at the DELETE.
      this.#deletePod(cur);
      if (labelChanged) this.#deletePod(old);
      return;
    }
    const curRef = getControllerOf(cur);
    const oldRef = getControllerOf(old);
    const refChanged = JSON.stringify(curRef) !== JSON.stringify(oldRef);
    if (refChanged && oldRef) {
      const rs = this.#resolveControllerRef(old.metadata.namespace, oldRef);
      if (rs) this.#enqueue(rs);
    }
    if (curRef) {
      const rs = this.#resolveControllerRef(cur.metadata.namespace, curRef);
      if (!rs) return;
      this.#enqueue(rs);
      // Availability is a matter of time: look again once minReadySeconds have passed since it became Ready.
      const minReady = rs.spec.minReadySeconds ?? 0;
      if (!isPodReady(old) && isPodReady(cur) && minReady > 0) {
        this.queue.addAfter(metaNamespaceKey(rs), minReady * 1000 + 1000);
      }
      return;
    }
    if (labelChanged || refChanged) for (const rs of this.#matchingControllers(cur)) this.#enqueue(rs);
  }

  #deletePod(pod: Pod): void {
    const ref = getControllerOf(pod);
    if (!ref) return;
    const rs = this.#resolveControllerRef(pod.metadata.namespace, ref);
    if (!rs) return;
    const key = metaNamespaceKey(rs);
    this.expectations.podDeletionObserved(key, podKey(pod));
    this.queue.add(key);
  }

  /** Reconciles one ReplicaSet (`syncReplicaSet`). A rejection requeues the key with backoff. */
  async syncReplicaSet(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const rs = this.#rsLister.get(namespace, name);
    if (!rs) {
      this.expectations.deleteExpectations(key);
      return;
    }
    const needsSync = this.expectations.satisfiedExpectations(key);
    const selector = this.#kind.selector(rs);
    // The active pods a claim can touch: ours (those that stopped matching must be released) and the
    // namespace's orphans (adoptable). Pods of other controllers are ignored by the claim, so they are not
    // read at all: Kubernetes lists every pod of the namespace here, which made each sync O(pods) and a
    // resync of 300 ReplicaSets over 30,000 pods 9 M filter steps on the controller manager's one thread.
    const active = [
      ...this.#podLister.byIndex(POD_CONTROLLER_INDEX, rs.metadata.uid ?? ''),
      ...this.#podLister.byIndex(POD_CONTROLLER_INDEX, orphanIndexValue(rs.metadata.namespace)),
    ].filter(isPodActive);
    const { claimed, error } = await claimObjects<Pod>(active, {
      client: this.#ctx.client,
      ref: resources.pods,
      owner: {
        uid: rs.metadata.uid ?? '',
        namespace: rs.metadata.namespace,
        deleting: Boolean(rs.metadata.deletionTimestamp),
      },
      controllerRef: newControllerRef(rs, this.#kind.apiVersion, this.#kind.kind),
      match: (pod) => labelSelectorMatches(selector, pod.metadata.labels),
      canAdopt: () => recheckOwner(this.#ctx.client, this.#kind.ref, rs),
    });
    if (error !== undefined) throw error;
    let manageErr: unknown;
    if (needsSync && !rs.metadata.deletionTimestamp) manageErr = await this.manageReplicas(claimed, rs);
    const updated = await this.#updateStatus(
      rs,
      calculateStatus(rs, claimed, manageErr, this.#ctx.clock.wallNow()),
    );
    // A last line of defence against a missed pod update: look again once the ready pods should be available.
    const minReady = updated.spec.minReadySeconds ?? 0;
    const st = updated.status;
    if (
      manageErr === undefined &&
      minReady > 0 &&
      (st?.readyReplicas ?? 0) === specReplicas(updated) &&
      (st?.availableReplicas ?? 0) !== specReplicas(updated)
    ) {
      this.queue.addAfter(key, minReady * 1000);
    }
    if (manageErr !== undefined) throw manageErr;
  }

  /**
   * Creates or deletes pods so that `pods` (the active, claimed ones) reaches `spec.replicas`, at most
   * {@link BURST_REPLICAS} per sync, recording expectations first so that the pods' own events lower them.
   */
  async manageReplicas(pods: readonly Pod[], rs: ReplicaSetLike): Promise<unknown> {
    const key = metaNamespaceKey(rs);
    const namespace = rs.metadata.namespace ?? 'default';
    const diff = pods.length - specReplicas(rs);
    if (diff < 0) {
      const template = rs.spec.template;
      if (!template) return new Error(`${this.#kind.kind} ${key} has no pod template`);
      const want = Math.min(-diff, this.#burst);
      // Expect them all before the first create: its watch event may arrive before the call returns.
      this.expectations.expectCreations(key, want);
      this.#log.debug({ key, need: specReplicas(rs), creating: want }, 'too few replicas');
      const ref = newControllerRef(rs, this.#kind.apiVersion, this.#kind.kind);
      let unknown = 0;
      const { successes, error } = await slowStartBatch(want, SLOW_START_INITIAL_BATCH_SIZE, async () => {
        try {
          await this.#podControl.createPod(namespace, template, rs, ref);
        } catch (err) {
          if (outcomeUnknown(err)) unknown++;
          throw err;
        }
      });
      // Creates never attempted (or refused) will never be observed. A timed-out one may still land (the
      // api applies it after the caller gave up): it stays expected, as the Job controller keeps it, until
      // the informer shows it or the expectations expire. Lowering it too would let the next sync, once the
      // other creates are observed, make a replacement, and then delete a surplus pod when the first lands.
      // (bench:nodes: with an api replica stalled for 12 s, 30 of 2,000 creates timed out and all 30 landed.)
      for (let i = successes + unknown; i < want; i++) this.expectations.creationObserved(key);
      return error;
    }
    if (diff > 0) {
      const count = Math.min(diff, this.#burst);
      this.#log.debug({ key, need: specReplicas(rs), deleting: count }, 'too many replicas');
      const victims = getPodsToDelete(pods, this.#relatedPods(rs), count, this.#ctx.clock.wallNow());
      this.expectations.expectDeletionsOf(key, victims.map(podKey));
      const results = await Promise.allSettled(
        victims.map(async (pod) => {
          try {
            await this.#podControl.deletePod(namespace, pod.metadata.name ?? '', rs);
          } catch (err) {
            // The informer will not observe a deletion that did not happen.
            this.expectations.podDeletionObserved(key, podKey(pod));
            if (!isNotFound(err)) throw err;
          }
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      return failed?.reason;
    }
    return undefined;
  }

  /**
   * Active pods of every controller of this kind that shares this one's owner (the other ReplicaSets of its
   * Deployment, and itself), for ranking by co-location (`getIndirectlyRelatedPods`).
   */
  #relatedPods(rs: ReplicaSetLike): Pod[] {
    const owner = getControllerOf(rs);
    const related = new Set<string>([rs.metadata.uid ?? '']);
    if (owner) {
      for (const other of this.#rsLister.listNamespace(rs.metadata.namespace ?? '')) {
        if (getControllerOf(other)?.uid === owner.uid) related.add(other.metadata.uid ?? '');
      }
    }
    return this.#podLister.listNamespace(rs.metadata.namespace ?? '', (p) => {
      const ref = getControllerOf(p);
      return ref !== undefined && related.has(ref.uid) && isPodActive(p);
    });
  }

  /** `updateReplicaSetStatus`: writes the status when it changed, retrying once on a conflict with a fresh read. */
  async #updateStatus(rs: ReplicaSetLike, next: ReturnType<typeof calculateStatus>): Promise<ReplicaSetLike> {
    if (statusUnchanged(rs, next)) return rs;
    const status = { ...next, observedGeneration: rs.metadata.generation ?? 0 };
    const ns = rs.metadata.namespace;
    let current: ReplicaSetLike = rs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#ctx.client.updateStatus<ReplicaSetLike>(this.#kind.ref, {
          ...structuredClone(current),
          status,
        } as ReplicaSetLike);
      } catch (err) {
        if (attempt >= 1) throw err;
        current = await this.#ctx.client.get<ReplicaSetLike>(this.#kind.ref, rs.metadata.name ?? '', {
          ...(ns ? { namespace: ns } : {}),
        });
      }
    }
  }
}
