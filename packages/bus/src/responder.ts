/**
 * The serving side of request/reply: decode and validate the request, run the handler inside a SERVER span
 * continued from the caller's trace, and answer with the reply envelope. A handler's failure always becomes
 * an error reply, so a caller never waits for a timeout because a handler threw.
 */
import type { Logger } from '@kubelab/telemetry';
import { SpanKind } from '@opentelemetry/api';
import { type Msg, ErrorCode as NatsCode, type NatsConnection, NatsError, type Subscription } from 'nats';
import type { Codec } from './codec.js';
import type { BoundEndpoint } from './endpoint.js';
import { type Reply, type WireReply, encodeFailure, encodeSuccess } from './envelope.js';
import { BusDecodeError, BusError, ErrorCode, toErrorBody } from './errors.js';
import { extractContext, messagingAttributes, recordError, withSpan } from './tracing.js';

/** What a handler learns about the request besides its payload. */
export interface HandlerContext {
  /** The subject the request arrived on. */
  readonly subject: string;
}

/**
 * Answers one request. Return the response, or throw a {@link BusError} to choose the caller's error code;
 * any other throw reaches the caller as code `Internal` (and is logged here).
 */
export type Handler<Req, Res> = (request: Req, ctx: HandlerContext) => Res | Promise<Res>;

/** Options of `Bus.serve`. */
export interface ServeOptions {
  /** A queue group: each request goes to one member of the group instead of to every responder. */
  readonly queue?: string;
}

/** A live responder. */
export interface Responder {
  readonly subject: string;
  /** The number of requests being handled right now. */
  readonly inFlight: number;
  /** Stops taking requests and resolves once the in-flight ones are answered. */
  stop(): Promise<void>;
}

/** Shared by every responder of one bus: the bound on concurrent handlers (TigerStyle: bound every queue). */
export interface InFlightBudget {
  readonly max: number;
  used: number;
}

/** Runs the handler and turns its outcome (or a bad request) into a reply; never throws. */
async function runHandler<Req, Res>(
  ep: BoundEndpoint<Req, Res>,
  handler: Handler<Req, Res>,
  msg: Msg,
  log: Logger,
): Promise<Reply<Res>> {
  let request: Req;
  try {
    request = ep.request.decode(msg.data);
  } catch (cause) {
    const err = new BusDecodeError(msg.subject, 'request', { cause });
    log.warn({ err, subject: msg.subject, endpoint: ep.name }, 'rejected invalid request');
    return { ok: false, error: { code: ErrorCode.BadRequest, message: err.message } };
  }
  try {
    return { ok: true, data: await handler(request, { subject: msg.subject }) };
  } catch (err) {
    if (!(err instanceof BusError)) {
      log.error({ err, subject: msg.subject, endpoint: ep.name }, 'request handler failed');
    }
    return { ok: false, error: toErrorBody(err) };
  }
}

function encodeReply<Res>(response: Codec<Res>, reply: Reply<Res>, name: string, log: Logger): WireReply {
  if (!reply.ok) return encodeFailure(reply.error);
  try {
    return encodeSuccess(response, reply.data);
  } catch (err) {
    log.error({ err, endpoint: name }, 'could not encode the response');
    return encodeFailure(toErrorBody(err));
  }
}

/** Handles one request message end to end inside a SERVER span. Never rejects. */
async function handleRequest<Req, Res>(
  ep: BoundEndpoint<Req, Res>,
  handler: Handler<Req, Res>,
  msg: Msg,
  log: Logger,
): Promise<void> {
  const attributes = messagingAttributes(msg.subject, 'process', ep.name);
  await withSpan(
    `${ep.name} process`,
    SpanKind.SERVER,
    extractContext(msg.headers),
    attributes,
    async (span) => {
      const reply = await runHandler(ep, handler, msg, log);
      if (!reply.ok) recordError(span, new BusError(reply.error.code, reply.error.message));
      if (!msg.reply) return; // published rather than requested: nobody waits for an answer
      respond(msg, encodeReply(ep.response, reply, ep.name, log), log);
    },
  ).catch((err: unknown) => log.error({ err, endpoint: ep.name }, 'request handling failed'));
}

function respond(msg: Msg, reply: WireReply, log: Logger): void {
  try {
    msg.respond(reply.data, reply.headers ? { headers: reply.headers } : undefined);
  } catch (err) {
    if (err instanceof NatsError && err.code === NatsCode.MaxPayloadExceeded) {
      // Too big for one message: say so at once rather than leave the caller to time out.
      const message = `the reply (${reply.data.length} bytes) is larger than the bus allows in one message; ask for less (e.g. a list with limit and continue)`;
      log.warn({ subject: msg.subject, bytes: reply.data.length }, 'reply too large for the bus');
      respond(msg, encodeFailure({ code: ErrorCode.Internal, message }), log);
      return;
    }
    // The connection closed under us; the caller will time out. Nothing else to do but say so.
    log.warn({ err, subject: msg.subject }, 'could not send a reply');
  }
}

/** Subscribes `handler` to `ep` and tracks its in-flight requests so `stop()` can wait for them. */
export function startResponder<Req, Res>(
  nc: NatsConnection,
  ep: BoundEndpoint<Req, Res>,
  handler: Handler<Req, Res>,
  opts: ServeOptions,
  budget: InFlightBudget,
  log: Logger,
): Responder {
  const pending = new Set<Promise<void>>();
  const onMessage = (err: Error | null, msg: Msg): void => {
    if (err) {
      log.error({ err, subject: ep.subject }, 'responder subscription failed');
      return;
    }
    if (budget.used >= budget.max) {
      log.warn({ subject: msg.subject, inFlightMax: budget.max }, 'overloaded: refusing a request');
      if (msg.reply) respond(msg, encodeFailure({ code: ErrorCode.Unavailable, message: 'overloaded' }), log);
      return;
    }
    budget.used++;
    const task = handleRequest(ep, handler, msg, log).finally(() => {
      budget.used--;
      pending.delete(task);
    });
    pending.add(task);
  };
  const sub: Subscription = nc.subscribe(ep.subject, {
    callback: onMessage,
    ...(opts.queue === undefined ? {} : { queue: opts.queue }),
  });
  let stopped: Promise<void> | undefined;
  return {
    subject: ep.subject,
    get inFlight() {
      return pending.size;
    },
    stop() {
      stopped ??= (async () => {
        // drain: the server stops routing to us, and messages already on the wire are still handled.
        if (!sub.isClosed())
          await sub.drain().catch((err: unknown) => log.debug({ err }, 'drain: subscription'));
        await Promise.all(pending);
      })();
      return stopped;
    },
  };
}
