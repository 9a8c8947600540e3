/**
 * The shared informer (client-go tools/cache `shared_informer.go`): one reflector feeding one cache, and any
 * number of event handlers. Handlers run synchronously, in event order, right after the cache changed, and
 * see deep-frozen objects; they should only turn objects into keys and enqueue them (STYLE.md principle 6).
 * A handler that throws is a bug: it is logged (and counted in `handlerErrors`) and the others still run;
 * an AssertionError is not caught (STYLE.md principle 4: it ends `run`, and the process).
 *
 * Resync: every handler with a `resyncPeriodMs` gets `onUpdate(obj, obj)` for every cached object that
 * often, so a controller whose sync failed quietly gets another chance (replica_set.go's reason to enqueue
 * on every update).
 */
import { AssertionError } from 'node:assert';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Clock, Rng, Timer } from '@kubelab/clock';
import type { Logger } from '@kubelab/telemetry';
import type { BackoffOptions } from './backoff.js';
import type { ApiClient } from './client.js';
import type { SelectorOptions } from './options.js';
import { Reflector, type ReflectorSink, type ReflectorStats } from './reflector.js';
import { type ResourceRef, qualifiedResource } from './resources.js';
import {
  type DeletedFinalStateUnknown,
  type IndexFunc,
  Indexer,
  type Lister,
  deepFreeze,
  metaNamespaceKey,
} from './store.js';
import type { KubeObject } from './types.js';

/** Callbacks for cache changes; all optional. Objects are frozen: `structuredClone` before editing. */
export interface EventHandler<T extends KubeObject> {
  /** `isInInitialList`: the object came with the first list (or the replay for a late handler). */
  onAdd?(obj: T, isInInitialList: boolean): void;
  /** Also called with `old === obj` on resync. */
  onUpdate?(old: T, obj: T): void;
  /** A tombstone when the deletion itself was missed (see {@link DeletedFinalStateUnknown}). */
  onDelete?(obj: T | DeletedFinalStateUnknown<T>): void;
}

/** Per-handler options. */
export interface HandlerOptions {
  /** 0 (the default unless the informer sets one): no resync for this handler. */
  readonly resyncPeriodMs?: number;
}

/** A registered handler. */
export interface HandlerRegistration {
  /** Stops delivering to this handler. */
  remove(): void;
  /** True once the handler has been told about the informer's initial list. */
  hasSynced(): boolean;
}

/** One resource's informer. */
export interface SharedInformer<T extends KubeObject> {
  readonly ref: ResourceRef;
  /** Lists, watches and dispatches until `signal` aborts; resolves then (rejects only for a bug). Call once. */
  run(signal: AbortSignal): Promise<void>;
  /** True once the first list is in the cache. */
  hasSynced(): boolean;
  /** Resolves true once synced, false if `signal` aborts (or the informer stops) first. */
  whenSynced(signal?: AbortSignal): Promise<boolean>;
  addEventHandler(handler: EventHandler<T>, opts?: HandlerOptions): HandlerRegistration;
  /** Adds an index to the cache (see {@link Indexer.addIndexer}). */
  addIndexer(name: string, fn: IndexFunc<T>): void;
  lister(): Lister<T>;
  /** The resourceVersion the cache is at. */
  lastSyncResourceVersion(): string;
  readonly stats: Readonly<ReflectorStats> & { readonly handlerErrors: number };
}

/** What an informer needs. */
export interface SharedInformerConfig extends SelectorOptions {
  readonly client: ApiClient;
  readonly ref: ResourceRef;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly logger: Logger;
  readonly namespace?: string;
  /** The default resync period of handlers added without one; 0 (default) disables resync. */
  readonly resyncPeriodMs?: number;
  readonly pageSize?: number;
  readonly backoff?: Partial<BackoffOptions>;
  readonly minWatchTimeoutSeconds?: number;
  readonly watchHeartbeatMs?: number;
  /**
   * Big deliveries (a list's adds, a resync) go to the handlers this many objects at a time, letting the
   * event loop run between (timers such as the lease renewal, sockets). Default {@link DELIVERY_CHUNK}.
   */
  readonly deliveryChunk?: number;
}

/**
 * Objects delivered between two turns of the event loop. A new term's list of 28,000 pods handed to every
 * controller's handlers in one synchronous pass kept the controller manager's thread busy for seconds, long
 * enough for its lease renewals to time out and the term to end — which started the next list.
 */
export const DELIVERY_CHUNK = 500;

interface Registration<T extends KubeObject> {
  readonly handler: EventHandler<T>;
  readonly resyncPeriodMs: number;
  nextResyncAtMs: number;
  synced: boolean;
  removed: boolean;
}

