/**
 * Node RPC: the api asks one node's kubelet for a container's logs or to exec a command in it (what the
 * apiserver does over HTTPS to kubelet's :10250 in Kubernetes). Each call is a stream of frames:
 *
 * 1. the caller picks a stream id, subscribes to `nodeRpcStream(streamId)`, then requests
 *    `nodeRpc(nodeName)` with the call; the node answers `{}` at once (the call is accepted, not done);
 * 2. the node publishes {@link NodeRpcFrame}s to the stream: `data` (logs), `stdout`/`stderr` (exec),
 *    `heartbeat`, and one final `end` (logs), `exit` (exec) or `error` (a Kubernetes-style status);
 * 3. flow: the node never has more than `windowFrames` data frames unacknowledged; the caller publishes
 *    `{type: 'ack', seq}` on `nodeRpcControl(streamId)` as it consumes frames, and every `heartbeatMs`
 *    as a keepalive. `{type: 'cancel'}` there ends the call (the handler's AbortSignal fires). A node that
 *    hears nothing for `3 × heartbeatMs` treats the caller as gone and aborts; a caller that sees no frame
 *    for `3 × heartbeatMs` treats the node as gone.
 * 4. exec stdin (when the caller passes `io.stdin`): `{type: 'stdin', seq, data}` and a last
 *    `{type: 'stdin-close', seq}` on the control subject, with their own credit, which the node restores
 *    with `stdin-ack` frames as its handler reads (see node-rpc-stdin.ts).
 *
 * Handler failures carry a status like the apiserver's (`code`, `reason`, `message`): throw a
 * {@link NodeRpcError} from a handler and the caller's call rejects with an equal one. A logs handler that
 * fails before its first chunk lets the api answer with that HTTP status; later failures only end the stream.
 *
 * @example
 * // kubelet side
 * const rpc = await serveNodeRpc(bus, 'node-1', {
 *   async *logs(req, signal) { yield* runtime.logs(req, signal); },
 *   async exec(req, io, signal) { return runtime.exec(req, io, signal); },
 * });
 * // api side
 * const client = nodeRpcClient(bus);
 * for await (const chunk of client.logs('node-1', { namespace: 'default', pod: 'web' }, signal)) res.write(chunk);
 * const { exitCode } = await client.exec('node-1', { namespace: 'default', pod: 'web', command: ['ls'] }, io, signal);
 */
import { randomUUID } from 'node:crypto';
import { type Clock, type Timer, repeat, systemClock } from '@kubelab/clock';
import { type Logger, silentLogger } from '@kubelab/telemetry';
import type { Bus } from './bus.js';
import { jsonCodec } from './codec.js';
import { defineEndpoint, defineTopic } from './endpoint.js';
import { BusError, BusNoRespondersError, BusRemoteError, BusTimeoutError, ErrorCode } from './errors.js';
import { StdinCredit, StdinInbox, stdinAckEvery } from './node-rpc-stdin.js';
import type { Responder } from './responder.js';
import { type Decoder, s } from './schema.js';
import { subjects } from './subjects.js';
import type { BusSubscription } from './subscription.js';

/** `GET pods/{name}/log`'s options, as the kubelet needs them. */
export interface NodeLogsRequest {
  readonly namespace: string;
  readonly pod: string;
  /** The api fills it in (the only container, or the one named); the node may still check it. */
  readonly container?: string | undefined;
  readonly previous?: boolean | undefined;
  readonly tailLines?: number | undefined;
  readonly sinceSeconds?: number | undefined;
  readonly timestamps?: boolean | undefined;
  readonly follow?: boolean | undefined;
  readonly limitBytes?: number | undefined;
}

/** `pods/{name}/exec`'s options. */
export interface NodeExecRequest {
  readonly namespace: string;
  readonly pod: string;
  readonly container?: string | undefined;
  readonly command: readonly string[];
  /** All of stdin up front, for callers that have it whole (probes, tests); the command reads it, then EOF. */
  readonly stdin?: string | undefined;
  /** stdin follows as frames while the command runs (the client sets it when given `io.stdin`). */
  readonly streamStdin?: boolean | undefined;
  readonly tty?: boolean | undefined;
}

/**
 * An exec's standard streams. Output is synchronous (frames are queued and sent under flow control). `stdin`
 * is the input as it arrives: the caller passes it to {@link NodeRpcClient.exec}, the handler receives it
 * (when the caller streams stdin) and reads it at its own pace; it ends when the caller closes stdin.
 */
