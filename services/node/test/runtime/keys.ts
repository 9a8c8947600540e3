/** Test input typed by hand: an AsyncIterable the test writes chunks to, then ends. */
export class Keys implements AsyncIterable<string> {
  #chunks: string[] = [];
  #ended = false;
  #wake: (() => void) | undefined;
  /** Set once the reader stopped early (return()). */
  returned = false;

  type(chunk: string): void {
    this.#chunks.push(chunk);
    this.#wake?.();
  }

  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<string, undefined> {
    return {
      next: async () => {
        while (this.#chunks.length === 0 && !this.#ended && !this.returned) {
          await new Promise<void>((resolve) => {
            this.#wake = resolve;
          });
        }
        const chunk = this.#chunks.shift();
        if (chunk === undefined || this.returned) return { done: true, value: undefined };
        return { done: false, value: chunk };
      },
      return: async () => {
        this.returned = true;
        this.#wake?.();
        return { done: true, value: undefined };
      },
    };
  }
}

/** Output collected as it is written, with a way to wait for some of it. */
export class Screen {
  text = '';
  readonly write = (chunk: string): void => {
    this.text += chunk;
  };

  /**
   * Waits (one event-loop turn at a time) until the output contains `want` at or after index `from` (by
   * default: anywhere); fails after `rounds` turns.
   */
  async waitFor(want: string, from = 0, rounds = 200): Promise<void> {
    for (let i = 0; i < rounds; i++) {
      if (this.text.indexOf(want, from) >= 0) return;
      await new Promise((r) => setImmediate(r));
    }
    throw new Error(`output never showed ${JSON.stringify(want)}; it is ${JSON.stringify(this.text)}`);
  }
}
