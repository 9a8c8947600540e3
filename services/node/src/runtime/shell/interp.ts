/**
 * The emulated shell's interpreter (busybox `sh` flavoured). One {@link Shell} per shell process: its
 * variables, cwd, traps and background jobs; the container (filesystem, network, commands) is shared.
 *
 * Signals: a shell running as PID 1 ignores SIGTERM (the kernel does not apply default actions to PID 1)
 * unless it has a `trap` for it. A trapped signal interrupts the foreground command (an emulation choice:
 * a real shell would wait for a foreground `sleep` to end) and the trap action runs next. A foreground
 * program that handles signals itself (nginx) receives them instead, as after dash's exec of the last command.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { FsError, resolvePath } from '../fs.js';
import { evalArith } from './arith.js';
import type { AndOr, Command, List, Pipeline, Redirect, Word } from './ast.js';
import { runBuiltin } from './builtins.js';
import type { InputStream } from './input.js';
import { ShellSyntaxError } from './lexer.js';
import { parseScript } from './parser.js';
import { readEvalLoop } from './repl.js';
import { type CommandContext, type CommandIO, type ContainerContext, ProcessKilled } from './types.js';

/** `exit N` unwinding to the shell's top level. */
export class ShellExit extends Error {
  override readonly name = 'ShellExit';
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** A terminal's Ctrl-C abandoning the command line being run, unwinding to the interactive shell's prompt. */
export class LineInterrupted extends Error {
  override readonly name = 'LineInterrupted';
}

/** `break N` / `continue N` unwinding to the enclosing loop. */
export class LoopControl extends Error {
  override readonly name = 'LoopControl';
  constructor(
    readonly kind: 'break' | 'continue',
    /** Loops still to unwind, including the current one. */
    readonly levels: number,
  ) {
    super(kind);
  }
}

/** How a shell starts. */
export interface ShellInit {
  readonly container: ContainerContext;
  /** Exported environment. */
  readonly env: ReadonlyMap<string, string>;
  readonly cwd: string;
  /** Aborts when the process is killed (SIGKILL, exec timeout). */
  readonly kill: AbortSignal;
  /** `$0` and `$1…`. */
  readonly name?: string;
  readonly positional?: readonly string[];
  /** `$$`. */
  readonly pid?: number;
  /** See {@link Shell.foreground}. */
  readonly foreground?: AbortSignal | undefined;
}

const ifsSplit = /[ \t\n]+/;
/** Iterations between forced yields to the event loop, so a busy `while true` cannot starve sockets. */
const yieldEvery = 64;

export class Shell {
  readonly container: ContainerContext;
  readonly vars = new Map<string, string>();
  readonly exported = new Set<string>();
  cwd: string;
  status = 0;
  positional: string[];
  readonly name: string;
  readonly traps = new Map<string, string>();
  readonly jobs = new Set<Promise<number>>();
  lastJobPid = 0;
  /**
   * Aborts when a terminal's Ctrl-C interrupts the command line an interactive shell is running: the
   * foreground commands stop (their signal aborts) and the line unwinds to the prompt. Child shells of the
   * line inherit it; background jobs do not (without job control they ignore SIGINT).
   */
  foreground: AbortSignal | undefined;
  private readonly pid: number;
  private readonly kill: AbortSignal;
  private pendingTraps: string[] = [];
  private interrupt = new AbortController();
  private readonly fgHandlers: ((signal: string) => void)[] = [];
  private readonly jobsAbort = new AbortController();
  private ticks = 0;

  constructor(init: ShellInit) {
    this.container = init.container;
    for (const [k, v] of init.env) {
      this.vars.set(k, v);
      this.exported.add(k);
    }
    this.cwd = init.cwd;
    this.kill = init.kill;
    this.name = init.name ?? 'sh';
    this.positional = [...(init.positional ?? [])];
    this.pid = init.pid ?? 1;
    this.foreground = init.foreground;
  }

  /**
   * Delivers a signal to this shell: to the foreground program if it handles signals, else to a trap.
   * Returns false when nobody handles it (PID 1 then ignores it).
   */
  deliverSignal(signal: string): boolean {
    const handler = this.fgHandlers.at(-1);
    if (handler) {
      handler(signal);
      return true;
    }
    const name = signal.replace(/^SIG/, '');
    const action = this.traps.get(name);
    if (action === undefined) return false;
    if (action !== '') {
      this.pendingTraps.push(name);
      this.interrupt.abort();
    }
    return true;
  }

