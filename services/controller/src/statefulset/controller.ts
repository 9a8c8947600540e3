/**
 * The StatefulSet controller (pkg/controller/statefulset: stateful_set.go + stateful_set_control.go +
 * stateful_pod_control.go). Handlers turn StatefulSets and their pods into `namespace/name` keys; `syncSet`
 * reads the set, its ControllerRevisions and pods from the caches, claims pods, settles the current and update
 * revisions (creating, or re-numbering on rollback), plans one round with {@link planUpdate}, performs the pod
 * writes in order (stopping at the first failure), writes the status and trims the revision history.
 *
 * Pod deletes carry a uid precondition, so a stale cache can never make the controller delete the pod that
 * already replaced the one it meant. PersistentVolumeClaim templates are ignored: kubelab has no volumes.
 */
import {
  type ApiClient,
  type Lister,
  RateLimitingQueue,
  isAlreadyExists,
  isConflict,
  isNotFound,
  metaNamespaceKey,
  resources,
  splitMetaNamespaceKey,
} from '@kubelab/api-client';
import {
  type ControllerRevision,
  type Pod,
  type StatefulSet,
  type StatefulSetStatus,
  labelSelectorMatches,
  selectorFromLabelSelector,
} from '@kubelab/api-types';
import {
  type Controller,
  type ControllerContext,
  enqueueOnChange,
  getControllerOf,
  intSetting,
  newControllerRef,
  runKeyedWorkers,
} from '@kubelab/controller-kit';
import type { Logger } from '@kubelab/telemetry';
import { isControlledBy, isMemberOf, isTerminating, podRevision } from './pods.js';
import {
  applyRevision,
  decideUpdateRevision,
  equalRevision,
  newRevision,
  revisionsToTruncate,
  sortRevisions,
} from './revisions.js';
import { type PodAction, type StatusDelta, planUpdate } from './update.js';

/** Tells the round to stop without an error: the cache is behind, and its next event will requeue the set. */
class StaleCache extends Error {
  override readonly name = 'StaleCache';
}

const MAX_COLLISIONS = 16;

/** Builds the controller; informers start when the manager starts the factory. */
export function newStatefulSetController(ctx: ControllerContext): Controller {
  return new StatefulSetController(ctx);
}

class StatefulSetController implements Controller {
  readonly name = 'statefulset';
  readonly #ctx: ControllerContext;
  readonly #client: ApiClient;
  readonly #log: Logger;
  readonly #queue: RateLimitingQueue<string>;
  readonly #sets: Lister<StatefulSet>;
  readonly #pods: Lister<Pod>;
  readonly #revisions: Lister<ControllerRevision>;

