/**
 * The emulated nginx: serves /usr/share/nginx/html from the container filesystem (so writing index.html
 * changes what clients get), logs in nginx's combined format to stdout, exits 0 on SIGTERM/SIGINT (fast
 * shutdown) and SIGQUIT (graceful), and fails like nginx when its port is taken.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { formatDate } from '../shell/coreutils.js';
import { type CommandContext, type CommandFn, ProcessKilled } from '../shell/types.js';
import { AddressInUse, listenInPod, serverPorts, waitForSignal } from './serve.js';

const htmlRoot = '/usr/share/nginx/html';

function nginxVersion(ctx: CommandContext): string {
  const tag = ctx.container.imageTag;
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(tag);
  if (!m) return '1.27.3';
  return `${m[1]}.${m[2]}.${m[3] ?? '0'}`;
}

/** `2026/11/25 15:40:08` as nginx writes error-log timestamps. */
function errorLogTime(wallMs: number): string {
  return formatDate(wallMs, '%Y/%m/%d %T');
}

/** `25/Nov/2026:15:40:08 +0000` as the access log writes them. */
function accessLogTime(wallMs: number): string {
  return formatDate(wallMs, '%d/%b/%Y:%T +0000');
}

function errorPage(status: number, text: string, version: string): string {
  return `<html>\r\n<head><title>${status} ${text}</title></head>\r\n<body>\r\n<center><h1>${status} ${text}</h1></center>\r\n<hr><center>nginx/${version}</center>\r\n</body>\r\n</html>\r\n`;
}

function handle(ctx: CommandContext, version: string, req: IncomingMessage, res: ServerResponse): void {
  const { fs, clock } = ctx.container;
  ctx.container.recordRequest();
  const url = new URL(req.url ?? '/', 'http://x');
  let file = `${htmlRoot}${decodeURIComponent(url.pathname)}`;
  if (fs.stat(file) === 'dir') file = `${file.replace(/\/$/, '')}/index.html`;
  let status = 200;
  let body: string;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    status = 405;
    body = errorPage(405, 'Not Allowed', version);
  } else if (fs.stat(file) === 'file') body = fs.readFile(file);
  else {
    status = 404;
    body = errorPage(404, 'Not Found', version);
    ctx.io.err(
      `${errorLogTime(clock.wallNow())} [error] 29#29: *1 open() "${file}" failed (2: No such file or directory), client: ${req.socket.remoteAddress}, server: localhost, request: "${req.method} ${req.url} HTTP/${req.httpVersion}", host: "${req.headers.host ?? ''}"\n`,
    );
  }
  const bytes = Buffer.byteLength(body);
  res.writeHead(status, { Server: `nginx/${version}`, 'Content-Type': 'text/html', 'Content-Length': bytes });
  res.end(req.method === 'HEAD' ? undefined : body);
  const ua = req.headers['user-agent'] ?? '-';
  ctx.io.out(
    `${req.socket.remoteAddress} - - [${accessLogTime(clock.wallNow())}] "${req.method} ${req.url} HTTP/${req.httpVersion}" ${status} ${bytes} "${req.headers.referer ?? '-'}" "${ua}" "-"\n`,
  );
}

/** `nginx [-g 'daemon off;'] [-t] [-v]`. */
export const nginx: CommandFn = async (ctx) => {
  const args = ctx.argv.slice(1);
  const version = nginxVersion(ctx);
  const { clock } = ctx.container;
  if (args.includes('-v') || args.includes('-V')) {
    ctx.io.err(`nginx version: nginx/${version}\n`);
    return 0;
  }
  if (args.includes('-t')) {
    ctx.io.err(
      'nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\nnginx: configuration file /etc/nginx/nginx.conf test is successful\n',
    );
    return 0;
  }
  const g = args[args.indexOf('-g') + 1] ?? '';
  const foreground = args.includes('-g') && /daemon\s+off\s*;/.test(g);
  const note = (text: string) => ctx.io.err(`${errorLogTime(clock.wallNow())} [notice] 1#1: ${text}\n`);
  const closers: (() => Promise<void>)[] = [];
  const closeAll = () => Promise.all(closers.map((c) => c()));
  const signals = waitForSignal(ctx, ['SIGTERM', 'SIGINT', 'SIGQUIT']);
  try {
    for (const port of serverPorts(ctx, [80])) {
      const server = createServer((req, res) => handle(ctx, version, req, res));
      closers.push(await listenInPod(ctx, server, port));
    }
  } catch (e) {
    signals.stop();
    await closeAll();
    if (!(e instanceof AddressInUse)) throw e;
    ctx.io.err(`${errorLogTime(clock.wallNow())} [emerg] 1#1: ${e.message}\nnginx: [emerg] ${e.message}\n`);
    return 1;
  }
  note('using the "epoll" event method');
  note(`nginx/${version}`);
  note('start worker processes');
  if (!foreground) {
    // A daemonizing nginx returns at once; its workers serve until the container goes away.
    signals.stop();
    return 0;
  }
  const sig = await signals.done;
  signals.stop();
  await closeAll();
  if (sig === 'SIGKILL') {
    if (ctx.killed()) throw new ProcessKilled('killed');
    return 128 + 15;
  }
  const num = sig === 'SIGQUIT' ? 3 : sig === 'SIGINT' ? 2 : 15;
  note(`signal ${num} (${sig}) received, ${sig === 'SIGQUIT' ? 'shutting down' : 'exiting'}`);
  note('exit');
  return 0;
};