/**
 * Creates an informer (prefer {@link SharedInformerFactory} so controllers share one per resource).
 *
 * @example
 * const pods = newSharedInformer<Pod>({ client, ref: resources.pods, clock, rng, logger, resyncPeriodMs: 30_000 });
 * pods.addIndexer('byNode', (p) => (p.spec.nodeName ? [p.spec.nodeName] : []));
 * pods.addEventHandler({ onAdd: (p) => queue.add(metaNamespaceKey(p)) });
 * void pods.run(signal);
 * await pods.whenSynced(signal);
 * pods.lister().byIndex('byNode', 'node-0');
 */
export function newSharedInformer<T extends KubeObject>(cfg: SharedInformerConfig): SharedInformer<T> {
  return new SharedInformerImpl<T>(cfg);
}

/** See {@link SharedInformer}. */
export class SharedInformerImpl<T extends KubeObject> implements SharedInformer<T>, ReflectorSink<T> {
  readonly ref: ResourceRef;
  readonly #cfg: SharedInformerConfig;
  readonly #log: Logger;
  readonly #store = new Indexer<T>();
  readonly #reflector: Reflector<T>;
  #registrations: Registration<T>[] = [];
  #synced = false;
  #started = false;
  #stopped = false;
  #handlerErrors = 0;
  #resyncTimer: Timer | undefined;
  readonly #syncWaiters = new Set<(synced: boolean) => void>();

  constructor(cfg: SharedInformerConfig) {
    this.ref = cfg.ref;
    this.#cfg = cfg;
    this.#log = cfg.logger.child({ component: 'informer', resource: qualifiedResource(cfg.ref) });
    this.#reflector = new Reflector<T>({ ...cfg, sink: this });
  }

