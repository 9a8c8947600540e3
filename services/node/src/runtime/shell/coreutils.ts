/**
 * The busybox applets the emulated shell offers (files, text, time, environment). Messages follow
 * busybox's wording, since that is what `kubectl exec` and exec probes show.
 */
import { FsError, fsErrorText, resolvePath } from '../fs.js';
import { copyStdin, stdinText } from './input.js';
import { type CommandContext, type CommandFn, ProcessKilled } from './types.js';

function path(ctx: CommandContext, p: string): string {
  return resolvePath(ctx.cwd, p);
}

/** Splits `-abc` style flags (until `--` or the first operand) from operands. */
function flags(args: readonly string[]): { flags: Set<string>; rest: string[] } {
  const set = new Set<string>();
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') {
      i++;
      break;
    }
    if (!/^-[A-Za-z]+$/.test(a)) break;
    for (const c of a.slice(1)) set.add(c);
  }
  return { flags: set, rest: args.slice(i) };
}

function fsReason(e: unknown): string {
  if (e instanceof FsError) return fsErrorText[e.code];
  throw e;
}

/** `sleep 10`, `sleep 0.5`, `sleep 1m`, `sleep infinity`. */
const sleep: CommandFn = async (ctx) => {
  let totalMs = 0;
  for (const a of ctx.argv.slice(1)) {
    const m = /^(\d+(?:\.\d+)?|\.\d+|inf(?:inity)?)([smhd]?)$/.exec(a);
    if (!m) {
      ctx.io.err(`sleep: invalid number '${a}'\n`);
      return 1;
    }
    const n = (m[1] as string).startsWith('inf') ? Number.POSITIVE_INFINITY : Number(m[1]);
    totalMs += n * ({ s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's'] ?? 1000);
  }
  if (ctx.argv.length < 2) {
    ctx.io.err('Usage: sleep [N]...\n');
    return 1;
  }
  if (totalMs === 0) return 0;
  try {
    // An infinite sleep is a very long one (timers need a finite delay).
    await ctx.container.clock.sleep(Math.min(totalMs, 2 ** 31 - 1), ctx.signal);
    return 0;
  } catch {
    if (ctx.killed()) throw new ProcessKilled('killed');
    return 128 + 15;
  }
};

const echo: CommandFn = async (ctx) => {
  let args = ctx.argv.slice(1);
  let newline = true;
  let escapes = false;
  while (args[0] !== undefined && /^-[neE]+$/.test(args[0])) {
    if (args[0].includes('n')) newline = false;
    if (args[0].includes('e')) escapes = true;
    args = args.slice(1);
  }
  let text = args.join(' ');
  if (escapes) text = text.replace(/\\n/g, '\n').replace(/\\t/g, '\t').replace(/\\\\/g, '\\');
  ctx.io.out(newline ? `${text}\n` : text);
  return 0;
};

const printf: CommandFn = async (ctx) => {
  const [fmt = '', ...args] = ctx.argv.slice(1);
  let i = 0;
  const out = fmt
    .replace(/%([sdi%])/g, (_m, c: string) =>
      c === '%' ? '%' : c === 's' ? (args[i++] ?? '') : String(Number.parseInt(args[i++] ?? '0', 10) || 0),
    )
    .replace(/\\n/g, '\n')
    .replace(/\\t/g, '\t');
  ctx.io.out(out);
  return 0;
};

/** After reading stdin: throws when the process was killed; true when a Ctrl-C interrupted the read. */
function interrupted(ctx: CommandContext): boolean {
  if (ctx.killed()) throw new ProcessKilled('killed');
  return ctx.signal.aborted;
}

/** Copies its files, or stdin chunk by chunk as it arrives (`kubectl exec -i POD -- cat` echoes as you type). */
const cat: CommandFn = async (ctx) => {
  const files = ctx.argv.slice(1).filter((a) => a !== '-u');
  let status = 0;
  for (const f of files.length === 0 ? ['-'] : files) {
    if (f === '-') {
      await copyStdin(ctx.io, (text) => ctx.io.out(text), ctx.signal);
      if (interrupted(ctx)) return 130;
      continue;
    }
    try {
      ctx.io.out(ctx.container.fs.readFile(path(ctx, f)));
    } catch (e) {
      ctx.io.err(
        `cat: ${e instanceof FsError && e.code === 'EISDIR' ? `read error: ${fsReason(e)}` : `can't open '${f}': ${fsReason(e)}`}\n`,
      );
      status = 1;
    }
  }
  return status;
};

