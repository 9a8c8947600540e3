/**
 * An in-memory {@link ApiClient} for controller and scheduler unit tests (client-go's `fake.Clientset` with its
 * object tracker and watch): objects with resourceVersions from one counter, uid/creationTimestamp/generateName,
 * 404/409 AlreadyExists/409 Conflict, label and field selectors, merge/strategic/JSON patches (via @kubelab/patch),
 * the `status`, `binding` and `scale` subresources, finalizers and deletionTimestamp, and watches that replay
 * from a resourceVersion — so a real SharedInformerFactory runs against it unchanged. Every call is recorded in
 * {@link FakeApi.actions}; {@link FakeApi.react} injects failures.
 *
 * Not the api's admission (no defaults, no validation): tests write the objects they mean.
 */
import {
  type ApiClient,
  ApiError,
  type CreateOptions,
  type DeleteCollectionOptions,
  type DeleteOptions,
  type GetOptions,
  type KubeList,
  type KubeObject,
  type ListAllOptions,
  type ListOptions,
  type PatchOptions,
  type ResourceRef,
  type WatchEvent,
  type WatchOptions,
  type WriteOptions,
  failureStatus,
  qualifiedResource,
} from '@kubelab/api-client';
import {
  compileFieldSelector,
  findResource,
  generateName,
  labelSelectorMatches,
  parseLabelSelector,
} from '@kubelab/api-types';
import type { Clock } from '@kubelab/clock';
import { applyPatch } from '@kubelab/patch';
import { rfc3339 } from '../time.js';

/** One recorded call. */
export interface FakeAction {
  readonly verb: 'get' | 'list' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection' | 'watch';
  readonly resource: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
  /** The object written (create/update) or the patch body. */
  readonly body?: unknown;
  readonly options?: unknown;
}

/** Returns an error to fail the call with, or undefined to let it through. */
export type Reactor = (action: FakeAction) => Error | undefined;

interface Stored {
  readonly ref: ResourceRef;
  obj: KubeObject;
}

interface HistoryEntry {
  readonly rv: number;
  readonly resource: string;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly obj: KubeObject;
}

interface Watcher {
  readonly resource: string;
  readonly match: (obj: KubeObject) => boolean;
  push(ev: WatchEvent<KubeObject>): void;
}

const clone = <T>(v: T): T => structuredClone(v);

function resourceKey(ref: ResourceRef): string {
  return `${ref.group}/${ref.resource}`;
}

function kindOf(ref: ResourceRef): string {
  return findResource(ref.group, ref.version, ref.resource)?.kind ?? ref.resource;
}

function objKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

export interface FakeApiConfig {
  readonly clock: Clock;
  /** For generateName suffixes and uids; default a counter. */
  readonly rng?: { next(): number };
}

export class FakeApi implements ApiClient {
  readonly actions: FakeAction[] = [];
  readonly #clock: Clock;
  readonly #rng: { next(): number };
  readonly #store = new Map<string, Map<string, Stored>>();
  readonly #history: HistoryEntry[] = [];
  readonly #watchers = new Set<Watcher>();
  readonly #reactors: Reactor[] = [];
  #rv = 0;
  #uids = 0;

  constructor(cfg: FakeApiConfig) {
    this.#clock = cfg.clock;
    let n = 0;
    const next = () => {
      n = (n * 7919 + 104729) % 1_000_003;
      return n / 1_000_003;
    };
    this.#rng = cfg.rng ?? { next };
  }

  /** Fails calls for which `reactor` returns an error (until removed with the returned function). */
  react(reactor: Reactor): () => void {
    this.#reactors.push(reactor);
    return () => {
      const i = this.#reactors.indexOf(reactor);
      if (i >= 0) this.#reactors.splice(i, 1);
    };
  }

  /** Puts objects in as if created (with events), without recording actions. */
  seed(ref: ResourceRef, ...objs: KubeObject[]): KubeObject[] {
    return objs.map((o) => this.#insert(ref, clone(o), o.metadata.namespace));
  }

  /** The stored objects of a resource (copies), optionally one namespace. */
  objects<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace?: string): T[] {
    const m = this.#store.get(resourceKey(ref));
    if (!m) return [];
    return [...m.values()]
      .map((s) => s.obj)
      .filter((o) => namespace === undefined || o.metadata.namespace === namespace)
      .map((o) => clone(o) as T);
  }

