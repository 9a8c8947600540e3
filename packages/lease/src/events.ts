/**
 * Leader election events and their bounded fan-out as async iterables (nats.js `QueuedIterator`). Every
 * consumer has its own queue of at most `bufferSize` events; one that falls further behind has its
 * iteration end with a {@link LeaseEventsOverflowError} rather than growing without bound (TigerStyle).
 */
import { LeaseEventsOverflowError } from './errors.js';

/** Why a term ended. */
export const StopReason = {
  /** The store says the key is no longer ours (expired and taken, or wiped). */
  Lost: 'lost',
  /** No renewal succeeded within renewDeadlineMs of the last successful one (store down, slow, or a pause). */
  Deadline: 'deadline',
  /** `release()` or `close()`. */
  Released: 'released',
} as const;
export type StopReason = (typeof StopReason)[keyof typeof StopReason];

export type LeaderEvent =
  | { readonly type: 'started'; readonly token: number }
  | { readonly type: 'stopped'; readonly token: number; readonly reason: StopReason }
  /** The observed holder's identity changed (possibly to this replica). */
  | { readonly type: 'newLeader'; readonly identity: string; readonly token: number };

interface Subscriber<T> {
  readonly queue: T[];
  wake: (() => void) | undefined;
  done: boolean;
  error: Error | undefined;
}

/** Pushes each event to every current subscriber. */
export class EventFanout<T> {
  private readonly subscribers = new Set<Subscriber<T>>();
  private ended = false;

  constructor(private readonly bufferSize = 1024) {}

  push(event: T): void {
    for (const sub of this.subscribers) {
      if (sub.queue.length >= this.bufferSize) {
        sub.error = new LeaseEventsOverflowError(this.bufferSize);
        this.subscribers.delete(sub);
      } else {
        sub.queue.push(event);
      }
      sub.wake?.();
    }
  }

  /** Ends every iteration after its queued events; later subscriptions end at once. */
  end(): void {
    this.ended = true;
    for (const sub of this.subscribers) {
      sub.done = true;
      sub.wake?.();
    }
    this.subscribers.clear();
  }

  /**
   * A new consumer; it sees every event pushed from now on. `break` or aborting `signal` ends it.
   * Subscribes eagerly (before the first `next()`), so nothing between this call and the loop is lost.
   */
  subscribe(signal?: AbortSignal): AsyncIterableIterator<T> {
    const sub: Subscriber<T> = { queue: [], wake: undefined, done: this.ended, error: undefined };
    if (!this.ended) this.subscribers.add(sub);
    const onAbort = () => {
      sub.done = true;
      sub.queue.length = 0;
      sub.wake?.();
    };
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const subscribers = this.subscribers;
    async function* iterate(): AsyncGenerator<T> {
      try {
        for (;;) {
          const next = sub.queue.shift();
          if (next !== undefined) {
            yield next;
            continue;
          }
          if (sub.error !== undefined) throw sub.error;
          if (sub.done) return;
          await new Promise<void>((resolve) => {
            sub.wake = resolve;
          });
          sub.wake = undefined;
        }
      } finally {
        subscribers.delete(sub);
        signal?.removeEventListener('abort', onAbort);
      }
    }
    return iterate();
  }
}