export interface NodeExecIO {
  stdout(chunk: string): void;
  stderr(chunk: string): void;
  readonly stdin?: AsyncIterable<string> | undefined;
}

export interface NodeExecResult {
  readonly exitCode: number;
}

/** What a node serves. */
export interface NodeRpcHandlers {
  /**
   * The container's log as text chunks. With `follow`, keeps yielding until the container ends or `signal`
   * aborts. Throw a {@link NodeRpcError} (before the first chunk) for a missing pod or container.
   */
  logs(req: NodeLogsRequest, signal: AbortSignal): AsyncIterable<string>;
  /** Runs `command` in the container; resolves with its exit code. Throw a {@link NodeRpcError} to refuse. */
  exec(req: NodeExecRequest, io: NodeExecIO, signal: AbortSignal): Promise<NodeExecResult>;
}

/** A failure as the apiserver would report it: HTTP code, Kubernetes reason, message. */
export interface NodeRpcStatus {
  readonly code: number;
  /** BadRequest, NotFound, InternalError, ServiceUnavailable, … */
  readonly reason: string;
  readonly message: string;
}

/**
 * A node RPC failed with a Kubernetes-style status. Handlers throw it; callers receive it.
 *
 * @example
 * throw new NodeRpcError(400, 'BadRequest', `container "app" in pod "web" is waiting to start: ContainerCreating`);
 */
export class NodeRpcError extends Error {
  override readonly name = 'NodeRpcError';
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** The status as it travels. */
  get status(): NodeRpcStatus {
    return { code: this.code, reason: this.reason, message: this.message };
  }
}

/**
 * Options of both sides; the defaults suit production. The caller chooses a stream's heartbeat and window
 * (they travel in the open call), so a node only uses `clock` and `logger`.
 */
export interface NodeRpcOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Caller side: keepalive period of both sides of its streams. Default 5000. */
  readonly heartbeatMs?: number;
  /** Caller side: frames the node may send before an ack. Default 64. */
  readonly windowFrames?: number;
  /** Caller side: how long the node has to accept a call. Default 5000. */
  readonly openTimeoutMs?: number;
}

/** The caller's side, used by the api. */
export interface NodeRpcClient {
  /** Streams the log; rejects on the first `next()` when the node refuses (a {@link NodeRpcError}). */
  logs(nodeName: string, req: NodeLogsRequest, signal?: AbortSignal): AsyncIterable<string>;
  exec(nodeName: string, req: NodeExecRequest, io: NodeExecIO, signal?: AbortSignal): Promise<NodeExecResult>;
}

/** One frame of a node RPC stream; `seq` counts from 0 without gaps. */
export interface NodeRpcFrame {
  readonly seq: number;
  /** data, stdout, stderr, heartbeat, stdin-ack, end, exit, error. */
  readonly type: string;
  readonly data?: string | undefined;
  readonly exitCode?: number | undefined;
  readonly status?: NodeRpcStatus | undefined;
  /** stdin-ack: the handler has read every stdin frame up to this stdin seq. */
  readonly stdinSeq?: number | undefined;
}

/**
 * A caller's message about its stream: `ack` (consumed up to `seq`, also the keepalive), `cancel`, and for
 * exec `stdin` (`seq` is the stdin seq, `data` the chunk) and `stdin-close` (`seq` follows the last stdin).
 */
export interface NodeRpcControl {
  readonly type: string;
  readonly seq?: number | undefined;
  readonly data?: string | undefined;
}

/** The call that opens a stream. */
export interface NodeRpcOpen {
  readonly streamId: string;
  /** logs or exec. */
  readonly kind: string;
  readonly windowFrames: number;
  readonly heartbeatMs: number;
  readonly logs?: NodeLogsRequest | undefined;
  readonly exec?: NodeExecRequest | undefined;
}

