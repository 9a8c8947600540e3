/**
 * The health endpoints wired for a process: {@link serveHealth} answers on the process' own subject and on
 * the discovery broadcasts; {@link discoverHealth} asks every process (or one role) who is there.
 */
import type { Bus } from './bus.js';
import { type HealthReport, endpoints } from './endpoints.js';
import type { Responder } from './responder.js';

/** What a process reports beyond its identity; computed per probe. */
export type HealthProbe = () =>
  | Omit<HealthReport, 'role' | 'id' | 'pid'>
  | Promise<Omit<HealthReport, 'role' | 'id' | 'pid'>>;

/** Options of {@link serveHealth}. */
export interface ServeHealthOptions {
  readonly role: string;
  readonly id: string;
  /** Reported as `pid`; `process.pid` by default. */
  readonly pid?: number;
  readonly probe: HealthProbe;
}

/**
 * Serves this process' health on `health(role, id)`, `healthDiscover()` and `healthDiscover(role)`.
 *
 * @example
 * await serveHealth(bus, { role: 'api', id: 'api-0', probe: () => ({ ready: store.ready, leader: raft.isLeader }) });
 */
export async function serveHealth(bus: Bus, opts: ServeHealthOptions): Promise<Responder> {
  const pid = opts.pid ?? process.pid;
  const handler = async (): Promise<HealthReport> => ({
    ...(await opts.probe()),
    role: opts.role,
    id: opts.id,
    pid,
  });
  const responders = await Promise.all([
    bus.serve(endpoints.health(opts.role, opts.id), handler),
    bus.serve(endpoints.healthDiscover(), handler),
    bus.serve(endpoints.healthDiscover(opts.role), handler),
  ]);
  const first = responders[0];
  return {
    subject: first.subject,
    get inFlight() {
      return responders.reduce((n, r) => n + r.inFlight, 0);
    },
    stop: async () => {
      await Promise.all(responders.map((r) => r.stop()));
    },
  };
}

/**
 * Asks every process (or every process of `role`) for its health and returns the valid reports that arrive
 * within `maxWaitMs`, sorted by role then id. Unusable replies are returned separately, never dropped.
 *
 * @example
 * const { reports } = await discoverHealth(bus, { maxWaitMs: 250 });
 */
export async function discoverHealth(
  bus: Bus,
  opts: { readonly role?: string; readonly maxWaitMs: number; readonly maxReplies?: number },
): Promise<{ reports: HealthReport[]; errors: Error[] }> {
  const replies = await bus.gather(endpoints.healthDiscover(opts.role), undefined, {
    maxWaitMs: opts.maxWaitMs,
    ...(opts.maxReplies === undefined ? {} : { maxReplies: opts.maxReplies }),
  });
  const reports: HealthReport[] = [];
  const errors: Error[] = [];
  for (const r of replies) {
    if (r.ok) reports.push(r.data);
    else errors.push(r.error);
  }
  reports.sort((a, b) => a.role.localeCompare(b.role) || a.id.localeCompare(b.id));
  return { reports, errors };
}
