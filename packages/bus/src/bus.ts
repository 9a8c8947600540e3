/**
 * The bus: typed request/reply, scatter-gather, publish/subscribe and graceful shutdown over one NATS
 * connection. Create it with `connectBus` (connect.ts); this file holds no connection policy.
 */
import type { Clock } from '@kubelab/clock';
import type { Logger } from '@kubelab/telemetry';
import { SpanKind, context } from '@opentelemetry/api';
import {
  ErrorCode as NatsCode,
  type NatsConnection,
  NatsError,
  RequestStrategy,
  headers as natsHeaders,
} from 'nats';
import type { BoundEndpoint, BoundTopic } from './endpoint.js';
import { decodeReply } from './envelope.js';
import { BusClosedError, BusNoRespondersError, BusRemoteError, BusTimeoutError } from './errors.js';
import {
  type Handler,
  type InFlightBudget,
  type Responder,
  type ServeOptions,
  startResponder,
} from './responder.js';
import { type BusSubscription, BusSubscriptionImpl, type SubscribeOptions } from './subscription.js';
import { injectContext, messagingAttributes, startSpan, withSpan } from './tracing.js';

/** Options of `Bus.request`. */
export interface RequestOptions {
  /** Overrides the endpoint's (and the bus') default timeout. */
  readonly timeoutMs?: number;
}

/**
 * The arguments after the endpoint in `Bus.request`: the request may be left out when the endpoint takes
 * none (`bus.request(endpoints.health('api', 'api-0'))`).
 */
export type RequestArgs<Req> = [Req] extends [undefined]
  ? [request?: Req, opts?: RequestOptions]
  : [request: Req, opts?: RequestOptions];

/** Options of `Bus.gather`. */
export interface GatherOptions {
  /** How long to collect replies. */
  readonly maxWaitMs: number;
  /** Stop as soon as this many replies arrived (still bounded by `maxWaitMs`). */
  readonly maxReplies?: number;
}

/** One reply of a scatter-gather: the data, or why that responder's reply is unusable. */
export type GatherReply<Res> =
  | { readonly ok: true; readonly data: Res }
  | { readonly ok: false; readonly error: BusRemoteError | Error };

/** The wiring a {@link Bus} receives (from connectBus, or from a test). */
export interface BusConfig {
  readonly nc: NatsConnection;
  readonly log: Logger;
  readonly clock: Clock;
  readonly requestTimeoutMs: number;
  /** Bound on requests handled concurrently across all responders; beyond it requests get `Unavailable`. */
  readonly inFlightMax: number;
  /** How long `drain()` waits for in-flight handlers before closing anyway. */
  readonly drainTimeoutMs: number;
  /** Resolves when the connection closes (with the error that closed it, if any); never rejects. */
  readonly closed: Promise<Error | undefined>;
}

/** Maps the nats client's request errors to the bus' typed ones; anything else is returned unchanged. */
export function toBusError(err: unknown, subject: string, timeoutMs: number): unknown {
  if (!(err instanceof NatsError)) return err;
  switch (err.code) {
    case NatsCode.Timeout:
      return new BusTimeoutError(subject, timeoutMs, { cause: err });
    case NatsCode.NoResponders:
      return new BusNoRespondersError(subject, { cause: err });
    case NatsCode.ConnectionClosed:
    case NatsCode.ConnectionDraining:
      return new BusClosedError(subject, { cause: err });
    default:
      return err;
  }
}

/**
 * A connection to the kubelab bus.
 *
 * @example
 * await using bus = await connectBus({ servers: natsUrl, name: 'api-0', logger });
 * await bus.serve(endpoints.health('api', 'api-0'), () => ({ role: 'api', id: 'api-0', pid: process.pid, ready: true }));
 * const report = await bus.request(endpoints.health('api', 'api-0'));
 */
export class Bus implements AsyncDisposable {
  /** Resolves when the connection is closed, with the error that closed it if any. Never rejects. */
  readonly closed: Promise<Error | undefined>;
  readonly #cfg: BusConfig;
  readonly #responders = new Set<Responder>();
  readonly #budget: InFlightBudget;
  #draining: Promise<void> | undefined;

