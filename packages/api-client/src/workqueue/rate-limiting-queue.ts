/**
 * The rate-limiting queue (client-go `rate_limiting_queue.go`): a delaying queue whose `addRateLimited`
 * asks the rate limiter how long the key should wait.
 */
import { DelayingQueue, type DelayingQueueOptions } from './delaying.js';
import { type RateLimiter, defaultControllerRateLimiter } from './rate-limiters.js';

/** Options of a rate-limiting queue. */
export interface RateLimitingQueueOptions<K> extends DelayingQueueOptions {
  /** Default: {@link defaultControllerRateLimiter} on the same clock. */
  readonly rateLimiter?: RateLimiter<K>;
}

/**
 * The controller's queue.
 *
 * @example
 * const queue = new RateLimitingQueue<string>({ clock, name: 'replicaset' });
 * informer.addEventHandler({ onAdd: (rs) => queue.add(metaNamespaceKey(rs)) });
 * await runWorkers(queue, 2, (key) => syncReplicaSet(key), signal, { logger });
 */
export class RateLimitingQueue<K = string> extends DelayingQueue<K> {
  readonly #limiter: RateLimiter<K>;

  constructor(opts: RateLimitingQueueOptions<K>) {
    super(opts);
    this.#limiter = opts.rateLimiter ?? defaultControllerRateLimiter<K>(opts.clock);
  }

  /** Adds `key` once the rate limiter allows (a failed sync's retry). */
  addRateLimited(key: K): void {
    this.addAfter(key, this.#limiter.when(key));
  }

  /** The key's sync succeeded: its backoff starts over (it does not remove the key from the queue). */
  forget(key: K): void {
    this.#limiter.forget(key);
  }

  /** How many rate-limited retries `key` had since its last `forget`. */
  numRequeues(key: K): number {
    return this.#limiter.numRequeues(key);
  }
}