  /** One stored object (a copy) or undefined. */
  object<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    name: string,
    namespace?: string,
  ): T | undefined {
    const s = this.#store.get(resourceKey(ref))?.get(objKey(ref.namespaced ? namespace : undefined, name));
    return s ? (clone(s.obj) as T) : undefined;
  }

  /** Recorded writes (everything but get/list/watch), optionally of one resource. */
  writes(resource?: string): FakeAction[] {
    return this.actions.filter(
      (a) =>
        !['get', 'list', 'watch'].includes(a.verb) && (resource === undefined || a.resource === resource),
    );
  }

  get resourceVersion(): number {
    return this.#rv;
  }

  #record(action: FakeAction): void {
    this.actions.push(action);
    for (const r of this.#reactors) {
      const err = r(action);
      if (err) throw err;
    }
  }

  #notFound(ref: ResourceRef, name: string): ApiError {
    return new ApiError({
      ...failureStatus(404, `${qualifiedResource(ref)} "${name}" not found`, 'NotFound'),
      details: { name, group: ref.group, kind: ref.resource },
    });
  }

  #emit(ref: ResourceRef, type: HistoryEntry['type'], obj: KubeObject): void {
    const entry = { rv: this.#rv, resource: resourceKey(ref), type, obj: clone(obj) };
    this.#history.push(entry);
    for (const w of this.#watchers) {
      if (w.resource === entry.resource && w.match(entry.obj)) w.push({ type, object: clone(entry.obj) });
    }
  }

  #bucket(ref: ResourceRef): Map<string, Stored> {
    let m = this.#store.get(resourceKey(ref));
    if (!m) {
      m = new Map();
      this.#store.set(resourceKey(ref), m);
    }
    return m;
  }

  #insert(ref: ResourceRef, obj: KubeObject, namespace: string | undefined): KubeObject {
    const ns = ref.namespaced ? (namespace ?? obj.metadata.namespace ?? 'default') : undefined;
    const meta = obj.metadata;
    if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName, this.#rng);
    if (!meta.name) throw new ApiError(failureStatus(422, 'name or generateName is required', 'Invalid'));
    const bucket = this.#bucket(ref);
    const key = objKey(ns, meta.name);
    if (bucket.has(key)) {
      throw new ApiError({
        ...failureStatus(409, `${qualifiedResource(ref)} "${meta.name}" already exists`, 'AlreadyExists'),
        details: { name: meta.name, group: ref.group, kind: ref.resource },
      });
    }
    if (ns !== undefined) meta.namespace = ns;
    meta.uid ??= `uid-${++this.#uids}`;
    meta.creationTimestamp ??= rfc3339(this.#clock.wallNow());
    meta.resourceVersion = String(++this.#rv);
    if (meta.generation === undefined && obj.spec !== undefined) meta.generation = 1;
    obj.apiVersion ??= ref.group ? `${ref.group}/${ref.version}` : ref.version;
    obj.kind ??= kindOf(ref);
    bucket.set(key, { ref, obj });
    this.#emit(ref, 'ADDED', obj);
    return clone(obj);
  }

  #replace(ref: ResourceRef, stored: Stored, next: KubeObject): KubeObject {
    const prev = stored.obj;
    if (prev.metadata.uid !== undefined) next.metadata.uid = prev.metadata.uid;
    next.metadata.creationTimestamp = prev.metadata.creationTimestamp;
    next.metadata.resourceVersion = String(++this.#rv);
    const specChanged = JSON.stringify(prev.spec) !== JSON.stringify(next.spec);
    next.metadata.generation = (prev.metadata.generation ?? 1) + (specChanged ? 1 : 0);
    // An object being deleted whose last finalizer went away is gone.
    if (next.metadata.deletionTimestamp && finalizersOf(next).length === 0) {
      this.#bucket(ref).delete(objKey(next.metadata.namespace, next.metadata.name ?? ''));
      this.#emit(ref, 'DELETED', next);
      return clone(next);
    }
    stored.obj = next;
    this.#emit(ref, 'MODIFIED', next);
    return clone(next);
  }

  #find(ref: ResourceRef, name: string, namespace: string | undefined): Stored {
    const s = this.#store
      .get(resourceKey(ref))
      ?.get(objKey(ref.namespaced ? (namespace ?? 'default') : undefined, name));
    if (!s) throw this.#notFound(ref, name);
    return s;
  }

  async get<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    name: string,
    opts: GetOptions = {},
  ): Promise<T> {
    this.#record({
      verb: 'get',
      resource: ref.resource,
      name,
      ...ns(opts.namespace),
      ...sub(opts.subresource),
    });
    return clone(this.#find(ref, name, opts.namespace).obj) as T;
  }

  async list<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    opts: ListOptions = {},
  ): Promise<KubeList<T>> {
    this.#record({ verb: 'list', resource: ref.resource, ...ns(opts.namespace), options: opts });
    const match = this.#matcher(ref, opts);
    const items = [...(this.#store.get(resourceKey(ref))?.values() ?? [])]
      .map((s) => s.obj)
      .filter((o) => (opts.namespace === undefined || o.metadata.namespace === opts.namespace) && match(o))
      .map((o) => clone(o) as T);
    return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: String(this.#rv) }, items };
  }

  listAll<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    opts: ListAllOptions = {},
  ): Promise<KubeList<T>> {
    const { pageSize: _p, maxPages: _m, fullListIfExpired: _f, ...rest } = opts;
    return this.list<T>(ref, rest);
  }

  #matcher(
    ref: ResourceRef,
    opts: { labelSelector?: string; fieldSelector?: string },
  ): (o: KubeObject) => boolean {
    const labels = opts.labelSelector ? parseLabelSelector(opts.labelSelector) : undefined;
    const fields = opts.fieldSelector ? compileFieldSelector(kindOf(ref), opts.fieldSelector) : undefined;
    return (o) => (!labels || labelSelectorMatches(labels, o.metadata.labels)) && (!fields || fields(o));
  }

  async create<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    obj: KubeObject,
    opts: CreateOptions = {},
  ): Promise<T> {
    this.#record({
      verb: 'create',
      resource: ref.resource,
      ...ns(opts.namespace),
      ...sub(opts.subresource),
      ...(opts.name ? { name: opts.name } : {}),
      body: clone(obj),
    });
    if (opts.dryRun) return clone(obj) as T;
    if (opts.subresource === 'binding' && opts.name) {
      const pod = this.#find(ref, opts.name, opts.namespace);
      if ((pod.obj.spec as { nodeName?: string } | undefined)?.nodeName) {
        throw new ApiError(failureStatus(409, `pod ${opts.name} is already assigned to a node`, 'Conflict'));
      }
      const target = (obj as { target?: { name?: string } }).target?.name ?? '';
      const next = clone(pod.obj);
      next.spec = { ...(next.spec as object), nodeName: target };
      // As the api (kube-apiserver's assignPod): the binding records PodScheduled=True too.
      const status = (next.status ?? {}) as { conditions?: { type: string }[] };
      const conditions = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
      const scheduled = {
        type: 'PodScheduled',
        status: 'True',
        lastTransitionTime: rfc3339(this.#clock.wallNow()),
      };
      next.status = { ...status, conditions: [...conditions, scheduled] };
      this.#replace(ref, pod, next);
      return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } as unknown as T;
    }
    if (opts.subresource === 'eviction' && opts.name) {
      return (await this.delete(ref, opts.name, { ...ns(opts.namespace) })) as T;
    }
    return this.#insert(ref, clone(obj), opts.namespace) as T;
  }

  async update<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    obj: T,
    opts: WriteOptions = {},
  ): Promise<T> {
    const namespace = opts.namespace ?? obj.metadata.namespace;
    const name = obj.metadata.name ?? '';
    this.#record({
      verb: 'update',
      resource: ref.resource,
      name,
      ...ns(namespace),
      ...sub(opts.subresource),
      body: clone(obj),
    });
    const stored = this.#find(ref, name, namespace);
    const rv = obj.metadata.resourceVersion;
    if (rv && rv !== stored.obj.metadata.resourceVersion) {
      throw new ApiError({
        ...failureStatus(
          409,
          `Operation cannot be fulfilled on ${qualifiedResource(ref)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
          'Conflict',
        ),
        details: { name, group: ref.group, kind: ref.resource },
      });
    }
    if (opts.dryRun) return clone(obj);
    let next: KubeObject;
    if (opts.subresource === 'status') {
      // As the api's status strategy: the stored spec and generation stay, metadata (annotations) and status are written.
      next = {
        ...clone(stored.obj),
        metadata: { ...clone(obj.metadata), generation: stored.obj.metadata.generation ?? 1 },
        status: clone(obj.status),
      };
    } else if (opts.subresource === 'scale') {
      next = clone(stored.obj);
      const replicas = (obj.spec as { replicas?: number } | undefined)?.replicas;
      next.spec = { ...(next.spec as object), replicas };
    } else {
      next = clone(obj);
      // The main resource ignores status changes, as the api's strategies do for kinds with a status subresource.
      if (stored.obj.status !== undefined || next.status !== undefined)
        next.status = clone(stored.obj.status);
    }
    return this.#replace(ref, stored, next) as T;
  }

  updateStatus<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    obj: T,
    opts: WriteOptions = {},
  ): Promise<T> {
    return this.update(ref, obj, { ...opts, subresource: 'status' });
  }

  async patch<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    name: string,
    patch: unknown,
    opts: PatchOptions = {},
  ): Promise<T> {
    this.#record({
      verb: 'patch',
      resource: ref.resource,
      name,
      ...ns(opts.namespace),
      ...sub(opts.subresource),
      body: clone(patch),
      options: { patchType: opts.patchType },
    });
    const stored = this.#find(ref, name, opts.namespace);
    const type = {
      json: 'application/json-patch+json',
      merge: 'application/merge-patch+json',
      strategic: 'application/strategic-merge-patch+json',
      apply: 'application/apply-patch+yaml',
    }[opts.patchType ?? 'merge'];
    const body = typeof patch === 'string' ? patch : JSON.stringify(patch);
    const patched = applyPatch(type, clone(stored.obj) as never, body, {
      group: ref.group,
      kind: kindOf(ref),
    }) as KubeObject;
    if (opts.dryRun) return patched as T;
    let next = patched;
    if (opts.subresource === 'status') next = { ...clone(stored.obj), status: patched.status };
    else if (stored.obj.status !== undefined && ref.resource !== 'events')
      next = { ...patched, status: clone(stored.obj.status) };
    return this.#replace(ref, stored, next) as T;
  }

  async delete(ref: ResourceRef, name: string, opts: DeleteOptions = {}): Promise<unknown> {
    this.#record({ verb: 'delete', resource: ref.resource, name, ...ns(opts.namespace), options: opts });
    const stored = this.#find(ref, name, opts.namespace);
    const pre = opts.preconditions;
    if (
      (pre?.uid && pre.uid !== stored.obj.metadata.uid) ||
      (pre?.resourceVersion && pre.resourceVersion !== stored.obj.metadata.resourceVersion)
    ) {
      throw new ApiError(
        failureStatus(409, `Precondition failed for ${qualifiedResource(ref)} "${name}"`, 'Conflict'),
      );
    }
    if (opts.dryRun) return clone(stored.obj);
    const finalizers = [...finalizersOf(stored.obj)];
    if (opts.propagationPolicy === 'Foreground' && !finalizers.includes('foregroundDeletion'))
      finalizers.push('foregroundDeletion');
    if (opts.propagationPolicy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
    if (finalizers.length > 0) {
      const next = clone(stored.obj);
      next.metadata.finalizers = finalizers;
      next.metadata.deletionTimestamp ??= rfc3339(this.#clock.wallNow());
      return this.#replace(ref, stored, next);
    }
    this.#bucket(ref).delete(objKey(stored.obj.metadata.namespace, name));
    ++this.#rv;
    const gone = clone(stored.obj);
    gone.metadata.resourceVersion = String(this.#rv);
    this.#emit(ref, 'DELETED', gone);
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name, kind: ref.resource, uid: gone.metadata.uid },
    };
  }

  async deleteCollection(ref: ResourceRef, opts: DeleteCollectionOptions = {}): Promise<unknown> {
    this.#record({ verb: 'deletecollection', resource: ref.resource, ...ns(opts.namespace), options: opts });
    const list = await this.list(ref, opts);
    this.actions.pop();
    for (const o of list.items)
      await this.delete(ref, o.metadata.name ?? '', { ...opts, ...ns(o.metadata.namespace) });
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' };
  }

  watch<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    opts: WatchOptions = {},
  ): AsyncIterable<WatchEvent<T>> {
    this.#record({
      verb: 'watch',
      resource: ref.resource,
      ...ns(opts.namespace),
      options: { ...opts, signal: undefined },
    });
    const match = this.#matcher(ref, opts);
    const inNs = (o: KubeObject) => opts.namespace === undefined || o.metadata.namespace === opts.namespace;
    const resource = resourceKey(ref);
    const queue: WatchEvent<T>[] = [];
    let wake: (() => void) | undefined;
    const watcher: Watcher = {
      resource,
      match: (o) => inNs(o) && match(o),
      push: (ev) => {
        queue.push(ev as WatchEvent<T>);
        wake?.();
      },
    };
    const from = Number(opts.resourceVersion ?? '0');
    if (from > 0) {
      for (const h of this.#history) {
        if (h.rv > from && h.resource === resource && watcher.match(h.obj))
          queue.push({ type: h.type, object: clone(h.obj) as T });
      }
    } else {
      for (const s of this.#store.get(resource)?.values() ?? []) {
        if (watcher.match(s.obj)) queue.push({ type: 'ADDED', object: clone(s.obj) as T });
      }
    }
    this.#watchers.add(watcher);
    const watchers = this.#watchers;
    const signal = opts.signal;
    return {
      async *[Symbol.asyncIterator]() {
        const onAbort = () => wake?.();
        signal?.addEventListener('abort', onAbort);
        try {
          while (!signal?.aborted) {
            const ev = queue.shift();
            if (ev) {
              yield ev;
              continue;
            }
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
            wake = undefined;
          }
        } finally {
          signal?.removeEventListener('abort', onAbort);
          watchers.delete(watcher);
        }
      },
    };
  }
}

function finalizersOf(o: KubeObject): readonly string[] {
  const f = o.metadata.finalizers;
  return Array.isArray(f) ? (f as string[]) : [];
}

function ns(namespace: string | undefined): { namespace?: string } {
  return namespace === undefined ? {} : { namespace };
}

function sub(subresource: string | undefined): { subresource?: string } {
  return subresource === undefined ? {} : { subresource };
}