  /** Parses and runs `src`; returns the exit status (2 on a syntax error, as sh does). */
  runScript(src: string, io: CommandIO): Promise<number> {
    return this.runTopLevel(io, () => this.subshellFree(src, io));
  }

  /** Reads and runs commands as `input` arrives (`sh` on a pipe or terminal); returns the exit status. */
  runInput(input: InputStream, io: CommandIO): Promise<number> {
    return this.runTopLevel(io, () => readEvalLoop(this, input, io));
  }

  /** Runs a whole shell program: `exit` ends it, then background jobs stop and the EXIT trap runs. */
  private async runTopLevel(io: CommandIO, body: () => Promise<number>): Promise<number> {
    try {
      return await body();
    } catch (e) {
      if (e instanceof ShellExit) {
        this.status = e.code;
        return e.code;
      }
      throw e;
    } finally {
      this.jobsAbort.abort();
      await this.runExitTrap(io);
    }
  }

  private async runExitTrap(io: CommandIO): Promise<void> {
    const action = this.traps.get('EXIT');
    if (action === undefined || action === '' || this.kill.aborted) return;
    this.traps.delete('EXIT');
    try {
      await this.runList(parseScript(action), io);
    } catch (e) {
      if (!(e instanceof ShellExit || e instanceof ShellSyntaxError)) throw e;
    }
  }

  async runList(list: List, io: CommandIO): Promise<number> {
    for (const item of list.items) {
      if (item.background) this.startJob(item, io);
      else this.status = await this.runAndOr(item, io);
      await this.checkpoint(io);
    }
    return this.status;
  }

  private startJob(item: AndOr, io: CommandIO): void {
    const child = this.subshell(AbortSignal.any([this.kill, this.jobsAbort.signal]), undefined);
    // Without job control a background job's stdin is /dev/null.
    const job = child
      .runAndOr({ ...item, background: false }, { ...io, stdin: '', input: undefined })
      .catch((e: unknown) => (e instanceof ShellExit ? e.code : 137));
    this.jobs.add(job);
    void job.finally(() => this.jobs.delete(job));
    this.lastJobPid = 100 + this.jobs.size;
    this.status = 0;
  }

  /** A copy of this shell (variables, cwd, traps reset) for `( … )`, `$( … )` and `&`. */
  subshell(kill: AbortSignal = this.kill, foreground: AbortSignal | undefined = this.foreground): Shell {
    const child = new Shell({
      container: this.container,
      env: new Map(),
      cwd: this.cwd,
      kill,
      name: this.name,
      positional: this.positional,
      pid: this.pid,
      foreground,
    });
    for (const [k, v] of this.vars) child.vars.set(k, v);
    for (const k of this.exported) child.exported.add(k);
    child.status = this.status;
    return child;
  }

  private async runAndOr(item: AndOr, io: CommandIO): Promise<number> {
    let status = await this.runPipeline(item.first, io);
    for (const { op, pipeline } of item.rest) {
      this.status = status;
      if ((op === '&&') === (status === 0)) status = await this.runPipeline(pipeline, io);
    }
    return status;
  }

  private async runPipeline(p: Pipeline, io: CommandIO): Promise<number> {
    // Pipes are emulated by buffering: each stage's stdout becomes the next stage's stdin. Only the first
    // stage reads the pipeline's own (possibly incremental) input.
    let stdin = io.stdin;
    let status = 0;
    for (let i = 0; i < p.commands.length; i++) {
      const last = i === p.commands.length - 1;
      const input = i === 0 ? io.input : undefined;
      let buffered = '';
      const stageIO: CommandIO = last
        ? { ...io, stdin, input }
        : {
            stdin,
            input,
            out: (s) => {
              buffered += s;
            },
            err: io.err,
          };
      status = await this.runCommand(p.commands[i] as Command, stageIO);
      stdin = buffered;
    }
    return p.negate ? Number(status === 0) : status;
  }

  private async runCommand(cmd: Command, io: CommandIO): Promise<number> {
    this.checkKilled();
    this.checkInterrupted();
    const redirected = await this.applyRedirects(cmd.redirects, io);
    if (redirected === undefined) return 1;
    switch (cmd.kind) {
      case 'simple':
        return this.runSimple(cmd, redirected);
      case 'while':
        return this.runWhile(cmd, redirected);
      case 'for':
        return this.runFor(cmd, redirected);
      case 'if':
        return this.runIf(cmd, redirected);
      case 'group':
        return cmd.subshell ? this.runSubshell(cmd.body, redirected) : this.runList(cmd.body, redirected);
    }
  }