const touch: CommandFn = async (ctx) => {
  let status = 0;
  for (const f of flags(ctx.argv.slice(1)).rest) {
    const p = path(ctx, f);
    try {
      if (ctx.container.fs.stat(p) === undefined) ctx.container.fs.writeFile(p, '');
    } catch (e) {
      ctx.io.err(`touch: ${f}: ${fsReason(e)}\n`);
      status = 1;
    }
  }
  return status;
};

const rm: CommandFn = async (ctx) => {
  const { flags: f, rest } = flags(ctx.argv.slice(1));
  const force = f.has('f');
  const recursive = f.has('r') || f.has('R');
  let status = 0;
  for (const target of rest) {
    const p = path(ctx, target);
    try {
      if (ctx.container.fs.stat(p) === 'dir' && !recursive) {
        ctx.io.err(`rm: '${target}' is a directory\n`);
        status = 1;
        continue;
      }
      ctx.container.fs.remove(p, recursive);
    } catch (e) {
      if (force && e instanceof FsError && e.code === 'ENOENT') continue;
      ctx.io.err(`rm: can't remove '${target}': ${fsReason(e)}\n`);
      status = 1;
    }
  }
  return status;
};

const mkdir: CommandFn = async (ctx) => {
  const { flags: f, rest } = flags(ctx.argv.slice(1));
  let status = 0;
  for (const d of rest) {
    try {
      ctx.container.fs.mkdir(path(ctx, d), f.has('p'));
    } catch (e) {
      ctx.io.err(`mkdir: can't create directory '${d}': ${fsReason(e)}\n`);
      status = 1;
    }
  }
  return status;
};

const ls: CommandFn = async (ctx) => {
  const { flags: f, rest } = flags(ctx.argv.slice(1));
  const targets = rest.length === 0 ? ['.'] : rest;
  let status = 0;
  for (const t of targets) {
    const p = path(ctx, t);
    try {
      const names = ctx.container.fs.list(p);
      if (targets.length > 1 && ctx.container.fs.stat(p) === 'dir') ctx.io.out(`${t}:\n`);
      for (const n of f.has('a') ? ['.', '..', ...names] : names.filter((n) => !n.startsWith('.'))) {
        if (f.has('l')) {
          const full = resolvePath(p, n);
          const isDir = ctx.container.fs.stat(full) === 'dir';
          const size = isDir ? 4096 : Buffer.byteLength(ctx.container.fs.readFile(full));
          ctx.io.out(
            `${isDir ? 'drwxr-xr-x' : '-rw-r--r--'}    1 root     root     ${String(size).padStart(8)} ${n}\n`,
          );
        } else ctx.io.out(`${n}\n`);
      }
    } catch (e) {
      ctx.io.err(`ls: ${t}: ${fsReason(e)}\n`);
      status = 1;
    }
  }
  return status;
};

const cp: CommandFn = async (ctx) => {
  const { rest } = flags(ctx.argv.slice(1));
  const [from, to] = rest;
  if (from === undefined || to === undefined) {
    ctx.io.err('BusyBox v1.36.1 multi-call binary.\n\nUsage: cp [-arPLHpfinlsTu] SOURCE DEST\n');
    return 1;
  }
  try {
    const content = ctx.container.fs.readFile(path(ctx, from));
    let dest = path(ctx, to);
    if (ctx.container.fs.stat(dest) === 'dir')
      dest = resolvePath(dest, from.slice(from.lastIndexOf('/') + 1));
    ctx.container.fs.writeFile(dest, content);
    if (ctx.argv[0] === 'mv') ctx.container.fs.remove(path(ctx, from), false);
    return 0;
  } catch (e) {
    ctx.io.err(`${ctx.argv[0]}: can't stat '${from}': ${fsReason(e)}\n`);
    return 1;
  }
};

const tee: CommandFn = async (ctx) => {
  const { flags: f, rest } = flags(ctx.argv.slice(1));
  const open = rest.filter((file) => {
    try {
      ctx.container.fs.writeFile(path(ctx, file), '', f.has('a'));
      return true;
    } catch (e) {
      ctx.io.err(`tee: ${file}: ${fsReason(e)}\n`);
      return false;
    }
  });
  await copyStdin(
    ctx.io,
    (text) => {
      for (const file of open) {
        try {
          ctx.container.fs.writeFile(path(ctx, file), text, true);
        } catch {
          // Removed while being written: a real tee keeps writing to the unlinked file.
        }
      }
      ctx.io.out(text);
    },
    ctx.signal,
  );
  return interrupted(ctx) ? 130 : 0;
};

