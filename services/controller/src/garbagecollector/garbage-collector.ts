/**
 * The garbage collector (kube-controller-manager's `garbagecollector`): informers over every resource that can
 * carry ownerReferences feed an {@link OwnerGraph}; a work queue of uids decides, per object, whether it lost
 * all its owners (delete it, with the propagation its owners ask for), and, per owner being deleted with a
 * propagation finalizer, carries the policy out: `orphan` strips the ownerReference from every dependent,
 * `foregroundDeletion` waits until every dependent with `blockOwnerDeletion` is gone. The api only marks
 * objects; this loop finishes the job, then removes the finalizer so the api can remove the owner.
 *
 * An owner that the graph has not observed is looked up live (by name, uid compared) before a dependent is
 * deleted: an informer that lags must never make a living owner look gone.
 */
import {
  DeletedFinalStateUnknown,
  type RateLimitingQueue as Queue,
  RateLimitingQueue,
  type ResourceRef,
  isConflict,
  isNotFound,
  resources,
  runWorkers,
} from '@kubelab/api-client';
import type { KubeObject, OwnerReference } from '@kubelab/api-types';
import { findByKind, parseApiVersion } from '@kubelab/api-types';
import type { Controller, ControllerContext } from '@kubelab/controller-kit';
import { intSetting } from '@kubelab/controller-kit';
import {
  FOREGROUND_FINALIZER,
  type GraphNode,
  ORPHAN_FINALIZER,
  OwnerGraph,
  type OwnerState,
  decideForDependent,
  decideForOwner,
  nodeOf,
  ownerStateOf,
  withoutFinalizer,
} from './graph.js';

/** Resources whose objects may own or be owned (events never are; namespaces are the namespace controller's). */
export const GC_MONITORED: readonly ResourceRef[] = Object.values(resources).filter(
  (r) => r.resource !== 'events' && r.resource !== 'namespaces',
);

/** Remembered 404s of owners, so that 50 pods of a deleted ReplicaSet cost one lookup (absentOwnerCache). */
const ABSENT_CACHE_MAX = 1024;
/** Read-modify-write attempts before the sync is retried through the queue. */
const CONFLICT_RETRIES = 3;

/** The api resource of an ownerReference's kind, or undefined for a kind kubelab does not serve. */
export function refForOwner(o: OwnerReference): ResourceRef | undefined {
  const { group } = parseApiVersion(o.apiVersion);
  const preferred = findByKind(o.kind);
  const info = preferred?.group === group ? preferred : findByKind(o.kind, o.apiVersion);
  if (!info) return undefined;
  return { group: info.group, version: info.version, resource: info.plural, namespaced: info.namespaced };
}

/** Builds the garbage collector; `KUBELAB_GC_WORKERS` (default 5) workers. */
export function newGarbageCollector(ctx: ControllerContext): Controller {
  return new GarbageCollector(ctx, GC_MONITORED);
}

/** See the module comment. */
export class GarbageCollector implements Controller {
  readonly name = 'garbagecollector';
  readonly graph = new OwnerGraph();
  readonly #ctx: ControllerContext;
  readonly #queue: Queue<string>;
  readonly #absent = new Set<string>();
  readonly #workers: number;

  constructor(ctx: ControllerContext, monitored: readonly ResourceRef[]) {
    this.#ctx = ctx;
    this.#queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: 'garbagecollector' });
    this.#workers = Math.max(1, intSetting(ctx.settings, 'KUBELAB_GC_WORKERS', 5));
    for (const ref of monitored) {
      ctx.informers.informerFor<KubeObject>(ref).addEventHandler({
        onAdd: (obj) => this.#observe(ref, obj),
        onUpdate: (_old, obj) => this.#observe(ref, obj),
        onDelete: (obj) => this.#forget(obj instanceof DeletedFinalStateUnknown ? obj.obj : obj),
      });
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    if (!(await this.#ctx.informers.waitForCacheSync(signal))) return;
    await runWorkers(this.#queue, this.#workers, (uid) => this.syncItem(uid), signal, {
      logger: this.#ctx.logger.child({ controller: this.name }),
    });
  }

  /** An object was added or changed: update the graph and queue what may need work. */
  #observe(ref: ResourceRef, obj: KubeObject): void {
    const node = nodeOf(ref, obj);
    if (!node) return;
    const { ownersRemoved } = this.graph.upsert(node);
    this.#absent.delete(node.uid);
    if (node.owners.length > 0 || isPropagating(node)) this.#queue.add(node.uid);
    for (const o of ownersRemoved) if (this.graph.get(o)?.deleting) this.#queue.add(o);
  }

  /** An object is gone: its dependents may be orphans now, its owners may be unblocked. */
  #forget(obj: KubeObject): void {
    const uid = obj.metadata.uid;
    if (!uid) return;
    const old = this.graph.remove(uid);
    for (const d of this.graph.dependentsOf(uid)) this.#queue.add(d.uid);
    for (const o of old?.owners ?? []) if (this.graph.get(o.uid)?.deleting) this.#queue.add(o.uid);
  }

