/**
 * `kubectl exec` over WebSocket: kubectl 1.32 upgrades `GET /api/v1/namespaces/{ns}/pods/{name}/exec` with
 * the `v5.channel.k8s.io` subprotocol (then `v4.channel.k8s.io`, …) and falls back to SPDY only when the
 * upgrade fails (KUBECTL.md §6.3: both arrive on the server's `upgrade` event, not as requests).
 *
 * Channel framing (k8s.io/apimachinery wsstream; client-go tools/remotecommand websocket.go): every binary
 * message starts with a channel byte — 0 stdin (client → server), 1 stdout, 2 stderr, 3 error (one JSON
 * Status at the end: Success, or Failure with reason `NonZeroExitCode` and an `ExitCode` cause), 4 resize
 * (`{"Width":…,"Height":…}`; the emulated terminal has no size, so it is ignored) and, in v5 only, 255
 * close: `[255, 0]` says the client closed stdin. With v4 stdin ends only when the socket closes.
 *
 * The command starts at once; stdin chunks go on to the node as they arrive (node RPC streams them under
 * flow control), so `kubectl exec -i POD -- sh` is interactive. With a TTY (`tty=true`) the node gives the
 * command a terminal, whose output (stdout and stderr merged) comes back on channel 1. Errors found before
 * the upgrade (bad token, missing pod, unknown container, no node) are answered as HTTP Status responses,
 * which kubectl prints as `Error from server (…)` (after its SPDY retry gets the same answer).
 */
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { Status } from '@kubelab/api-types';
import { type WebSocket, WebSocketServer } from 'ws';
import type { RequestUser } from '../core/handler.js';
import { type PodStreams, nodeRpcStatus } from '../core/pod-streams.js';
import { bearerToken } from './middleware/authn/index.js';
import type { Authenticate } from './middleware/authn/index.js';
import { httpErrors } from './status.js';

/** The subprotocols this api speaks, best first. */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const CLOSE = 255;
/**
 * stdin held while the node is behind: above it the socket is paused (TCP then holds the client back), and
 * it resumes below half. Large, so that only bulk input (`kubectl exec -i … < big`) ever pauses: a paused
 * socket does not notice the client leaving.
 */
const STDIN_BUFFERED_CHARS_MAX = 1024 * 1024;
const EXEC_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/;
const TRUE = new Set(['true', '1', 't', 'T', 'TRUE', 'True']);

export interface ExecUpgradeOptions {
  readonly authenticate: Authenticate;
  /** Without it every exec answers 503. */
  readonly podStreams?: PodStreams | undefined;
  /** Called with unexpected errors. */
  readonly onError?: (err: unknown) => void;
}