  get stats(): Readonly<ReflectorStats> & { readonly handlerErrors: number } {
    return { ...this.#reflector.stats, handlerErrors: this.#handlerErrors };
  }

  async run(signal: AbortSignal): Promise<void> {
    if (this.#started) throw new AssertionError({ message: `informer ${this.ref.resource} already started` });
    this.#started = true;
    try {
      await this.#reflector.run(signal);
    } finally {
      this.#stopped = true;
      this.#resyncTimer?.cancel();
      for (const resolve of this.#syncWaiters) resolve(this.#synced);
      this.#syncWaiters.clear();
    }
  }

  hasSynced(): boolean {
    return this.#synced;
  }

  whenSynced(signal?: AbortSignal): Promise<boolean> {
    if (this.#synced) return Promise.resolve(true);
    if (this.#stopped || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (synced: boolean) => {
        this.#syncWaiters.delete(done);
        signal?.removeEventListener('abort', onAbort);
        resolve(synced);
      };
      const onAbort = () => done(false);
      this.#syncWaiters.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  addEventHandler(handler: EventHandler<T>, opts: HandlerOptions = {}): HandlerRegistration {
    const resyncPeriodMs = opts.resyncPeriodMs ?? this.#cfg.resyncPeriodMs ?? 0;
    if (!(resyncPeriodMs >= 0)) throw new AssertionError({ message: `resyncPeriodMs ${resyncPeriodMs} < 0` });
    const reg: Registration<T> = {
      handler,
      resyncPeriodMs,
      nextResyncAtMs: this.#cfg.clock.now() + resyncPeriodMs,
      synced: false,
      removed: false,
    };
    this.#registrations = [...this.#registrations, reg];
    if (this.#synced) {
      // A late handler hears about every cached object, as if it had been there for the list.
      for (const obj of this.#store.list()) this.#call(reg, 'onAdd', () => handler.onAdd?.(obj, true));
      reg.synced = true;
      this.#armResync();
    }
    return {
      remove: () => {
        reg.removed = true;
        this.#registrations = this.#registrations.filter((r) => r !== reg);
      },
      hasSynced: () => reg.synced,
    };
  }

  addIndexer(name: string, fn: IndexFunc<T>): void {
    this.#store.addIndexer(name, fn);
  }

  lister(): Lister<T> {
    return this.#store;
  }

  lastSyncResourceVersion(): string {
    return this.#reflector.lastSyncResourceVersion;
  }

  /**
   * ReflectorSink: a full list. Adds (first sync: flagged initial), then updates, then tombstones, in chunks
   * with event-loop turns between them; the reflector starts the watch once this resolves.
   */
  async replace(items: T[], _resourceVersion: string): Promise<void> {
    const diff = this.#store.replace(items);
    const initial = !this.#synced;
    await this.#inChunks(diff.added, (obj) => this.#dispatch('onAdd', (h) => h.onAdd?.(obj, initial)));
    await this.#inChunks(diff.updated, ({ old, obj }) =>
      this.#dispatch('onUpdate', (h) => h.onUpdate?.(old, obj)),
    );
    await this.#inChunks(diff.deleted, (tomb) => this.#dispatch('onDelete', (h) => h.onDelete?.(tomb)));
    if (this.#stopped) return;
    if (initial) this.#becomeSynced();
    this.#log.debug(
      { added: diff.added.length, updated: diff.updated.length, deleted: diff.deleted.length },
      'cache replaced',
    );
  }

  /** ReflectorSink: ADDED / MODIFIED (an ADDED for a known key is an update, and vice versa). */
  upsert(obj: T): void {
    const old = this.#store.upsert(obj);
    if (old === undefined) this.#dispatch('onAdd', (h) => h.onAdd?.(obj, false));
    else this.#dispatch('onUpdate', (h) => h.onUpdate?.(old, obj));
  }

  /** ReflectorSink: DELETED; handlers get the final state the event carries. */
  delete(obj: T): void {
    this.#store.deleteKey(metaNamespaceKey(obj));
    deepFreeze(obj);
    this.#dispatch('onDelete', (h) => h.onDelete?.(obj));
  }

  #becomeSynced(): void {
    this.#synced = true;
    const now = this.#cfg.clock.now();
    for (const reg of this.#registrations) {
      reg.synced = true;
      reg.nextResyncAtMs = now + reg.resyncPeriodMs;
    }
    for (const resolve of this.#syncWaiters) resolve(true);
    this.#syncWaiters.clear();
    this.#armResync();
    this.#log.info({ objects: this.#store.size }, 'cache synced');
  }

  /** Calls `fn` for each item, yielding to the event loop after every `deliveryChunk` items. */
  async #inChunks<I>(items: readonly I[], fn: (item: I) => void): Promise<void> {
    const chunk = this.#cfg.deliveryChunk ?? DELIVERY_CHUNK;
    for (let i = 0; i < items.length; i++) {
      if (i > 0 && i % chunk === 0) await yieldToEventLoop();
      fn(items[i] as I);
    }
  }

  /** Calls `fn` for every current handler, in registration order. */
  #dispatch(what: string, fn: (h: EventHandler<T>) => void): void {
    for (const reg of this.#registrations) this.#call(reg, what, () => fn(reg.handler));
  }

  #call(reg: Registration<T>, what: string, fn: () => void): void {
    if (reg.removed) return;
    try {
      fn();
    } catch (err) {
      if (err instanceof AssertionError) throw err; // a bug the handler asserted: crash (principle 4)
      this.#handlerErrors++;
      this.#log.error({ err, handler: what }, 'event handler threw (a bug: handlers should only enqueue)');
    }
  }

  /** Arms one timer for the earliest handler resync that is due. */
  #armResync(): void {
    if (this.#stopped || !this.#synced) return;
    this.#resyncTimer?.cancel();
    this.#resyncTimer = undefined;
    const due = this.#registrations.filter((r) => r.resyncPeriodMs > 0).map((r) => r.nextResyncAtMs);
    if (due.length === 0) return;
    const delayMs = Math.max(0, Math.min(...due) - this.#cfg.clock.now());
    this.#resyncTimer = this.#cfg.clock.setTimer(delayMs, () => void this.#resync());
  }

  /**
   * Re-delivers every cached object as an update to each handler whose resync is due, in chunks; each object
   * is read from the cache when its turn comes, so a watch event handled in between is never undone.
   */
  async #resync(): Promise<void> {
    this.#resyncTimer = undefined;
    const now = this.#cfg.clock.now();
    const due = this.#registrations.filter((r) => r.resyncPeriodMs > 0 && r.nextResyncAtMs <= now);
    for (const reg of due) reg.nextResyncAtMs = now + reg.resyncPeriodMs;
    const keys = due.length > 0 ? this.#store.listKeys() : [];
    await this.#inChunks(keys, (key) => {
      const obj = this.#store.getByKey(key);
      if (obj === undefined) return;
      for (const reg of due) this.#call(reg, 'onUpdate', () => reg.handler.onUpdate?.(obj, obj));
    });
    this.#armResync();
  }
}

/**
 * Resolves true once every informer has synced, false if `signal` aborts (or one stops) first (client-go
 * `cache.WaitForCacheSync`).
 *
 * @example
 * if (!(await waitForCacheSync(signal, pods, nodes))) return; // shutting down
 */
export async function waitForCacheSync(
  signal: AbortSignal | undefined,
  ...informers: SharedInformer<KubeObject>[]
): Promise<boolean> {
  const results = await Promise.all(informers.map((i) => i.whenSynced(signal)));
  return results.every(Boolean);
}
