/** Builtins that change the shell itself: exit, export, cd, trap, wait, exec, eval, set, shift, unset. */
import { resolvePath } from '../fs.js';
import type { Shell } from './interp.js';
import { LoopControl, ShellExit } from './interp.js';
import type { CommandIO } from './types.js';

type Builtin = (sh: Shell, args: readonly string[], io: CommandIO) => Promise<number> | number;

const signalNames: Readonly<Record<string, string>> = {
  '0': 'EXIT',
  '1': 'HUP',
  '2': 'INT',
  '3': 'QUIT',
  '9': 'KILL',
  '15': 'TERM',
};

function signalName(spec: string): string {
  const up = spec.toUpperCase().replace(/^SIG/, '');
  return signalNames[up] ?? up;
}

const builtins: Readonly<Record<string, Builtin>> = {
  ':': () => 0,
  break: (_sh, args) => {
    throw new LoopControl('break', Math.max(1, Number.parseInt(args[0] ?? '1', 10) || 1));
  },
  continue: (_sh, args) => {
    throw new LoopControl('continue', Math.max(1, Number.parseInt(args[0] ?? '1', 10) || 1));
  },
  exit: (sh, args) => {
    throw new ShellExit(args[0] === undefined ? sh.status : Number.parseInt(args[0], 10) & 255 || 0);
  },
  export: (sh, args) => {
    for (const a of args) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a : a.slice(0, eq);
      if (eq >= 0) sh.vars.set(name, a.slice(eq + 1));
      sh.exported.add(name);
    }
    return 0;
  },
  unset: (sh, args) => {
    for (const a of args) {
      sh.vars.delete(a);
      sh.exported.delete(a);
    }
    return 0;
  },
  set: (sh, args) => {
    const dd = args.indexOf('--');
    if (dd >= 0) sh.positional = args.slice(dd + 1);
    return 0;
  },
  shift: (sh, args) => {
    const n = args[0] === undefined ? 1 : Number.parseInt(args[0], 10);
    if (n > sh.positional.length) return 1;
    sh.positional = sh.positional.slice(n);
    return 0;
  },
  cd: (sh, args, io) => {
    const target = resolvePath(sh.cwd, args[0] ?? sh.vars.get('HOME') ?? '/');
    if (sh.container.fs.stat(target) !== 'dir') {
      io.err(`sh: cd: can't cd to ${args[0]}: No such file or directory\n`);
      return 2;
    }
    sh.cwd = target;
    return 0;
  },
  trap: (sh, args, io) => {
    if (args.length === 0) {
      for (const [sig, action] of sh.traps) io.out(`trap -- '${action}' ${sig}\n`);
      return 0;
    }
    const [action, ...sigs] = args as [string, ...string[]];
    // `trap TERM` (one operand that is a signal) resets it, as `trap - TERM` does.
    const reset = action === '-' || (sigs.length === 0 && /^(SIG)?[A-Z]+$|^\d+$/.test(action));
    for (const s of sigs.length === 0 ? [action] : sigs) {
      if (reset) sh.traps.delete(signalName(s));
      else sh.traps.set(signalName(s), action);
    }
    return 0;
  },
  wait: (sh, _args, _io) => sh.waitJobs(sh.interruptSignal()),
  eval: (sh, args, io) => sh.subshellFree(args.join(' '), io),
  '.': (sh, args, io) => source(sh, args, io),
  source: (sh, args, io) => source(sh, args, io),
  exec: async (sh, args, io) => {
    if (args.length === 0) return 0;
    throw new ShellExit(await sh.runArgv(args, io));
  },
};

async function source(sh: Shell, args: readonly string[], io: CommandIO): Promise<number> {
  const file = args[0];
  if (file === undefined) return 0;
  try {
    return await sh.subshellFree(sh.container.fs.readFile(resolvePath(sh.cwd, file)), io);
  } catch (e) {
    if (e instanceof ShellExit) throw e;
    io.err(`sh: .: can't open '${file}': No such file or directory\n`);
    return 2;
  }
}

/** Runs `argv` when it names a builtin; undefined when it does not. */
export async function runBuiltin(
  sh: Shell,
  argv: readonly string[],
  io: CommandIO,
): Promise<number | undefined> {
  const fn = builtins[argv[0] as string];
  return fn === undefined ? undefined : fn(sh, argv.slice(1), io);
}
