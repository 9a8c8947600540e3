/**
 * The api's replicated state machine: every replica applies the same committed commands in log order to
 * this store and so holds the same objects. The Raft index of the entry that last changed an object is its
 * resourceVersion (like etcd's mod revision); the store's `revision` is the index of the last applied entry.
 *
 * Pure and synchronous: no clock (times come in the commands), no randomness (uids too), no I/O.
 */
import {
  DEFAULT_SERVICE_ALLOCATION,
  type ServiceAllocationConfig,
  allocateService,
} from './service-allocation.js';
import type {
  ApplyResult,
  CreateCommand,
  DeleteCommand,
  Fence,
  ResourceKey,
  StoreCommand,
  StoreEvent,
  StoredObject,
  UpdateCommand,
} from './types.js';

/** How many recent command ids are remembered for at-most-once application of re-proposed commands. */
export const DEDUP_WINDOW = 50_000;

/** The store's full content, for Raft snapshots. */
export interface StoreSnapshot {
  readonly revision: number;
  readonly objects: readonly { resource: ResourceKey; object: StoredObject }[];
  readonly fences: readonly [string, number][];
  readonly recent: readonly [string, ApplyResult | ResultAt][];
}

/**
 * A remembered successful result whose object is still the stored one, written in a snapshot as the index
 * of that object in `objects` instead of a second copy of it (most results are; the snapshot is serialized
 * every `snapshotEntries` entries on every replica, and its size is what it costs).
 */
export interface ResultAt {
  readonly ok: true;
  readonly deleted: boolean;
  readonly objectAt: number;
}

const objectKey = (resource: ResourceKey, namespace: string | undefined, name: string) =>
  `${resource}/${namespace ?? ''}/${name}`;

/** Deep-frozen copies are handed out, so no caller can change the store behind its back. */
function freeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) freeze(v);
  }
  return o;
}

