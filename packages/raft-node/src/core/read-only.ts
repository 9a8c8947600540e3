import { VoteResult, jointVoteResult } from '../quorum/quorum.js';
/**
 * Linearizable reads without writing to the log: ReadIndex (Raft thesis §6.4). The leader records its
 * commit index as the read index, confirms it is still leader with a round of heartbeats acknowledged by a
 * quorum, then answers; the reader waits until it has applied up to the read index.
 */
import type { Raft } from './raft.js';
import { bcastHeartbeatWithCtx } from './replication.js';
import { type Message, MessageType, NONE } from './types.js';
import { bytesKey } from './util.js';

interface ReadIndexStatus {
  readonly req: Message;
  readonly index: number;
  readonly acks: Map<number, boolean>;
}

/** The leader's pending ReadIndex requests, in arrival order, keyed by their (unique) context. */
export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  /** Records a request to be answered with `index` once a quorum acknowledges a heartbeat carrying it. */
  addRequest(index: number, m: Message): void {
    const key = bytesKey(m.context!);
    if (this.pending.has(key)) return;
    this.pending.set(key, { index, req: m, acks: new Map() });
    this.queue.push(key);
  }

  /** Records `id`'s acknowledgement of the heartbeat with `context`; returns the acks so far. */
  recvAck(id: number, context: Uint8Array): ReadonlyMap<number, boolean> | undefined {
    const rs = this.pending.get(bytesKey(context));
    if (rs === undefined) return undefined;
    rs.acks.set(id, true);
    return rs.acks;
  }

  /**
   * The request with `context` is confirmed: so is every request queued before it (the heartbeat round
   * confirming a later request happened after them). Dequeues and returns them, oldest first.
   */
  advance(context: Uint8Array): ReadIndexStatus[] {
    const key = bytesKey(context);
    const i = this.queue.indexOf(key);
    if (i < 0) return [];
    const done = this.queue.slice(0, i + 1);
    this.queue = this.queue.slice(i + 1);
    return done.map((k) => {
      const rs = this.pending.get(k)!;
      this.pending.delete(k);
      return rs;
    });
  }

  /** The context of the latest request, which each heartbeat carries. */
  lastPendingRequestCtx(): Uint8Array | undefined {
    const key = this.queue[this.queue.length - 1];
    return key === undefined ? undefined : this.pending.get(key)!.req.context;
  }

  get pendingCount(): number {
    return this.queue.length;
  }
}

/** Leader: starts confirming a ReadIndex request at the current commit index. */
export function sendMsgReadIndexResponse(r: Raft, m: Message): void {
  const ctx = m.context!;
  r.readOnly.addRequest(r.raftLog.committed, m);
  r.readOnly.recvAck(r.id, ctx);
  bcastHeartbeatWithCtx(r, ctx);
}

/** Leader: a heartbeat response acknowledged a read context; answer every request it confirms. */
export function handleReadIndexAck(r: Raft, m: Message): void {
  if (m.context === undefined || m.context.byteLength === 0) return;
  const acks = r.readOnly.recvAck(m.from, m.context);
  if (acks === undefined || jointVoteResult(r.trk.voters, acks) !== VoteResult.Won) return;
  for (const rs of r.readOnly.advance(m.context)) respondToReadIndex(r, rs.req, rs.index);
}

/** Answers held requests once the new leader has committed an entry of its term. */
export function releasePendingReadIndexMessages(r: Raft): void {
  if (r.pendingReadIndexMessages.length === 0 || !r.committedEntryInCurrentTerm()) return;
  const msgs = r.pendingReadIndexMessages;
  r.pendingReadIndexMessages = [];
  for (const m of msgs) sendMsgReadIndexResponse(r, m);
}

/** A local request becomes a ReadState; a forwarded one gets a MsgReadIndexResp. */
export function respondToReadIndex(r: Raft, req: Message, index: number): void {
  if (req.from === NONE || req.from === r.id) {
    r.readStates.push({ index, requestCtx: req.context! });
    return;
  }
  r.send({ to: req.from, type: MessageType.ReadIndexResp, index, context: req.context });
}
