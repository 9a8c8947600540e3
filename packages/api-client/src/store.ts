/**
 * The informer's cache (client-go tools/cache `thread_safe_store.go`, `index.go`, `store.go`): objects by
 * `namespace/name` key, plus named indexes (`byNode` → keys). JavaScript runs one callback at a time, so the
 * "thread safety" that matters here is that nobody can change a cached object: every object is deep-frozen
 * on the way in (STYLE.md principle 7), and callers `structuredClone` before editing.
 */
import { AssertionError } from 'node:assert';
import type { KubeObject } from './types.js';

/** Maps an object to the values it is indexed under (e.g. its node's name); `[]` leaves it out. */
export type IndexFunc<T> = (obj: T) => readonly string[];

/**
 * What a delete handler gets when the informer missed the deletion itself (it happened while the watch was
 * down, and the relist no longer has the object): the key and the last state the cache knew.
 */
export class DeletedFinalStateUnknown<T> {
  constructor(
    readonly key: string,
    readonly obj: T,
  ) {
    Object.freeze(this);
  }
}

/** `namespace/name`, or `name` for a cluster-scoped object (client-go `MetaNamespaceKeyFunc`). */
export function metaNamespaceKey(obj: KubeObject): string {
  const { name, namespace } = obj.metadata;
  if (name === undefined || name === '')
    throw new AssertionError({ message: 'object without metadata.name' });
  return namespace ? `${namespace}/${name}` : name;
}

/** The key of an object or of a tombstone (client-go `DeletionHandlingMetaNamespaceKeyFunc`). */
export function deletionHandlingKey<T extends KubeObject>(obj: T | DeletedFinalStateUnknown<T>): string {
  return obj instanceof DeletedFinalStateUnknown ? obj.key : metaNamespaceKey(obj);
}

/** Splits `ns/name` (or `name`) back into its parts. */
export function splitMetaNamespaceKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  if (slash < 0) return { namespace: undefined, name: key };
  if (key.indexOf('/', slash + 1) >= 0)
    throw new AssertionError({ message: `bad key ${JSON.stringify(key)}` });
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** Freezes `value` and everything reachable from it; returns it. Already frozen parts are skipped. */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
  return value;
}

/** The differences a `replace` found, in the order handlers should hear about them. */
export interface ReplaceDiff<T> {
  readonly added: T[];
  readonly updated: { readonly old: T; readonly obj: T }[];
  /** Objects the cache had and the new list lacks (their deletion was missed). */
  readonly deleted: DeletedFinalStateUnknown<T>[];
}

/** Read access to the cache (client-go Listers). */
export interface Lister<T extends KubeObject> {
  /** The object `name` in `namespace` (pass `undefined` for cluster-scoped), or undefined. */
  get(namespace: string | undefined, name: string): T | undefined;
  getByKey(key: string): T | undefined;
  /** Every cached object that `selector` accepts (all of them without one), in key order. */
  list(selector?: (obj: T) => boolean): T[];
  /** Like `list`, within one namespace. */
  listNamespace(namespace: string, selector?: (obj: T) => boolean): T[];
  /** The objects indexed under `value` by the index `indexName`. */
  byIndex(indexName: string, value: string): T[];
}

/** The index that `listNamespace` uses; every indexer has it. */
export const NAMESPACE_INDEX = 'namespace';

/**
 * The cache: objects by key, plus indexes. Writers are the informer only; readers go through {@link Lister}.
 *
 * @example
 * const store = new Indexer<Pod>();
 * store.addIndexer('byNode', (p) => (p.spec.nodeName ? [p.spec.nodeName] : []));
 * store.upsert(pod);
 * store.byIndex('byNode', 'node-0'); // frozen pods bound to node-0
 */
export class Indexer<T extends KubeObject> implements Lister<T> {
  /** Invariant: every object here is deep-frozen and `items.get(metaNamespaceKey(o)) === o`. */
  readonly #items = new Map<string, T>();
  readonly #indexFns = new Map<string, IndexFunc<T>>();
  /** index name → value → keys; invariant: consistent with `#items` after every public call. */
  readonly #indices = new Map<string, Map<string, Set<string>>>();

  constructor() {
    this.addIndexer(NAMESPACE_INDEX, (o) => (o.metadata.namespace ? [o.metadata.namespace] : []));
  }

