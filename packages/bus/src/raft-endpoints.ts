/**
 * Endpoints of raft groups beyond the message transport: a follower forwards a proposal to its leader, which
 * proposes it and answers with the log index once the entry is committed and applied there. The follower
 * then waits until it has applied that index itself.
 */
import { bytesCodec, jsonCodec } from './codec.js';
import { defineEndpoint } from './endpoint.js';
import { s } from './schema.js';
import { subjects } from './subjects.js';

export const raftEndpoints = {
  /**
   * A proposal forwarded to the leader `nodeId` of `group`. Errors: `NotLeader` (details.leader names the
   * current one), `Unavailable` (the outcome is unknown; retry with the same command).
   */
  propose: defineEndpoint({
    name: 'raft.propose',
    subject: (group: string, nodeId: number) => subjects.raftPropose(group, nodeId),
    request: bytesCodec,
    response: jsonCodec(s.object({ index: s.integer })),
    timeoutMs: 10_000,
  }),
} as const;
