/**
 * The registry of kubelab's endpoints and topics. Add new ones here (with their subject in subjects.ts and a
 * validating codec), so every service shares one definition of each message.
 */
import { bytesCodec, emptyCodec, jsonCodec } from './codec.js';
import { defineEndpoint, defineTopic } from './endpoint.js';
import { type Decoder, s } from './schema.js';
import { subjects } from './subjects.js';

/** What a process says about itself when probed. */
export interface HealthReport {
  /** api, scheduler, controller, node, dns, … */
  readonly role: string;
  /** This replica's id, e.g. `api-0`. */
  readonly id: string;
  readonly pid: number;
  /** Ready to serve (dependencies reachable, caches synced). */
  readonly ready: boolean;
  /** For leader-elected or raft roles: whether this process currently leads. */
  readonly leader?: boolean | undefined;
  /** Free-form, role-specific facts (raft term, cache sizes, …). */
  readonly details?: Record<string, unknown> | undefined;
}

/** Validates a {@link HealthReport}. */
export const decodeHealthReport: Decoder<HealthReport> = s.object({
  role: s.string,
  id: s.string,
  pid: s.integer,
  ready: s.boolean,
  leader: s.optional(s.boolean),
  details: s.optional(s.record(s.unknown)),
});

const healthCodec = jsonCodec(decodeHealthReport);

/** The endpoints of kubelab. */
export const endpoints = {
  /**
   * One process' health: `endpoints.health('api', 'api-0')`.
   *
   * @example
   * const report = await bus.request(endpoints.health('api', 'api-0'));
   */
  health: defineEndpoint({
    name: 'health',
    subject: (role: string, id: string) => subjects.health(role, id),
    request: emptyCodec,
    response: healthCodec,
    timeoutMs: 2_000,
  }),
  /**
   * Health discovery: every process (or every process of `role`) answers; use with `Bus.gather`.
   *
   * @example
   * const replies = await bus.gather(endpoints.healthDiscover(), undefined, { maxWaitMs: 200 });
   */
  healthDiscover: defineEndpoint({
    name: 'health.discover',
    subject: (role?: string) => subjects.healthDiscover(role),
    request: emptyCodec,
    response: healthCodec,
  }),
} as const;

/** The topics of kubelab. */
export const topics = {
  /** A raft node's inbox: compact binary raft messages, one way (the raft transport's receive side). */
  raftInbox: defineTopic({
    name: 'raft.inbox',
    subject: (group: string, nodeId: string | number) => subjects.raftInbox(group, nodeId),
    codec: bytesCodec,
  }),
} as const;