/** Reads operands or all of stdin (grep, head, tail, wc); undefined after an error or a Ctrl-C. */
async function inputText(ctx: CommandContext, files: readonly string[]): Promise<string | undefined> {
  if (files.length === 0) {
    const text = await stdinText(ctx.io, ctx.signal);
    return interrupted(ctx) ? undefined : text;
  }
  let text = '';
  for (const f of files) {
    try {
      text += ctx.container.fs.readFile(path(ctx, f));
    } catch (e) {
      ctx.io.err(`${ctx.argv[0]}: ${f}: ${fsReason(e)}\n`);
      return undefined;
    }
  }
  return text;
}

function lines(text: string): string[] {
  const all = text.split('\n');
  if (all.at(-1) === '') all.pop();
  return all;
}

const grep: CommandFn = async (ctx) => {
  const { flags: f, rest } = flags(ctx.argv.slice(1));
  const [pattern, ...files] = rest;
  if (pattern === undefined) {
    ctx.io.err('Usage: grep [-ivcq] PATTERN [FILE]...\n');
    return 2;
  }
  const text = await inputText(ctx, files);
  if (text === undefined) return 2;
  const re = new RegExp(
    f.has('F') ? pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : pattern,
    f.has('i') ? 'i' : '',
  );
  const hits = lines(text).filter((l) => re.test(l) !== f.has('v'));
  if (f.has('c')) ctx.io.out(`${hits.length}\n`);
  else if (!f.has('q')) for (const h of hits) ctx.io.out(`${h}\n`);
  return hits.length > 0 ? 0 : 1;
};

function countArg(args: readonly string[]): { n: number; files: string[] } {
  const out: string[] = [];
  let n = 10;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '-n') n = Number(args[++i] ?? 10);
    else if (/^-n?\d+$/.test(a)) n = Number(a.replace(/^-n?/, ''));
    else out.push(a);
  }
  return { n, files: out };
}

const head: CommandFn = async (ctx) => {
  const { n, files } = countArg(ctx.argv.slice(1));
  const text = await inputText(ctx, files);
  if (text === undefined) return 1;
  for (const l of lines(text).slice(0, n)) ctx.io.out(`${l}\n`);
  return 0;
};

const tail: CommandFn = async (ctx) => {
  const { n, files } = countArg(ctx.argv.slice(1));
  const text = await inputText(ctx, files);
  if (text === undefined) return 1;
  for (const l of lines(text).slice(-n)) ctx.io.out(`${l}\n`);
  return 0;
};

const wc: CommandFn = async (ctx) => {
  const { flags: f, rest } = flags(ctx.argv.slice(1));
  const text = await inputText(ctx, rest);
  if (text === undefined) return 1;
  const counts = {
    l: (text.match(/\n/g) ?? []).length,
    w: text.split(/\s+/).filter(Boolean).length,
    c: Buffer.byteLength(text),
  };
  const chosen = (['l', 'w', 'c'] as const).filter((k) => f.has(k));
  ctx.io.out(
    `${(chosen.length === 0 ? (['l', 'w', 'c'] as const) : chosen).map((k) => counts[k]).join(' ')}\n`,
  );
  return 0;
};

const seq: CommandFn = async (ctx) => {
  const nums = ctx.argv.slice(1).map(Number);
  const [first, last] = nums.length === 1 ? [1, nums[0] as number] : [nums[0] ?? 1, nums[1] ?? 1];
  for (let i = first; i <= last && i - first < 100_000; i++) ctx.io.out(`${i}\n`);
  return 0;
};

const env: CommandFn = async (ctx) => {
  for (const [k, v] of ctx.env) ctx.io.out(`${k}=${v}\n`);
  return 0;
};

const printenv: CommandFn = async (ctx) => {
  const names = ctx.argv.slice(1);
  if (names.length === 0) return env(ctx);
  let status = 0;
  for (const n of names) {
    const v = ctx.env.get(n);
    if (v === undefined) status = 1;
    else ctx.io.out(`${v}\n`);
  }
  return status;
};

const hostname: CommandFn = async (ctx) => {
  ctx.io.out(`${ctx.argv[1] === '-i' ? ctx.container.net.podIP : ctx.container.hostname}\n`);
  return 0;
};