  constructor(cfg: BusConfig) {
    this.#cfg = cfg;
    this.#budget = { max: cfg.inFlightMax, used: 0 };
    this.closed = cfg.closed;
  }

  /** True once `drain()` started or the connection closed: no new responders or subscriptions. */
  get isClosing(): boolean {
    return this.#draining !== undefined || this.#cfg.nc.isClosed();
  }

  /**
   * Sends a request and waits for its reply, inside a CLIENT span whose context travels in the headers.
   * Rejects with BusTimeoutError, BusNoRespondersError (at once, when nobody serves the subject),
   * BusRemoteError (the handler failed), BusDecodeError (the reply is malformed) or BusClosedError.
   */
  request<Req, Res>(ep: BoundEndpoint<Req, Res>, ...args: RequestArgs<Req>): Promise<Res> {
    const [request, opts = {}] = args as [Req, RequestOptions?];
    const timeoutMs = opts.timeoutMs ?? ep.timeoutMs ?? this.#cfg.requestTimeoutMs;
    const attributes = messagingAttributes(ep.subject, 'send', ep.name);
    return withSpan(`${ep.name} send`, SpanKind.CLIENT, context.active(), attributes, async (_span, ctx) => {
      const hdrs = natsHeaders();
      injectContext(ctx, hdrs);
      const payload = ep.request.encode(request);
      let msg: Awaited<ReturnType<NatsConnection['request']>>;
      try {
        msg = await this.#cfg.nc.request(ep.subject, payload, { timeout: timeoutMs, headers: hdrs });
      } catch (err) {
        throw toBusError(err, ep.subject, timeoutMs);
      }
      const reply = decodeReply(msg, ep.response, ep.subject);
      if (!reply.ok) throw new BusRemoteError(ep.subject, reply.error);
      return reply.data;
    });
  }

