/** Message construction and classification (etcd raft's util.go). */
import { assert } from './assert.js';
import { type Entry, type Message, MessageType, type Snapshot } from './types.js';

/** The shared empty entry list of messages that carry none. Never mutated. */
export const NO_ENTRIES: readonly Entry[] = Object.freeze([]);

/** The fields of a message being built; everything but `type` and `to` defaults to 0 / empty. */
export interface MessageInit {
  type: MessageType;
  to: number;
  from?: number;
  term?: number;
  logTerm?: number;
  index?: number;
  entries?: readonly Entry[];
  commit?: number;
  snapshot?: Snapshot | undefined;
  reject?: boolean;
  rejectHint?: number;
  context?: Uint8Array | undefined;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Builds a full {@link Message}, filling absent fields with their zero values. */
export function newMessage(m: MessageInit): Message {
  const out: Mutable<Message> = {
    type: m.type,
    to: m.to,
    from: m.from ?? 0,
    term: m.term ?? 0,
    logTerm: m.logTerm ?? 0,
    index: m.index ?? 0,
    entries: m.entries ?? NO_ENTRIES,
    commit: m.commit ?? 0,
    reject: m.reject ?? false,
    rejectHint: m.rejectHint ?? 0,
  };
  if (m.snapshot !== undefined) out.snapshot = m.snapshot;
  if (m.context !== undefined) out.context = m.context;
  return out;
}

/** Message types that only the local node may step (never received from the network). */
export function isLocalMsg(t: MessageType): boolean {
  return (
    t === MessageType.Hup ||
    t === MessageType.Beat ||
    t === MessageType.Unreachable ||
    t === MessageType.SnapStatus ||
    t === MessageType.CheckQuorum
  );
}

/** Responses, which are only meaningful from a peer the leader tracks. */
export function isResponseMsg(t: MessageType): boolean {
  return (
    t === MessageType.AppResp ||
    t === MessageType.VoteResp ||
    t === MessageType.HeartbeatResp ||
    t === MessageType.Unreachable ||
    t === MessageType.PreVoteResp
  );
}

/** The response type of a (pre-)vote request. */
export function voteRespMsgType(t: MessageType): MessageType {
  if (t === MessageType.Vote) return MessageType.VoteResp;
  assert(t === MessageType.PreVote, 'voteRespMsgType: not a vote message');
  return MessageType.PreVoteResp;
}

const typeNames = Object.fromEntries(Object.entries(MessageType).map(([k, v]) => [v, `Msg${k}`]));

/** A one-line description of a message, for logs and test failures. */
export function describeMessage(m: Message): string {
  let s = `${m.from}->${m.to} ${typeNames[m.type] ?? m.type} Term:${m.term} Log:${m.logTerm}/${m.index}`;
  if (m.reject) s += ` Rejected (Hint: ${m.rejectHint})`;
  if (m.commit !== 0) s += ` Commit:${m.commit}`;
  if (m.entries.length > 0) s += ` Entries:[${m.entries.map((e) => `${e.term}/${e.index}`).join(' ')}]`;
  if (m.snapshot !== undefined) s += ` Snapshot:${m.snapshot.metadata.term}/${m.snapshot.metadata.index}`;
  return s;
}
