/**
 * The delaying queue (client-go `delaying_queue.go`): `addAfter(key, ms)` adds the key once `ms` have passed
 * on the injected Clock. A key waiting twice keeps the earlier time. One timer is armed, for the earliest
 * key. Waiting keys are bounded by `maxItems` too (WorkQueueFullError beyond it); a key that falls due while
 * the queue proper is full stays waiting and is retried `fullRetryMs` later (counted in `deferred`), so a
 * full queue delays work but never loses it.
 */
import type { Clock, Timer } from '@kubelab/clock';
import { WorkQueue, WorkQueueFullError, type WorkQueueMetrics, type WorkQueueOptions } from './queue.js';

/** Options of a delaying queue. */
export interface DelayingQueueOptions extends WorkQueueOptions {
  readonly clock: Clock;
  /** How long a due key waits when the queue is full. Default 1000. */
  readonly fullRetryMs?: number;
}

/** Metrics of a delaying queue. */
export interface DelayingQueueMetrics extends WorkQueueMetrics {
  /** Keys waiting for their time. */
  waiting: number;
  /** Due keys that found the queue full and were rescheduled. */
  deferred: number;
}

interface HeapEntry<K> {
  readonly key: K;
  readonly atMs: number;
  readonly seq: number;
}

/** A binary min-heap by (atMs, seq): the earliest key first, ties in insertion order. */
class MinHeap<K> {
  readonly #a: HeapEntry<K>[] = [];

  get size(): number {
    return this.#a.length;
  }

  peek(): HeapEntry<K> | undefined {
    return this.#a[0];
  }

  push(e: HeapEntry<K>): void {
    const a = this.#a;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(i, p)) break;
      this.#swap(i, p);
      i = p;
    }
  }

  pop(): HeapEntry<K> | undefined {
    const a = this.#a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.#less(l, m)) m = l;
        if (r < a.length && this.#less(r, m)) m = r;
        if (m === i) break;
        this.#swap(i, m);
        i = m;
      }
    }
    return top;
  }

  clear(): void {
    this.#a.length = 0;
  }

  #less(i: number, j: number): boolean {
    const x = this.#a[i] as HeapEntry<K>;
    const y = this.#a[j] as HeapEntry<K>;
    return x.atMs < y.atMs || (x.atMs === y.atMs && x.seq < y.seq);
  }

  #swap(i: number, j: number): void {
    const a = this.#a;
    [a[i], a[j]] = [a[j] as HeapEntry<K>, a[i] as HeapEntry<K>];
  }
}

/**
 * A work queue with delayed adds.
 *
 * @example
 * const queue = new DelayingQueue<string>({ clock, name: 'node-lifecycle' });
 * queue.addAfter('node-0', 40_000); // look again when the grace period is over
 */
export class DelayingQueue<K = string> extends WorkQueue<K> {
  readonly #clock: Clock;
  readonly #fullRetryMs: number;
  /** The authoritative due time of each waiting key; heap entries that disagree are stale. */
  readonly #waiting = new Map<K, number>();
  readonly #heap = new MinHeap<K>();
  #seq = 0;
  #timer: Timer | undefined;
  #timerAtMs = Number.POSITIVE_INFINITY;
  #deferred = 0;

  constructor(opts: DelayingQueueOptions) {
    super(opts);
    this.#clock = opts.clock;
    this.#fullRetryMs = opts.fullRetryMs ?? 1_000;
  }

  /** Adds `key` after `delayMs` (at once when ≤ 0). Ignored after shutdown. */
  addAfter(key: K, delayMs: number): void {
    if (this.shuttingDown()) return;
    if (!(delayMs > 0)) {
      this.add(key);
      return;
    }
    const atMs = this.#clock.now() + delayMs;
    const current = this.#waiting.get(key);
    if (current !== undefined && current <= atMs) return;
    if (current === undefined && this.#waiting.size >= this.maxItems) {
      throw new WorkQueueFullError(`${this.name} (delayed)`, key, this.maxItems);
    }
    this.#schedule(key, atMs);
  }

  override get metrics(): DelayingQueueMetrics {
    return { ...super.metrics, waiting: this.#waiting.size, deferred: this.#deferred };
  }

  protected override onShutDown(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#timerAtMs = Number.POSITIVE_INFINITY;
    this.#waiting.clear();
    this.#heap.clear();
  }

  #schedule(key: K, atMs: number): void {
    this.#waiting.set(key, atMs);
    this.#heap.push({ key, atMs, seq: this.#seq++ });
    this.#arm();
  }

  /** Keeps one timer, for the earliest live entry. */
  #arm(): void {
    let top = this.#heap.peek();
    while (top !== undefined && this.#waiting.get(top.key) !== top.atMs) {
      this.#heap.pop();
      top = this.#heap.peek();
    }
    if (top === undefined || top.atMs >= this.#timerAtMs) return;
    this.#timer?.cancel();
    this.#timerAtMs = top.atMs;
    this.#timer = this.#clock.setTimer(top.atMs - this.#clock.now(), () => this.#fire());
  }

  /** Moves every due key into the queue, in due order. */
  #fire(): void {
    this.#timer = undefined;
    this.#timerAtMs = Number.POSITIVE_INFINITY;
    const now = this.#clock.now();
    const retry: K[] = [];
    for (let top = this.#heap.peek(); top !== undefined && top.atMs <= now; top = this.#heap.peek()) {
      this.#heap.pop();
      if (this.#waiting.get(top.key) !== top.atMs) continue; // superseded by an earlier time
      this.#waiting.delete(top.key);
      try {
        this.add(top.key);
      } catch (err) {
        if (!(err instanceof WorkQueueFullError)) throw err;
        this.#deferred++;
        retry.push(top.key);
      }
    }
    for (const key of retry) this.#schedule(key, now + this.#fullRetryMs);
    this.#arm();
  }
}