const optionalInt = s.optional(s.integer);
const optionalBool = s.optional(s.boolean);
const decodeLogsRequest: Decoder<NodeLogsRequest> = s.object({
  namespace: s.string,
  pod: s.string,
  container: s.optional(s.string),
  previous: optionalBool,
  tailLines: optionalInt,
  sinceSeconds: optionalInt,
  timestamps: optionalBool,
  follow: optionalBool,
  limitBytes: optionalInt,
});
const decodeExecRequest: Decoder<NodeExecRequest> = s.object({
  namespace: s.string,
  pod: s.string,
  container: s.optional(s.string),
  command: s.array(s.string),
  stdin: s.optional(s.string),
  streamStdin: optionalBool,
  tty: optionalBool,
});
const decodeStatus: Decoder<NodeRpcStatus> = s.object({
  code: s.integer,
  reason: s.string,
  message: s.string,
});

export const decodeNodeRpcOpen: Decoder<NodeRpcOpen> = s.object({
  streamId: s.string,
  kind: s.string,
  windowFrames: s.integer,
  heartbeatMs: s.integer,
  logs: s.optional(decodeLogsRequest),
  exec: s.optional(decodeExecRequest),
});
export const decodeNodeRpcFrame: Decoder<NodeRpcFrame> = s.object({
  seq: s.integer,
  type: s.string,
  data: s.optional(s.string),
  exitCode: s.optional(s.integer),
  status: s.optional(decodeStatus),
  stdinSeq: optionalInt,
});
export const decodeNodeRpcControl: Decoder<NodeRpcControl> = s.object({
  type: s.string,
  seq: s.optional(s.integer),
  data: s.optional(s.string),
});

/** The node RPC endpoint and topics. */
export const nodeRpcEndpoints = {
  /** Opens a logs or exec stream on one node. */
  open: defineEndpoint({
    name: 'noderpc.open',
    subject: (nodeName: string) => subjects.nodeRpc(nodeName),
    request: jsonCodec<NodeRpcOpen>(decodeNodeRpcOpen),
    response: jsonCodec(s.object({})),
    timeoutMs: 5_000,
  }),
} as const;

export const nodeRpcTopics = {
  stream: defineTopic({
    name: 'noderpc.stream',
    subject: (streamId: string) => subjects.nodeRpcStream(streamId),
    codec: jsonCodec<NodeRpcFrame>(decodeNodeRpcFrame),
  }),
  control: defineTopic({
    name: 'noderpc.control',
    subject: (streamId: string) => subjects.nodeRpcControl(streamId),
    codec: jsonCodec<NodeRpcControl>(decodeNodeRpcControl),
  }),
} as const;

const DEFAULT_HEARTBEAT_MS = 5_000;
const DEFAULT_WINDOW_FRAMES = 64;
/** Data frames carry at most this many characters (NATS' default max payload is 1 MiB). */
const FRAME_CHARS_MAX = 64 * 1024;
/** Bounds a node's concurrent streams (TigerStyle: bound every queue). */
const STREAMS_MAX = 1_024;

/** Fires `fn` when not kicked for `ms`; `stop()` disarms it. */
class Watchdog {
  #timer: Timer | undefined;
  constructor(
    private readonly clock: Clock,
    private readonly ms: number,
    private readonly fn: () => void,
  ) {}
  kick(): void {
    this.#timer?.cancel();
    this.#timer = this.clock.setTimer(this.ms, this.fn);
  }
  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }
}

function internalStatus(err: unknown): NodeRpcStatus {
  if (err instanceof NodeRpcError) return err.status;
  return { code: 500, reason: 'InternalError', message: err instanceof Error ? err.message : String(err) };
}

function splitChunk(data: string): string[] {
  if (data.length <= FRAME_CHARS_MAX) return [data];
  const out: string[] = [];
  for (let i = 0; i < data.length; i += FRAME_CHARS_MAX) out.push(data.slice(i, i + FRAME_CHARS_MAX));
  return out;
}

/**
 * The node's side of one stream: publishes frames in order, at most `windowFrames` of them unacknowledged
 * (heartbeats skip the queue but still count), and aborts when the caller cancels or goes silent. Once the
 * stream is aborted for another reason (the node stopping), queued frames go out without waiting for credit
 * so that shutdown never waits for a caller.
 */
class ServerStream {
  readonly abort = new AbortController();
  /** An exec's stdin when the caller streams it; it ends when the stream is aborted or finishes. */
  readonly stdin: StdinInbox | undefined;
  #seq = 0;
  #acked = -1;
  #closed = false;
  /** The stdin seq the next stdin message must carry. */
  #stdinExpected = 0;
  /** stdin frames the handler has read and we acknowledged. */
  #stdinAcked = 0;
  readonly #queue: Omit<NodeRpcFrame, 'seq'>[] = [];
  #waiters: (() => void)[] = [];
  readonly #control: BusSubscription<NodeRpcControl>;
  readonly #watchdog: Watchdog;
  readonly #heartbeat: Timer;
  readonly #pumped: Promise<void>;

