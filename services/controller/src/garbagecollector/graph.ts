/**
 * The garbage collector's owner/dependent graph and its decisions (kube-controller-manager's
 * `garbagecollector/graph.go`, `graph_builder.go` and the pure half of `garbagecollector.go`): every object that
 * the collector watches is a node keyed by uid; an edge runs from each ownerReference's uid to the object. An
 * owner may be referenced before (or without) being observed: its dependents are still indexed under its uid.
 *
 * Nothing here does I/O: the controller feeds informer events in, asks what to do with a uid, and acts.
 */
import type { ResourceRef } from '@kubelab/api-client';
import type { KubeObject, OwnerReference } from '@kubelab/api-types';

/** The finalizer the api adds for `propagationPolicy=Foreground`. */
export const FOREGROUND_FINALIZER = 'foregroundDeletion';
/** The finalizer the api adds for `propagationPolicy=Orphan`. */
export const ORPHAN_FINALIZER = 'orphan';

/** What the collector remembers of one observed object. */
export interface GraphNode {
  readonly ref: ResourceRef;
  readonly uid: string;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly resourceVersion: string | undefined;
  readonly owners: readonly OwnerReference[];
  readonly finalizers: readonly string[];
  /** deletionTimestamp is set. */
  readonly deleting: boolean;
}

/** What changed when an object was observed. */
export interface UpsertResult {
  /** Owner uids it no longer references (a foreground owner may now be unblocked). */
  readonly ownersRemoved: readonly string[];
  /** The node was not known before. */
  readonly added: boolean;
}

/** Builds a node from an object of resource `ref`; undefined when it has no uid (never stored). */
export function nodeOf(ref: ResourceRef, obj: KubeObject): GraphNode | undefined {
  const m = obj.metadata;
  if (!m.uid || !m.name) return undefined;
  return {
    ref,
    uid: m.uid,
    name: m.name,
    namespace: m.namespace,
    resourceVersion: m.resourceVersion,
    owners: m.ownerReferences ?? [],
    finalizers: m.finalizers ?? [],
    deleting: Boolean(m.deletionTimestamp),
  };
}

/** The uid-keyed graph. Invariant: `uid ∈ dependents[o]` iff the node `uid` exists and references owner `o`. */
export class OwnerGraph {
  readonly #nodes = new Map<string, GraphNode>();
  readonly #dependents = new Map<string, Set<string>>();

  /** Records the object's latest state. */
  upsert(node: GraphNode): UpsertResult {
    const old = this.#nodes.get(node.uid);
    this.#nodes.set(node.uid, node);
    const before = new Set(old?.owners.map((o) => o.uid) ?? []);
    const after = new Set(node.owners.map((o) => o.uid));
    for (const o of after) {
      let set = this.#dependents.get(o);
      if (!set) {
        set = new Set();
        this.#dependents.set(o, set);
      }
      set.add(node.uid);
    }
    const ownersRemoved = [...before].filter((o) => !after.has(o));
    for (const o of ownersRemoved) this.#unlink(o, node.uid);
    return { ownersRemoved, added: old === undefined };
  }

  /** Forgets an object; returns what it was (undefined if unknown). */
  remove(uid: string): GraphNode | undefined {
    const old = this.#nodes.get(uid);
    if (!old) return undefined;
    this.#nodes.delete(uid);
    for (const o of old.owners) this.#unlink(o.uid, uid);
    return old;
  }

  get(uid: string): GraphNode | undefined {
    return this.#nodes.get(uid);
  }

  /** The observed objects that reference `ownerUid`. */
  dependentsOf(ownerUid: string): GraphNode[] {
    const out: GraphNode[] = [];
    for (const d of this.#dependents.get(ownerUid) ?? []) {
      const n = this.#nodes.get(d);
      if (n) out.push(n);
    }
    return out;
  }

  get size(): number {
    return this.#nodes.size;
  }

  #unlink(ownerUid: string, uid: string): void {
    const set = this.#dependents.get(ownerUid);
    if (!set) return;
    set.delete(uid);
    if (set.size === 0) this.#dependents.delete(ownerUid);
  }
}

