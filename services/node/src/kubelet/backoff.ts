/**
 * The kubelet's restart back-off (client-go `flowcontrol.Backoff` as kuberuntime uses it): per key
 * (`<podUID>/<container>`), the first restart is immediate, then each next one waits initial × 2ⁿ after the
 * container finished, capped at max. A container that ran at least `resetMs` before it exited starts over.
 * The same shape drives ImagePullBackOff. Pure: times are passed in (monotonic ms).
 */
import type { BackoffConfig } from '../config.js';

interface Entry {
  /** The delay the next restart must wait after the last exit. */
  backoffMs: number;
  /** When {@link RestartBackoff.next} last ran. */
  lastUpdateMs: number;
}

/**
 * @example
 * const b = new RestartBackoff({ initialMs: 10_000, maxMs: 300_000, resetMs: 600_000 });
 * b.waitMs('uid/c', finishedAt, now); // 0: first restart is immediate
 * b.next('uid/c', now);               // now the delay is 10 s
 */
export class RestartBackoff {
  readonly #cfg: BackoffConfig;
  readonly #entries = new Map<string, Entry>();

  constructor(cfg: BackoffConfig) {
    this.#cfg = cfg;
  }

  /**
   * How long (ms) a restart of `key` must still wait, given the container exited at `finishedAtMs`; 0 means
   * go. An entry idle for more than 2 × max is forgotten (kubelet's `hasExpired`).
   */
  waitMs(key: string, finishedAtMs: number, nowMs: number): number {
    const e = this.#entries.get(key);
    if (e === undefined) return 0;
    if (nowMs - e.lastUpdateMs > 2 * this.#cfg.maxMs) {
      this.#entries.delete(key);
      return 0;
    }
    return Math.max(0, finishedAtMs + e.backoffMs - nowMs);
  }

  /** Records a restart (or pull attempt) now: the next one waits twice as long, up to max. */
  next(key: string, nowMs: number): void {
    const e = this.#entries.get(key);
    if (e === undefined || nowMs - e.lastUpdateMs > 2 * this.#cfg.maxMs) {
      this.#entries.set(key, { backoffMs: this.#cfg.initialMs, lastUpdateMs: nowMs });
      return;
    }
    e.backoffMs = Math.min(e.backoffMs * 2, this.#cfg.maxMs);
    e.lastUpdateMs = nowMs;
  }

  /** The container ran `ranMs` before exiting: long enough runs reset the back-off. */
  observeRun(key: string, ranMs: number): void {
    if (ranMs >= this.#cfg.resetMs) this.#entries.delete(key);
  }

  /** The current delay for `key` (0 when none), for messages such as "back-off 20s restarting …". */
  currentMs(key: string): number {
    return this.#entries.get(key)?.backoffMs ?? 0;
  }

  /** Forgets `key` (the pod is gone, or the pull succeeded). */
  reset(key: string): void {
    this.#entries.delete(key);
  }

  /** Forgets every key with this prefix (`<podUID>/`). */
  resetPrefix(prefix: string): void {
    for (const k of [...this.#entries.keys()]) if (k.startsWith(prefix)) this.#entries.delete(k);
  }
}

/** Go's duration format as the kubelet prints it in back-off messages: `10s`, `2m40s`, `5m0s`. */
export function formatGoDuration(ms: number): string {
  const totalS = Math.round(ms / 1000);
  if (totalS < 60) return `${totalS}s`;
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = totalS % 60;
  return h > 0 ? `${h}h${m}m${s}s` : `${m}m${s}s`;
}

/**
 * Go's `time.Duration.String()` of a duration truncated to milliseconds, as the kubelet prints pull times:
 * `0s`, `212ms`, `1.5s`, `2m3.04s`, `1h0m0s`.
 */
export function formatGoDurationMs(ms: number): string {
  const total = Math.max(0, Math.trunc(ms));
  if (total === 0) return '0s';
  if (total < 1000) return `${total}ms`;
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const secMs = total % 60_000;
  const frac = secMs % 1000;
  const sec = `${Math.floor(secMs / 1000)}${frac ? `.${String(frac).padStart(3, '0').replace(/0+$/, '')}` : ''}`;
  if (h > 0) return `${h}h${m}m${sec}s`;
  return m > 0 ? `${m}m${sec}s` : `${sec}s`;
}
