/**
 * `sh` reading its commands as they arrive (`kubectl exec -i POD -- sh`): one line at a time, more lines
 * while a command is unfinished (`while true; do`), each command list run before the next line is read, so
 * its output comes back before the user types on. On a terminal the shell is interactive as busybox ash
 * is: it prints the prompt (`PS1`, by default `\w \$ `, so root in `/` sees `/ # `; `> ` for a continued
 * command), survives syntax errors, and Ctrl-C abandons the line being typed or run. At end of input
 * (Ctrl-D on an empty line) it exits with the last command's status.
 */
import type { List } from './ast.js';
import { type InputStream, readLine } from './input.js';
import { LineInterrupted, type Shell } from './interp.js';
import { ShellSyntaxError } from './lexer.js';
import { parseScript } from './parser.js';
import type { CommandIO } from './types.js';

/** A syntax error that more input could still fix (an open quote, loop or `&&`). */
const incompleteError = /end of file|unterminated|missing/;
/** What `$?` is after Ctrl-C (128 + SIGINT). */
const INTERRUPTED_STATUS = 130;

/** The prompt for `PS1` (busybox's escapes `\w`, `\W`, `\u`, `\h`, `\$`; the user is root). */
export function expandPrompt(ps1: string, sh: Shell): string {
  const home = sh.vars.get('HOME');
  const cwd = home !== undefined && home !== '/' && sh.cwd === home ? '~' : sh.cwd;
  return ps1.replace(/\\([wWuh$\\])/g, (_m, c: string) => {
    switch (c) {
      case 'w':
        return cwd;
      case 'W':
        return cwd === '/' ? '/' : (cwd.split('/').pop() ?? '');
      case 'u':
        return 'root';
      case 'h':
        return sh.container.hostname;
      case '$':
        return '#';
      default:
        return '\\';
    }
  });
}

type ReadResult = List | 'eof' | 'interrupted' | 'error';

/** Reads lines until they parse as a command list; prints the prompts on a terminal and syntax errors. */
async function readCommand(
  sh: Shell,
  input: InputStream,
  io: CommandIO,
  signal: AbortSignal,
): Promise<ReadResult> {
  let src = '';
  for (;;) {
    if (input.isTty) io.out(src === '' ? expandPrompt(sh.vars.get('PS1') ?? '\\w \\$ ', sh) : '> ');
    const line = await readLine(input, signal);
    if (signal.aborted) return 'interrupted';
    if (line === undefined && src === '') return 'eof';
    src += line ?? '';
    try {
      return parseScript(src);
    } catch (e) {
      if (!(e instanceof ShellSyntaxError)) throw e;
      if (line?.endsWith('\n') && incompleteError.test(e.message)) continue;
      io.err(`${sh.name}: ${e.message}\n`);
      return 'error';
    }
  }
}

/** Runs one command list; false when a Ctrl-C abandoned it. */
async function runLine(sh: Shell, list: List, io: CommandIO, line: AbortSignal): Promise<boolean> {
  const outer = sh.foreground;
  sh.foreground = line;
  try {
    await sh.runList(list, io);
    return !line.aborted;
  } catch (e) {
    if (e instanceof LineInterrupted) return false;
    throw e;
  } finally {
    sh.foreground = outer;
  }
}

/**
 * The read-eval loop of {@link Shell.runInput}; returns the status at end of input (`exit` unwinds past it
 * as a ShellExit).
 */
export async function readEvalLoop(sh: Shell, input: InputStream, io: CommandIO): Promise<number> {
  let current = new AbortController();
  const release = input.onInterrupt(() => current.abort());
  try {
    for (;;) {
      current = new AbortController();
      const read = await readCommand(sh, input, io, AbortSignal.any([current.signal, sh.killSignal()]));
      sh.checkKilled();
      if (read === 'eof') return sh.status;
      if (read === 'error') {
        sh.status = 2;
        if (input.isTty) continue;
        return 2; // a shell reading a script exits on a syntax error
      }
      if (read === 'interrupted' || !(await runLine(sh, read, io, current.signal))) {
        io.out('\n'); // after the terminal's `^C`, the prompt starts on a new line
        sh.status = INTERRUPTED_STATUS;
      }
    }
  } finally {
    release();
  }
}