/**
 * How an owner looks to one of its dependents (`classifyReferences`): `solid` exists and is not waiting for
 * its dependents; `dangling` is gone (or replaced by an object with another uid); `waiting` is being deleted in
 * the foreground, so its dependents must go first.
 */
export type OwnerState = 'solid' | 'dangling' | 'waiting';

/** The state of an owner that exists, from its deletion marks. */
export function ownerStateOf(owner: { deleting: boolean; finalizers: readonly string[] }): OwnerState {
  return owner.deleting && owner.finalizers.includes(FOREGROUND_FINALIZER) ? 'waiting' : 'solid';
}

/** What to do with an object given its owners' states. */
export type DependentDecision =
  | { readonly action: 'none' }
  /** Keep only these ownerReferences (drops dangling owners and owners waiting on dependents). */
  | { readonly action: 'removeOwnerReferences'; readonly keep: readonly OwnerReference[] }
  | { readonly action: 'delete'; readonly policy: 'Background' | 'Foreground' | 'Orphan' };

/**
 * `attemptToDeleteItem`'s decision for an object with ownerReferences: if any owner is solid, only the
 * references to gone or foreground-deleting owners are dropped; if every owner is gone or waiting, the object
 * is deleted — in the foreground when an owner waits and the object has dependents of its own (so the
 * cascade stays foreground), else with the policy its own finalizers ask for, else in the background.
 */
export function decideForDependent(
  node: GraphNode,
  states: ReadonlyMap<string, OwnerState>,
  hasDependents: boolean,
): DependentDecision {
  if (node.owners.length === 0 || node.deleting) return { action: 'none' };
  const stateOf = (o: OwnerReference): OwnerState => states.get(o.uid) ?? 'solid';
  const solid = node.owners.filter((o) => stateOf(o) === 'solid');
  const waiting = node.owners.filter((o) => stateOf(o) === 'waiting');
  if (solid.length > 0) {
    if (solid.length === node.owners.length) return { action: 'none' };
    return { action: 'removeOwnerReferences', keep: solid };
  }
  if (waiting.length > 0 && hasDependents) return { action: 'delete', policy: 'Foreground' };
  if (node.finalizers.includes(ORPHAN_FINALIZER)) return { action: 'delete', policy: 'Orphan' };
  if (node.finalizers.includes(FOREGROUND_FINALIZER)) return { action: 'delete', policy: 'Foreground' };
  return { action: 'delete', policy: 'Background' };
}

/** What to do with an owner that is being deleted with a propagation finalizer. */
export type OwnerDecision =
  | { readonly action: 'none' }
  /** Remove the reference to the owner from these dependents, then (when none is left) the finalizer. */
  | { readonly action: 'orphan'; readonly dependents: readonly GraphNode[] }
  /**
   * Foreground: `dependents` still exist (each must be considered for deletion); the finalizer comes off once
   * none of them blocks (`blocking` is empty).
   */
  | {
      readonly action: 'foreground';
      readonly dependents: readonly GraphNode[];
      readonly blocking: readonly GraphNode[];
    };

/** Does `dependent`'s reference to `ownerUid` block the owner's deletion? */
export function blocksOwner(dependent: GraphNode, ownerUid: string): boolean {
  return dependent.owners.some((o) => o.uid === ownerUid && o.blockOwnerDeletion === true);
}

/**
 * The owner side (`attemptToOrphan` and `processDeletingDependentsItem`): an owner with the `orphan`
 * finalizer releases its dependents; one with `foregroundDeletion` waits for its blocking dependents.
 */
export function decideForOwner(owner: GraphNode, dependents: readonly GraphNode[]): OwnerDecision {
  if (!owner.deleting) return { action: 'none' };
  if (owner.finalizers.includes(ORPHAN_FINALIZER)) return { action: 'orphan', dependents };
  if (owner.finalizers.includes(FOREGROUND_FINALIZER)) {
    return {
      action: 'foreground',
      dependents,
      blocking: dependents.filter((d) => blocksOwner(d, owner.uid)),
    };
  }
  return { action: 'none' };
}

/** The object's finalizers without `finalizer`. */
export function withoutFinalizer(finalizers: readonly string[], finalizer: string): string[] {
  return finalizers.filter((f) => f !== finalizer);
}
