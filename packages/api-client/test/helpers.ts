/**
 * Test wiring: one real nats-server per test file, and per test a fresh fake api replica plus a client bus
 * (so fault switches and leftover streams never leak between tests). Everything random is seeded: the seed
 * is printed, and SEED=<n> replays it.
 */
import { type Bus, connectBus } from '@kubelab/bus';
import { type Rng, randomSeed, seededRng, systemClock } from '@kubelab/clock';
import { createLogger, silentLogger } from '@kubelab/telemetry';
import { startNatsServer } from '@kubelab/testkit';
import { type ApiClient, type ApiClientConfig, type KubeObject, createApiClient } from '../src/index.js';
import { FakeApiServer } from './fake-api-server.js';

export const logger =
  process.env.KUBELAB_TEST_VERBOSE === '1'
    ? createLogger({ service: 'api-client-test', level: 'debug' })
    : silentLogger();

/** The seed of this test process; every Rng below derives from it. */
export const SEED = process.env.SEED === undefined ? randomSeed() : Number(process.env.SEED);
console.log(`# api-client tests: SEED=${SEED}`);
let rngs = 0;
/** A fresh Rng derived from {@link SEED}, deterministic in creation order. */
export function testRng(): Rng {
  return seededRng(SEED + ++rngs);
}

export function testBus(url: string, name: string): Promise<Bus> {
  return connectBus({
    servers: url,
    name,
    logger,
    reconnectTimeWaitMs: 50,
    reconnectJitterMs: 50,
    requestTimeoutMs: 2_000,
  });
}

/** Heartbeats in tests: a lost stream is noticed after 3 × this. */
export const HEARTBEAT_MS = 100;

export interface World {
  readonly server: FakeApiServer;
  readonly bus: Bus;
  readonly client: ApiClient;
  makeClient(extra?: Partial<ApiClientConfig>): ApiClient;
}

/** Starts nats once per file; `world()` gives each test a fresh server and client bus. */
export function natsFixture() {
  let nats: Awaited<ReturnType<typeof startNatsServer>> | undefined;
  let serverBus: Bus | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  return {
    async start(): Promise<void> {
      nats = await startNatsServer();
      serverBus = await testBus(nats.url, 'fake-api');
    },
    async world(): Promise<World> {
      if (!nats || !serverBus) throw new Error('natsFixture.start() first');
      const server = await FakeApiServer.start(serverBus);
      const bus = await testBus(nats.url, 'client');
      cleanups.push(async () => {
        await server.stop();
        await bus.close();
      });
      const makeClient = (extra: Partial<ApiClientConfig> = {}) =>
        createApiClient({
          bus,
          clock: systemClock,
          rng: testRng(),
          logger,
          requestTimeoutMs: 1_000,
          readRetry: { initialMs: 5, maxMs: 20 },
          watchHeartbeatMs: HEARTBEAT_MS,
          ...extra,
        });
      return { server, bus, client: makeClient(), makeClient };
    },
    /** Ends every world made so far (call in afterEach). */
    async cleanup(): Promise<void> {
      for (const c of cleanups.splice(0)) await c();
    },
    async stop(): Promise<void> {
      await serverBus?.close();
      await nats?.stop();
    },
    get url(): string {
      return nats?.url ?? '';
    },
  };
}

/** A pod in `ns` with optional labels and node. */
export function pod(
  name: string,
  ns = 'default',
  labels: Record<string, string> = {},
  nodeName?: string,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels },
    spec: { containers: [{ name: 'c', image: 'nginx' }], ...(nodeName ? { nodeName } : {}) },
  };
}
