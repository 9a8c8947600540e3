/** wget, curl and nslookup: real network traffic from the pod, printed as busybox and curl print it. */
import { resolvePath } from '../fs.js';
import { queryA, resolveName } from '../net/dns-client.js';
import { HttpClientError, type HttpResponse, podHttpRequest } from '../net/http-client.js';
import { type CommandContext, type CommandFn, ProcessKilled } from './types.js';

function killedCheck(ctx: CommandContext): void {
  if (ctx.killed()) throw new ProcessKilled('killed');
}

interface WgetArgs {
  quiet: boolean;
  output?: string;
  timeoutMs: number;
  spider: boolean;
  headers: Record<string, string>;
  url?: string;
}

function parseWget(args: readonly string[]): WgetArgs | string {
  const out: WgetArgs = { quiet: false, timeoutMs: 900_000, spider: false, headers: {} };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '-q' || a === '--quiet') out.quiet = true;
    else if (a === '-qO-' || a === '-qO' || a === '-O-') {
      out.quiet ||= a.startsWith('-q');
      out.output = a.endsWith('-') && a !== '-qO' ? '-' : (args[++i] ?? '-');
    } else if (a === '-O' || a === '--output-document') out.output = args[++i] ?? '-';
    else if (a.startsWith('-O')) out.output = a.slice(2);
    else if (a === '-T' || a === '--timeout') out.timeoutMs = Number(args[++i]) * 1000;
    else if (a.startsWith('--timeout=')) out.timeoutMs = Number(a.slice(10)) * 1000;
    else if (a === '--spider') out.spider = true;
    else if (a === '--header') {
      const [k, ...v] = (args[++i] ?? '').split(':');
      if (k) out.headers[k.trim()] = v.join(':').trim();
    } else if (a.startsWith('-')) return `wget: unrecognized option '${a}'`;
    else out.url = a;
  }
  return out;
}