  constructor(ctx: ControllerContext) {
    this.#ctx = ctx;
    this.#client = ctx.client;
    this.#log = ctx.logger.child({ controller: this.name });
    this.#queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: this.name });
    const sets = ctx.informers.informerFor<StatefulSet>(resources.statefulsets);
    const pods = ctx.informers.informerFor<Pod>(resources.pods);
    const revisions = ctx.informers.informerFor<ControllerRevision>(resources.controllerrevisions);
    this.#sets = sets.lister();
    this.#pods = pods.lister();
    this.#revisions = revisions.lister();
    enqueueOnChange(sets, (key) => this.#queue.add(key));
    pods.addEventHandler({
      onAdd: (p) => this.#enqueueForPod(p),
      onUpdate: (old, p) => {
        this.#enqueueForPod(p);
        if (getControllerOf(old)?.uid !== getControllerOf(p)?.uid) this.#enqueueForPod(old);
      },
      onDelete: (p) => {
        if ('metadata' in p) this.#enqueueForPod(p);
        else this.#enqueueForPod(p.obj);
      },
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    const workers = intSetting(this.#ctx.settings, 'KUBELAB_CONCURRENT_STATEFULSET_SYNCS', 5);
    const sync = (key: string) => this.syncSet(key);
    await runKeyedWorkers(
      this.#ctx,
      { queue: this.#queue, workers: Math.max(1, workers), sync, logger: this.#log },
      signal,
    );
  }

  /** A pod's controlling set, or for an orphan every set whose selector matches it (for adoption). */
  #enqueueForPod(pod: Pod): void {
    const ns = pod.metadata.namespace ?? 'default';
    const ref = getControllerOf(pod);
    if (ref) {
      if (ref.kind === 'StatefulSet') this.#queue.add(`${ns}/${ref.name}`);
      return;
    }
    for (const set of this.#sets.listNamespace(ns)) {
      if (matches(set, pod)) this.#queue.add(metaNamespaceKey(set));
    }
  }

  /** Reconciles one set (exposed for tests). */
  async syncSet(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const cached = this.#sets.get(namespace, name);
    if (!cached) return;
    const set = structuredClone(cached);
    try {
      selectorFromLabelSelector(set.spec.selector);
    } catch (err) {
      this.#ctx.recorder.event(set, 'Warning', 'InvalidSelector', `Invalid selector: ${String(err)}`);
      return;
    }
    const ns = set.metadata.namespace ?? 'default';
    const revisions = sortRevisions(
      this.#revisions.listNamespace(ns, (r) => getControllerOf(r)?.uid === set.metadata.uid),
    );
    const pods = await this.#claimPods(set);
    const { current, update, collisionCount } = await this.#settleRevisions(set, revisions);
    const plan = planUpdate({
      set,
      currentSet: applyRevision(set, current),
      currentRevision: current.metadata.name ?? '',
      updateSet: applyRevision(set, update),
      updateRevision: update.metadata.name ?? '',
      collisionCount,
      pods,
      nowWallMs: this.#ctx.clock.wallNow(),
    });
    const { delta, error } = await this.#perform(set, update, plan.actions);
    const status = withDelta(plan.status, delta);
    await this.#writeStatus(set, status);
    await this.#truncateHistory(set, pods, revisions, current, update);
    const minReady = set.spec.minReadySeconds ?? 0;
    if (minReady > 0 && status.availableReplicas !== (set.spec.replicas ?? 1)) {
      this.#queue.addAfter(key, minReady * 1000);
    }
    if (error) throw error;
  }

  /**
   * `getPodsForStatefulSet` + ClaimPods: the pods the set controls, adopting orphans that match its selector
   * and name pattern, releasing controlled pods that no longer match.
   */
  async #claimPods(set: StatefulSet): Promise<Pod[]> {
    const ns = set.metadata.namespace ?? 'default';
    const owned: Pod[] = [];
    for (const pod of this.#pods.listNamespace(ns)) {
      const ref = getControllerOf(pod);
      const fits = matches(set, pod) && isMemberOf(set, pod);
      if (ref && ref.uid === set.metadata.uid) {
        if (fits) owned.push(pod);
        else await this.#patchOwner(pod, { $patch: 'delete', uid: ref.uid });
      } else if (!ref && fits && !isTerminating(pod) && !set.metadata.deletionTimestamp) {
        const adopted = await this.#patchOwner(pod, newControllerRef(set, 'apps/v1', 'StatefulSet'));
        if (adopted && isControlledBy(adopted, set)) owned.push(adopted);
      }
    }
    return owned;
  }

  async #patchOwner(pod: Pod, ref: object): Promise<Pod | undefined> {
    try {
      return await this.#client.patch<Pod>(
        resources.pods,
        pod.metadata.name ?? '',
        { metadata: { ownerReferences: [ref], uid: pod.metadata.uid } },
        { namespace: pod.metadata.namespace ?? 'default', patchType: 'strategic' },
      );
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** `getStatefulSetRevisions`: the current and update revisions, creating or re-numbering as needed. */
  async #settleRevisions(
    set: StatefulSet,
    sorted: readonly ControllerRevision[],
  ): Promise<{ current: ControllerRevision; update: ControllerRevision; collisionCount: number }> {
    let collisionCount = set.status?.collisionCount ?? 0;
    const decision = decideUpdateRevision(set, sorted, collisionCount);
    let update: ControllerRevision;
    if (decision.kind === 'current') update = decision.revision;
    else if (decision.kind === 'bump') {
      const next = structuredClone(decision.revision);
      next.revision = decision.to;
      update = await this.#client.update(resources.controllerrevisions, next, {
        namespace: next.metadata.namespace ?? 'default',
      });
    } else {
      ({ revision: update, collisionCount } = await this.#createRevision(
        set,
        decision.revision.revision,
        collisionCount,
      ));
    }
    const current = sorted.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
    return { current, update, collisionCount };
  }

  /** `CreateControllerRevision`: on a name clash with different data, bump the collision count and retry. */
  async #createRevision(
    set: StatefulSet,
    number: number,
    collisionCount: number,
  ): Promise<{ revision: ControllerRevision; collisionCount: number }> {
    const ns = set.metadata.namespace ?? 'default';
    for (let count = collisionCount; count < collisionCount + MAX_COLLISIONS; count++) {
      const want = newRevision(set, number, count);
      try {
        const revision = await this.#client.create<ControllerRevision>(resources.controllerrevisions, want, {
          namespace: ns,
        });
        return { revision, collisionCount: count };
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        const have = await this.#client.get<ControllerRevision>(
          resources.controllerrevisions,
          want.metadata.name ?? '',
          { namespace: ns },
        );
        if (equalRevision(have, want)) return { revision: have, collisionCount: count };
      }
    }
    throw new Error(`StatefulSet ${ns}/${set.metadata.name}: too many ControllerRevision hash collisions`);
  }

  /** Performs the round's actions in order; the summed delta of those that succeeded, and the failure. */
  async #perform(
    set: StatefulSet,
    update: ControllerRevision,
    actions: readonly PodAction[],
  ): Promise<{ delta: StatusDelta; error?: unknown }> {
    let delta: StatusDelta = { replicas: 0, currentReplicas: 0, updatedReplicas: 0 };
    for (const action of actions) {
      try {
        await this.#act(set, update, action);
      } catch (error) {
        if (error instanceof StaleCache) return { delta };
        return { delta, error };
      }
      if (action.type !== 'fixIdentity') delta = addDelta(delta, action.delta);
    }
    return { delta };
  }

  async #act(set: StatefulSet, update: ControllerRevision, action: PodAction): Promise<void> {
    const pod = action.pod;
    const podName = pod.metadata.name ?? '';
    const ns = set.metadata.namespace ?? 'default';
    const setName = set.metadata.name ?? '';
    if (action.type === 'create') {
      try {
        await this.#client.create(resources.pods, pod, { namespace: ns });
      } catch (err) {
        if (isAlreadyExists(err)) throw new StaleCache(); // the old pod is still terminating
        this.#podEvent(set, 'create', podName, { err });
        throw err;
      }
      this.#podEvent(set, 'create', podName);
      return;
    }
    if (action.type === 'fixIdentity') {
      await this.#client.patch(resources.pods, podName, identityPatch(pod), {
        namespace: ns,
        patchType: 'merge',
      });
      this.#podEvent(set, 'update', podName);
      return;
    }
    if (action.reason === 'recreate') {
      this.#event(
        set,
        'Warning',
        'RecreatingFailedPod',
        `StatefulSet ${ns}/${setName} is recreating failed Pod ${podName}`,
      );
    }
    if (action.reason === 'update') {
      this.#log.info(
        { set: setName, pod: podName, revision: update.metadata.name },
        'terminating pod for update',
      );
    }
    try {
      await this.#client.delete(resources.pods, podName, {
        namespace: ns,
        ...(pod.metadata.uid ? { preconditions: { uid: pod.metadata.uid } } : {}),
      });
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) throw new StaleCache();
      this.#podEvent(set, 'delete', podName, { err });
      throw err;
    }
    this.#podEvent(set, 'delete', podName);
  }

  #event(set: StatefulSet, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.#ctx.recorder.event(set, type, reason, message);
  }

  /**
   * The event of one pod write (stateful_pod_control.go `recordPodEvent`): `Successful<Verb>`, or after a
   * `failure` a Warning `Failed<Verb>`.
   */
  #podEvent(
    set: StatefulSet,
    verb: 'create' | 'update' | 'delete',
    podName: string,
    failure?: { readonly err: unknown },
  ): void {
    const setName = set.metadata.name ?? '';
    const titled = `${verb[0]?.toUpperCase()}${verb.slice(1)}`;
    if (failure === undefined) {
      this.#event(
        set,
        'Normal',
        `Successful${titled}`,
        `${verb} Pod ${podName} in StatefulSet ${setName} successful`,
      );
    } else {
      this.#event(
        set,
        'Warning',
        `Failed${titled}`,
        `${verb} Pod ${podName} in StatefulSet ${setName} failed error: ${msg(failure.err)}`,
      );
    }
  }

  /** `updateStatefulSetStatus`: completes a finished rolling update, writes only when something changed. */
  async #writeStatus(set: StatefulSet, status: StatefulSetStatus): Promise<void> {
    const next = completeRollingUpdate(set, status);
    if (statusEqual(set.status, next)) return;
    const ns = set.metadata.namespace ?? 'default';
    let target = set;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#client.updateStatus(
          resources.statefulsets,
          { ...target, status: next },
          { namespace: ns },
        );
        return;
      } catch (err) {
        if (!isConflict(err) || attempt >= 4) throw err;
        target = await this.#client.get<StatefulSet>(resources.statefulsets, set.metadata.name ?? '', {
          namespace: ns,
        });
      }
    }
  }

  async #truncateHistory(
    set: StatefulSet,
    pods: readonly Pod[],
    sorted: readonly ControllerRevision[],
    current: ControllerRevision,
    update: ControllerRevision,
  ): Promise<void> {
    const live = new Set<string>([current.metadata.name ?? '', update.metadata.name ?? '']);
    for (const p of pods) live.add(podRevision(p));
    const limit = set.spec.revisionHistoryLimit ?? 10;
    for (const r of revisionsToTruncate(sorted, live, limit)) {
      try {
        await this.#client.delete(resources.controllerrevisions, r.metadata.name ?? '', {
          namespace: r.metadata.namespace ?? 'default',
        });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }
}

