/**
 * Test helpers for driving electors on fake time: a clock that can also JUMP (a process stopped with SIGSTOP
 * sees no timers fire, then finds them all overdue at SIGCONT), a "world" that advances several such clocks
 * in lockstep, and a recorder of an elector's callbacks.
 */
import { type Clock, seededRng } from '@kubelab/clock';
import { silentLogger } from '@kubelab/telemetry';
import { FakeClock } from '@kubelab/testkit';
import {
  type LeaderElector,
  type LeaderElectorConfig,
  type LeaseStore,
  createLeaderElector,
} from '../../src/index.js';

/** Lets every pending promise continuation run (microtasks drain before an immediate). */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** testkit's FakeClock (timers fire in deadline order on `advance`, `jump` moves time without firing them), with wall time = monotonic time + offset. */
export class JumpClock extends FakeClock {
  constructor(wallOffsetMs = 0) {
    super(0, wallOffsetMs);
  }
}

/** Several clocks that advance together; a paused one stands still and jumps when resumed. */
export class World {
  readonly clocks: JumpClock[] = [];
  private readonly paused = new Map<JumpClock, number>();
  nowMs = 0;

  clock(): JumpClock {
    const c = new JumpClock();
    c.advance(this.nowMs);
    this.clocks.push(c);
    return c;
  }

  isPaused(c: JumpClock): boolean {
    return this.paused.has(c);
  }

  pause(c: JumpClock): void {
    this.paused.set(c, this.nowMs);
  }

  /** SIGCONT: the clock jumps to world time first; the overdue timers fire on the next step. */
  resume(c: JumpClock): void {
    const since = this.paused.get(c);
    if (since === undefined) return;
    this.paused.delete(c);
    c.jump(this.nowMs - since);
  }

  /** Advances every running clock by `ms` in steps of `stepMs`, letting promises settle after each step. */
  async advance(ms: number, stepMs = 5, onStep?: () => void): Promise<void> {
    for (let done = 0; done < ms; done += stepMs) {
      const step = Math.min(stepMs, ms - done);
      this.nowMs += step;
      for (const c of this.clocks) if (!this.paused.has(c)) c.advance(step);
      await flush();
      await flush();
      onStep?.();
    }
  }
}

/** What an elector's callbacks reported, in order. */
export interface Recorder {
  readonly log: string[];
  readonly tokens: number[];
  readonly signals: AbortSignal[];
}

/** Creates an elector whose callbacks append to a {@link Recorder}. */
export function recordedElector(
  store: LeaseStore,
  clock: Clock,
  identity: string,
  overrides: Partial<LeaderElectorConfig> = {},
): { elector: LeaderElector; rec: Recorder } {
  const rec: Recorder = { log: [], tokens: [], signals: [] };
  const elector = createLeaderElector({
    store,
    identity,
    clock,
    rng: seededRng(identity.length * 7919),
    logger: silentLogger(),
    onStartedLeading: ({ signal, token }) => {
      rec.log.push(`started ${token}`);
      rec.tokens.push(token);
      rec.signals.push(signal);
    },
    onStoppedLeading: () => {
      rec.log.push('stopped');
    },
    ...overrides,
  });
  return { elector, rec };
}

/** One store call as the caller saw it: when it was sent, and whether it succeeded. */
export interface SpiedCall {
  readonly op: 'acquire' | 'renew' | 'release';
  readonly sentAt: number;
  ok: boolean | undefined;
}

/** Wraps a store to record each acquire/renew/release with its send time and outcome. */
export function spyStore(store: LeaseStore, clock: Clock): { store: LeaseStore; calls: SpiedCall[] } {
  const calls: SpiedCall[] = [];
  const record = async <T>(op: SpiedCall['op'], fn: () => Promise<T>, ok: (r: T) => boolean): Promise<T> => {
    const call: SpiedCall = { op, sentAt: clock.now(), ok: undefined };
    calls.push(call);
    const result = await fn().catch((err: unknown) => {
      call.ok = false;
      throw err;
    });
    call.ok = ok(result);
    return result;
  };
  return {
    calls,
    store: {
      leaseName: store.leaseName,
      tryAcquire: (req) =>
        record(
          'acquire',
          () => store.tryAcquire(req),
          (r) => r.acquired,
        ),
      renew: (value, ms) =>
        record(
          'renew',
          () => store.renew(value, ms),
          (r) => r,
        ),
      release: (value) =>
        record(
          'release',
          () => store.release(value),
          (r) => r,
        ),
      get: () => store.get(),
      close: () => store.close(),
    },
  };
}