  /**
   * Scatter-gather: sends one request to every responder of a broadcast endpoint and collects the replies
   * that arrive within `maxWaitMs` (no responders at all gives an empty list, not an error).
   *
   * @example
   * const replies = await bus.gather(endpoints.healthDiscover(), undefined, { maxWaitMs: 250 });
   * const ready = replies.flatMap((r) => (r.ok && r.data.ready ? [r.data.id] : []));
   */
  gather<Req, Res>(
    ep: BoundEndpoint<Req, Res>,
    request: Req,
    opts: GatherOptions,
  ): Promise<GatherReply<Res>[]> {
    const attributes = messagingAttributes(ep.subject, 'send', ep.name);
    return withSpan(
      `${ep.name} gather`,
      SpanKind.CLIENT,
      context.active(),
      attributes,
      async (_span, ctx) => {
        const hdrs = natsHeaders();
        injectContext(ctx, hdrs);
        const out: GatherReply<Res>[] = [];
        try {
          const replies = await this.#cfg.nc.requestMany(ep.subject, ep.request.encode(request), {
            // Count stops at maxReplies or at maxWait, whichever comes first; Timer only at maxWait.
            strategy: opts.maxReplies === undefined ? RequestStrategy.Timer : RequestStrategy.Count,
            maxWait: opts.maxWaitMs,
            headers: hdrs,
            ...(opts.maxReplies === undefined ? {} : { maxMessages: opts.maxReplies }),
          });
          for await (const msg of replies) out.push(this.#gatherReply(ep, msg));
        } catch (err) {
          const mapped = toBusError(err, ep.subject, opts.maxWaitMs);
          if (!(mapped instanceof BusNoRespondersError)) throw mapped;
        }
        return out;
      },
    );
  }

  #gatherReply<Req, Res>(
    ep: BoundEndpoint<Req, Res>,
    msg: Parameters<typeof decodeReply>[0],
  ): GatherReply<Res> {
    try {
      const reply = decodeReply(msg, ep.response, ep.subject);
      return reply.ok ? reply : { ok: false, error: new BusRemoteError(ep.subject, reply.error) };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err : new Error(String(err)) };
    }
  }

  /**
   * Answers requests to `ep` with `handler`; resolves once the server knows about the subscription (so a
   * request sent afterwards finds it). Each request runs in a SERVER span continued from the caller's.
   *
   * @example
   * await bus.serve(endpoints.health('api', 'api-0'), () => report(), { queue: 'api' });
   */
  async serve<Req, Res>(
    ep: BoundEndpoint<Req, Res>,
    handler: Handler<Req, Res>,
    opts: ServeOptions = {},
  ): Promise<Responder> {
    if (this.isClosing) throw new BusClosedError(ep.subject);
    const log = this.#cfg.log.child({ endpoint: ep.name, subject: ep.subject });
    const inner = startResponder(this.#cfg.nc, ep, handler, opts, this.#budget, log);
    const responder: Responder = {
      subject: inner.subject,
      get inFlight() {
        return inner.inFlight;
      },
      stop: () => inner.stop().finally(() => this.#responders.delete(responder)),
    };
    this.#responders.add(responder);
    await this.#cfg.nc.flush();
    return responder;
  }

  /** Publishes one message on `topic` inside a PRODUCER span whose context travels in the headers. */
  publish<T>(topic: BoundTopic<T>, data: T): void {
    const attributes = messagingAttributes(topic.subject, 'send', topic.name);
    const { span, ctx } = startSpan(`${topic.name} publish`, SpanKind.PRODUCER, context.active(), attributes);
    try {
      const hdrs = natsHeaders();
      injectContext(ctx, hdrs);
      this.#cfg.nc.publish(topic.subject, topic.codec.encode(data), { headers: hdrs });
    } catch (err) {
      throw toBusError(err, topic.subject, 0);
    } finally {
      span.end();
    }
  }

  /**
   * Subscribes to `topic`; iterate the result with `for await` (`break` unsubscribes). Call `flush()` before
   * relying on the server having registered it.
   *
   * @example
   * for await (const m of bus.subscribe(topics.raftInbox('api', 1))) node.step(decode(m.data));
   */
  subscribe<T>(topic: BoundTopic<T>, opts: SubscribeOptions = {}): BusSubscription<T> {
    if (this.isClosing) throw new BusClosedError(topic.subject);
    const sub = this.#cfg.nc.subscribe(topic.subject, opts.queue === undefined ? {} : { queue: opts.queue });
    return new BusSubscriptionImpl(sub, topic, this.#cfg.log.child({ topic: topic.name }));
  }

  /** Resolves once the server has processed everything sent so far (a round trip). */
  async flush(): Promise<void> {
    try {
      await this.#cfg.nc.flush();
    } catch (err) {
      throw toBusError(err, '(flush)', 0);
    }
  }

  /**
   * Graceful shutdown: stops every responder (in-flight handlers finish and their replies are sent, bounded
   * by `drainTimeoutMs`), then drains the connection (subscriptions end, pending publications are flushed)
   * and closes it. Idempotent; resolves once `closed` has.
   */
  drain(): Promise<void> {
    this.#draining ??= this.#drain();
    return this.#draining;
  }

  async #drain(): Promise<void> {
    const { nc, log, clock, drainTimeoutMs } = this.#cfg;
    const started = clock.now();
    log.info({ responders: this.#responders.size, inFlight: this.#budget.used }, 'bus draining');
    const stopped = Promise.all([...this.#responders].map((r) => r.stop())).then(() => 'stopped' as const);
    let timer: ReturnType<Clock['setTimer']> | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = clock.setTimer(drainTimeoutMs, () => resolve('timeout'));
    });
    const outcome = await Promise.race([stopped, timedOut]);
    timer?.cancel();
    if (outcome === 'timeout') {
      log.warn({ drainTimeoutMs, inFlight: this.#budget.used }, 'handlers still running at drain timeout');
    }
    if (!nc.isClosed())
      await nc.drain().catch((err: unknown) => log.warn({ err }, 'connection drain failed'));
    await this.closed;
    log.info({ drainMs: Math.round(clock.now() - started) }, 'bus drained and closed');
  }

  /** Closes at once, without waiting for handlers (prefer `drain()`). */
  async close(): Promise<void> {
    if (!this.#cfg.nc.isClosed()) await this.#cfg.nc.close();
    await this.closed;
  }

  /** `await using bus = …` drains on scope exit. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.drain();
  }
}
