/**
 * The simulator's single timeline (FoundationDB-style): every future happening (a message delivery, a tick,
 * a client timeout, a fault) is an event at a simulated time. Events run one at a time in (time, sequence)
 * order, so a run is a pure function of its seed. Time is milliseconds of simulated time; nothing here
 * reads the real clock.
 */

interface QueuedEvent {
  readonly atMs: number;
  /** Insertion order: breaks ties between events at the same time deterministically. */
  readonly seq: number;
  readonly run: () => void;
}

/** A binary min-heap of events keyed by (atMs, seq). */
export class EventQueue {
  private readonly heap: QueuedEvent[] = [];
  private seq = 0;
  private nowMs = 0;
  /** Events run so far; bounds every run (TigerStyle: put a limit on every loop). */
  executed = 0;

  /** The current simulated time: that of the event running now (or the last one run). */
  now(): number {
    return this.nowMs;
  }

  /** Runs `run` `delayMs` from now (never in the past). */
  after(delayMs: number, run: () => void): void {
    if (!(delayMs >= 0)) throw new RangeError(`negative or NaN delay ${delayMs}`);
    this.push({ atMs: this.nowMs + delayMs, seq: this.seq++, run });
  }

  get size(): number {
    return this.heap.length;
  }

  /** Runs events in order until the next one is later than `untilMs`; then time is `untilMs`. */
  runUntil(untilMs: number, maxEvents: number): void {
    for (;;) {
      const top = this.heap[0];
      if (top === undefined || top.atMs > untilMs) break;
      if (this.executed >= maxEvents) throw new Error(`simulation exceeded ${maxEvents} events`);
      this.pop();
      this.nowMs = top.atMs;
      this.executed++;
      top.run();
    }
    this.nowMs = Math.max(this.nowMs, untilMs);
  }

  private push(e: QueuedEvent): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(e, h[parent]!)) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = e;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const child = r < h.length && before(h[r]!, h[l]!) ? r : l;
      if (!before(h[child]!, last)) break;
      h[i] = h[child]!;
      i = child;
    }
    h[i] = last;
  }
}

function before(a: QueuedEvent, b: QueuedEvent): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}
