/**
 * Test helpers for driving electors on fake time: a clock that can also JUMP (a process stopped with SIGSTOP
 * sees no timers fire, then finds them all overdue at SIGCONT), a "world" that advances several such clocks
 * in lockstep, and a recorder of an elector's callbacks.
 */
import type { Clock, Timer } from '@kubelab/clock';
import { seededRng } from '@kubelab/clock';
import { silentLogger } from '@kubelab/telemetry';
import {
  type LeaderElector,
  type LeaderElectorConfig,
  type LeaseStore,
  createLeaderElector,
} from '../../src/index.js';

/** Lets every pending promise continuation run (microtasks drain before an immediate). */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A fake clock whose time can jump without firing timers; timers fire in deadline order on `advance`. */
export class JumpClock implements Clock {
  private nowMs = 0;
  private seq = 0;
  private timers: { at: number; seq: number; fn: () => void; live: boolean }[] = [];

  constructor(private readonly wallOffsetMs = 0) {}

  now(): number {
    return this.nowMs;
  }

  wallNow(): number {
    return this.nowMs + this.wallOffsetMs;
  }

  setTimer(delayMs: number, fn: () => void): Timer {
    const t = { at: this.nowMs + Math.max(0, delayMs), seq: this.seq++, fn, live: true };
    this.timers.push(t);
    return {
      cancel: () => {
        t.live = false;
      },
    };
  }

  sleep(delayMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = this.setTimer(delayMs, resolve);
      signal?.addEventListener('abort', () => {
        timer.cancel();
        reject(signal.reason);
      });
    });
  }

  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const target = this.nowMs + ms;
    for (;;) {
      const due = this.timers
        .filter((t) => t.live && t.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      due.live = false;
      this.nowMs = Math.max(this.nowMs, due.at);
      due.fn();
    }
    this.nowMs = target;
    this.timers = this.timers.filter((t) => t.live);
  }

  /** Moves time forward WITHOUT firing anything (the process was stopped). */
  jump(ms: number): void {
    this.nowMs += ms;
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
