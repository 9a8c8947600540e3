/**
 * A pseudo-terminal for `kubectl exec -t`: the line discipline a real pty applies between the user's keys
 * and the process, in canonical mode with the usual `stty sane` flags.
 *
 * - Input (ICANON, ECHO, ICRNL): typed characters are echoed and collected into a line; `\r` (or `\n`) ends
 *   it, echoes `\r\n` and hands `line\n` to the reader. Backspace (DEL `\x7f` or `\b`) erases one character,
 *   Ctrl-U the whole line. Ctrl-D on an empty line is end of input for one read; on a non-empty line it
 *   hands over what was typed without a newline. Other control characters are echoed as `^X` (ECHOCTL).
 * - Ctrl-C (ISIG): echoes `^C`, drops the line and any unread input, and interrupts the foreground (the
 *   latest {@link Tty.onInterrupt} handler).
 * - Output (ONLCR): `\n` becomes `\r\n`; stdout and stderr share the one terminal.
 *
 * Keys are taken as they arrive, whether or not anything reads, so Ctrl-C works while a command runs. A
 * line is capped at {@link LINE_CHARS_MAX} and unread input at {@link COOKED_CHARS_MAX}: beyond them keys
 * are dropped, as a full tty buffer drops them.
 *
 * @example
 * const tty = new Tty(io.stdin, (text) => io.stdout(text));
 * await sandbox.exec('app', ['sh'], { input: tty, onStdout: tty.output, onStderr: tty.output });
 * tty.close();
 */
import { type InputStream, unlessAborted } from './input.js';

/** Characters of one line being typed (Linux's N_TTY_BUF_SIZE less the newline). */
export const LINE_CHARS_MAX = 4095;
/** Finished input waiting for a reader. */
export const COOKED_CHARS_MAX = 64 * 1024;

const CTRL_C = '\x03';
const CTRL_D = '\x04';
const CTRL_U = '\x15';
const DEL = '\x7f';
const BS = '\b';

/** A Ctrl-D on an empty line: end of input for one read. */
const EOF = Symbol('eof');

export class Tty implements InputStream {
  readonly isTty = true;
  readonly #raw: AsyncIterator<string>;
  readonly #write: (text: string) => void;
  /** The line being typed (not yet readable). */
  #line = '';
  /** Finished lines (and Ctrl-D marks) in order; `#cookedChars` counts their characters. */
  #cooked: (string | typeof EOF)[] = [];
  #cookedChars = 0;
  /** The keys ended (the client closed stdin) or the terminal was closed. */
  #hungUp = false;
  #waiters: (() => void)[] = [];
  readonly #interruptHandlers: (() => void)[] = [];

  /** Terminal output: what the process writes, with `\n` → `\r\n`. A bound function, safe to pass around. */
  readonly output = (text: string): void => {
    this.#write(text.replaceAll('\n', '\r\n'));
  };

  constructor(keys: AsyncIterable<string>, write: (text: string) => void) {
    this.#raw = keys[Symbol.asyncIterator]();
    this.#write = write;
    void this.#pump();
  }

  async #pump(): Promise<void> {
    try {
      for (let next = await this.#raw.next(); !next.done; next = await this.#raw.next()) {
        if (this.#hungUp) break;
        for (const ch of next.value) this.#key(ch);
      }
    } finally {
      this.#hangUp();
    }
  }

  /** The line discipline for one typed character. */
  #key(ch: string): void {
    switch (ch) {
      case '\r':
      case '\n':
        this.#write('\r\n');
        this.#finishLine(`${this.#line}\n`);
        return;
      case DEL:
      case BS:
        if (this.#line === '') return;
        this.#line = this.#line.slice(0, -1);
        this.#write('\b \b');
        return;
      case CTRL_U:
        this.#write('\b \b'.repeat(this.#line.length));
        this.#line = '';
        return;
      case CTRL_C:
        this.#write('^C');
        this.#line = '';
        this.#cooked = [];
        this.#cookedChars = 0;
        this.#interruptHandlers.at(-1)?.();
        return;
      case CTRL_D:
        this.#finishLine(this.#line === '' ? EOF : this.#line);
        return;
    }
    if (this.#line.length >= LINE_CHARS_MAX) return;
    this.#line += ch;
    const code = ch.charCodeAt(0);
    this.#write(code < 0x20 && ch !== '\t' ? `^${String.fromCharCode(code + 0x40)}` : ch);
  }

  #finishLine(item: string | typeof EOF): void {
    this.#line = '';
    const size = item === EOF ? 0 : item.length;
    if (this.#cookedChars + size > COOKED_CHARS_MAX) return;
    this.#cooked.push(item);
    this.#cookedChars += size;
    this.#wakeUp();
  }

  #wakeUp(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  #hangUp(): void {
    this.#hungUp = true;
    this.#wakeUp();
  }

  async read(signal?: AbortSignal): Promise<string | undefined> {
    for (;;) {
      const item = this.#cooked.shift();
      if (item === EOF) return undefined;
      if (item !== undefined) {
        this.#cookedChars -= item.length;
        return item;
      }
      if (this.#hungUp || signal?.aborted) return undefined;
      await unlessAborted(new Promise<void>((resolve) => this.#waiters.push(resolve)), signal);
    }
  }

  unread(text: string): void {
    if (text === '') return;
    this.#cooked.unshift(text);
    this.#cookedChars += text.length;
  }

  onInterrupt(handler: () => void): () => void {
    this.#interruptHandlers.push(handler);
    return () => {
      const at = this.#interruptHandlers.lastIndexOf(handler);
      if (at >= 0) this.#interruptHandlers.splice(at, 1);
    };
  }

  /** Hangs up: stops taking keys (the process ended); pending reads see end of input. */
  close(): void {
    this.#hangUp();
    void this.#raw.return?.();
  }
}
