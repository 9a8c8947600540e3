/** A process' output: a bounded ring of lines plus live followers. */
import type { Clock } from '@kubelab/clock';
import type { LogLine } from './types.js';

/** Bounded log storage (newest lines kept) that splits written chunks into lines. */
export class LogRing {
  private readonly lines: LogLine[] = [];
  private readonly partial = { stdout: '', stderr: '' };
  private readonly followers = new Set<(line: LogLine | undefined) => void>();
  private closed = false;

  constructor(
    private readonly clock: Clock,
    /** Lines kept; older ones are dropped first. */
    readonly capacityLines = 10_000,
  ) {}

  /** Appends output; complete lines become {@link LogLine}s at once, a trailing partial line waits. */
  write(stream: 'stdout' | 'stderr', chunk: string): void {
    if (this.closed) return;
    const text = this.partial[stream] + chunk;
    const parts = text.split('\n');
    this.partial[stream] = parts.pop() ?? '';
    for (const p of parts) this.push({ wallMs: this.clock.wallNow(), stream, text: p });
  }

  private push(line: LogLine): void {
    this.lines.push(line);
    if (this.lines.length > this.capacityLines) this.lines.splice(0, this.lines.length - this.capacityLines);
    for (const f of this.followers) f(line);
  }

  /** Flushes partial lines and ends every follower. Idempotent. */
  close(): void {
    if (this.closed) return;
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream] !== '')
        this.push({ wallMs: this.clock.wallNow(), stream, text: this.partial[stream] });
      this.partial[stream] = '';
    }
    this.closed = true;
    for (const f of this.followers) f(undefined);
    this.followers.clear();
  }

  snapshot(): readonly LogLine[] {
    return [...this.lines];
  }

  /** Lines written from now on, until {@link LogRing.close} or `signal` aborts. Bounded backlog per follower. */
  async *follow(signal: AbortSignal): AsyncIterable<LogLine> {
    if (this.closed || signal.aborted) return;
    const queue: LogLine[] = [];
    let done = false;
    let wake: (() => void) | undefined;
    const listener = (line: LogLine | undefined) => {
      if (line === undefined) done = true;
      else {
        queue.push(line);
        if (queue.length > this.capacityLines) queue.shift();
      }
      wake?.();
    };
    const onAbort = () => {
      done = true;
      wake?.();
    };
    this.followers.add(listener);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        if (signal.aborted) return;
        const next = queue.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (done || signal.aborted) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      this.followers.delete(listener);
      signal.removeEventListener('abort', onAbort);
    }
  }
}
