/**
 * Bounded event streams (STYLE.md principle 11; nats.js QueuedIterator): the driver `push`es, a consumer
 * iterates with `for await`, and `break` ends the subscription. A slow consumer never blocks the driver:
 * past `capacity` the oldest queued event is dropped and counted (TigerStyle: bound every queue). Events
 * describe state, so a consumer that missed some can read `driver.status()` for the current one.
 */

/** One subscription; iterate it once. */
export interface EventStream<T> extends AsyncIterable<T> {
  /** Events dropped because the consumer fell `capacity` behind. */
  readonly dropped: number;
  /** Ends the iteration (pending events are discarded). */
  close(): void;
}

export class EventStreamImpl<T> implements EventStream<T> {
  private readonly queue: T[] = [];
  private wake: (() => void) | undefined;
  private closed = false;
  private iterated = false;
  dropped = 0;

  constructor(
    private readonly capacity: number,
    private readonly onClose: (s: EventStreamImpl<T>) => void,
  ) {}

  push(ev: T): void {
    if (this.closed) return;
    if (this.queue.length >= this.capacity) {
      this.queue.shift();
      this.dropped++;
    }
    this.queue.push(ev);
    this.signal();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.onClose(this);
    this.signal();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.iterated) throw new Error('event stream is already being iterated');
    this.iterated = true;
    return this.iterate();
  }

  private signal(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private async *iterate(): AsyncGenerator<T> {
    try {
      while (!this.closed) {
        const ev = this.queue.shift();
        if (ev !== undefined) {
          yield ev;
          continue;
        }
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      this.close();
    }
  }
}