  constructor(
    private readonly bus: Bus,
    private readonly open: NodeRpcOpen,
    clock: Clock,
  ) {
    this.#control = bus.subscribe(nodeRpcTopics.control(open.streamId));
    this.stdin = open.exec?.streamStdin
      ? new StdinInbox(open.windowFrames, (taken) => this.#maybeAckStdin(taken))
      : undefined;
    this.#watchdog = new Watchdog(clock, 3 * open.heartbeatMs, () =>
      this.abort.abort(new NodeRpcError(499, 'ClientClosedRequest', 'the caller stopped answering')),
    );
    this.#watchdog.kick();
    this.#heartbeat = repeat(clock, open.heartbeatMs, () => this.#publish({ type: 'heartbeat' }));
    this.abort.signal.addEventListener(
      'abort',
      () => {
        this.stdin?.end();
        this.#wakeUp();
      },
      { once: true },
    );
    void this.#listen();
    this.#pumped = this.#pump();
  }

  /** Resolves once the control subscription is known to the server. */
  ready(): Promise<void> {
    return this.bus.flush();
  }

  /** True when the caller cancelled or went silent: nobody reads the stream any more. */
  get callerGone(): boolean {
    const reason: unknown = this.abort.signal.reason;
    return this.abort.signal.aborted && reason instanceof NodeRpcError && reason.code === 499;
  }