/** The `upgrade` listener of the HTTPS server. */
export type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** Answers an upgrade request with a plain HTTP response carrying a Status, and closes the socket. */
function refuse(socket: Duplex, status: Status): void {
  const body = JSON.stringify(status);
  const code = status.code ?? 500;
  socket.end(
    `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Error'}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/** The exec options of the query (`command` repeats, one argument per value). */
interface ExecQuery {
  readonly command: string[];
  readonly container: string | undefined;
  readonly stdin: boolean;
  readonly stdout: boolean;
  readonly stderr: boolean;
  readonly tty: boolean;
}

function execQuery(params: URLSearchParams): ExecQuery {
  const flag = (name: string) => TRUE.has(params.get(name) ?? '');
  return {
    command: params.getAll('command'),
    container: params.get('container') ?? undefined,
    stdin: flag('stdin'),
    stdout: flag('stdout'),
    stderr: flag('stderr'),
    tty: flag('tty'),
  };
}

/** The error-channel Status for an exit code (kubelet's remotecommand.NonZeroExitCodeReason). */
export function exitStatus(command: readonly string[], exitCode: number): Record<string, unknown> {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

function frame(channel: number, data: string | Buffer): Buffer {
  const payload = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return Buffer.concat([Buffer.from([channel]), payload]);
}

/**
 * The client's stdin (channel 0) as it arrives, for the node: ends at v5's `[255, 0]` or when the socket
 * closes. Text is decoded as UTF-8 across frame boundaries.
 */
class WebSocketStdin implements AsyncIterable<string> {
  #chunks: string[] = [];
  #bufferedChars = 0;
  #ended = false;
  #wake: (() => void) | undefined;
  readonly #decoder = new StringDecoder('utf8');

  constructor(
    private readonly ws: WebSocket,
    private readonly v5: boolean,
  ) {
    ws.on('message', this.#onMessage);
    ws.on('close', this.#end);
  }

  readonly #onMessage = (data: Buffer, isBinary: boolean): void => {
    if (!isBinary || data.length === 0 || this.#ended) return;
    if (data[0] === STDIN) this.#push(this.#decoder.write(data.subarray(1)));
    else if (this.v5 && data[0] === CLOSE && data[1] === STDIN) this.#end();
  };

  #push(text: string): void {
    if (text === '') return;
    this.#chunks.push(text);
    this.#bufferedChars += text.length;
    if (this.#bufferedChars > STDIN_BUFFERED_CHARS_MAX && !this.ws.isPaused) this.ws.pause();
    this.#wake?.();
  }

  readonly #end = (): void => {
    if (this.#ended) return;
    this.#push(this.#decoder.end());
    this.#ended = true;
    this.ws.off('message', this.#onMessage);
    this.ws.off('close', this.#end);
    this.#wake?.();
  };

  async #next(): Promise<IteratorResult<string, undefined>> {
    while (this.#chunks.length === 0 && !this.#ended) {
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
    const chunk = this.#chunks.shift();
    if (chunk === undefined) return { done: true, value: undefined };
    this.#bufferedChars -= chunk.length;
    if (this.ws.isPaused && this.#bufferedChars <= STDIN_BUFFERED_CHARS_MAX / 2) this.ws.resume();
    return { done: false, value: chunk };
  }

  /** One reader (the node RPC client); `return()` stops listening at once. */
  [Symbol.asyncIterator](): AsyncIterator<string, undefined> {
    return {
      next: () => this.#next(),
      return: async () => {
        this.#chunks = [];
        this.#end();
        if (this.ws.isPaused) this.ws.resume();
        return { done: true, value: undefined };
      },
    };
  }
}

/** Runs the command on the node and bridges its output to the socket; ends with the error channel. */
async function runExec(
  ws: WebSocket,
  streams: PodStreams,
  target: { nodeName: string; request: Parameters<PodStreams['exec']>[1] },
  q: ExecQuery,
): Promise<void> {
  const abort = new AbortController();
  ws.on('close', () => abort.abort());
  const stdin = q.stdin ? new WebSocketStdin(ws, ws.protocol === 'v5.channel.k8s.io') : undefined;
  const send = (channel: number, chunk: string) => {
    if (ws.readyState === ws.OPEN) ws.send(frame(channel, chunk));
  };
  let status: Record<string, unknown>;
  try {
    const { exitCode } = await streams.exec(
      target.nodeName,
      target.request,
      {
        stdout: (c) => q.stdout && send(STDOUT, c),
        // With a TTY the terminal merges stderr into stdout, as kubelet does.
        stderr: (c) => (q.tty ? q.stdout && send(STDOUT, c) : q.stderr && send(STDERR, c)),
        ...(stdin ? { stdin } : {}),
      },
      abort.signal,
    );
    status = exitStatus(q.command, exitCode);
  } catch (err) {
    if (abort.signal.aborted) return;
    const s = nodeRpcStatus(err);
    status = { metadata: {}, status: 'Failure', message: s.message, reason: s.reason, code: s.code };
  }
  if (ws.readyState !== ws.OPEN) return;
  ws.send(frame(ERROR, JSON.stringify(status)));
  ws.close(1000);
}

/** Authenticates and resolves an exec upgrade; a Status when it must be refused. */
async function resolveUpgrade(
  req: IncomingMessage,
  o: ExecUpgradeOptions,
): Promise<
  | {
      ok: true;
      user: RequestUser;
      q: ExecQuery;
      target: { nodeName: string; request: Parameters<PodStreams['exec']>[1] };
    }
  | { ok: false; status: Status }
> {
  const url = new URL(req.url ?? '/', 'https://api');
  const m = EXEC_PATH.exec(url.pathname);
  if (!m) return { ok: false, status: httpErrors.notFoundPath() };
  const token = bearerToken(req.headers.authorization);
  const user = token === undefined ? undefined : await o.authenticate(token);
  if (user === undefined) return { ok: false, status: httpErrors.unauthorized() };
  if (!o.podStreams)
    return { ok: false, status: httpErrors.serviceUnavailable('this api replica cannot reach nodes') };
  const q = execQuery(url.searchParams);
  if (!q.stdin && !q.stdout && !q.stderr) {
    return {
      ok: false,
      status: httpErrors.badRequest('you must specify at least 1 of stdin, stdout, stderr'),
    };
  }
  const ref = { namespace: decodeURIComponent(m[1] ?? ''), name: decodeURIComponent(m[2] ?? '') };
  const target = await o.podStreams.resolveExec(
    ref,
    { container: q.container, command: q.command, tty: q.tty },
    user,
  );
  if (!target.ok) return { ok: false, status: target.response.body as Status };
  return { ok: true, user, q, target: { nodeName: target.nodeName ?? '', request: target.request } };
}

/**
 * The server's `upgrade` listener for pods/exec.
 *
 * @example
 * const server = await startHttpsServer({ app, …, onUpgrade: execUpgrade({ authenticate, podStreams }) });
 */
export function execUpgrade(o: ExecUpgradeOptions): UpgradeListener {
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => EXEC_PROTOCOLS.find((p) => offered.has(p)) ?? false,
  });
  return function onUpgrade(req, socket, head) {
    socket.on('error', () => socket.destroy());
    void (async () => {
      const resolved = await resolveUpgrade(req, o);
      if (!resolved.ok) return refuse(socket, resolved.status);
      const isWebSocket = (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
      const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
      if (!isWebSocket || !EXEC_PROTOCOLS.some((p) => offered.includes(p))) {
        // SPDY or an old channel protocol: kubectl then reports this Status.
        return refuse(
          socket,
          httpErrors.badRequest(
            `unable to upgrade: supported protocols are ${EXEC_PROTOCOLS.join(', ')} over WebSocket`,
          ),
        );
      }
      const { q, target } = resolved;
      const streams = o.podStreams as PodStreams;
      wss.handleUpgrade(req, socket, head, (ws) => {
        runExec(ws, streams, target, q).catch((err: unknown) => {
          o.onError?.(err);
          ws.terminate();
        });
      });
    })().catch((err: unknown) => {
      o.onError?.(err);
      refuse(socket, httpErrors.internal(err instanceof Error ? err.message : String(err)));
    });
  };
}