function matches(set: StatefulSet, pod: Pod): boolean {
  try {
    const sel = selectorFromLabelSelector(set.spec.selector);
    return !sel.empty && labelSelectorMatches(sel, pod.metadata.labels);
  } catch {
    return false;
  }
}

function identityPatch(pod: Pod): object {
  const ordinal = /-([0-9]+)$/.exec(pod.metadata.name ?? '')?.[1] ?? '';
  return {
    metadata: {
      labels: {
        'statefulset.kubernetes.io/pod-name': pod.metadata.name,
        'apps.kubernetes.io/pod-index': ordinal,
      },
    },
  };
}

function addDelta(a: StatusDelta, b: StatusDelta): StatusDelta {
  return {
    replicas: a.replicas + b.replicas,
    currentReplicas: a.currentReplicas + b.currentReplicas,
    updatedReplicas: a.updatedReplicas + b.updatedReplicas,
  };
}

function withDelta(status: StatefulSetStatus, d: StatusDelta): StatefulSetStatus {
  return {
    ...status,
    replicas: status.replicas + d.replicas,
    currentReplicas: (status.currentReplicas ?? 0) + d.currentReplicas,
    updatedReplicas: (status.updatedReplicas ?? 0) + d.updatedReplicas,
  };
}

/** `completeRollingUpdate`: once every replica is updated and ready, the update revision becomes current. */
export function completeRollingUpdate(set: StatefulSet, status: StatefulSetStatus): StatefulSetStatus {
  const replicas = set.spec.replicas ?? 1;
  const rolling = (set.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  if (
    rolling &&
    status.updatedReplicas === replicas &&
    status.readyReplicas === replicas &&
    status.replicas === replicas
  ) {
    return {
      ...status,
      currentReplicas: replicas,
      ...(status.updateRevision === undefined ? {} : { currentRevision: status.updateRevision }),
    };
  }
  return status;
}

const STATUS_FIELDS = [
  'observedGeneration',
  'replicas',
  'readyReplicas',
  'availableReplicas',
  'currentReplicas',
  'updatedReplicas',
  'currentRevision',
  'updateRevision',
  'collisionCount',
] as const;

function statusEqual(a: StatefulSetStatus | undefined, b: StatefulSetStatus): boolean {
  return a !== undefined && STATUS_FIELDS.every((f) => (a[f] ?? 0) === (b[f] ?? 0));
}

function msg(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
