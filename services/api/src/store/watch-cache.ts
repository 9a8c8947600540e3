/**
 * Watches: a bounded history of store events (so a watch can resume from a resourceVersion) and live
 * fan-out to watchers. A watch from revision R receives every event with revision > R, in order, exactly
 * once; when R is older than the history it fails with {@link WatchExpiredError} (HTTP 410 Gone, and
 * clients relist). Label/field filters see transitions as Kubernetes reports them: an object that starts
 * matching arrives as ADDED, one that stops matching as DELETED.
 */
import type { ResourceKey, StoreEvent, StoredObject, WatchEventType } from './types.js';

export interface WatchEvent {
  readonly type: WatchEventType;
  readonly object: StoredObject;
  readonly revision: number;
}

export interface WatchOptions {
  readonly resource: ResourceKey;
  /** Only objects in this namespace. */
  readonly namespace?: string | undefined;
  /** Deliver events with revision > fromRevision. */
  readonly fromRevision: number;
  /** Label and field selectors, as one predicate. */
  readonly filter?: ((o: StoredObject) => boolean) | undefined;
  /** Bound of undelivered events before the watch is closed as too slow (default 10,000). */
  readonly queueMax?: number | undefined;
}

export class WatchExpiredError extends Error {
  override readonly name = 'WatchExpiredError';
  constructor(
    readonly requested: number,
    readonly oldest: number,
  ) {
    super(`too old resource version: ${requested} (${oldest})`);
  }
}

/** A consumer that fell more than `queueMax` events behind; the client re-watches from its last revision. */
export class WatchOverflowError extends Error {
  override readonly name = 'WatchOverflowError';
}

/** Push-mode consumer of a {@link Watcher}: called synchronously, in order, from the store's apply. */
export interface WatchListener {
  event(ev: WatchEvent): void;
  /** The watch ended: `null` cleanly, else the error an iterator would throw. Called once. */
  end(err: Error | null): void;
}

export class Watcher implements AsyncIterable<WatchEvent> {
  private readonly queue: WatchEvent[] = [];
  private wake: (() => void) | undefined;
  private ended: Error | null | undefined;
  private interrupted = false;
  /** Set by {@link Watcher.listen}: events bypass the queue (and its bound) and go straight to it. */
  private listener: WatchListener | undefined;

  constructor(
    readonly opts: WatchOptions,
    private readonly onClose: (w: Watcher) => void,
  ) {}

  /** Offers a store event; a watcher that overflows is closed with WatchOverflowError. */
  offer(e: StoreEvent): void {
    if (this.ended !== undefined) return;
    const ev = transition(e, this.opts);
    if (!ev) return;
    if (this.listener) {
      this.listener.event(ev);
      return;
    }
    if (this.queue.length >= (this.opts.queueMax ?? 10_000)) {
      this.close(new WatchOverflowError(`watch of ${this.opts.resource} fell too far behind`));
      return;
    }
    this.queue.push(ev);
    this.signal();
  }

  /**
   * Switches to push mode instead of iteration: hands over the events queued so far, then every later
   * event as the store applies it, all synchronously (a consumer that publishes each event — the NATS
   * front — then sends a whole apply batch in one go, with no promise hops per event). The listener must
   * not throw. Use either this or iteration, not both.
   */
  listen(listener: WatchListener): void {
    if (this.listener) throw new Error('Watcher.listen called twice');
    this.listener = listener;
    for (let ev = this.queue.shift(); ev; ev = this.queue.shift()) listener.event(ev);
    if (this.ended !== undefined) listener.end(this.ended);
  }

  /** Ends the watch: without an error it ends cleanly, with one the iterator throws it. */
  close(err: Error | null = null): void {
    if (this.ended !== undefined) return;
    this.ended = err;
    this.onClose(this);
    this.signal();
    this.listener?.end(err);
  }

  get isClosed(): boolean {
    return this.ended !== undefined;
  }