  private async runSubshell(body: List, io: CommandIO): Promise<number> {
    try {
      return await this.subshell().runList(body, io);
    } catch (e) {
      if (e instanceof ShellExit) return e.code;
      throw e;
    }
  }

  private async runWhile(cmd: Extract<Command, { kind: 'while' }>, io: CommandIO): Promise<number> {
    let status = 0;
    for (;;) {
      await this.loopTick(io);
      const cond = await this.runList(cmd.cond, io);
      if ((cond === 0) === cmd.until) break;
      const step = await this.loopBody(cmd.body, io);
      if (step === 'break') break;
      status = this.status;
    }
    this.status = status;
    return status;
  }

  private async runFor(cmd: Extract<Command, { kind: 'for' }>, io: CommandIO): Promise<number> {
    const items = cmd.items === undefined ? this.positional : await this.expandWords(cmd.items);
    let status = 0;
    for (const item of items) {
      await this.loopTick(io);
      this.vars.set(cmd.name, item);
      const step = await this.loopBody(cmd.body, io);
      status = this.status;
      if (step === 'break') break;
    }
    return status;
  }

  /** Runs a loop body; 'break' when a `break` ended the loop, after unwinding outer loops as asked. */
  private async loopBody(body: List, io: CommandIO): Promise<'next' | 'break'> {
    try {
      await this.runList(body, io);
      return 'next';
    } catch (e) {
      if (!(e instanceof LoopControl)) throw e;
      this.status = 0;
      if (e.levels > 1) throw new LoopControl(e.kind, e.levels - 1);
      return e.kind === 'break' ? 'break' : 'next';
    }
  }

  private async runIf(cmd: Extract<Command, { kind: 'if' }>, io: CommandIO): Promise<number> {
    for (const clause of cmd.clauses) {
      if ((await this.runList(clause.cond, io)) === 0) return this.runList(clause.body, io);
    }
    return cmd.otherwise ? this.runList(cmd.otherwise, io) : 0;
  }

  private async runSimple(cmd: Extract<Command, { kind: 'simple' }>, io: CommandIO): Promise<number> {
    const argv = await this.expandWords(cmd.words);
    const assigns: [string, string][] = [];
    for (const a of cmd.assigns) assigns.push([a.name, (await this.expandWord(a.value)).join(' ')]);
    if (argv.length === 0) {
      for (const [k, v] of assigns) this.vars.set(k, v);
      return this.status;
    }
    return this.runArgv(argv, io, new Map(assigns));
  }

