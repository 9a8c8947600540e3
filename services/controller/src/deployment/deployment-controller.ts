/**
 * The Deployment controller (pkg/controller/deployment/deployment_controller.go): handlers turn Deployments,
 * their ReplicaSets (by controller reference, or by selector for orphans) and, for Recreate, deleted pods into
 * `namespace/name` keys; {@link DeploymentController.syncDeployment} claims the ReplicaSets and dispatches to
 * status-only (being deleted), paused/scaling ({@link sync}), Recreate or RollingUpdate.
 */
import {
  DeletedFinalStateUnknown,
  type Lister,
  RateLimitingQueue,
  metaNamespaceKey,
  resources,
  splitMetaNamespaceKey,
} from '@kubelab/api-client';
import {
  type Deployment,
  type Pod,
  type ReplicaSet,
  labelSelectorMatches,
  selectorFromLabelSelector,
} from '@kubelab/api-types';
import {
  type Controller,
  type ControllerContext,
  getControllerOf,
  intSetting,
  newControllerRef,
  runKeyedWorkers,
} from '@kubelab/controller-kit';
import type { Logger } from '@kubelab/telemetry';
import { POD_CONTROLLER_INDEX, ensurePodControllerIndex } from '../pod-controller-index.js';
import { claimObjects, recheckOwner } from '../replicaset/controller-ref-manager.js';
import { type PodMap, rolloutRecreate } from './recreate.js';
import { rolloutRolling } from './rolling.js';
import type { SyncContext } from './sync-context.js';
import { updateDeploymentStatus } from './sync-context.js';
import { checkPausedConditions, isScalingEvent, sync, syncStatusOnly } from './sync.js';

function unwrap<T>(obj: T | DeletedFinalStateUnknown<T>): T {
  return obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
}

/** What a Deployment controller is built from. */

export interface DeploymentControllerConfig {
  readonly ctx: ControllerContext;
  /** Concurrent syncs; default 5 (`--concurrent-deployment-syncs`). */
  readonly workers?: number;
}

/** See the module comment. */
export class DeploymentController implements Controller {
  readonly name = 'deployment';
  readonly queue: RateLimitingQueue<string>;
  /** The sync of one key; a field so tests can call or wrap it. */
  syncHandler: (key: string) => Promise<void>;
  readonly #ctx: ControllerContext;
  readonly #log: Logger;
  readonly #workers: number;
  readonly #dLister: Lister<Deployment>;
  readonly #rsLister: Lister<ReplicaSet>;
  readonly #podLister: Lister<Pod>;
  readonly #sc: SyncContext;

