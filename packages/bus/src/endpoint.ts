/**
 * Typed endpoints (request/reply) and topics (publish/subscribe). A definition pairs a subject builder with
 * the codecs of its payloads; calling it with the builder's arguments gives a bound endpoint or topic, which
 * is what `Bus.request`, `Bus.serve`, `Bus.publish` and `Bus.subscribe` take. So a service names *what* it
 * talks to and the types follow; the subject string stays inside the bus.
 */
import { AssertionError } from 'node:assert';
import type { Codec } from './codec.js';

/** An endpoint bound to one subject: ready for `request`, `gather` or `serve`. */
export interface BoundEndpoint<Req, Res> {
  /** The endpoint's stable name (low cardinality: used for span names and logs). */
  readonly name: string;
  readonly subject: string;
  readonly request: Codec<Req>;
  readonly response: Codec<Res>;
  /** The endpoint's default request timeout; `undefined` means the bus' default. */
  readonly timeoutMs: number | undefined;
}

/** A topic bound to one subject: ready for `publish` and `subscribe`. */
export interface BoundTopic<T> {
  readonly name: string;
  readonly subject: string;
  readonly codec: Codec<T>;
}

/** An endpoint definition: call it with the subject's parameters to bind it. */
export type Endpoint<Req, Res, A extends unknown[] = []> = ((...args: A) => BoundEndpoint<Req, Res>) & {
  readonly endpointName: string;
};

/** A topic definition: call it with the subject's parameters to bind it. */
export type Topic<T, A extends unknown[] = []> = ((...args: A) => BoundTopic<T>) & {
  readonly topicName: string;
};

/** What {@link defineEndpoint} takes. */
export interface EndpointDefinition<Req, Res, A extends unknown[]> {
  readonly name: string;
  /** Builds the subject from the parameters; must come from subjects.ts (services never write subjects). */
  readonly subject: (...args: A) => string;
  readonly request: Codec<Req>;
  readonly response: Codec<Res>;
  readonly timeoutMs?: number;
}

/** What {@link defineTopic} takes. */
export interface TopicDefinition<T, A extends unknown[]> {
  readonly name: string;
  readonly subject: (...args: A) => string;
  readonly codec: Codec<T>;
}

const NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/;

function assertName(name: string): void {
  if (!NAME.test(name))
    throw new AssertionError({ message: `bad endpoint/topic name ${JSON.stringify(name)}` });
}

/**
 * Defines a typed request/reply endpoint. Definitions live in endpoints.ts, next to their subjects.
 *
 * @example
 * // endpoints.ts
 * const getPod = defineEndpoint({
 *   name: 'pods.get',
 *   subject: (shard: string) => subjects.pods(shard),
 *   request: jsonCodec(s.object({ name: s.string })),
 *   response: jsonCodec(decodePod),
 *   timeoutMs: 500,
 * });
 * // a service
 * await bus.serve(getPod('0'), async ({ name }) => store.get(name));
 * const pod = await bus.request(getPod('0'), { name: 'web-1' }); // typed as Pod
 */
export function defineEndpoint<Req, Res, A extends unknown[] = []>(
  def: EndpointDefinition<Req, Res, A>,
): Endpoint<Req, Res, A> {
  assertName(def.name);
  if (def.timeoutMs !== undefined && !(def.timeoutMs > 0)) {
    throw new AssertionError({ message: `endpoint ${def.name}: timeoutMs must be > 0` });
  }
  const bind = (...args: A): BoundEndpoint<Req, Res> =>
    Object.freeze({
      name: def.name,
      subject: def.subject(...args),
      request: def.request,
      response: def.response,
      timeoutMs: def.timeoutMs,
    });
  return Object.assign(bind, { endpointName: def.name });
}

/**
 * Defines a typed publish/subscribe topic.
 *
 * @example
 * const inbox = defineTopic({ name: 'raft.inbox', subject: raftInbox, codec: bytesCodec });
 * bus.publish(inbox('api', 2), bytes);
 * for await (const m of bus.subscribe(inbox('api', 2))) driver.step(m.data);
 */
export function defineTopic<T, A extends unknown[] = []>(def: TopicDefinition<T, A>): Topic<T, A> {
  assertName(def.name);
  const bind = (...args: A): BoundTopic<T> =>
    Object.freeze({ name: def.name, subject: def.subject(...args), codec: def.codec });
  return Object.assign(bind, { topicName: def.name });
}
