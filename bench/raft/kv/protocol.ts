/**
 * The example KV's client protocol: one request/reply endpoint per node (`subjects.raftKv(group, id)`,
 * owned by the bus), JSON with validation. Writes go to the leader: a follower answers `not_leader` with
 * the leader's id and the client retries there (no server-side forwarding, so a write costs one hop).
 * Reads may go to any node: they are linearizable through ReadIndex.
 */
import { defineEndpoint, jsonCodec, s, subjects } from '@kubelab/bus';

export interface KvRequest {
  readonly op: 'put' | 'cas' | 'get';
  readonly key: string;
  readonly value?: string | undefined;
  /** cas: the value the key must hold; absent: it must not exist. */
  readonly expected?: string | undefined;
  /** Session of writes (see state-machine.ts); a retry reuses its seq. */
  readonly clientId?: number | undefined;
  readonly seq?: number | undefined;
}

export type KvStatus = 'ok' | 'not_leader' | 'cas_failed' | 'unavailable' | 'not_found';

export interface KvResponse {
  readonly status: KvStatus;
  /** The leader to retry at (`not_leader`; 0: unknown). */
  readonly leader?: number | undefined;
  readonly value?: string | undefined;
  /** The write's raft index, or the key's last-modified index for reads and failed compares. */
  readonly revision?: number | undefined;
  /** `unavailable`: the error's name, and whether the write may still have applied. */
  readonly error?: string | undefined;
  readonly indeterminate?: boolean | undefined;
}

const decodeRequest = s.object({
  op: (v: unknown, path?: string) => {
    if (v !== 'put' && v !== 'cas' && v !== 'get') throw new Error(`${path}: expected put|cas|get`);
    return v;
  },
  key: s.string,
  value: s.optional(s.string),
  expected: s.optional(s.string),
  clientId: s.optional(s.integer),
  seq: s.optional(s.integer),
});

const decodeResponse = s.object({
  status: (v: unknown, path?: string) => {
    const ok = ['ok', 'not_leader', 'cas_failed', 'unavailable', 'not_found'];
    if (typeof v !== 'string' || !ok.includes(v)) throw new Error(`${path}: bad status`);
    return v as KvStatus;
  },
  leader: s.optional(s.integer),
  value: s.optional(s.string),
  revision: s.optional(s.integer),
  error: s.optional(s.string),
  indeterminate: s.optional(s.boolean),
});

/**
 * The KV endpoint of one node.
 *
 * @example
 * const res = await bus.request(kvEndpoint('kv', 2), { op: 'put', key: 'a', value: 'b', clientId: 7, seq: 1 });
 */
export const kvEndpoint = defineEndpoint({
  name: 'raftkv.request',
  subject: (group: string, nodeId: number) => subjects.raftKv(group, nodeId),
  request: jsonCodec<KvRequest>(decodeRequest),
  response: jsonCodec<KvResponse>(decodeResponse),
  timeoutMs: 5_000,
});
