/**
 * Jittered exponential backoff on the injected Clock and Rng (client-go's `wait.Backoff` and
 * `ExponentialBackoffManager`): each `next()` returns the next delay; after `resetAfterMs` without a call the
 * sequence starts over, so an error long after the previous one waits only `initialMs` again.
 */
import { AssertionError } from 'node:assert';
import type { Clock, Rng } from '@kubelab/clock';

/** Backoff settings. */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Each delay is the previous one times this. */
  readonly factor: number;
  /** A delay d becomes d + rng × jitter × d (client-go `wait.Jitter`); 0 disables jitter. */
  readonly jitter: number;
  /** A quiet period after which the next delay is `initialMs` again. */
  readonly resetAfterMs: number;
}

/** The reflector's defaults: client-go's (800 ms, ×2, up to 30 s, jitter 1.0, reset after 2 min). */
export const REFLECTOR_BACKOFF: BackoffOptions = Object.freeze({
  initialMs: 800,
  maxMs: 30_000,
  factor: 2,
  jitter: 1,
  resetAfterMs: 120_000,
});

/** A backoff sequence; one per retry loop. */
export class Backoff {
  readonly #opts: BackoffOptions;
  readonly #clock: Clock;
  readonly #rng: Rng;
  #currentMs: number;
  #lastAtMs: number | undefined;

  constructor(opts: BackoffOptions, clock: Clock, rng: Rng) {
    if (!(opts.initialMs > 0 && opts.maxMs >= opts.initialMs && opts.factor >= 1 && opts.jitter >= 0)) {
      throw new AssertionError({ message: `invalid backoff ${JSON.stringify(opts)}` });
    }
    this.#opts = opts;
    this.#clock = clock;
    this.#rng = rng;
    this.#currentMs = opts.initialMs;
  }

  /** The next delay in ms (jittered), advancing the sequence. */
  next(): number {
    const now = this.#clock.now();
    if (this.#lastAtMs !== undefined && now - this.#lastAtMs > this.#opts.resetAfterMs) this.reset();
    this.#lastAtMs = now;
    const base = this.#currentMs;
    this.#currentMs = Math.min(this.#opts.maxMs, this.#currentMs * this.#opts.factor);
    return Math.round(base + this.#rng.next() * this.#opts.jitter * base);
  }

  /** Starts the sequence over. */
  reset(): void {
    this.#currentMs = this.#opts.initialMs;
  }
}
