/**
 * Typed subscriptions as async iterators (nats.js `Subscription`): `for await` yields decoded, validated
 * messages in arrival order; `break` (or `unsubscribe()`) ends the subscription. Each message is processed
 * inside a CONSUMER span continued from the publisher's trace; the span ends when the loop asks for the next
 * message, so it covers the loop body.
 */
import type { Logger } from '@kubelab/telemetry';
import { type Context, SpanKind } from '@opentelemetry/api';
import type { Subscription } from 'nats';
import type { BoundTopic } from './endpoint.js';
import { BusDecodeError } from './errors.js';
import { extractContext, messagingAttributes, startSpan } from './tracing.js';

/** One received message. */
export interface Delivery<T> {
  readonly subject: string;
  readonly data: T;
  /**
   * The trace context of this message's CONSUMER span (a child of the publisher's span). Run follow-up work in
   * it with `context.with(delivery.context, fn)` to keep the trace going.
   */
  readonly context: Context;
}

/** Options of `Bus.subscribe`. */
export interface SubscribeOptions {
  /** A queue group: each message goes to one member of the group instead of to every subscriber. */
  readonly queue?: string;
}

/** A typed subscription; iterate it once with `for await`. */
export interface BusSubscription<T> extends AsyncIterable<Delivery<T>> {
  readonly subject: string;
  /** Messages dropped because they failed to decode or validate (each one is logged). */
  readonly invalid: number;
  /** Stops at once; messages not yet yielded are dropped and the iteration ends. */
  unsubscribe(): void;
  /** Stops taking new messages, lets the loop consume those already received, then ends the iteration. */
  drain(): Promise<void>;
  /** Resolves when the subscription has ended (by break, unsubscribe, drain or the connection closing). */
  readonly closed: Promise<void>;
}

/** Wraps a nats iterator subscription into a typed {@link BusSubscription}. */
export class BusSubscriptionImpl<T> implements BusSubscription<T> {
  #iterated = false;
  #invalid = 0;

  constructor(
    private readonly sub: Subscription,
    private readonly topic: BoundTopic<T>,
    private readonly log: Logger,
  ) {}

  get subject(): string {
    return this.topic.subject;
  }

  get invalid(): number {
    return this.#invalid;
  }

  get closed(): Promise<void> {
    return this.sub.closed;
  }

  unsubscribe(): void {
    if (!this.sub.isClosed()) this.sub.unsubscribe();
  }

  async drain(): Promise<void> {
    if (this.sub.isClosed()) return;
    await this.sub.drain().catch((err: unknown) => this.log.debug({ err }, 'drain: subscription'));
  }

  [Symbol.asyncIterator](): AsyncIterator<Delivery<T>> {
    if (this.#iterated) throw new Error(`subscription to ${this.subject} is already being iterated`);
    this.#iterated = true;
    return this.deliveries();
  }

  private async *deliveries(): AsyncGenerator<Delivery<T>> {
    for await (const msg of this.sub) {
      let data: T;
      try {
        data = this.topic.codec.decode(msg.data);
      } catch (cause) {
        this.#invalid++;
        const err = new BusDecodeError(msg.subject, 'message', { cause });
        this.log.warn({ err, subject: msg.subject, topic: this.topic.name }, 'dropped an invalid message');
        continue;
      }
      const attributes = messagingAttributes(msg.subject, 'process', this.topic.name);
      const parent = extractContext(msg.headers);
      const { span, ctx } = startSpan(`${this.topic.name} process`, SpanKind.CONSUMER, parent, attributes);
      try {
        yield { subject: msg.subject, data, context: ctx };
      } finally {
        span.end();
      }
    }
  }
}
