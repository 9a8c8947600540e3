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
    // Short: a leader that does not answer within this is probably gone, and the caller re-proposes the same
    // command (applied at most once by id) to the next leader instead of waiting out its whole write timeout.
    timeoutMs: 2_000,
  }),
} as const;