  get size(): number {
    return this.#items.size;
  }

  /** Adds an index; existing objects are indexed at once. A duplicate name is a programming error. */
  addIndexer(name: string, fn: IndexFunc<T>): void {
    if (this.#indexFns.has(name)) throw new AssertionError({ message: `index ${name} already exists` });
    this.#indexFns.set(name, fn);
    this.#indices.set(name, new Map());
    for (const [key, obj] of this.#items) this.#indexOne(name, fn, key, obj);
  }

  /** Adds or replaces the object under its key (frozen in place); returns the previous one. */
  upsert(obj: T): T | undefined {
    const key = metaNamespaceKey(obj);
    deepFreeze(obj);
    const old = this.#items.get(key);
    if (old !== undefined) this.#unindex(key, old);
    this.#items.set(key, obj);
    for (const [name, fn] of this.#indexFns) this.#indexOne(name, fn, key, obj);
    return old;
  }

  /** Removes the object with this key; returns it. */
  deleteKey(key: string): T | undefined {
    const old = this.#items.get(key);
    if (old === undefined) return undefined;
    this.#unindex(key, old);
    this.#items.delete(key);
    return old;
  }

  /**
   * Makes the cache hold exactly `items` and says what changed: new keys are `added`, keys whose
   * resourceVersion moved are `updated`, missing keys are `deleted` (as tombstones, in key order). An object
   * whose resourceVersion did not change keeps its cached identity.
   */
  replace(items: readonly T[]): ReplaceDiff<T> {
    const diff: ReplaceDiff<T> = { added: [], updated: [], deleted: [] };
    const seen = new Set<string>();
    for (const obj of items) {
      const key = metaNamespaceKey(obj);
      seen.add(key);
      const old = this.#items.get(key);
      if (old === undefined) diff.added.push(obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) diff.updated.push({ old, obj });
      else continue;
      this.upsert(obj);
    }
    const gone = [...this.#items.keys()].filter((k) => !seen.has(k)).sort();
    for (const key of gone) {
      const old = this.deleteKey(key);
      if (old !== undefined) diff.deleted.push(new DeletedFinalStateUnknown(key, old));
    }
    return diff;
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.#items.get(namespace ? `${namespace}/${name}` : name);
  }

  getByKey(key: string): T | undefined {
    return this.#items.get(key);
  }

  listKeys(): string[] {
    return [...this.#items.keys()].sort();
  }

  list(selector?: (obj: T) => boolean): T[] {
    const out: T[] = [];
    for (const key of this.listKeys()) {
      const obj = this.#items.get(key);
      if (obj !== undefined && (selector === undefined || selector(obj))) out.push(obj);
    }
    return out;
  }

  listNamespace(namespace: string, selector?: (obj: T) => boolean): T[] {
    const objs = this.byIndex(NAMESPACE_INDEX, namespace);
    return selector === undefined ? objs : objs.filter(selector);
  }

  /** The keys indexed under `value`, sorted. An unknown index is a programming error. */
  indexKeys(indexName: string, value: string): string[] {
    const index = this.#indices.get(indexName);
    if (index === undefined) throw new AssertionError({ message: `no index named ${indexName}` });
    return [...(index.get(value) ?? [])].sort();
  }

  byIndex(indexName: string, value: string): T[] {
    return this.indexKeys(indexName, value).flatMap((k) => {
      const obj = this.#items.get(k);
      return obj === undefined ? [] : [obj];
    });
  }

  /** The values an index currently has entries for. */
  indexValues(indexName: string): string[] {
    return [...(this.#indices.get(indexName)?.keys() ?? [])].sort();
  }

  #indexOne(name: string, fn: IndexFunc<T>, key: string, obj: T): void {
    const index = this.#indices.get(name);
    if (index === undefined) return;
    for (const value of new Set(fn(obj))) {
      const keys = index.get(value);
      if (keys === undefined) index.set(value, new Set([key]));
      else keys.add(key);
    }
  }

  #unindex(key: string, obj: T): void {
    for (const [name, fn] of this.#indexFns) {
      const index = this.#indices.get(name);
      if (index === undefined) continue;
      for (const value of fn(obj)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
    }
  }
}