const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `date` as busybox prints it (UTC; containers have no TZ): `Wed Nov 25 15:40:08 UTC 2026`, or `+FORMAT`. */
export function formatDate(wallMs: number, format?: string): string {
  const d = new Date(wallMs);
  const p2 = (n: number) => String(n).padStart(2, '0');
  const fields: Record<string, string> = {
    Y: String(d.getUTCFullYear()),
    m: p2(d.getUTCMonth() + 1),
    d: p2(d.getUTCDate()),
    H: p2(d.getUTCHours()),
    M: p2(d.getUTCMinutes()),
    S: p2(d.getUTCSeconds()),
    s: String(Math.floor(wallMs / 1000)),
    a: days[d.getUTCDay()] as string,
    b: months[d.getUTCMonth()] as string,
    Z: 'UTC',
    '%': '%',
  };
  fields.T = `${fields.H}:${fields.M}:${fields.S}`;
  fields.F = `${fields.Y}-${fields.m}-${fields.d}`;
  const fmt = format ?? '%a %b %d %T %Z %Y';
  return fmt.replace(/%(.)/g, (m, c: string) => fields[c] ?? m);
}

const date: CommandFn = async (ctx) => {
  const fmt = ctx.argv.slice(1).find((a) => a.startsWith('+'));
  ctx.io.out(`${formatDate(ctx.container.clock.wallNow(), fmt?.slice(1))}\n`);
  return 0;
};

/** `test` / `[`: file tests, string and integer comparisons, `!`. */
export function evalTest(args: readonly string[], ctx: CommandContext): boolean {
  if (args[0] === '!') return !evalTest(args.slice(1), ctx);
  const [a, b, c] = args;
  if (args.length === 0) return false;
  if (args.length === 1) return a !== '';
  if (args.length === 2) {
    const kind = ctx.container.fs.stat(path(ctx, b as string));
    switch (a) {
      case '-z':
        return b === '';
      case '-n':
        return b !== '';
      case '-e':
        return kind !== undefined;
      case '-f':
        return kind === 'file';
      case '-d':
        return kind === 'dir';
      case '-s':
        return kind === 'file' && ctx.container.fs.readFile(path(ctx, b as string)) !== '';
      case '-r':
      case '-w':
      case '-x':
        return kind !== undefined;
    }
    return false;
  }
  const x = Number.parseInt(a as string, 10);
  const y = Number.parseInt(c as string, 10);
  switch (b) {
    case '=':
    case '==':
      return a === c;
    case '!=':
      return a !== c;
    case '-eq':
      return x === y;
    case '-ne':
      return x !== y;
    case '-lt':
      return x < y;
    case '-le':
      return x <= y;
    case '-gt':
      return x > y;
    case '-ge':
      return x >= y;
  }
  if (args.includes('-a')) {
    const at = args.indexOf('-a');
    return evalTest(args.slice(0, at), ctx) && evalTest(args.slice(at + 1), ctx);
  }
  if (args.includes('-o')) {
    const at = args.indexOf('-o');
    return evalTest(args.slice(0, at), ctx) || evalTest(args.slice(at + 1), ctx);
  }
  return false;
}

const test: CommandFn = async (ctx) => {
  let args = ctx.argv.slice(1);
  if (ctx.argv[0] === '[') {
    if (args.at(-1) !== ']') {
      ctx.io.err('sh: missing ]\n');
      return 2;
    }
    args = args.slice(0, -1);
  }
  return evalTest(args, ctx) ? 0 : 1;
};

/** The applets by name. */
export const coreutils: Readonly<Record<string, CommandFn>> = {
  sleep,
  echo,
  printf,
  cat,
  touch,
  rm,
  mkdir,
  ls,
  cp,
  mv: cp,
  tee,
  grep,
  head,
  tail,
  wc,
  seq,
  env,
  printenv,
  hostname,
  date,
  test,
  '[': test,
  true: async () => 0,
  false: async () => 1,
  pwd: async (ctx) => {
    ctx.io.out(`${ctx.cwd}\n`);
    return 0;
  },
  whoami: async (ctx) => {
    ctx.io.out('root\n');
    return 0;
  },
  id: async (ctx) => {
    ctx.io.out('uid=0(root) gid=0(root) groups=0(root)\n');
    return 0;
  },
  uname: async (ctx) => {
    ctx.io.out(
      ctx.argv.includes('-a') ? `Linux ${ctx.container.hostname} 6.1.0 #1 SMP x86_64 GNU/Linux\n` : 'Linux\n',
    );
    return 0;
  },
  sh: (ctx) => ctx.runShell(ctx.argv.slice(1), ctx.io),
  ash: (ctx) => ctx.runShell(ctx.argv.slice(1), ctx.io),
};
