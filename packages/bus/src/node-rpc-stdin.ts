/**
 * stdin of a node RPC exec stream (`kubectl exec -i`): the caller sends `{type: 'stdin', seq, data}` control
 * messages as its input arrives and one `{type: 'stdin-close', seq}` at end of input; `seq` counts stdin
 * messages from 0 without gaps. Flow mirrors the output side: the caller keeps at most `windowFrames` stdin
 * frames unacknowledged, and the node answers `{type: 'stdin-ack', stdinSeq}` stream frames as the handler
 * *reads* its input (not as it arrives), so a process that does not read stops the caller, and the caller
 * (the api) stops reading its WebSocket.
 */

/** How many frames the node takes before it acknowledges (half a window, at least one). */
export function stdinAckEvery(windowFrames: number): number {
  return Math.max(1, Math.ceil(windowFrames / 2));
}

/**
 * The node's end: stdin frames queue here as they arrive and the exec handler iterates them. Taking a chunk
 * is what acknowledges it (`onTaken`). The queue holds at most `windowFrames` chunks because the caller
 * respects its credit; {@link StdinInbox.push} refuses a caller that does not.
 */
export class StdinInbox implements AsyncIterable<string> {
  #chunks: string[] = [];
  /** The caller closed stdin, the handler stopped reading, or the stream ended. */
  #ended = false;
  #taken = 0;
  #waiters: (() => void)[] = [];

  constructor(
    private readonly windowFrames: number,
    /** Called with the number of chunks taken so far, after each take. */
    private readonly onTaken: (taken: number) => void,
  ) {}

  /** Queues the caller's chunk; false when that overruns the window (a protocol violation). */
  push(data: string): boolean {
    if (this.#ended) return true; // nobody reads any more: drop, the caller is about to learn the end
    if (this.#chunks.length >= this.windowFrames) return false;
    this.#chunks.push(data);
    this.#wakeUp();
    return true;
  }

  /** End of input: the reader sees the queued chunks, then the end. */
  end(): void {
    this.#ended = true;
    this.#wakeUp();
  }

  #wakeUp(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  async #next(): Promise<IteratorResult<string, undefined>> {
    while (this.#chunks.length === 0 && !this.#ended) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    const chunk = this.#chunks.shift();
    if (chunk === undefined) return { done: true, value: undefined };
    this.#taken++;
    this.onTaken(this.#taken);
    return { done: false, value: chunk };
  }

  /** One reader; `return()` (a `break`) ends input at once, even while a `next()` waits. */
  [Symbol.asyncIterator](): AsyncIterator<string, undefined> {
    return {
      next: () => this.#next(),
      return: async () => {
        this.#chunks = [];
        this.end();
        return { done: true, value: undefined };
      },
    };
  }
}

/** The caller's end: credit for stdin frames, restored by the node's `stdin-ack` frames. */
export class StdinCredit {
  #sent = 0;
  #acked = 0;
  #closed = false;
  #waiters: (() => void)[] = [];

  constructor(private readonly windowFrames: number) {}

  /** The seq of the next stdin message (stdin frames and the close share the sequence). */
  get nextSeq(): number {
    return this.#sent;
  }

  /** Resolves true when one more frame may go (count it with {@link StdinCredit.sent}), false once closed. */
  async acquire(): Promise<boolean> {
    while (!this.#closed && this.#sent - this.#acked >= this.windowFrames) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    return !this.#closed;
  }

  sent(): void {
    this.#sent++;
  }

  /** The node took every stdin frame up to `seq`. */
  ack(seq: number): void {
    if (seq + 1 <= this.#acked) return;
    this.#acked = Math.min(seq + 1, this.#sent);
    this.#wakeUp();
  }

  /** No more stdin goes out (the stream ended): waiting writers give up. */
  close(): void {
    this.#closed = true;
    this.#wakeUp();
  }

  #wakeUp(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
