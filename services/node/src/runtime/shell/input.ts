/**
 * Standard input that arrives over time (`kubectl exec -i`): an {@link InputStream} the top-level exec
 * process and the commands it runs in the foreground share, as processes share a pipe or a terminal. Pipes
 * between stages and `< file` stay whole strings ({@link CommandIO.stdin}); commands that need all of their
 * input read it with {@link stdinText}, which waits for end of input.
 */
import type { CommandIO } from './types.js';

/** A process' incremental standard input. */
export interface InputStream {
  /** The input is a terminal (`kubectl exec -t`): an interactive `sh` prompts, Ctrl-C interrupts. */
  readonly isTty: boolean;
  /**
   * The next chunk, or undefined at end of input or once `signal` aborts (callers check `signal.aborted`).
   * A terminal's Ctrl-D ends input once: a later read goes on with what is typed next.
   */
  read(signal?: AbortSignal): Promise<string | undefined>;
  /** Puts text back in front of the input (a shell that read past its line leaves the rest to the next command). */
  unread(text: string): void;
  /**
   * Makes `handler` receive the terminal's Ctrl-C (SIGINT to the foreground) while it is the latest one
   * registered; returns the unregister function. Input that is not a terminal never interrupts.
   */
  onInterrupt(handler: () => void): () => void;
}

/** All input a command keeps (the api's old request-body bound), so `cat big | wc` cannot exhaust memory. */
export const INPUT_CHARS_MAX = 3 * 1024 * 1024;

/** Resolves `p`, or undefined once `signal` aborts first (the pending `p` is left to its owner). */
export async function unlessAborted<T>(
  p: Promise<T>,
  signal: AbortSignal | undefined,
): Promise<T | undefined> {
  if (signal === undefined) return p;
  if (signal.aborted) return undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<undefined>((resolve) => {
        onAbort = () => resolve(undefined);
        signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/**
 * A pipe's input: chunks of `source` as the reader asks for them (so a reader that stops reading holds back
 * the sender). End of `source` is end of input for good.
 *
 * @example
 * const input = new StreamInput(io.stdin);
 * const line = await readLine(input);
 */
export class StreamInput implements InputStream {
  readonly isTty = false;
  readonly #source: AsyncIterator<string>;
  /** Text given back with unread(), read before the source. */
  readonly #back: string[] = [];
  /** A pull whose reader gave up (aborted) is kept for the next reader: its chunk must not be lost. */
  #pull: Promise<IteratorResult<string>> | undefined;
  #done = false;

  constructor(source: AsyncIterable<string>) {
    this.#source = source[Symbol.asyncIterator]();
  }

  async read(signal?: AbortSignal): Promise<string | undefined> {
    const back = this.#back.shift();
    if (back !== undefined) return back;
    if (this.#done || signal?.aborted) return undefined;
    this.#pull ??= this.#source.next();
    const next = await unlessAborted(this.#pull, signal);
    if (next === undefined) return undefined;
    this.#pull = undefined;
    if (next.done) {
      this.#done = true;
      return undefined;
    }
    return next.value;
  }

  unread(text: string): void {
    if (text !== '') this.#back.unshift(text);
  }

  onInterrupt(): () => void {
    return () => {};
  }

  /** Stops reading the source (the process ended). */
  close(): void {
    this.#done = true;
    void this.#source.return?.();
  }
}

/** The next line (with its `\n`), the last unterminated text at end of input, or undefined at end of input. */
export async function readLine(input: InputStream, signal?: AbortSignal): Promise<string | undefined> {
  let line = '';
  for (;;) {
    const chunk = await input.read(signal);
    // Interrupted (Ctrl-C, kill): the partial line is abandoned, as a terminal flushes its input.
    if (chunk === undefined) return line === '' || signal?.aborted ? undefined : line;
    const nl = chunk.indexOf('\n');
    if (nl >= 0) {
      input.unread(chunk.slice(nl + 1));
      return line + chunk.slice(0, nl + 1);
    }
    line += chunk;
  }
}

/** Everything up to end of input (at most {@link INPUT_CHARS_MAX} characters are kept). */
export async function readAll(input: InputStream, signal?: AbortSignal): Promise<string> {
  let text = '';
  for (let chunk = await input.read(signal); chunk !== undefined; chunk = await input.read(signal)) {
    if (text.length < INPUT_CHARS_MAX) text += chunk.slice(0, INPUT_CHARS_MAX - text.length);
  }
  return text;
}

/** A command's whole standard input: the string, or the incremental input read to its end. */
export function stdinText(io: CommandIO, signal?: AbortSignal): Promise<string> {
  return io.input === undefined ? Promise.resolve(io.stdin) : readAll(io.input, signal);
}

/** Passes standard input to `write` as it arrives (`cat`, `tee`); whole input is one write. */
export async function copyStdin(
  io: CommandIO,
  write: (text: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  if (io.input === undefined) {
    write(io.stdin);
    return;
  }
  for (let chunk = await io.input.read(signal); chunk !== undefined; chunk = await io.input.read(signal)) {
    write(chunk);
  }
}
