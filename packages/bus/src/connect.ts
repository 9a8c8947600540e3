/**
 * Connection policy: keep trying until a server answers, reconnect forever with jittered waits, and say what
 * is happening in structured logs (connect, disconnect, reconnect with downtime, async errors).
 */
import { type Clock, systemClock } from '@kubelab/clock';
import type { Logger } from '@kubelab/telemetry';
import { DebugEvents, Events, type NatsConnection, connect } from 'nats';
import { Bus } from './bus.js';
import { otelApiMismatch } from './tracing.js';

/** Options of {@link connectBus}. */
export interface BusOptions {
  /** One or more `nats://host:port` URLs. */
  readonly servers: string | readonly string[];
  /** The connection's name as the server shows it; use the process id, e.g. `api-0`. */
  readonly name: string;
  readonly logger: Logger;
  /** Measures drain and downtime durations and bounds the drain; the system clock by default. */
  readonly clock?: Clock;
  /** The default request timeout when neither the call nor the endpoint sets one. Default 5000. */
  readonly requestTimeoutMs?: number;
  /** Wait between reconnect attempts. Default 1000. */
  readonly reconnectTimeWaitMs?: number;
  /** Up to this much random extra wait per attempt, so restarted clients do not stampede. Default 500. */
  readonly reconnectJitterMs?: number;
  /** How often to ping the server to detect a dead connection. Default 10000; two missed pings disconnect. */
  readonly pingIntervalMs?: number;
  /** Bound on concurrently handled requests; beyond it callers get an `Unavailable` error. Default 1024. */
  readonly inFlightMax?: number;
  /** How long `drain()` waits for in-flight handlers. Default 10000. */
  readonly drainTimeoutMs?: number;
}

/**
 * Connects to NATS and returns a {@link Bus}. Waits (retrying every `reconnectTimeWaitMs` plus jitter) until a
 * server answers; after that, reconnects forever, and subscriptions and responders survive reconnects.
 *
 * @example
 * const bus = await connectBus({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', name: 'api-0', logger });
 * process.once('SIGTERM', () => void bus.drain());
 * const why = await bus.closed; // undefined on a clean close, the Error otherwise
 */
export async function connectBus(opts: BusOptions): Promise<Bus> {
  const clock = opts.clock ?? systemClock;
  const log = opts.logger.child({ component: 'bus', connection: opts.name });
  const servers = typeof opts.servers === 'string' ? [opts.servers] : [...opts.servers];
  const started = clock.now();
  log.info({ servers }, 'connecting to nats (retrying until a server answers)');
  const nc = await connect({
    servers,
    name: opts.name,
    waitOnFirstConnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: opts.reconnectTimeWaitMs ?? 1_000,
    reconnectJitter: opts.reconnectJitterMs ?? 500,
    pingInterval: opts.pingIntervalMs ?? 10_000,
    maxPingOut: 2,
    // Without this, every request captures a stack trace (`new Error()`) to decorate a possible timeout: ~10 %
    // of a busy client's CPU (the scheduler's bindings). Our errors carry the subject instead.
    noAsyncTraces: true,
  });
  log.info({ server: nc.getServer(), connectMs: Math.round(clock.now() - started) }, 'connected to nats');
  const mismatch = otelApiMismatch();
  if (mismatch) log.warn({ problem: mismatch }, 'tracing disabled on the bus: duplicate @opentelemetry/api');
  void logStatus(nc, log, clock);
  const closed = nc
    .closed()
    .then((err) => {
      if (err instanceof Error) {
        log.error({ err }, 'nats connection closed with an error');
        return err;
      }
      log.info('nats connection closed');
      return undefined;
    })
    .catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
  return new Bus({
    nc,
    log,
    clock,
    closed,
    requestTimeoutMs: opts.requestTimeoutMs ?? 5_000,
    inFlightMax: opts.inFlightMax ?? 1_024,
    drainTimeoutMs: opts.drainTimeoutMs ?? 10_000,
  });
}

/** Logs the connection's status events until it closes. */
async function logStatus(nc: NatsConnection, log: Logger, clock: Clock): Promise<void> {
  let disconnectedAt: number | undefined;
  try {
    for await (const st of nc.status()) {
      switch (st.type) {
        case Events.Disconnect:
          disconnectedAt = clock.now();
          log.warn({ server: st.data }, 'nats disconnected; reconnecting');
          break;
        case Events.Reconnect: {
          const downMs = disconnectedAt === undefined ? undefined : Math.round(clock.now() - disconnectedAt);
          disconnectedAt = undefined;
          log.info({ server: st.data, downMs }, 'nats reconnected');
          break;
        }
        case Events.Error:
          log.error({ code: st.data, permission: st.permissionContext }, 'nats async error');
          break;
        case Events.LDM:
          log.warn({ server: st.data }, 'nats server entering lame duck mode');
          break;
        case Events.Update:
          logUpdate(log, st.data);
          break;
        case DebugEvents.StaleConnection:
          log.warn('nats connection stale (pings unanswered)');
          break;
        default:
          log.debug({ type: st.type, data: st.data }, 'nats status');
      }
    }
  } catch (err) {
    log.error({ err }, 'nats status stream failed');
  }
}

/** Cluster membership changes are worth an info line; the empty updates a reconnect produces are not. */
function logUpdate(log: Logger, data: unknown): void {
  const changed = data as { added?: unknown[]; deleted?: unknown[] } | undefined;
  const any = (changed?.added?.length ?? 0) + (changed?.deleted?.length ?? 0) > 0;
  if (any) log.info({ servers: data }, 'nats cluster update');
  else log.debug({ servers: data }, 'nats cluster update (no change)');
}
