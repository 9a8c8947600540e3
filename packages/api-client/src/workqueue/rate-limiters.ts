/**
 * Rate limiters (client-go `default_rate_limiters.go`), all on the injected Clock:
 * - {@link ItemExponentialFailureRateLimiter}: per key, base × 2^failures, capped;
 * - {@link BucketRateLimiter}: a token bucket shared by all keys (golang.org/x/time/rate's reservations);
 * - {@link MaxOfRateLimiter}: the longest wait of several;
 * - {@link defaultControllerRateLimiter}: per-item 5 ms → 1000 s combined with 10 qps, burst 100.
 */
import { AssertionError } from 'node:assert';
import type { Clock } from '@kubelab/clock';

/** Decides how long a key waits before it is retried. */
export interface RateLimiter<K> {
  /** The delay for the next retry of `key` (and records the retry). */
  when(key: K): number;
  /** The key succeeded: forget its failures. */
  forget(key: K): void;
  /** How many times `key` has been retried since its last `forget`. */
  numRequeues(key: K): number;
}

/**
 * Per-key exponential backoff: the n-th retry (from 0) waits `baseDelayMs × 2^n`, at most `maxDelayMs`.
 *
 * @example
 * const rl = new ItemExponentialFailureRateLimiter<string>(5, 1_000_000);
 * rl.when('a'); // 5
 * rl.when('a'); // 10
 * rl.forget('a'); rl.when('a'); // 5 again
 */
export class ItemExponentialFailureRateLimiter<K> implements RateLimiter<K> {
  readonly #failures = new Map<K, number>();

  constructor(
    readonly baseDelayMs: number,
    readonly maxDelayMs: number,
  ) {
    if (!(baseDelayMs > 0 && maxDelayMs >= baseDelayMs)) {
      throw new AssertionError({
        message: `need 0 < baseDelayMs (${baseDelayMs}) <= maxDelayMs (${maxDelayMs})`,
      });
    }
  }

  when(key: K): number {
    const exp = this.#failures.get(key) ?? 0;
    this.#failures.set(key, exp + 1);
    const delayMs = this.baseDelayMs * 2 ** exp;
    return Number.isFinite(delayMs) && delayMs < this.maxDelayMs ? delayMs : this.maxDelayMs;
  }

  forget(key: K): void {
    this.#failures.delete(key);
  }

  numRequeues(key: K): number {
    return this.#failures.get(key) ?? 0;
  }
}

/**
 * A token bucket shared by every key: `burst` tokens, refilled at `qps`; each retry takes one token, and
 * waits until the bucket would have it (reservations may run the bucket negative, like x/time/rate).
 */
export class BucketRateLimiter<K> implements RateLimiter<K> {
  #tokens: number;
  #lastMs: number;

  constructor(
    readonly qps: number,
    readonly burst: number,
    private readonly clock: Clock,
  ) {
    if (!(qps > 0 && burst >= 1)) throw new AssertionError({ message: 'need qps > 0 and burst >= 1' });
    this.#tokens = burst;
    this.#lastMs = clock.now();
  }

  when(_key: K): number {
    const now = this.clock.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#lastMs) * this.qps) / 1000);
    this.#lastMs = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens / this.qps) * 1000);
  }

  forget(_key: K): void {}

  numRequeues(_key: K): number {
    return 0;
  }
}

/** The longest delay of several limiters (each one records the retry). */
export class MaxOfRateLimiter<K> implements RateLimiter<K> {
  readonly #limiters: readonly RateLimiter<K>[];

  constructor(...limiters: RateLimiter<K>[]) {
    if (limiters.length === 0) throw new AssertionError({ message: 'MaxOfRateLimiter needs a limiter' });
    this.#limiters = limiters;
  }

  when(key: K): number {
    let delayMs = 0;
    for (const l of this.#limiters) delayMs = Math.max(delayMs, l.when(key));
    return delayMs;
  }

  forget(key: K): void {
    for (const l of this.#limiters) l.forget(key);
  }

  numRequeues(key: K): number {
    let n = 0;
    for (const l of this.#limiters) n = Math.max(n, l.numRequeues(key));
    return n;
  }
}

/** Tuning of {@link defaultControllerRateLimiter}. */
export interface ControllerRateLimiterOptions {
  /** Default 5 (client-go). */
  readonly baseDelayMs?: number;
  /** Default 1_000_000 (1000 s, client-go). */
  readonly maxDelayMs?: number;
  /** Default 10. */
  readonly qps?: number;
  /** Default 100. */
  readonly burst?: number;
}

/**
 * client-go's `DefaultControllerRateLimiter`: per-key exponential backoff (5 ms doubling to 1000 s) and an
 * overall 10 qps / burst 100 bucket, whichever waits longer.
 *
 * @example
 * const queue = new RateLimitingQueue<string>({ clock, rateLimiter: defaultControllerRateLimiter(clock) });
 */
export function defaultControllerRateLimiter<K>(
  clock: Clock,
  opts: ControllerRateLimiterOptions = {},
): RateLimiter<K> {
  return new MaxOfRateLimiter<K>(
    new ItemExponentialFailureRateLimiter<K>(opts.baseDelayMs ?? 5, opts.maxDelayMs ?? 1_000_000),
    new BucketRateLimiter<K>(opts.qps ?? 10, opts.burst ?? 100, clock),
  );
}