  /** One uid: the owner side if it is being deleted with a propagation finalizer, else the dependent side. */
  async syncItem(uid: string): Promise<void> {
    const node = this.graph.get(uid);
    if (!node) return;
    if (node.deleting) {
      await this.#syncDeletingOwner(node);
      return;
    }
    if (node.owners.length === 0) return;
    const states = new Map<string, OwnerState>();
    for (const o of node.owners) states.set(o.uid, await this.#ownerState(node, o));
    const decision = decideForDependent(node, states, this.graph.dependentsOf(uid).length > 0);
    const log = this.#ctx.logger.child({ controller: this.name, object: describe(node) });
    switch (decision.action) {
      case 'none':
        return;
      case 'removeOwnerReferences':
        log.info({ keep: decision.keep.map((o) => o.uid) }, 'removing references to gone owners');
        await this.#rewrite(node, (obj) => {
          const keep = new Set(decision.keep.map((o) => o.uid));
          obj.metadata.ownerReferences = (obj.metadata.ownerReferences ?? []).filter((o) => keep.has(o.uid));
        });
        return;
      case 'delete':
        log.info({ propagationPolicy: decision.policy }, 'deleting object whose owners are gone');
        await this.#delete(node, decision.policy);
        return;
      default:
        return decision satisfies never;
    }
  }

  async #syncDeletingOwner(owner: GraphNode): Promise<void> {
    const decision = decideForOwner(owner, this.graph.dependentsOf(owner.uid));
    switch (decision.action) {
      case 'none':
        return;
      case 'orphan':
        for (const d of decision.dependents) {
          await this.#rewrite(d, (obj) => {
            obj.metadata.ownerReferences = (obj.metadata.ownerReferences ?? []).filter(
              (o) => o.uid !== owner.uid,
            );
          });
        }
        await this.#removeFinalizer(owner, ORPHAN_FINALIZER);
        return;
      case 'foreground':
        for (const d of decision.dependents) if (!d.deleting) this.#queue.add(d.uid);
        if (decision.blocking.length === 0) await this.#removeFinalizer(owner, FOREGROUND_FINALIZER);
        return;
      default:
        return decision satisfies never;
    }
  }

  /** The owner's state, from the graph when observed, else from a live read. */
  async #ownerState(dependent: GraphNode, o: OwnerReference): Promise<OwnerState> {
    const known = this.graph.get(o.uid);
    if (known) return ownerStateOf(known);
    if (this.#absent.has(o.uid)) return 'dangling';
    const ref = refForOwner(o);
    if (!ref) return 'solid'; // a kind we cannot look up: never delete on a guess
    if (ref.namespaced && !dependent.namespace) return 'dangling'; // a cluster-scoped object cannot have one
    try {
      const live = await this.#ctx.client.get(
        ref,
        o.name,
        nsOpt(ref.namespaced ? dependent.namespace : undefined),
      );
      const liveNode = nodeOf(ref, live);
      if (liveNode?.uid === o.uid) return ownerStateOf(liveNode);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.#rememberAbsent(o.uid);
    return 'dangling';
  }

  #rememberAbsent(uid: string): void {
    if (this.#absent.size >= ABSENT_CACHE_MAX) {
      const oldest = this.#absent.values().next().value;
      if (oldest !== undefined) this.#absent.delete(oldest);
    }
    this.#absent.add(uid);
  }

  async #delete(node: GraphNode, policy: 'Background' | 'Foreground' | 'Orphan'): Promise<void> {
    try {
      await this.#ctx.client.delete(node.ref, node.name, {
        ...nsOpt(node.namespace),
        propagationPolicy: policy,
        preconditions: { uid: node.uid },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  async #removeFinalizer(node: GraphNode, finalizer: string): Promise<void> {
    this.#ctx.logger.info({ controller: this.name, object: describe(node), finalizer }, 'removing finalizer');
    await this.#rewrite(node, (obj) => {
      const remaining = withoutFinalizer(obj.metadata.finalizers ?? [], finalizer);
      obj.metadata.finalizers = remaining;
    });
  }

  /**
   * Reads the live object, applies `mutate` to its metadata and writes ownerReferences and finalizers back as a
   * merge patch pinned to the read resourceVersion; retries on conflict. A gone object is fine.
   */
  async #rewrite(node: GraphNode, mutate: (obj: KubeObject) => void): Promise<void> {
    const opts = nsOpt(node.namespace);
    for (let attempt = 0; ; attempt++) {
      let live: KubeObject;
      try {
        live = await this.#ctx.client.get(node.ref, node.name, opts);
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      if (live.metadata.uid !== node.uid) return;
      const next = structuredClone(live);
      mutate(next);
      const owners = next.metadata.ownerReferences ?? [];
      const finalizers = next.metadata.finalizers ?? [];
      const patch = {
        metadata: {
          resourceVersion: live.metadata.resourceVersion,
          ownerReferences: owners.length > 0 ? owners : null,
          finalizers: finalizers.length > 0 ? finalizers : null,
        },
      };
      try {
        await this.#ctx.client.patch(node.ref, node.name, patch, { ...opts, patchType: 'merge' });
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err) || attempt + 1 >= CONFLICT_RETRIES) throw err;
      }
    }
  }
}

function isPropagating(node: GraphNode): boolean {
  return node.deleting && node.finalizers.some((f) => f === ORPHAN_FINALIZER || f === FOREGROUND_FINALIZER);
}

function nsOpt(namespace: string | undefined): { namespace?: string } {
  return namespace === undefined ? {} : { namespace };
}

function describe(node: GraphNode): string {
  const where = node.namespace ? `${node.namespace}/` : '';
  return `${node.ref.resource}/${where}${node.name}`;
}
