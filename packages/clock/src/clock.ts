/**
 * Time as a dependency. Code outside `main.ts` never reads the wall clock or starts timers directly: it
 * receives a {@link Clock}, so tests can substitute a fake one (see `@kubelab/testkit`'s FakeClock).
 */

/** A cancellable timer handle. */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Monotonic milliseconds (never goes backwards; unrelated to the epoch). */
  now(): number;
  /** Wall-clock milliseconds since the Unix epoch, for timestamps shown to people. */
  wallNow(): number;
  /** Runs `fn` once after `delayMs`. */
  setTimer(delayMs: number, fn: () => void): Timer;
  /** Resolves after `delayMs`, or rejects with the signal's reason when it aborts first. */
  sleep(delayMs: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock: `performance.now()` for monotonic time, `Date.now()` for the wall. */
export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimer(delayMs, fn) {
    const handle = setTimeout(fn, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(handle) };
  },
  sleep(delayMs, signal) {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(handle);
        reject(signal?.reason);
      };
      const handle = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, delayMs),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};

/**
 * Runs `fn` every `periodMs` on `clock` until cancelled (a timer re-armed after each run, so a slow `fn`
 * delays the next run instead of piling runs up).
 */
export function repeat(clock: Clock, periodMs: number, fn: () => void): Timer {
  let current: Timer | undefined;
  let cancelled = false;
  const arm = () => {
    current = clock.setTimer(periodMs, () => {
      if (cancelled) return;
      fn();
      if (!cancelled) arm();
    });
  };
  arm();
  return {
    cancel: () => {
      cancelled = true;
      current?.cancel();
    },
  };
}
