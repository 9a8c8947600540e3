/**
 * The work queue (client-go util/workqueue `queue.go`; `doc.go` promises these, and so do we):
 * - fair: keys are handed out in the order they were added (FIFO);
 * - stingy: a key is never handed to two workers at once, and repeated adds of a waiting key coalesce into
 *   one; a key added while it is being processed is queued again when its worker calls `done`;
 * - many producers and consumers: `get()` waiters are served in the order they asked;
 * - clean shutdown: `shutDown()` wakes every waiting getter with `shutdown: true`; keys already queued are
 *   still handed out (workers drain them), new adds are ignored.
 *
 * Bounded (TigerStyle): at most `maxItems` distinct keys may wait (queued, or re-added while processing).
 * Adding one more *new* key throws {@link WorkQueueFullError} — a clear failure the caller sees, rather
 * than a silent drop — and counts it in `metrics.rejected`. Keys are object keys, so in a healthy controller
 * the bound is only reached when the cluster outgrew the configuration.
 */
import { AssertionError } from 'node:assert';

/** What `get()` resolves with. */
export type QueueItem<K> =
  | { readonly key: K; readonly shutdown: false }
  | { readonly key: undefined; readonly shutdown: true };

/** Options of a queue. */
export interface WorkQueueOptions {
  /** For errors and logs. */
  readonly name?: string;
  /** Bound on distinct waiting keys. Default 100_000. */
  readonly maxItems?: number;
}

/** Counters (monotonic) and gauges of a queue. */
export interface WorkQueueMetrics {
  /** Adds that queued a key (coalesced ones excluded). */
  adds: number;
  /** Adds of a key that was already waiting. */
  coalesced: number;
  /** Adds refused because the queue was full. */
  rejected: number;
  /** Keys waiting to be handed out. */
  depth: number;
  /** Keys being processed. */
  processing: number;
}

/** The queue already holds `maxItems` distinct keys. */
export class WorkQueueFullError extends Error {
  override readonly name = 'WorkQueueFullError';
  constructor(
    readonly queue: string,
    readonly key: unknown,
    readonly maxItems: number,
  ) {
    super(`work queue ${queue} is full (${maxItems} keys); refused ${String(key)}`);
  }
}

export const DEFAULT_MAX_ITEMS = 100_000;

/**
 * A FIFO, deduplicating, bounded work queue.
 *
 * @example
 * const queue = new WorkQueue<string>({ name: 'replicaset' });
 * queue.add('default/web');
 * const item = await queue.get();
 * if (!item.shutdown) {
 *   try { await sync(item.key); } finally { queue.done(item.key); }
 * }
 */
export class WorkQueue<K = string> {
  readonly name: string;
  readonly maxItems: number;
  /** Keys in hand-out order; `#queue[#head…]` is live. Invariant: every live key is in `#dirty`. */
  #queue: K[] = [];
  #head = 0;
  /** Keys that need processing (queued, or re-added while processing). */
  readonly #dirty = new Set<K>();
  /** Keys handed out and not yet `done`. Invariant: a key is never live in `#queue` and here at once. */
  readonly #processing = new Set<K>();
  #waiters: ((item: QueueItem<K>) => void)[] = [];
  #shuttingDown = false;
  #drainWaiters: (() => void)[] = [];
  readonly #counters = { adds: 0, coalesced: 0, rejected: 0 };

  constructor(opts: WorkQueueOptions = {}) {
    this.name = opts.name ?? 'queue';
    this.maxItems = opts.maxItems ?? DEFAULT_MAX_ITEMS;
    if (!(Number.isInteger(this.maxItems) && this.maxItems > 0)) {
      throw new AssertionError({ message: `maxItems must be a positive integer, got ${this.maxItems}` });
    }
  }

  /** Marks `key` as needing processing. Ignored after shutdown; throws WorkQueueFullError when full. */
  add(key: K): void {
    if (this.#shuttingDown) return;
    if (this.#dirty.has(key)) {
      this.#counters.coalesced++;
      return;
    }
    if (this.#dirty.size >= this.maxItems) {
      this.#counters.rejected++;
      throw new WorkQueueFullError(this.name, key, this.maxItems);
    }
    this.#counters.adds++;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return; // queued again by done()
    this.#queue.push(key);
    this.#wake();
  }

  /** The number of keys waiting to be handed out. */
  len(): number {
    return this.#queue.length - this.#head;
  }

  /**
   * The next key, once there is one. After shutdown, queued keys are still handed out; then every call
   * resolves with `{ shutdown: true }`.
   */
  get(): Promise<QueueItem<K>> {
    if (this.len() > 0 && this.#waiters.length === 0) return Promise.resolve(this.#take());
    if (this.#shuttingDown) return Promise.resolve({ key: undefined, shutdown: true });
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Ends the processing of `key`; if it was added meanwhile, it is queued again. */
  done(key: K): void {
    if (!this.#processing.delete(key)) {
      throw new AssertionError({ message: `done(${String(key)}) for a key that is not being processed` });
    }
    if (this.#dirty.has(key)) {
      this.#queue.push(key);
      this.#wake();
    }
    if (this.#processing.size === 0) this.#resolveDrain();
  }

  /** Stops taking adds and wakes every waiting getter with `shutdown: true`. Idempotent. */
  shutDown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w({ key: undefined, shutdown: true });
    this.onShutDown();
    if (this.#processing.size === 0) this.#resolveDrain();
  }

  /** `shutDown()`, then resolves once every key being processed is `done`. */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.#processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** True while `key` waits to be handed out or is being processed. */
  has(key: K): boolean {
    return this.#dirty.has(key) || this.#processing.has(key);
  }

  get metrics(): WorkQueueMetrics {
    return { ...this.#counters, depth: this.len(), processing: this.#processing.size };
  }

  /** Subclasses stop their timers here. */
  protected onShutDown(): void {}

  /** Hands queued keys to waiting getters, in order. */
  #wake(): void {
    while (this.#waiters.length > 0 && this.len() > 0) {
      const waiter = this.#waiters.shift();
      waiter?.(this.#take());
    }
  }

  #take(): QueueItem<K> {
    const key = this.#queue[this.#head] as K;
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    this.#dirty.delete(key);
    this.#processing.add(key);
    return { key, shutdown: false };
  }

  #resolveDrain(): void {
    if (!this.#shuttingDown) return;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const w of waiters) w();
  }
}
