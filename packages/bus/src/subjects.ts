/**
 * Every NATS subject kubelab uses is built here, and only here (STYLE.md principle 12): services name an
 * endpoint or a topic, never a subject string. All subjects live under {@link SUBJECT_PREFIX}.
 *
 * Layout:
 * - `kubelab.health.<role>.<id>`      one process' health endpoint
 * - `kubelab.discover.health`         broadcast: every process answers (scatter-gather discovery)
 * - `kubelab.discover.health.<role>`  broadcast to one role only
 * - `kubelab.raft.<group>.<nodeId>`   a raft node's inbox (one-way binary messages)
 * - `kubelab.api.request`             the Kubernetes API for kubelab's own services (queue group `api`)
 * - `kubelab.api.watch`               opens a watch stream (queue group `api`)
 * - `kubelab.api.stream.<streamId>`   a watch stream's events (api → client)
 * - `kubelab.api.cancel.<streamId>`   a client closing its watch stream (client → api)
 * - `kubelab.raftpropose.<group>.<nodeId>` a follower forwarding a proposal to its group's leader
 * - `kubelab.raftkv.<group>.<nodeId>` the replicated KV of the raft benchmark (bench/raft/kv)
 * - `kubelab.noderpc.open.<node>`     opens a node RPC stream (logs, exec) on one node's kubelet
 * - `kubelab.noderpc.stream.<id>`     a node RPC stream's frames (node → caller)
 * - `kubelab.noderpc.control.<id>`    a node RPC stream's flow credit, keepalive and cancel (caller → node)
 */
import { AssertionError } from 'node:assert';

/** The root of every kubelab subject; keeps kubelab's traffic apart from anything else on the server. */
export const SUBJECT_PREFIX = 'kubelab';

// A token is one dot-separated part of a subject; wildcards and whitespace would change what a subject
// matches, so they are refused outright.
const TOKEN = /^[A-Za-z0-9_-]+$/;

/**
 * Checks that `value` can be one subject token (letters, digits, `_`, `-`). A bad token is a programming or
 * configuration error, so it throws an AssertionError (STYLE.md principle 4) instead of sending elsewhere.
 */
export function subjectToken(value: string | number, what: string): string {
  const text = String(value);
  if (!TOKEN.test(text)) {
    throw new AssertionError({ message: `${what} ${JSON.stringify(text)} is not a valid subject token` });
  }
  return text;
}

/** Joins already checked tokens under the prefix. */
function subject(...tokens: string[]): string {
  return [SUBJECT_PREFIX, ...tokens].join('.');
}

/**
 * The subject builders. Endpoints and topics (endpoints.ts) wrap these; services should use those instead.
 *
 * @example
 * subjects.health('api', 'api-0');   // 'kubelab.health.api.api-0'
 * subjects.raftInbox('api', 2);      // 'kubelab.raft.api.2'
 */
export const subjects = {
  /** One process' health endpoint. */
  health: (role: string, id: string): string =>
    subject('health', subjectToken(role, 'role'), subjectToken(id, 'id')),
  /** The discovery broadcast: all processes, or the processes of one role. */
  healthDiscover: (role?: string): string =>
    role === undefined
      ? subject('discover', 'health')
      : subject('discover', 'health', subjectToken(role, 'role')),
  /** A raft node's inbox within a raft group (e.g. the api's store group). */
  raftInbox: (group: string, nodeId: string | number): string =>
    subject('raft', subjectToken(group, 'raft group'), subjectToken(nodeId, 'raft node id')),
  /** The API for kubelab's services: any api replica answers (queue group). */
  apiRequest: (): string => subject('api', 'request'),
  apiWatch: (): string => subject('api', 'watch'),
  apiStream: (streamId: string): string => subject('api', 'stream', subjectToken(streamId, 'stream id')),
  apiCancel: (streamId: string): string => subject('api', 'cancel', subjectToken(streamId, 'stream id')),
  /** A raft node's proposal intake: followers forward proposals to the leader here. */
  raftPropose: (group: string, nodeId: string | number): string =>
    subject('raftpropose', subjectToken(group, 'raft group'), subjectToken(nodeId, 'raft node id')),
  /** One node of the raft benchmark's replicated KV (bench/raft/kv). */
  raftKv: (group: string, nodeId: string | number): string =>
    subject('raftkv', subjectToken(group, 'raft group'), subjectToken(nodeId, 'raft node id')),
  /**
   * A node's RPC intake (logs, exec). Node names are DNS subdomains and may hold dots, which would split the
   * subject; they never hold `_`, so mapping `.` to `_` keeps names apart.
   */
  nodeRpc: (nodeName: string): string =>
    subject('noderpc', 'open', subjectToken(nodeName.replaceAll('.', '_'), 'node name')),
  nodeRpcStream: (streamId: string): string =>
    subject('noderpc', 'stream', subjectToken(streamId, 'stream id')),
  nodeRpcControl: (streamId: string): string =>
    subject('noderpc', 'control', subjectToken(streamId, 'stream id')),
} as const;

/** Builds the subject of a raft node's inbox; shorthand for `subjects.raftInbox`. */
export function raftInbox(group: string, nodeId: string | number): string {
  return subjects.raftInbox(group, nodeId);
}