  constructor(cfg: DeploymentControllerConfig) {
    const { ctx } = cfg;
    this.#ctx = ctx;
    this.#log = ctx.logger.child({ controller: 'deployment' });
    this.#workers = cfg.workers ?? intSetting(ctx.settings, 'KUBELAB_CONCURRENT_DEPLOYMENT_SYNCS', 5);
    this.queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: 'deployment' });
    this.syncHandler = (key) => this.syncDeployment(key);
    const dInformer = ctx.informers.informerFor<Deployment>(resources.deployments);
    const rsInformer = ctx.informers.informerFor<ReplicaSet>(resources.replicasets);
    const podInformer = ctx.informers.informerFor<Pod>(resources.pods);
    this.#dLister = dInformer.lister();
    this.#rsLister = rsInformer.lister();
    this.#podLister = podInformer.lister();
    ensurePodControllerIndex(podInformer);
    this.#sc = {
      client: ctx.client,
      recorder: ctx.recorder,
      clock: ctx.clock,
      log: this.#log,
      rsLister: this.#rsLister,
      enqueueAfter: (d, ms) => this.queue.addAfter(metaNamespaceKey(d), ms),
      enqueueRateLimited: (d) => this.queue.addRateLimited(metaNamespaceKey(d)),
    };
    dInformer.addEventHandler({
      onAdd: (d) => this.#enqueue(d),
      onUpdate: (_old, d) => this.#enqueue(d),
      onDelete: (d) => this.#enqueue(unwrap(d)),
    });
    rsInformer.addEventHandler({
      onAdd: (rs) => this.#addReplicaSet(rs),
      onUpdate: (old, cur) => this.#updateReplicaSet(old, cur),
      onDelete: (rs) => this.#deleteReplicaSet(unwrap(rs)),
    });
    podInformer.addEventHandler({ onDelete: (pod) => this.#deletePod(unwrap(pod)) });
  }

  async run(signal: AbortSignal): Promise<void> {
    const sync = (key: string) => this.syncHandler(key);
    await runKeyedWorkers(
      this.#ctx,
      { queue: this.queue, workers: this.#workers, sync, logger: this.#log },
      signal,
    );
  }

  #enqueue(d: Deployment): void {
    this.queue.add(metaNamespaceKey(d));
  }

  #resolveControllerRef(namespace: string | undefined, ref: { kind: string; name: string; uid: string }) {
    if (ref.kind !== 'Deployment') return undefined;
    const d = this.#dLister.get(namespace, ref.name);
    return d?.metadata.uid === ref.uid ? d : undefined;
  }

  /** Deployments whose selector matches an orphan ReplicaSet (`getDeploymentsForReplicaSet`). */
  #deploymentsFor(rs: ReplicaSet): Deployment[] {
    if (!rs.metadata.labels || !rs.metadata.namespace) return [];
    return this.#dLister.listNamespace(rs.metadata.namespace, (d) => {
      try {
        const sel = selectorFromLabelSelector(d.spec.selector);
        return !sel.empty && labelSelectorMatches(sel, rs.metadata.labels);
      } catch {
        return false;
      }
    });
  }

  #addReplicaSet(rs: ReplicaSet): void {
    if (rs.metadata.deletionTimestamp) {
      this.#deleteReplicaSet(rs);
      return;
    }
    const ref = getControllerOf(rs);
    if (ref) {
      const d = this.#resolveControllerRef(rs.metadata.namespace, ref);
      if (d) this.#enqueue(d);
      return;
    }
    for (const d of this.#deploymentsFor(rs)) this.#enqueue(d);
  }

  #updateReplicaSet(old: ReplicaSet, cur: ReplicaSet): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const curRef = getControllerOf(cur);
    const oldRef = getControllerOf(old);
    const refChanged = JSON.stringify(curRef) !== JSON.stringify(oldRef);
    if (refChanged && oldRef) {
      const d = this.#resolveControllerRef(old.metadata.namespace, oldRef);
      if (d) this.#enqueue(d);
    }
    if (curRef) {
      const d = this.#resolveControllerRef(cur.metadata.namespace, curRef);
      if (d) this.#enqueue(d);
      return;
    }
    const labelChanged =
      JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(cur.metadata.labels ?? {});
    if (labelChanged || refChanged) for (const d of this.#deploymentsFor(cur)) this.#enqueue(d);
  }

  #deleteReplicaSet(rs: ReplicaSet): void {
    const ref = getControllerOf(rs);
    if (!ref) return;
    const d = this.#resolveControllerRef(rs.metadata.namespace, ref);
    if (d) this.#enqueue(d);
  }

  /** A Recreate Deployment waits for its old pods to be gone: wake it when the last one is. */
  #deletePod(pod: Pod): void {
    const ref = getControllerOf(pod);
    if (!ref || ref.kind !== 'ReplicaSet') return;
    const rs = this.#rsLister.get(pod.metadata.namespace, ref.name);
    if (!rs || rs.metadata.uid !== ref.uid) return;
    const dRef = getControllerOf(rs);
    const d = dRef ? this.#resolveControllerRef(rs.metadata.namespace, dRef) : undefined;
    if (!d || d.spec.strategy?.type !== 'Recreate') return;
    const rsList = this.#rsLister.listNamespace(
      d.metadata.namespace ?? '',
      (x) => getControllerOf(x)?.uid === d.metadata.uid,
    );
    let pods = 0;
    for (const list of this.#podMap(d, rsList).values()) pods += list.length;
    if (pods === 0) this.#enqueue(d);
  }

  /** `getReplicaSetsForDeployment`: every RS of the namespace, claimed (adopted/released) by selector. */
  async #replicaSetsFor(d: Deployment): Promise<ReplicaSet[]> {
    const selector = selectorFromLabelSelector(d.spec.selector);
    const all = this.#rsLister.listNamespace(d.metadata.namespace ?? '');
    const { claimed, error } = await claimObjects<ReplicaSet>(all, {
      client: this.#ctx.client,
      ref: resources.replicasets,
      owner: {
        uid: d.metadata.uid ?? '',
        namespace: d.metadata.namespace,
        deleting: Boolean(d.metadata.deletionTimestamp),
      },
      controllerRef: newControllerRef(d, 'apps/v1', 'Deployment'),
      match: (rs) => labelSelectorMatches(selector, rs.metadata.labels),
      canAdopt: () => recheckOwner(this.#ctx.client, resources.deployments, d),
    });
    if (error !== undefined) throw error;
    return claimed;
  }

  /** `getPodMapForDeployment`: the Deployment's pods by the uid of their ReplicaSet. */
  #podMap(d: Deployment, rsList: readonly ReplicaSet[]): Map<string, Pod[]> {
    const map = new Map<string, Pod[]>();
    for (const rs of rsList) map.set(rs.metadata.uid ?? '', []);
    let selector: ReturnType<typeof selectorFromLabelSelector>;
    try {
      selector = selectorFromLabelSelector(d.spec.selector);
    } catch {
      return map;
    }
    // Only pods controlled by one of these ReplicaSets can land in the map: read them by index rather than
    // every pod of the namespace (30,000 pods × 300 Deployments syncing during a rollout).
    for (const [uid, pods] of map) {
      for (const pod of this.#podLister.byIndex(POD_CONTROLLER_INDEX, uid)) {
        if (
          pod.metadata.namespace === d.metadata.namespace &&
          labelSelectorMatches(selector, pod.metadata.labels)
        ) {
          pods.push(pod);
        }
      }
    }
    return map;
  }

  /** Reconciles one Deployment (`syncDeployment`). A rejection requeues the key with backoff. */
  async syncDeployment(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const cached = this.#dLister.get(namespace, name);
    if (!cached) return;
    const d = structuredClone(cached) as Deployment;
    if (selectorFromLabelSelector(d.spec.selector).empty) {
      this.#ctx.recorder.event(
        d,
        'Warning',
        'SelectingAll',
        'This deployment is selecting all pods. A non-empty selector is required.',
      );
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        d.status = { ...d.status, observedGeneration: d.metadata.generation ?? 0 };
        await updateDeploymentStatus(this.#sc, d);
      }
      return;
    }
    const rsList = await this.#replicaSetsFor(d);
    const podMap: PodMap = this.#podMap(d, rsList);
    if (d.metadata.deletionTimestamp) return syncStatusOnly(this.#sc, d, rsList);
    // Paused/resumed as Progressing=Unknown, so that time spent paused never counts toward the deadline.
    await checkPausedConditions(this.#sc, d);
    if (d.spec.paused) return sync(this.#sc, d, rsList);
    if (await isScalingEvent(this.#sc, d, rsList)) return sync(this.#sc, d, rsList);
    if (d.spec.strategy?.type === 'Recreate') return rolloutRecreate(this.#sc, d, rsList, podMap);
    return rolloutRolling(this.#sc, d, rsList);
  }
}