/**
 * Whether `a` and `b` serialize to the same JSON text (key order included, undefined-valued properties
 * skipped), without serializing them: comparing two stored objects this way allocates nothing and stops at
 * the first difference.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra);
  const kb = Object.keys(rb);
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < ka.length && ra[ka[i] as string] === undefined) i++;
    while (j < kb.length && rb[kb[j] as string] === undefined) j++;
    if (i === ka.length || j === kb.length) return i === ka.length && j === kb.length;
    const k = ka[i] as string;
    if (k !== kb[j] || !sameJson(ra[k], rb[k])) return false;
    i++;
    j++;
  }
}

export class ObjectStore {
  /** key → object; objects are frozen. */
  private readonly objects = new Map<string, StoredObject>();
  /** resource → set of keys, for lists. */
  private readonly byResource = new Map<ResourceKey, Set<string>>();
  /** `resource/namespace` → set of keys, so a namespaced list does not scan the whole resource. */
  private readonly byNamespace = new Map<string, Set<string>>();
  /** lease name → newest fencing token applied. */
  private readonly fences = new Map<string, number>();
  /** command id → result, insertion-ordered, bounded by DEDUP_WINDOW. */
  private readonly recent = new Map<string, ApplyResult>();
  private rev = 0;

  constructor(private readonly serviceAllocation: ServiceAllocationConfig = DEFAULT_SERVICE_ALLOCATION) {}

  /** Index of the last applied log entry. */
  get revision(): number {
    return this.rev;
  }

  get(resource: ResourceKey, namespace: string | undefined, name: string): StoredObject | undefined {
    return this.objects.get(objectKey(resource, namespace, name));
  }

  /** Objects of a resource, optionally in one namespace, sorted by namespace then name. */
  list(resource: ResourceKey, namespace?: string): StoredObject[] {
    const index =
      namespace === undefined
        ? this.byResource.get(resource)
        : this.byNamespace.get(`${resource}/${namespace}`);
    const keys = [...(index ?? [])].sort();
    const out: StoredObject[] = [];
    for (const k of keys) {
      const o = this.objects.get(k);
      if (o && (namespace === undefined || o.metadata.namespace === namespace)) out.push(o);
    }
    return out;
  }

  count(resource: ResourceKey): number {
    return this.byResource.get(resource)?.size ?? 0;
  }

  /** Advances the revision for a log entry that carries no command (a leader's no-op, a conf change). */
  skip(index: number): void {
    this.assertNext(index);
    this.rev = index;
  }

  /**
   * Applies the command committed at `index`. Returns the result (the same on every replica) and the
   * events it caused, in order. With `owned` the store takes the command's objects as they are (they were
   * just decoded from the log entry and nobody else holds them) instead of copying them first.
   */
  apply(index: number, cmd: StoreCommand, owned = false): { result: ApplyResult; events: StoreEvent[] } {
    this.assertNext(index);
    this.rev = index;
    const seen = this.recent.get(cmd.id);
    if (seen) return { result: seen, events: [] };
    const events: StoreEvent[] = [];
    const result = this.checkFence(cmd.fence) ?? this.dispatch(index, cmd, events, owned);
    this.remember(cmd.id, result);
    return { result, events };
  }

  private dispatch(index: number, cmd: StoreCommand, events: StoreEvent[], owned: boolean): ApplyResult {
    switch (cmd.op) {
      case 'create':
        return this.create(index, cmd, events, owned);
      case 'update':
        return this.update(index, cmd, events, owned);
      case 'delete':
        return this.delete(index, cmd, events);
      default: {
        const never: never = cmd;
        throw new Error(`unknown store command ${JSON.stringify(never)}`);
      }
    }
  }

  private assertNext(index: number): void {
    if (index <= this.rev)
      throw new Error(`entry ${index} applied after ${this.rev}: the log must be applied in order, once`);
  }

  private checkFence(fence: Fence | undefined): ApplyResult | undefined {
    if (!fence) return undefined;
    const newest = this.fences.get(fence.lease) ?? 0;
    if (fence.token < newest) {
      return {
        ok: false,
        reason: 'Forbidden',
        message: `stale fencing token ${fence.token} for lease ${fence.lease}: a newer leader (token ${newest}) has written`,
      };
    }
    this.fences.set(fence.lease, fence.token);
    return undefined;
  }

  /** Fills a Service's cluster IP and node ports (other resources pass through). */
  private allocate(
    resource: ResourceKey,
    o: StoredObject,
    key: string,
  ): { ok: true; object: StoredObject } | { ok: false; failure: ApplyResult } {
    if (resource !== 'core/services') return { ok: true, object: o };
    const others = this.list('core/services').filter(
      (s) => objectKey(resource, s.metadata.namespace, s.metadata.name) !== key,
    );
    const r = allocateService(o, others, this.serviceAllocation);
    if (r.ok) return r;
    return {
      ok: false,
      failure: { ok: false, reason: 'Invalid', message: 'allocation failed', causes: r.causes },
    };
  }

  private remember(id: string, result: ApplyResult): void {
    this.recent.set(id, result);
    if (this.recent.size > DEDUP_WINDOW) {
      const oldest = this.recent.keys().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
  }

  private create(index: number, cmd: CreateCommand, events: StoreEvent[], owned: boolean): ApplyResult {
    const { metadata } = cmd.object;
    const key = objectKey(cmd.resource, metadata.namespace, metadata.name);
    if (this.objects.has(key)) return fail('AlreadyExists', `${metadata.name} already exists`);
    if (cmd.namespaced) {
      const ns = this.get('core/namespaces', undefined, metadata.namespace ?? '');
      if (!ns) return fail('NotFound', `namespaces "${metadata.namespace ?? ''}" not found`);
      if (ns.metadata.deletionTimestamp) {
        return fail('NamespaceTerminating', `namespace ${metadata.namespace} is being terminated`);
      }
    }
    const allocated = this.allocate(cmd.resource, cmd.object, key);
    if (!allocated.ok) return allocated.failure;
    const object = freeze({
      ...(owned ? allocated.object : structuredClone(allocated.object)),
      metadata: {
        ...(owned ? metadata : structuredClone(metadata)),
        resourceVersion: String(index),
        creationTimestamp: cmd.now,
        ...(cmd.tracksGeneration === false ? {} : { generation: 1 }),
      },
    });
    this.put(cmd.resource, key, object);
    events.push({ type: 'ADDED', resource: cmd.resource, object, prev: undefined, revision: index });
    return { ok: true, object, deleted: false };
  }

  private update(index: number, cmd: UpdateCommand, events: StoreEvent[], owned: boolean): ApplyResult {
    const { metadata } = cmd.object;
    const key = objectKey(cmd.resource, metadata.namespace, metadata.name);
    const old = this.objects.get(key);
    if (!old) return fail('NotFound', `${metadata.name} not found`);
    if (metadata.resourceVersion && metadata.resourceVersion !== old.metadata.resourceVersion) {
      return fail(
        'Conflict',
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
    if (metadata.uid && metadata.uid !== old.metadata.uid) {
      return fail(
        'Conflict',
        `Precondition failed: UID in precondition: ${metadata.uid}, UID in object meta: ${old.metadata.uid}`,
      );
    }
    const merged = mergeForScope(old, owned ? cmd.object : structuredClone(cmd.object), cmd.scope);
    const allocated = this.allocate(cmd.resource, merged, key);
    if (!allocated.ok) return allocated.failure;
    const next = allocated.object;
    next.metadata = {
      ...next.metadata,
      uid: old.metadata.uid,
      creationTimestamp: old.metadata.creationTimestamp,
      resourceVersion: String(index),
    } as StoredObject['metadata'];
    if (cmd.tracksGeneration === false) delete next.metadata.generation;
    else next.metadata.generation = (old.metadata.generation ?? 1) + (specChanged(old, next) ? 1 : 0);
    keepDeletionMarks(old, next);
    if (
      sameJson(
        { ...next, metadata: { ...next.metadata, resourceVersion: '' } },
        { ...old, metadata: { ...old.metadata, resourceVersion: '' } },
      )
    ) {
      // A no-op update changes nothing, not even the resourceVersion (as in Kubernetes).
      return { ok: true, object: old, deleted: false };
    }
    if (
      next.metadata.deletionTimestamp &&
      (next.metadata.finalizers ?? []).length === 0 &&
      !isNamespaceHeld(cmd.resource, next)
    ) {
      return this.remove(index, cmd.resource, key, freeze(next), old, events);
    }
    const object = freeze(next);
    this.put(cmd.resource, key, object);
    events.push({ type: 'MODIFIED', resource: cmd.resource, object, prev: old, revision: index });
    return { ok: true, object, deleted: false };
  }

  private delete(index: number, cmd: DeleteCommand, events: StoreEvent[]): ApplyResult {
    const key = objectKey(cmd.resource, cmd.namespace, cmd.name);
    const old = this.objects.get(key);
    if (!old) return fail('NotFound', `${cmd.name} not found`);
    const pre = cmd.preconditions;
    if (pre?.uid && pre.uid !== old.metadata.uid) {
      return fail(
        'Conflict',
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
      return fail(
        'Conflict',
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`,
      );
    }
    const finalizers = [...(old.metadata.finalizers ?? [])];
    const policyFinalizer =
      cmd.propagationPolicy === 'Foreground'
        ? 'foregroundDeletion'
        : cmd.propagationPolicy === 'Orphan'
          ? 'orphan'
          : undefined;
    // The policy finalizer is added only on the first delete (Kubernetes ignores a changed policy later).
    if (policyFinalizer && !old.metadata.deletionTimestamp && !finalizers.includes(policyFinalizer)) {
      finalizers.push(policyFinalizer);
    }
    const graceful = cmd.gracePeriodSeconds > 0;
    // A namespace with spec.finalizers is not removed but turns Terminating; the namespace controller empties
    // it, then clears spec.finalizers through namespaces/finalize (Kubernetes' namespace strategy).
    const terminating = isNamespaceHeld(cmd.resource, old);
    if (finalizers.length === 0 && !graceful && !terminating)
      return this.remove(index, cmd.resource, key, old, old, events);
    const shortens =
      old.metadata.deletionGracePeriodSeconds === undefined ||
      cmd.gracePeriodSeconds < old.metadata.deletionGracePeriodSeconds;
    if (
      old.metadata.deletionTimestamp &&
      !shortens &&
      finalizers.length === (old.metadata.finalizers ?? []).length
    ) {
      return { ok: true, object: old, deleted: false };
    }
    const deletionTimestamp =
      old.metadata.deletionTimestamp && !shortens
        ? old.metadata.deletionTimestamp
        : addSeconds(cmd.now, cmd.gracePeriodSeconds);
    // The new version shares old's frozen parts; only the changed metadata is new.
    const metadata: StoredObject['metadata'] = {
      ...old.metadata,
      deletionTimestamp,
      deletionGracePeriodSeconds: shortens
        ? cmd.gracePeriodSeconds
        : (old.metadata.deletionGracePeriodSeconds ?? 0),
      resourceVersion: String(index),
    };
    if (finalizers.length > 0) metadata.finalizers = finalizers;
    else delete metadata.finalizers;
    const object = freeze({
      ...old,
      metadata,
      ...(terminating
        ? { status: { ...((old.status as object | undefined) ?? {}), phase: 'Terminating' } }
        : {}),
    });
    this.put(cmd.resource, key, object);
    events.push({ type: 'MODIFIED', resource: cmd.resource, object, prev: old, revision: index });
    return { ok: true, object, deleted: false };
  }

  private remove(
    index: number,
    resource: ResourceKey,
    key: string,
    last: StoredObject,
    prev: StoredObject,
    events: StoreEvent[],
  ): ApplyResult {
    this.objects.delete(key);
    this.byResource.get(resource)?.delete(key);
    this.byNamespace.get(`${resource}/${last.metadata.namespace ?? ''}`)?.delete(key);
    const object = freeze({ ...last, metadata: { ...last.metadata, resourceVersion: String(index) } });
    events.push({ type: 'DELETED', resource, object, prev, revision: index });
    return { ok: true, object, deleted: true };
  }

  private put(resource: ResourceKey, key: string, object: StoredObject): void {
    this.objects.set(key, object);
    const keys = this.byResource.get(resource) ?? new Set<string>();
    this.byResource.set(resource, keys);
    keys.add(key);
    const nsKey = `${resource}/${object.metadata.namespace ?? ''}`;
    const nsKeys = this.byNamespace.get(nsKey) ?? new Set<string>();
    this.byNamespace.set(nsKey, nsKeys);
    nsKeys.add(key);
  }

  snapshot(): StoreSnapshot {
    const objects: { resource: ResourceKey; object: StoredObject }[] = [];
    const position = new Map<StoredObject, number>();
    for (const [resource, keys] of this.byResource) {
      for (const k of keys) {
        const object = this.objects.get(k);
        if (!object) continue;
        position.set(object, objects.length);
        objects.push({ resource, object });
      }
    }
    const recent: [string, ApplyResult | ResultAt][] = [];
    for (const [id, r] of this.recent) {
      const at = r.ok ? position.get(r.object) : undefined;
      recent.push([id, r.ok && at !== undefined ? { ok: true, deleted: r.deleted, objectAt: at } : r]);
    }
    return { revision: this.rev, objects, fences: [...this.fences], recent };
  }

  /** Replaces the whole content with a snapshot (a follower installing the leader's state). */
  restore(s: StoreSnapshot): void {
    this.objects.clear();
    this.byResource.clear();
    this.byNamespace.clear();
    this.fences.clear();
    this.recent.clear();
    const restored: StoredObject[] = [];
    for (const { resource, object } of s.objects) {
      const copy = freeze(structuredClone(object));
      restored.push(copy);
      this.put(resource, objectKey(resource, object.metadata.namespace, object.metadata.name), copy);
    }
    for (const [lease, token] of s.fences) this.fences.set(lease, token);
    for (const [id, r] of s.recent) {
      if (!('objectAt' in r)) {
        this.recent.set(id, r);
        continue;
      }
      const object = restored[r.objectAt];
      if (!object)
        throw new Error(`snapshot result ${id} refers to object ${r.objectAt} of ${restored.length}`);
      this.recent.set(id, { ok: true, object, deleted: r.deleted });
    }
    this.rev = s.revision;
  }
}

function fail(reason: Extract<ApplyResult, { ok: false }>['reason'], message: string): ApplyResult {
  return { ok: false, reason, message };
}

/** A namespace whose spec.finalizers still lists someone (the `kubernetes` finalizer): not removable yet. */
function isNamespaceHeld(resource: string, o: StoredObject): boolean {
  if (resource !== 'core/namespaces') return false;
  const f = (o.spec as { finalizers?: unknown } | undefined)?.finalizers;
  return Array.isArray(f) && f.length > 0;
}

/** Applies the status-subresource rules: the main resource cannot change status, /status only changes it. */
function mergeForScope(old: StoredObject, next: StoredObject, scope: UpdateCommand['scope']): StoredObject {
  if (scope === 'all') return next;
  if (scope === 'main') {
    const merged: StoredObject = { ...next };
    if (old.status === undefined) delete merged.status;
    else merged.status = old.status; // frozen: shared, not copied
    return merged;
  }
  // status: everything but status (and the labels/annotations a status writer may not touch) stays —
  // except a Deployment's annotations: Kubernetes' deploymentStatusStrategy resets only spec and labels, and
  // the deployment controller records `deployment.kubernetes.io/revision` through its status writes.
  // `next` is the store's own copy and old's parts are frozen, so both are shared rather than copied.
  const merged: StoredObject = { ...old, status: next.status };
  if (old.kind === 'Deployment' && next.metadata.annotations !== undefined) {
    merged.metadata = { ...merged.metadata, annotations: next.metadata.annotations };
  }
  return merged;
}

/** Generation counts changes of everything but metadata and status (Kubernetes bumps it on spec changes). */
function specChanged(old: StoredObject, next: StoredObject): boolean {
  const { metadata: _a, status: _b, ...oldRest } = old;
  const { metadata: _c, status: _d, ...nextRest } = next;
  return !sameJson(oldRest, nextRest);
}

/** deletionTimestamp and deletionGracePeriodSeconds are set only by delete; an update cannot set or clear them. */
function keepDeletionMarks(old: StoredObject, next: StoredObject): void {
  const m = next.metadata;
  if (old.metadata.deletionTimestamp) {
    m.deletionTimestamp = old.metadata.deletionTimestamp;
    if (old.metadata.deletionGracePeriodSeconds !== undefined)
      m.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
  } else {
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
  }
}

function addSeconds(rfc3339: string, seconds: number): string {
  return new Date(Date.parse(rfc3339) + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
