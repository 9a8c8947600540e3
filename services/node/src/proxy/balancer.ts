/**
 * Backend choice for one frontend: a uniformly random ready backend (iptables mode's `statistic --mode random`,
 * with the injected Rng so a seed replays it), and sessionAffinity ClientIP stickiness (iptables' `recent`
 * module: a client keeps its backend while it comes back within the timeout and the backend stays ready).
 */
import type { Clock, Rng } from '@kubelab/clock';
import { type Backend, backendKey } from './rules.js';

/** The most client addresses an affinity table remembers; the least recently seen are forgotten first. */
export const AFFINITY_ENTRIES_MAX = 65_536;

interface AffinityEntry {
  readonly backend: string;
  lastSeenMs: number;
}

/** Picks backends for one frontend. Not shared between frontends. */
export class Balancer {
  readonly #clock: Clock;
  readonly #rng: Rng;
  #backends: readonly Backend[] = [];
  #byKey = new Map<string, Backend>();
  #affinityTimeoutMs: number | undefined;
  /** Client IP → its sticky backend; insertion order is least recently seen first. */
  readonly #affinity = new Map<string, AffinityEntry>();

  constructor(clock: Clock, rng: Rng) {
    this.#clock = clock;
    this.#rng = rng;
  }

  /**
   * Replaces the backend set. Affinity entries to removed backends stay until used, and are then replaced (so a
   * backend that comes back within the timeout does not get its old clients back, as with iptables).
   */
  setBackends(backends: readonly Backend[], affinityTimeoutMs: number | undefined): void {
    this.#backends = backends;
    this.#byKey = new Map(backends.map((b) => [backendKey(b), b]));
    if (affinityTimeoutMs !== this.#affinityTimeoutMs) this.#affinity.clear();
    this.#affinityTimeoutMs = affinityTimeoutMs;
  }

  get size(): number {
    return this.#backends.length;
  }

  /** True if `b` (by ip and port) is one of the current backends. */
  has(b: Pick<Backend, 'ip' | 'port'>): boolean {
    return this.#byKey.has(backendKey(b));
  }

  /**
   * The backend for a new connection (or flow) from `clientIP`, skipping `exclude` (backends that just failed
   * to connect); undefined when none is left.
   */
  pick(clientIP: string, exclude: ReadonlySet<string> = new Set()): Backend | undefined {
    const timeoutMs = this.#affinityTimeoutMs;
    const now = this.#clock.now();
    if (timeoutMs !== undefined) {
      const entry = this.#affinity.get(clientIP);
      if (entry !== undefined && now - entry.lastSeenMs <= timeoutMs && !exclude.has(entry.backend)) {
        const sticky = this.#byKey.get(entry.backend);
        if (sticky !== undefined) {
          this.#remember(clientIP, entry.backend, now);
          return sticky;
        }
      }
    }
    const candidates =
      exclude.size === 0 ? this.#backends : this.#backends.filter((b) => !exclude.has(backendKey(b)));
    if (candidates.length === 0) return undefined;
    const chosen = candidates[this.#rng.int(0, candidates.length - 1)];
    if (chosen !== undefined && timeoutMs !== undefined) this.#remember(clientIP, backendKey(chosen), now);
    return chosen;
  }

  /** Refreshes `clientIP`'s entry and moves it to the most recently seen end, forgetting the oldest past the cap. */
  #remember(clientIP: string, backend: string, now: number): void {
    this.#affinity.delete(clientIP);
    this.#affinity.set(clientIP, { backend, lastSeenMs: now });
    while (this.#affinity.size > AFFINITY_ENTRIES_MAX) {
      const oldest = this.#affinity.keys().next();
      if (oldest.done === true) break;
      this.#affinity.delete(oldest.value);
    }
  }
}
