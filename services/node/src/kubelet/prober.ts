/**
 * One container's probe workers (kubelet `prober/worker.go`): the startup probe runs first and gates the
 * others; liveness and readiness then run every period. Results go through {@link ProbeState} thresholds.
 * A failed startup or liveness probe asks the pod worker to kill the container; every failed run is
 * reported (the Unhealthy event); a changed readiness or started state asks for a status sync.
 */
import type { Container, Probe } from '@kubelab/api-types';
import type { Clock, Timer } from '@kubelab/clock';
import type { HandlerResult } from './handlers.js';
import { type ProbeKind, ProbeState, probeTiming } from './probe-state.js';

/** What the prober calls out to. */
export interface ProberHooks {
  /** Runs the probe's handler once with its timeout. */
  run(probe: Probe, timeoutMs: number): Promise<HandlerResult>;
  /** A probe run failed (Unhealthy event). */
  onFailure(kind: ProbeKind, output: string): void;
  /** Ready or started changed. */
  onChange(): void;
  /** Startup or liveness crossed its failure threshold: restart the container. */
  onKill(kind: 'startup' | 'liveness'): void;
}

const KIND_TITLE: Record<ProbeKind, string> = {
  liveness: 'Liveness',
  readiness: 'Readiness',
  startup: 'Startup',
};

/** `Liveness`, `Readiness`, `Startup`: how Unhealthy events name a probe. */
export function probeTitle(kind: ProbeKind): string {
  return KIND_TITLE[kind];
}

/**
 * @example
 * const prober = new ContainerProber(clock, container, startedAtMs, hooks);
 * prober.start();
 * prober.ready; // false until the readiness probe passes (true at once without one)
 */
export class ContainerProber {
  readonly #clock: Clock;
  readonly #hooks: ProberHooks;
  readonly #startedAtMs: number;
  readonly #probes = new Map<ProbeKind, { probe: Probe; state: ProbeState }>();
  readonly #timers = new Map<ProbeKind, Timer>();
  #stopped = false;

  /** `timeScale` multiplies every probe duration (KUBELAB_PROBE_TIME_SCALE; 1 in production). */
  constructor(clock: Clock, container: Container, startedAtMs: number, hooks: ProberHooks, timeScale = 1) {
    this.#clock = clock;
    this.#hooks = hooks;
    this.#startedAtMs = startedAtMs;
    const add = (kind: ProbeKind, p: Probe | undefined) => {
      if (p) {
        this.#probes.set(kind, { probe: p, state: new ProbeState(kind, probeTiming(p, kind, timeScale)) });
      }
    };
    add('startup', container.startupProbe);
    add('liveness', container.livenessProbe);
    add('readiness', container.readinessProbe);
  }

  /** The startup probe passed (or there is none). */
  get started(): boolean {
    return this.#probes.get('startup')?.state.result ?? true;
  }

  /** Started and the readiness probe passes (or there is none). */
  get ready(): boolean {
    return this.started && (this.#probes.get('readiness')?.state.result ?? true);
  }

  /** Begins probing: the startup probe, or liveness and readiness when there is none. */
  start(): void {
    if (this.#probes.has('startup')) this.#schedule('startup');
    else this.#startMain();
  }

  /** Cancels every pending probe; results stay as they are. */
  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers.values()) t.cancel();
    this.#timers.clear();
  }

  #startMain(): void {
    if (this.#probes.has('liveness')) this.#schedule('liveness');
    if (this.#probes.has('readiness')) this.#schedule('readiness');
  }

  /** Arms the next run: at the initial delay for the first one, a period after the last otherwise. */
  #schedule(kind: ProbeKind, afterMs?: number): void {
    const p = this.#probes.get(kind);
    if (p === undefined || this.#stopped) return;
    const firstAt = this.#startedAtMs + p.state.timing.initialDelayMs;
    const delay = afterMs ?? Math.max(0, firstAt - this.#clock.now());
    this.#timers.set(
      kind,
      this.#clock.setTimer(delay, () => void this.#runOnce(kind)),
    );
  }

  async #runOnce(kind: ProbeKind): Promise<void> {
    const p = this.#probes.get(kind);
    if (p === undefined || this.#stopped) return;
    const r = await this.#hooks.run(p.probe, p.state.timing.timeoutMs);
    if (this.#stopped) return;
    if (!r.ok) this.#hooks.onFailure(kind, r.output);
    const changed = p.state.observe(r.ok);
    if (kind === 'startup' && changed && p.state.result) {
      this.#hooks.onChange();
      this.#startMain();
      return; // the startup probe is done for this container's life
    }
    if (
      (kind === 'startup' || kind === 'liveness') &&
      !p.state.result &&
      !r.ok &&
      this.#failedEnough(p.state)
    ) {
      this.stop();
      this.#hooks.onKill(kind);
      return;
    }
    if (changed) this.#hooks.onChange();
    this.#schedule(kind, p.state.timing.periodMs);
  }

  /** Startup: failureThreshold failures in a row; liveness: its result flipped to failure. */
  #failedEnough(s: ProbeState): boolean {
    return s.kind === 'liveness' ? !s.result : s.consecutiveFailures >= s.timing.failureThreshold;
  }
}
