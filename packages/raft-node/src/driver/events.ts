/**
 * Bounded event streams (STYLE.md principle 11; nats.js QueuedIterator): the driver `push`es, a consumer
 * iterates with `for await`, and `break` ends the subscription. A slow consumer never blocks the driver:
 * past `capacity` the oldest queued event is dropped and counted (TigerStyle: bound every queue). Events
 * describe state, so a consumer that missed some can read `driver.status()` for the current one.
 */
import { StateType } from '../core/types.js';
import type { RaftMetrics } from '../metrics.js';

/** A change of role, leader or term, as seen by this node. */
export interface RaftEvent {
  readonly lead: number;
  readonly term: number;
  readonly raftState: StateType;
}

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

/** Fans role/leader/term changes out to event streams and metrics. */
export class StateBroadcaster {
  private readonly streams = new Set<EventStreamImpl<RaftEvent>>();
  private closed = false;

  constructor(
    private last: RaftEvent,
    private readonly selfId: number,
    private readonly metrics: RaftMetrics,
    private readonly capacity: number,
  ) {}

  /** A new stream, starting with the current state (closed at once if the broadcaster is). */
  subscribe(): EventStream<RaftEvent> {
    const s = new EventStreamImpl<RaftEvent>(this.capacity, (x) => this.streams.delete(x));
    if (this.closed) s.close();
    else {
      this.streams.add(s);
      s.push(this.last);
    }
    return s;
  }

  /** Publishes `next` if anything changed. */
  update(next: RaftEvent): void {
    const prev = this.last;
    if (next.lead === prev.lead && next.term === prev.term && next.raftState === prev.raftState) return;
    const m = this.metrics;
    if (next.term !== prev.term) m.term(next.term);
    if (next.lead !== prev.lead) m.leaderChanged(next.lead === this.selfId);
    if (next.raftState === StateType.Candidate && prev.raftState !== StateType.Candidate) m.electionStarted();
    this.last = next;
    for (const s of this.streams) s.push(next);
  }

  closeAll(): void {
    this.closed = true;
    for (const s of [...this.streams]) s.close();
  }
}