  /** Runs one command line already split into words: a builtin, a command on PATH, or a script file. */
  async runArgv(
    argv: readonly string[],
    io: CommandIO,
    assigns: ReadonlyMap<string, string> = new Map(),
  ): Promise<number> {
    const builtin = await runBuiltin(this, argv, io);
    if (builtin !== undefined) return builtin;
    const name = argv[0] as string;
    const base = name.includes('/') ? name.slice(name.lastIndexOf('/') + 1) : name;
    const fn = this.container.commands.get(base);
    if (fn === undefined) {
      if (name.includes('/') && this.container.fs.stat(resolvePath(this.cwd, name)) === 'file') {
        const src = this.container.fs.readFile(resolvePath(this.cwd, name));
        return this.subshell().runScript(src.replace(/^#!.*\n/, ''), io);
      }
      io.err(`${this.name}: ${name}: not found\n`);
      return 127;
    }
    const env = new Map<string, string>();
    for (const k of this.exported) {
      const v = this.vars.get(k);
      if (v !== undefined) env.set(k, v);
    }
    for (const [k, v] of assigns) env.set(k, v);
    return fn(this.commandContext(argv, io, env));
  }

  private commandContext(
    argv: readonly string[],
    io: CommandIO,
    env: ReadonlyMap<string, string>,
  ): CommandContext {
    const signal = this.interruptSignal();
    return {
      argv,
      io,
      container: this.container,
      env,
      cwd: this.cwd,
      signal,
      killed: () => this.kill.aborted,
      onSignal: (handler) => this.registerForeground(handler),
      runShell: (args, shellIO) => runShellCommand(this, env, args, shellIO),
    };
  }

  /** Aborts when the process is killed, a trapped signal or a terminal's Ctrl-C interrupts the foreground command. */
  interruptSignal(): AbortSignal {
    const signals = [this.kill, this.interrupt.signal];
    if (this.foreground) signals.push(this.foreground);
    return AbortSignal.any(signals);
  }

  /** Runs `src` in this shell itself (`eval`, `.`): its variables and `exit` affect this shell. */
  async subshellFree(src: string, io: CommandIO): Promise<number> {
    let list: List;
    try {
      list = parseScript(src);
    } catch (e) {
      if (!(e instanceof ShellSyntaxError)) throw e;
      io.err(`${this.name}: ${e.message}\n`);
      return 2;
    }
    return this.runList(list, io);
  }

  /** The signal that kills this shell's process. */
  killSignal(): AbortSignal {
    return this.kill;
  }

  /** Makes `handler` receive this shell's signals while it is registered (a foreground program or child shell). */
  registerForeground(handler: (signal: string) => void): () => void {
    this.fgHandlers.push(handler);
    return () => {
      const at = this.fgHandlers.lastIndexOf(handler);
      if (at >= 0) this.fgHandlers.splice(at, 1);
    };
  }

  /** Throws {@link ProcessKilled} once the process is killed. */
  checkKilled(): void {
    if (this.kill.aborted) throw new ProcessKilled('killed');
  }

  /** Throws {@link LineInterrupted} once a Ctrl-C interrupted the line being run. */
  private checkInterrupted(): void {
    if (this.foreground?.aborted) throw new LineInterrupted('interrupted');
  }

  /** Between commands: die if killed, unwind on Ctrl-C, run trap actions for signals that arrived. */
  private async checkpoint(io: CommandIO): Promise<void> {
    this.checkKilled();
    this.checkInterrupted();
    while (this.pendingTraps.length > 0) {
      const sig = this.pendingTraps.shift() as string;
      this.interrupt = new AbortController();
      const saved = this.status;
      await this.runList(parseScript(this.traps.get(sig) ?? ''), io);
      this.status = saved;
    }
  }

  private async loopTick(io: CommandIO): Promise<void> {
    await this.checkpoint(io);
    if (++this.ticks % yieldEvery === 0) await yieldToEventLoop();
  }

  /** Applies redirections; undefined (after printing sh's message) when a file cannot be opened. */
  private async applyRedirects(
    redirects: readonly Redirect[],
    io: CommandIO,
  ): Promise<CommandIO | undefined> {
    let cur = io;
    for (const r of redirects) {
      const target = (await this.expandWord(r.target)).join(' ');
      if (r.op === '>&') {
        const to = target === '1' ? cur.out : target === '2' ? cur.err : undefined;
        if (to === undefined) continue;
        cur = r.fd === 2 ? { ...cur, err: to } : { ...cur, out: to };
        continue;
      }
      const path = resolvePath(this.cwd, target);
      const fs = this.container.fs;
      try {
        if (r.op === '<') {
          cur = { ...cur, stdin: fs.readFile(path), input: undefined };
          continue;
        }
        if (target === '/dev/null') {
          cur = r.fd === 2 ? { ...cur, err: () => {} } : { ...cur, out: () => {} };
          continue;
        }
        fs.writeFile(path, '', r.op === '>>');
        const write = (s: string) => {
          try {
            fs.writeFile(path, s, true);
          } catch {
            // The file vanished (rm) while being written: a real process keeps writing to the unlinked inode.
          }
        };
        cur = r.fd === 2 ? { ...cur, err: write } : { ...cur, out: write };
      } catch (e) {
        if (!(e instanceof FsError)) throw e;
        const what = r.op === '<' ? 'open' : 'create';
        const why =
          e.code === 'ENOENT'
            ? r.op === '<'
              ? 'no such file'
              : 'nonexistent directory'
            : e.message.split(': ').pop();
        cur.err(`${this.name}: can't ${what} ${target}: ${why}\n`);
        return undefined;
      }
    }
    return cur;
  }

  /** Expands words into fields (variables, command substitution, arithmetic, field splitting). */
  async expandWords(words: readonly Word[]): Promise<string[]> {
    const out: string[] = [];
    for (const w of words) out.push(...(await this.expandWord(w)));
    return out;
  }

  /** Expands one word; unquoted expansions are split on blanks, so one word may give 0..n fields. */
  async expandWord(word: Word): Promise<string[]> {
    const fields: string[] = [];
    let cur = '';
    let hasField = false;
    const addSplit = (text: string) => {
      const pieces = text.split(ifsSplit);
      pieces.forEach((piece, i) => {
        if (i > 0 && (hasField || cur !== '')) {
          fields.push(cur);
          cur = '';
          hasField = false;
        }
        if (piece !== '') {
          cur += piece;
          hasField = true;
        }
      });
    };
    for (const part of word.parts) {
      if (part.t === 'lit') {
        cur += part.v;
        hasField ||= part.quoted || part.v !== '';
        continue;
      }
      if (part.t === 'var' && part.name === '@' && part.quoted) {
        this.positional.forEach((arg, i) => {
          if (i > 0) {
            fields.push(cur);
            cur = '';
          }
          cur += arg;
          hasField = true;
        });
        continue;
      }
      const text = await this.expandPart(part);
      if (part.quoted) {
        cur += text;
        hasField = true;
      } else addSplit(text);
    }
    if (hasField || cur !== '') fields.push(cur);
    return fields;
  }

  private async expandPart(part: Exclude<Word['parts'][number], { t: 'lit' }>): Promise<string> {
    if (part.t === 'arith') {
      const inner = (await this.expandWord({ parts: [{ t: 'lit', v: part.src, quoted: true }] })).join('');
      return String(evalArith(inner, (n) => this.lookup(n)));
    }
    if (part.t === 'cmd') {
      let captured = '';
      const child = this.subshell();
      await child.runScript(part.src, {
        stdin: '',
        out: (s) => {
          captured += s;
        },
        err: () => {},
      });
      this.status = child.status;
      return captured.replace(/\n+$/, '');
    }
    const value = this.lookup(part.name);
    if (part.op === undefined || part.arg === undefined) return value ?? '';
    const useDefault = part.op === '-' ? value === undefined : value === undefined || value === '';
    if (!useDefault) return value ?? '';
    const dflt = (await this.expandWord(part.arg)).join(' ');
    if (part.op === ':=') this.vars.set(part.name, dflt);
    return dflt;
  }

  /** The value of `$name` (special parameters included), or undefined when unset. */
  lookup(name: string): string | undefined {
    switch (name) {
      case '?':
        return String(this.status);
      case '$':
        return String(this.pid);
      case '#':
        return String(this.positional.length);
      case '@':
      case '*':
        return this.positional.join(' ');
      case '0':
        return this.name;
      case '!':
        return this.lastJobPid === 0 ? '' : String(this.lastJobPid);
      case '-':
        return '';
    }
    if (/^[1-9]$/.test(name)) return this.positional[Number(name) - 1];
    return this.vars.get(name);
  }

  /** Awaits the background jobs (`wait`). */
  async waitJobs(signal: AbortSignal): Promise<number> {
    let status = 0;
    while (this.jobs.size > 0) {
      const settled = await Promise.race([
        ...this.jobs,
        new Promise<number>((resolve) => signal.addEventListener('abort', () => resolve(-1), { once: true })),
      ]);
      if (signal.aborted) return 128 + 15;
      status = settled;
    }
    return status;
  }
}

/**
 * `sh [-c script [name [args…]]] | sh file [args…] | sh` (reads stdin: whole, or line by line as it arrives
 * when incremental, with a prompt on a terminal; with none, exits at once as a shell with no tty does).
 */
export async function runShellCommand(
  parent: Shell,
  env: ReadonlyMap<string, string>,
  args: readonly string[],
  io: CommandIO,
): Promise<number> {
  const base = parent;
  let i = 0;
  let script: string | undefined;
  while (i < args.length && /^-[a-z]+$/.test(args[i] as string)) {
    if ((args[i] as string).includes('c')) {
      script = args[i + 1];
      if (script === undefined) {
        io.err('sh: -c requires an argument\n');
        return 2;
      }
      i += 2;
    } else i++;
  }
  let name = 'sh';
  let positional = args.slice(i);
  if (script === undefined && positional.length > 0) {
    const file = resolvePath(base.cwd, positional[0] as string);
    try {
      script = base.container.fs.readFile(file);
    } catch {
      io.err(`sh: can't open '${positional[0]}': No such file or directory\n`);
      return 2;
    }
    name = positional[0] as string;
    positional = positional.slice(1);
  } else if (script !== undefined && positional.length > 0) {
    name = positional[0] as string;
    positional = positional.slice(1);
  }
  const shell = new Shell({
    container: base.container,
    env,
    cwd: base.cwd,
    kill: parent.killSignal(),
    name,
    positional,
    foreground: parent.foreground,
  });
  const unregister = parent.registerForeground((sig) => shell.deliverSignal(sig));
  try {
    if (script === undefined && io.input !== undefined) return await shell.runInput(io.input, io);
    return await shell.runScript(script ?? io.stdin, io);
  } finally {
    unregister();
  }
}
