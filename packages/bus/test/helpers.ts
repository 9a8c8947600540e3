/**
 * Test-only endpoints and a helper to connect buses to a test server. Tests may write subjects (they test
 * the machinery); services never do.
 */
import { createLogger, silentLogger } from '@kubelab/telemetry';
import {
  type Bus,
  type BusOptions,
  bytesCodec,
  connectBus,
  defineEndpoint,
  defineTopic,
  emptyCodec,
  jsonCodec,
  s,
} from '../src/index.js';

export const echo = defineEndpoint({
  name: 'test.echo',
  subject: (id: string) => `kubelab.test.echo.${id}`,
  request: jsonCodec(s.object({ text: s.string, n: s.integer })),
  response: jsonCodec(s.object({ text: s.string, n: s.integer, by: s.string })),
});

/** Same subject as `echo`, but sends anything: to feed a responder a bad payload. */
export const echoUnchecked = defineEndpoint({
  name: 'test.echo.unchecked',
  subject: (id: string) => `kubelab.test.echo.${id}`,
  request: jsonCodec(s.unknown),
  response: jsonCodec(s.unknown),
});

export const blob = defineEndpoint({
  name: 'test.blob',
  subject: (id: string) => `kubelab.test.blob.${id}`,
  request: bytesCodec,
  response: bytesCodec,
});

export const ping = defineEndpoint({
  name: 'test.ping',
  subject: (id: string) => `kubelab.test.ping.${id}`,
  request: emptyCodec,
  response: jsonCodec(s.object({ pong: s.boolean })),
  timeoutMs: 2_000,
});

export const events = defineTopic({
  name: 'test.events',
  subject: (id: string) => `kubelab.test.events.${id}`,
  codec: jsonCodec(s.object({ seq: s.integer })),
});

export const eventsUnchecked = defineTopic({
  name: 'test.events.unchecked',
  subject: (id: string) => `kubelab.test.events.${id}`,
  codec: jsonCodec(s.unknown),
});

/** Connects a bus with fast reconnects and a silent logger (set KUBELAB_TEST_VERBOSE=1 to see logs). */
export function testBus(url: string, name: string, extra: Partial<BusOptions> = {}): Promise<Bus> {
  return connectBus({
    servers: url,
    name,
    logger:
      process.env.KUBELAB_TEST_VERBOSE === '1'
        ? createLogger({ service: 'bus-test', id: name, level: 'debug' })
        : silentLogger(),
    reconnectTimeWaitMs: 50,
    reconnectJitterMs: 50,
    requestTimeoutMs: 2_000,
    ...extra,
  });
}

/** A promise with its resolve function, to hold a handler until the test lets it go. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