const wget: CommandFn = async (ctx) => {
  const args = parseWget(ctx.argv.slice(1));
  if (typeof args === 'string' || args.url === undefined) {
    ctx.io.err(
      `${typeof args === 'string' ? `${args}\n` : ''}BusyBox v1.36.1 multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-T SEC] URL...\n`,
    );
    return 1;
  }
  const { container } = ctx;
  let res: HttpResponse;
  try {
    res = await podHttpRequest(container.net, container.clock, container.hostname, {
      url: args.url,
      method: args.spider ? 'HEAD' : 'GET',
      headers: args.headers,
      timeoutMs: args.timeoutMs,
      signal: ctx.signal,
    });
  } catch (e) {
    killedCheck(ctx);
    if (!(e instanceof HttpClientError)) throw e;
    const msg =
      e.kind === 'resolve'
        ? `wget: bad address '${e.host}${e.port === 80 ? '' : `:${e.port}`}'`
        : e.kind === 'timeout'
          ? 'wget: download timed out'
          : e.kind === 'url'
            ? `wget: not an http or ftp url: ${args.url}`
            : `wget: can't connect to remote host (${e.host}): ${e.detail}`;
    ctx.io.err(`${msg}\n`);
    return 1;
  }
  const target = new URL(/^[a-z]+:\/\//i.test(args.url) ? args.url : `http://${args.url}`);
  if (!args.quiet) ctx.io.err(`Connecting to ${target.host} (${target.host})\n`);
  if (res.status >= 400) {
    ctx.io.err(`wget: server returned error: HTTP/${res.httpVersion} ${res.status} ${res.statusText}\n`);
    return 1;
  }
  if (args.spider) {
    if (!args.quiet) ctx.io.err('remote file exists\n');
    return 0;
  }
  const file = args.output ?? (target.pathname.split('/').pop() || 'index.html');
  if (file === '-') {
    if (!args.quiet) ctx.io.err('writing to stdout\n');
    ctx.io.out(res.body);
  } else {
    try {
      if (!args.quiet) ctx.io.err(`saving to '${file}'\n`);
      container.fs.writeFile(resolvePath(ctx.cwd, file), res.body);
    } catch {
      ctx.io.err(`wget: can't open '${file}': No such file or directory\n`);
      return 1;
    }
  }
  if (!args.quiet) ctx.io.err(`'${file}' saved\n`);
  return 0;
};

interface CurlArgs {
  silent: boolean;
  showError: boolean;
  fail: boolean;
  include: boolean;
  head: boolean;
  output?: string;
  timeoutMs?: number;
  method?: string;
  data?: string;
  writeOut?: string;
  headers: Record<string, string>;
  url?: string;
}

function parseCurl(args: readonly string[]): CurlArgs {
  const out: CurlArgs = {
    silent: false,
    showError: false,
    fail: false,
    include: false,
    head: false,
    headers: {},
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const value = () => args[++i] ?? '';
    if (a === '-o' || a === '--output') out.output = value();
    else if (a === '-m' || a === '--max-time' || a === '--connect-timeout')
      out.timeoutMs = Number(value()) * 1000;
    else if (a === '-X' || a === '--request') out.method = value();
    else if (a === '-d' || a === '--data') out.data = value();
    else if (a === '-w' || a === '--write-out') out.writeOut = value();
    else if (a === '-H' || a === '--header') {
      const [k, ...v] = value().split(':');
      if (k) out.headers[k.trim()] = v.join(':').trim();
    } else if (a === '--silent') out.silent = true;
    else if (a === '--fail') out.fail = true;
    else if (/^-[a-zA-Z]+$/.test(a)) {
      for (const c of a.slice(1)) {
        if (c === 's') out.silent = true;
        else if (c === 'S') out.showError = true;
        else if (c === 'f') out.fail = true;
        else if (c === 'i') out.include = true;
        else if (c === 'I') out.head = true;
      }
    } else if (!a.startsWith('-')) out.url = a;
  }
  return out;
}

function curlError(e: HttpClientError, elapsedMs: number): [number, string] {
  switch (e.kind) {
    case 'resolve':
      return [6, `Could not resolve host: ${e.host}`];
    case 'timeout':
      return [28, `Connection timed out after ${elapsedMs} milliseconds`];
    case 'url':
      return [3, 'URL rejected: Malformed input to a URL function'];
    case 'connect':
      return [
        7,
        `Failed to connect to ${e.host} port ${e.port} after ${elapsedMs} ms: Couldn't connect to server`,
      ];
  }
}

const curl: CommandFn = async (ctx) => {
  const args = parseCurl(ctx.argv.slice(1));
  if (args.url === undefined) {
    ctx.io.err("curl: try 'curl --help' or 'curl --manual' for more information\n");
    return 2;
  }
  const { container } = ctx;
  const started = container.clock.now();
  let res: HttpResponse;
  try {
    res = await podHttpRequest(container.net, container.clock, container.hostname, {
      url: args.url,
      method: args.method ?? (args.head ? 'HEAD' : args.data !== undefined ? 'POST' : 'GET'),
      headers: { 'User-Agent': 'curl/8.5.0', ...args.headers },
      ...(args.data === undefined ? {} : { body: args.data }),
      ...(args.timeoutMs === undefined ? {} : { timeoutMs: args.timeoutMs }),
      signal: ctx.signal,
    });
  } catch (e) {
    killedCheck(ctx);
    if (!(e instanceof HttpClientError)) throw e;
    const [code, text] = curlError(e, Math.round(container.clock.now() - started));
    if (!args.silent || args.showError) ctx.io.err(`curl: (${code}) ${text}\n`);
    return code;
  }
  if (args.fail && res.status >= 400) {
    if (!args.silent || args.showError)
      ctx.io.err(`curl: (22) The requested URL returned error: ${res.status}\n`);
    return 22;
  }
  const head = `HTTP/${res.httpVersion} ${res.status} ${res.statusText}\r\n${res.headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  const text = (args.include || args.head ? head : '') + (args.head ? '' : res.body);
  if (args.output !== undefined && args.output !== '-')
    container.fs.writeFile(resolvePath(ctx.cwd, args.output), text);
  else ctx.io.out(text);
  if (args.writeOut !== undefined)
    ctx.io.out(args.writeOut.replace(/%\{http_code\}/g, String(res.status)).replace(/\\n/g, '\n'));
  return 0;
};

/** busybox nslookup: `nslookup NAME [SERVER]` through the pod's nameserver and search list. */
const nslookup: CommandFn = async (ctx) => {
  const name = ctx.argv.slice(1).find((a) => !a.startsWith('-'));
  const { net, clock, hostname } = ctx.container;
  if (name === undefined) {
    ctx.io.err(
      'BusyBox v1.36.1 multi-call binary.\n\nUsage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n',
    );
    return 1;
  }
  const server = net.dns?.nameserver ?? '127.0.0.1';
  ctx.io.out(`Server:\t\t${server}\nAddress:\t${server}:${net.dns?.port ?? 53}\n\n`);
  if (net.dns === undefined) {
    ctx.io.err(';; connection timed out; no servers could be reached\n\n');
    return 1;
  }
  const answer = await resolveName(net, clock, hostname, name, ctx.signal);
  killedCheck(ctx);
  if (answer?.rcode === 'TIMEOUT') {
    ctx.io.err(';; connection timed out; no servers could be reached\n\n');
    return 1;
  }
  if (answer === undefined || answer.addresses.length === 0) {
    const last = await queryA(net, clock, name.replace(/\.$/, ''), ctx.signal);
    ctx.io.err(
      `** server can't find ${name.replace(/\.$/, '')}: ${last.rcode === 'NOERROR' ? 'NXDOMAIN' : last.rcode}\n\n`,
    );
    return 1;
  }
  for (const a of answer.addresses) ctx.io.out(`Name:\t${answer.name}\nAddress: ${a}\n\n`);
  return 0;
};

/** The network applets by name. */
export const netUtils: Readonly<Record<string, CommandFn>> = { wget, curl, nslookup };