  async #listen(): Promise<void> {
    for await (const { data } of this.#control) {
      this.#watchdog.kick();
      if (data.type === 'cancel') {
        this.abort.abort(new NodeRpcError(499, 'ClientClosedRequest', 'the caller cancelled'));
        break;
      }
      if (data.type === 'ack' && data.seq !== undefined && data.seq > this.#acked) {
        this.#acked = data.seq;
        this.#wakeUp();
      }
      if (data.type === 'stdin' || data.type === 'stdin-close') this.#receiveStdin(data);
    }
  }

  /** Queues a stdin message; a gap or a caller beyond its stdin credit ends the stream with 400. */
  #receiveStdin(msg: NodeRpcControl): void {
    if (this.stdin === undefined) return; // the call did not announce stdin: nobody would read it
    let problem: string | undefined;
    if (msg.seq !== this.#stdinExpected) problem = `stdin frame ${msg.seq}, expected ${this.#stdinExpected}`;
    else if (msg.type === 'stdin-close') this.stdin.end();
    else if (!this.stdin.push(msg.data ?? '')) problem = 'stdin frames beyond the window';
    this.#stdinExpected++;
    if (problem !== undefined) this.abort.abort(new NodeRpcError(400, 'BadRequest', problem));
  }

  /** Acknowledges stdin the handler has read, every half window. */
  #maybeAckStdin(taken: number): void {
    if (this.#closed || taken - this.#stdinAcked < stdinAckEvery(this.open.windowFrames)) return;
    this.#stdinAcked = taken;
    this.#publish({ type: 'stdin-ack', stdinSeq: taken - 1 });
  }

  #wakeUp(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  #wait(): Promise<void> {
    return new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  #publish(frame: Omit<NodeRpcFrame, 'seq'>): void {
    try {
      this.bus.publish(nodeRpcTopics.stream(this.open.streamId), { seq: this.#seq++, ...frame });
    } catch {
      // The bus is closing: the caller will see the stream go silent.
      this.#closed = true;
    }
  }

  /** Queues a frame; data is split into frames of at most FRAME_CHARS_MAX characters. */
  push(frame: Omit<NodeRpcFrame, 'seq'>): void {
    if (this.#closed) return;
    if (frame.data !== undefined) {
      for (const data of splitChunk(frame.data)) this.#queue.push({ ...frame, data });
    } else {
      this.#queue.push(frame);
    }
    this.#wakeUp();
  }

  /** Resolves when the queue is short enough to take more (backpressure for the logs generator). */
  async writable(): Promise<void> {
    while (this.#queue.length >= this.open.windowFrames && !this.abort.signal.aborted && !this.#closed) {
      await this.#wait();
    }
  }

  async #pump(): Promise<void> {
    while (!this.#closed && !this.callerGone) {
      const frame = this.#queue[0];
      const credit = this.open.windowFrames - (this.#seq - 1 - this.#acked);
      if (frame === undefined || (credit <= 0 && !this.abort.signal.aborted)) {
        await this.#wait();
        continue;
      }
      this.#queue.shift();
      this.#publish(frame);
      this.#wakeUp();
      if (frame.type === 'end' || frame.type === 'exit' || frame.type === 'error') return;
    }
  }

  /** Sends the final frame (unless the caller is gone) and releases everything. */
  async finish(last: Omit<NodeRpcFrame, 'seq'>): Promise<void> {
    if (this.callerGone) {
      this.#closed = true;
      this.#wakeUp();
    } else {
      this.push(last);
    }
    await this.#pumped;
    this.#closed = true;
    this.stdin?.end();
    this.#heartbeat.cancel();
    this.#watchdog.stop();
    this.#control.unsubscribe();
  }
}

/** Runs one call's handler and turns its outcome into the final frame. */
async function runStream(
  handlers: NodeRpcHandlers,
  open: NodeRpcOpen,
  stream: ServerStream,
  log: Logger,
): Promise<void> {
  const signal = stream.abort.signal;
  let last: Omit<NodeRpcFrame, 'seq'>;
  try {
    if (open.kind === 'logs' && open.logs !== undefined) {
      for await (const chunk of handlers.logs(open.logs, signal)) {
        if (signal.aborted) break;
        if (chunk.length > 0) stream.push({ type: 'data', data: chunk });
        await stream.writable();
      }
      last = { type: 'end' };
    } else if (open.kind === 'exec' && open.exec !== undefined) {
      const io: NodeExecIO = {
        stdout: (data) => data.length > 0 && stream.push({ type: 'stdout', data }),
        stderr: (data) => data.length > 0 && stream.push({ type: 'stderr', data }),
        ...(stream.stdin ? { stdin: stream.stdin } : {}),
      };
      const { exitCode } = await handlers.exec(open.exec, io, signal);
      last = { type: 'exit', exitCode };
    } else {
      last = { type: 'error', status: { code: 400, reason: 'BadRequest', message: `bad ${open.kind} call` } };
    }
  } catch (err) {
    if (!(err instanceof NodeRpcError) && !signal.aborted) {
      log.warn({ err, streamId: open.streamId }, 'node rpc handler failed');
    }
    last = { type: 'error', status: internalStatus(err) };
  }
  // A stream aborted by the node itself (shutting down) ends with the abort's status, whatever the handler did.
  const reason: unknown = signal.reason;
  if (signal.aborted && reason instanceof NodeRpcError) last = { type: 'error', status: reason.status };
  await stream.finish(last);
}

/**
 * Serves node RPC for `nodeName` until `stop()`, which aborts every open stream (the caller sees a
 * 503 ServiceUnavailable) and waits for the handlers to end.
 */
export async function serveNodeRpc(
  bus: Bus,
  nodeName: string,
  handlers: NodeRpcHandlers,
  opts: NodeRpcOptions = {},
): Promise<{ stop(): Promise<void> }> {
  const clock = opts.clock ?? systemClock;
  const log = (opts.logger ?? silentLogger()).child({ component: 'node-rpc', node: nodeName });
  const streams = new Map<string, { stream: ServerStream; done: Promise<void> }>();
  let stopping = false;
  const responder: Responder = await bus.serve(nodeRpcEndpoints.open(nodeName), async (open) => {
    if (stopping) throw new BusError(ErrorCode.Unavailable, `node ${nodeName} is shutting down`);
    if (streams.size >= STREAMS_MAX) throw new BusError(ErrorCode.Unavailable, 'too many node rpc streams');
    if (!(open.windowFrames > 0 && open.heartbeatMs > 0)) {
      throw new BusError(ErrorCode.BadRequest, 'windowFrames and heartbeatMs must be > 0');
    }
    if (streams.has(open.streamId)) throw new BusError(ErrorCode.Conflict, 'stream id in use');
    const stream = new ServerStream(bus, open, clock);
    await stream.ready();
    const done = runStream(handlers, open, stream, log).finally(() => streams.delete(open.streamId));
    streams.set(open.streamId, { stream, done });
    return {};
  });
  return {
    stop: async () => {
      stopping = true;
      await responder.stop();
      const open = [...streams.values()];
      for (const { stream } of open) {
        stream.abort.abort(new NodeRpcError(503, 'ServiceUnavailable', `node ${nodeName} is shutting down`));
      }
      await Promise.all(open.map((o) => o.done));
    },
  };
}

/** Maps a failure to open a stream to the status the api should answer with. */
function openError(nodeName: string, err: unknown): NodeRpcError {
  if (err instanceof BusNoRespondersError || err instanceof BusTimeoutError) {
    return new NodeRpcError(
      500,
      'InternalError',
      `error dialing backend: node "${nodeName}" has no node agent answering`,
      { cause: err },
    );
  }
  if (err instanceof BusRemoteError && err.code === ErrorCode.Unavailable) {
    return new NodeRpcError(503, 'ServiceUnavailable', err.message, { cause: err });
  }
  return new NodeRpcError(500, 'InternalError', err instanceof Error ? err.message : String(err), {
    cause: err,
  });
}

/** The caller's side of one stream: frames in order, acks, keepalives, loss detection and cancel. */
class ClientStream {
  readonly #sub: BusSubscription<NodeRpcFrame>;
  readonly #frames: AsyncIterator<{ data: NodeRpcFrame }>;
  readonly #watchdog: Watchdog;
  readonly #keepalive: Timer;
  #expected = 0;
  #acked = -1;
  #finished = false;
  #lost: NodeRpcError | undefined;
  readonly #stdin: StdinCredit;
  /** The caller's stdin while it is being sent; `close()` ends it. */
  #stdinSource: AsyncIterator<string> | undefined;
  readonly #onAbort = () => this.#sub.unsubscribe();

  constructor(
    private readonly bus: Bus,
    readonly streamId: string,
    private readonly nodeName: string,
    private readonly cfg: Required<Omit<NodeRpcOptions, 'logger'>>,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.#sub = bus.subscribe(nodeRpcTopics.stream(streamId));
    this.#frames = this.#sub[Symbol.asyncIterator]();
    this.#watchdog = new Watchdog(cfg.clock, 3 * cfg.heartbeatMs, () => {
      this.#lost ??= new NodeRpcError(500, 'InternalError', `node "${nodeName}" stopped answering`);
      this.#sub.unsubscribe();
    });
    this.#keepalive = repeat(cfg.clock, cfg.heartbeatMs, () => this.#ack(this.#expected - 1));
    this.#stdin = new StdinCredit(cfg.windowFrames);
    signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  async open(kind: 'logs' | 'exec', call: Pick<NodeRpcOpen, 'logs' | 'exec'>): Promise<void> {
    await this.bus.flush(); // the server must know our subscription before the node publishes
    const open: NodeRpcOpen = {
      streamId: this.streamId,
      kind,
      windowFrames: this.cfg.windowFrames,
      heartbeatMs: this.cfg.heartbeatMs,
      ...call,
    };
    try {
      await this.bus.request(nodeRpcEndpoints.open(this.nodeName), open, {
        timeoutMs: this.cfg.openTimeoutMs,
      });
    } catch (err) {
      this.#finished = true; // nothing to cancel on the node
      throw openError(this.nodeName, err);
    }
  }

  #ack(seq: number): void {
    if (this.#finished) return;
    if (this.#sendControl({ type: 'ack', seq })) this.#acked = Math.max(this.#acked, seq);
  }

  /** Publishes a control message; false when the bus is closing (the node's watchdog then ends the stream). */
  #sendControl(msg: NodeRpcControl): boolean {
    try {
      this.bus.publish(nodeRpcTopics.control(this.streamId), msg);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Sends `source` as the exec's stdin, each chunk once the node has credit for it, then `stdin-close`.
   * Ends quietly when the stream ends first; rejects when `source` fails (the stdin-close still goes out).
   */
  async pumpStdin(source: AsyncIterable<string>): Promise<void> {
    const it = source[Symbol.asyncIterator]();
    this.#stdinSource = it;
    try {
      for (let next = await it.next(); !next.done; next = await it.next()) {
        for (const data of next.value.length > 0 ? splitChunk(next.value) : []) {
          if (!(await this.#stdin.acquire())) return;
          this.#sendControl({ type: 'stdin', seq: this.#stdin.nextSeq, data });
          this.#stdin.sent();
        }
      }
    } finally {
      if (!this.#finished) this.#sendControl({ type: 'stdin-close', seq: this.#stdin.nextSeq });
      this.#stdin.close();
    }
  }

  /** The next non-heartbeat frame, or undefined when the caller aborted. Throws on loss. */
  async next(): Promise<NodeRpcFrame | undefined> {
    for (;;) {
      // Everything before `expected` has been consumed by now: acknowledge in batches of half a window.
      if (this.#expected - 1 - this.#acked >= this.cfg.windowFrames / 2) this.#ack(this.#expected - 1);
      this.#watchdog.kick();
      const next = await this.#frames.next();
      this.#watchdog.stop();
      if (next.done) {
        if (this.signal?.aborted) return undefined;
        throw this.#lost ?? new NodeRpcError(500, 'InternalError', 'node rpc stream closed early');
      }
      const frame = next.value.data;
      if (frame.seq !== this.#expected) {
        throw new NodeRpcError(
          500,
          'InternalError',
          `node rpc frame ${frame.seq}, expected ${this.#expected}`,
        );
      }
      this.#expected++;
      if (frame.type === 'end' || frame.type === 'exit' || frame.type === 'error') {
        this.#finished = true;
        this.#stdin.close();
      }
      if (frame.type === 'stdin-ack' && frame.stdinSeq !== undefined) this.#stdin.ack(frame.stdinSeq);
      if (frame.type === 'error') {
        const st = frame.status ?? { code: 500, reason: 'InternalError', message: 'node rpc failed' };
        throw new NodeRpcError(st.code, st.reason, st.message);
      }
      if (frame.type !== 'heartbeat' && frame.type !== 'stdin-ack') return frame;
    }
  }

  /** Releases the stream; tells the node to stop unless it already finished. */
  close(): void {
    this.#watchdog.stop();
    this.#keepalive.cancel();
    this.signal?.removeEventListener('abort', this.#onAbort);
    this.#sub.unsubscribe();
    this.#stdin.close();
    void this.#stdinSource?.return?.();
    if (this.#finished) return;
    this.#finished = true;
    this.#sendControl({ type: 'cancel' });
  }
}

/**
 * The api's client of node RPC.
 *
 * @example
 * const client = nodeRpcClient(bus);
 * const out: string[] = [];
 * const { exitCode } = await client.exec('node-1', { namespace: 'default', pod: 'web', command: ['cat', '/etc/hostname'] },
 *   { stdout: (c) => out.push(c), stderr: (c) => process.stderr.write(c) });
 */
export function nodeRpcClient(bus: Bus, opts: NodeRpcOptions = {}): NodeRpcClient {
  const cfg = {
    clock: opts.clock ?? systemClock,
    heartbeatMs: opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
    windowFrames: opts.windowFrames ?? DEFAULT_WINDOW_FRAMES,
    openTimeoutMs: opts.openTimeoutMs ?? 5_000,
  };
  const start = (nodeName: string, signal: AbortSignal | undefined) =>
    new ClientStream(bus, `n${randomUUID().replaceAll('-', '')}`, nodeName, cfg, signal);
  return {
    async *logs(nodeName, req, signal) {
      if (signal?.aborted) return;
      const stream = start(nodeName, signal);
      try {
        await stream.open('logs', { logs: req });
        for (;;) {
          const frame = await stream.next();
          if (frame === undefined || frame.type === 'end') return;
          if (frame.type === 'data' && frame.data !== undefined) yield frame.data;
        }
      } finally {
        stream.close();
      }
    },
    async exec(nodeName, req, io, signal) {
      signal?.throwIfAborted();
      const stream = start(nodeName, signal);
      try {
        await stream.open('exec', { exec: io.stdin ? { ...req, streamStdin: true } : req });
        // A stdin source that fails ends stdin as EOF would; the command decides what that means.
        if (io.stdin) stream.pumpStdin(io.stdin).catch(() => {});
        for (;;) {
          const frame = await stream.next();
          if (frame === undefined) throw signal?.reason ?? new Error('aborted');
          if (frame.type === 'exit') return { exitCode: frame.exitCode ?? 0 };
          if (frame.type === 'stdout' && frame.data !== undefined) io.stdout(frame.data);
          if (frame.type === 'stderr' && frame.data !== undefined) io.stderr(frame.data);
        }
      } finally {
        stream.close();
      }
    },
  };
}
