/**
 * One leadership term of a leader-elected service (scheduler, controller manager): a client whose every write
 * carries the term's fencing token, a fresh shared informer factory, an event recorder, and the Lease object
 * mirror. Everything stops when the term's signal aborts; the next term starts from fresh caches, as a new
 * kube-controller-manager process would.
 */
import { type ApiBus, SharedInformerFactory, createApiClient } from '@kubelab/api-client';
import type { Clock, Rng } from '@kubelab/clock';
import type { Logger } from '@kubelab/telemetry';
import type { ControllerContext } from './controller.js';
import { createEventRecorder } from './events.js';
import { mirrorLease } from './lease-mirror.js';

export interface TermConfig {
  readonly bus: ApiBus;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly logger: Logger;
  /** The service's bearer token. */
  readonly token: string | undefined;
  /** The Redis lease's name, also the mirrored Lease object's name. */
  readonly leaseName: string;
  /** The holder identity (the service id). */
  readonly identity: string;
  readonly leaseDurationMs: number;
  /** `source.component` of the events this term records. */
  readonly component: string;
  readonly settings: Readonly<Record<string, string | undefined>>;
  /** Informer resync; default 30 s. */
  readonly resyncMs?: number;
}

/** What a term is: the context for its loops. */
export interface Term extends ControllerContext {
  readonly signal: AbortSignal;
}

/**
 * Opens a term for the lease held with `token` until `signal` aborts.
 *
 * @example
 * onLeading: (lead, svc) => {
 *   const term = openTerm({ ...cfg, bus: svc.bus }, lead);
 *   void runControllers(term, CONTROLLERS, term.signal);
 * }
 */
export function openTerm(
  cfg: TermConfig,
  lead: { readonly signal: AbortSignal; readonly token: number },
): Term {
  const fence = { lease: cfg.leaseName, token: lead.token };
  const client = createApiClient({
    bus: cfg.bus,
    clock: cfg.clock,
    rng: cfg.rng,
    logger: cfg.logger,
    ...(cfg.token ? { token: cfg.token } : {}),
    fence: () => fence,
  });
  const informers = new SharedInformerFactory({
    client,
    clock: cfg.clock,
    rng: cfg.rng,
    logger: cfg.logger,
    defaultResyncMs: cfg.resyncMs ?? 30_000,
  });
  const newRecorder = (component: string) =>
    createEventRecorder({ client, clock: cfg.clock, logger: cfg.logger, component, host: cfg.identity });
  const recorder = newRecorder(cfg.component);
  void mirrorLease(
    {
      client,
      clock: cfg.clock,
      logger: cfg.logger,
      name: cfg.leaseName,
      identity: cfg.identity,
      leaseDurationMs: cfg.leaseDurationMs,
    },
    lead.signal,
  );
  return {
    client,
    informers,
    recorder,
    newRecorder,
    clock: cfg.clock,
    rng: cfg.rng,
    logger: cfg.logger,
    settings: cfg.settings,
    signal: lead.signal,
  };
}
