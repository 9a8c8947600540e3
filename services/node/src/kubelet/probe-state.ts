/**
 * The probe result state machine (kubelet `prober/worker.go` + `results.Manager`), pure: a probe's outcome
 * flips only after `successThreshold` consecutive successes or `failureThreshold` consecutive failures.
 * Readiness and startup start as failure (not ready, not started); liveness starts as success.
 */
import type { Probe } from '@kubelab/api-types';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

/** The probe's timing with Kubernetes' defaults, in ms. */
export interface ProbeTiming {
  readonly initialDelayMs: number;
  readonly periodMs: number;
  readonly timeoutMs: number;
  readonly successThreshold: number;
  readonly failureThreshold: number;
}

/**
 * Kubernetes' defaults: period 10 s, timeout 1 s, success 1, failure 3 (liveness/startup success is always 1).
 * `timeScale` (KUBELAB_PROBE_TIME_SCALE, tests only) multiplies initialDelay, period and timeout; thresholds
 * are counts and stay as written.
 */
export function probeTiming(p: Probe, kind: ProbeKind, timeScale = 1): ProbeTiming {
  return {
    initialDelayMs: Math.round((p.initialDelaySeconds ?? 0) * 1000 * timeScale),
    periodMs: Math.max(1, Math.round(Math.max(1, p.periodSeconds ?? 10) * 1000 * timeScale)),
    timeoutMs: Math.max(1, Math.round(Math.max(1, p.timeoutSeconds ?? 1) * 1000 * timeScale)),
    successThreshold: kind === 'readiness' ? Math.max(1, p.successThreshold ?? 1) : 1,
    failureThreshold: Math.max(1, p.failureThreshold ?? 3),
  };
}

/**
 * One probe's running result.
 *
 * @example
 * const s = new ProbeState('readiness', timing);
 * s.observe(true); // true: the result flipped to success (successThreshold 1)
 * s.result;        // true
 */
export class ProbeState {
  readonly kind: ProbeKind;
  readonly timing: ProbeTiming;
  /** The current, threshold-filtered result. */
  result: boolean;
  /** The last raw outcome and how many times in a row it happened. */
  #last: boolean | undefined;
  #run = 0;

  constructor(kind: ProbeKind, timing: ProbeTiming) {
    this.kind = kind;
    this.timing = timing;
    this.result = kind === 'liveness';
  }

  /** Records one probe outcome; returns true when {@link result} changed. */
  observe(ok: boolean): boolean {
    if (this.#last === ok) this.#run++;
    else {
      this.#last = ok;
      this.#run = 1;
    }
    const threshold = ok ? this.timing.successThreshold : this.timing.failureThreshold;
    if (this.#run < threshold || this.result === ok) return false;
    this.result = ok;
    return true;
  }

  /** Failures in a row right now (0 after a success). */
  get consecutiveFailures(): number {
    return this.#last === false ? this.#run : 0;
  }

  /** Forgets the history (a container restart). */
  reset(): void {
    this.result = this.kind === 'liveness';
    this.#last = undefined;
    this.#run = 0;
  }
}
