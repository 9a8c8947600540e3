/**
 * The life of a kubelab service process: connect to NATS, answer health requests, optionally take part in
 * leader election, run the role's work, and on SIGTERM/SIGINT shut down in order (stop answering, release the
 * lease, stop the work, drain the bus) and exit 0.
 */
import { type Bus, connectBus, serveHealth } from '@kubelab/bus';
import type { Clock, Rng } from '@kubelab/clock';
import {
  type LeaderElector,
  type LeadingContext,
  LeaseDefaults,
  createLeaderElector,
  createRedisLeaseStore,
} from '@kubelab/lease';
import type { Logger } from '@kubelab/telemetry';
import type { ServiceEnv } from './env.js';

/** What a role's work looks like to the runtime. */
export interface RoleWork {
  /** Ready to serve (caches synced, listeners bound); reported in health. */
  ready(): boolean;
  /** Extra facts for the health report (raft term, cache sizes, …). */
  details?(): Record<string, unknown>;
  /** For roles that lead without a lease (the api's Raft leader): whether this replica leads now. */
  leader?(): boolean;
  /** Stops the work; called once on shutdown. */
  stop(): Promise<void>;
}

export interface ServiceContext {
  readonly env: ServiceEnv;
  readonly bus: Bus;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly rng: Rng;
}

export interface RunServiceOptions {
  readonly env: ServiceEnv;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly rng: Rng;
  /** Starts the role's work once the bus is connected. */
  readonly start: (ctx: ServiceContext) => Promise<RoleWork>;
  /**
   * When set, the replicas of this role elect one leader through a Redis lease of this name; `onLeading` runs
   * for each term and must stop its work when `lead.signal` aborts.
   */
  readonly election?: {
    readonly leaseName: string;
    readonly onLeading: (lead: LeadingContext, ctx: ServiceContext) => void;
  };
}

/** A running service: `shutdown()` is what the signal handlers call. */
export interface RunningService {
  readonly bus: Bus;
  readonly elector: LeaderElector | undefined;
  shutdown(reason: string): Promise<void>;
}

export async function runService(o: RunServiceOptions): Promise<RunningService> {
  const log = o.logger;
  const bus = await connectBus({ servers: o.env.natsUrl, name: o.env.id, logger: log, clock: o.clock });
  const ctx: ServiceContext = { env: o.env, bus, logger: log, clock: o.clock, rng: o.rng };
  const work = await o.start(ctx);
  const elector = o.election ? startElection(o, ctx, o.election) : undefined;
  const health = await serveHealth(bus, {
    role: o.env.role,
    id: o.env.id,
    probe: () => ({
      ready: work.ready() && !bus.isClosing,
      ...(elector ? { leader: elector.isLeading() } : work.leader ? { leader: work.leader() } : {}),
      ...(work.details ? { details: work.details() } : {}),
    }),
  });
  log.info({ role: o.env.role, leaderElected: elector !== undefined }, 'service started');
  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string) => {
    stopping ??= (async () => {
      log.info({ reason }, 'shutting down');
      await health.stop();
      await elector?.close();
      await work.stop();
      await bus.drain();
      log.info('stopped');
    })();
    return stopping;
  };
  return { bus, elector, shutdown };
}

/**
 * How long a lease command may go unanswered: half the renew deadline, at least 400 ms (the store's default,
 * which leaves room for a second renewal within the default 700 ms deadline). A timeout is a timer, and Node
 * runs due timers before it reads sockets, so after a busy stretch longer than the timeout a renewal whose
 * answer already arrived still fails; with Kubernetes' 10 s deadline a fixed 400 ms cost terms under load.
 */
export function leaseCommandTimeoutMs(renewDeadlineMs: number): number {
  return Math.max(400, Math.round(renewDeadlineMs / 2));
}

function startElection(
  o: RunServiceOptions,
  ctx: ServiceContext,
  election: NonNullable<RunServiceOptions['election']>,
): LeaderElector {
  const store = createRedisLeaseStore({
    url: o.env.redisUrl,
    leaseName: election.leaseName,
    rng: o.rng,
    logger: o.logger,
    commandTimeoutMs: leaseCommandTimeoutMs(o.env.lease.renewDeadlineMs ?? LeaseDefaults.renewDeadlineMs),
  });
  const timing = Object.fromEntries(Object.entries(o.env.lease).filter(([, v]) => v !== undefined));
  const elector = createLeaderElector({
    ...timing,
    store,
    identity: o.env.id,
    clock: o.clock,
    rng: o.rng,
    logger: o.logger,
    // The elector logs every transition itself; these only hand the term to the role.
    onStartedLeading: (lead) => election.onLeading(lead, ctx),
    onStoppedLeading: () => {},
  });
  elector.start();
  return elector;
}