  private signal(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** Wakes a pending {@link Watcher.next} with `'interrupted'` (e.g. a bookmark is due); events are kept. */
  interrupt(): void {
    this.interrupted = true;
    this.signal();
  }

  /**
   * The next event; `undefined` once the watch ended cleanly; `'interrupted'` if {@link Watcher.interrupt}
   * was called while nothing was queued. Throws the error the watch was closed with.
   */
  async next(): Promise<WatchEvent | undefined | 'interrupted'> {
    for (;;) {
      const ev = this.queue.shift();
      if (ev) return ev;
      if (this.ended !== undefined) {
        if (this.ended) throw this.ended;
        return undefined;
      }
      if (this.interrupted) {
        this.interrupted = false;
        return 'interrupted';
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<WatchEvent> {
    try {
      for (;;) {
        const ev = await this.next();
        if (ev === undefined) return;
        if (ev !== 'interrupted') yield ev;
      }
    } finally {
      this.close();
    }
  }
}

/** What a watcher with these options sees of one store event, if anything. */
export function transition(e: StoreEvent, o: WatchOptions): WatchEvent | undefined {
  if (e.resource !== o.resource) return undefined;
  const inScope = (x: StoredObject | undefined) =>
    x !== undefined &&
    (o.namespace === undefined || x.metadata.namespace === o.namespace) &&
    (o.filter?.(x) ?? true);
  const now = e.type !== 'DELETED' && inScope(e.object);
  const before =
    e.type === 'ADDED' ? false : e.type === 'DELETED' ? inScope(e.prev ?? e.object) : inScope(e.prev);
  if (now && before) return { type: 'MODIFIED', object: e.object, revision: e.revision };
  if (now) return { type: 'ADDED', object: e.object, revision: e.revision };
  if (before) return { type: 'DELETED', object: e.object, revision: e.revision };
  return undefined;
}

export class WatchCache {
  /** Events in revision order; `history[0]` is the oldest kept. */
  private history: StoreEvent[] = [];
  private head = 0;
  /** Every event with revision <= this has been dropped (or predates this process). */
  private compactedThrough: number;
  private readonly watchers = new Map<ResourceKey, Set<Watcher>>();

  constructor(
    startRevision: number,
    private readonly capacity = 100_000,
  ) {
    this.compactedThrough = startRevision;
  }

  /** The oldest revision a watch may start from. */
  get oldestRevision(): number {
    return this.compactedThrough;
  }

  watcherCount(): number {
    let n = 0;
    for (const s of this.watchers.values()) n += s.size;
    return n;
  }

  /** Records events (in revision order) and hands them to live watchers. */
  push(events: readonly StoreEvent[]): void {
    for (const e of events) {
      this.history.push(e);
      for (const w of this.watchers.get(e.resource) ?? []) w.offer(e);
    }
    const live = this.history.length - this.head;
    if (live > this.capacity) {
      const drop = live - this.capacity;
      this.compactedThrough = this.history[this.head + drop - 1]?.revision ?? this.compactedThrough;
      this.head += drop;
      if (this.head > this.capacity) {
        this.history = this.history.slice(this.head);
        this.head = 0;
      }
    }
  }

  /** Forgets history after a snapshot install: watches must restart from `revision` or later. */
  reset(revision: number): void {
    this.history = [];
    this.head = 0;
    this.compactedThrough = revision;
    for (const set of this.watchers.values())
      for (const w of set) w.close(new WatchExpiredError(revision, revision));
  }

  /**
   * Starts a watch: replays kept events after `fromRevision`, then follows live ones. Throws
   * WatchExpiredError when `fromRevision` is older than the kept history.
   */
  watch(opts: WatchOptions): Watcher {
    if (opts.fromRevision < this.compactedThrough)
      throw new WatchExpiredError(opts.fromRevision, this.compactedThrough);
    const w = new Watcher(opts, (x) => this.watchers.get(opts.resource)?.delete(x));
    for (let i = this.firstAfter(opts.fromRevision); i < this.history.length; i++) {
      const e = this.history[i];
      if (e) w.offer(e);
    }
    if (w.isClosed) return w;
    const set = this.watchers.get(opts.resource) ?? new Set<Watcher>();
    this.watchers.set(opts.resource, set);
    set.add(w);
    return w;
  }

  /** Index of the first kept event with revision > rev (binary search). */
  private firstAfter(rev: number): number {
    let lo = this.head;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.history[mid]?.revision ?? 0) <= rev) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
