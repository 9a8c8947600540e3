/**
 * The replicated KV's state machine and its command encoding. Deterministic: the same entries in the same
 * order give the same map on every replica.
 *
 * Commands carry a client session (`clientId`, `seq`) so a retried write applies at most once: a client
 * reuses the seq when it retries an indeterminate failure (the leader died, the proposal timed out), and
 * the state machine answers a repeated seq with the stored result instead of applying it again (Raft
 * thesis §6.3, "implementing linearizable semantics"). Sessions are bounded (least recently used dropped).
 *
 * Command layout (binary, little work per entry on every replica): `op u8`, `clientId u32`, `seq f64`,
 * `key` (u32 length + UTF-8), `value` (same), and for cas `hasExpected u8` + `expected`.
 */
import { type Entry, EntryType, type Snapshot, type StateMachine } from '@kubelab/raft-node';

export const KvOp = { Put: 1, Cas: 2 } as const;
export type KvOp = (typeof KvOp)[keyof typeof KvOp];

export interface KvCommand {
  readonly op: KvOp;
  readonly clientId: number;
  readonly seq: number;
  readonly key: string;
  readonly value: string;
  /** cas only: the value the key must hold (undefined: the key must be absent). */
  readonly expected?: string | undefined;
}

/** The outcome of one write: `ok` (applied at `revision`) or a failed compare with the current value. */
export type KvResult =
  | { readonly ok: true; readonly revision: number }
  | { readonly ok: false; readonly revision: number; readonly current: string | undefined };

const enc = new TextEncoder();
const dec = new TextDecoder();

export function encodeCommand(c: KvCommand): Uint8Array {
  const key = enc.encode(c.key);
  const value = enc.encode(c.value);
  const expected = c.expected === undefined ? undefined : enc.encode(c.expected);
  const size = 1 + 4 + 8 + 4 + key.byteLength + 4 + value.byteLength + 1 + 4 + (expected?.byteLength ?? 0);
  const buf = new Uint8Array(size);
  const v = new DataView(buf.buffer);
  let pos = 0;
  buf[pos++] = c.op;
  v.setUint32(pos, c.clientId);
  v.setFloat64(pos + 4, c.seq);
  pos += 12;
  for (const part of [key, value]) {
    v.setUint32(pos, part.byteLength);
    buf.set(part, pos + 4);
    pos += 4 + part.byteLength;
  }
  buf[pos++] = expected === undefined ? 0 : 1;
  v.setUint32(pos, expected?.byteLength ?? 0);
  if (expected !== undefined) buf.set(expected, pos + 4);
  return buf;
}

export function decodeCommand(buf: Uint8Array): KvCommand {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const op = buf[0];
  if (op !== KvOp.Put && op !== KvOp.Cas) throw new Error(`bad kv op ${op}`);
  const clientId = v.getUint32(1);
  const seq = v.getFloat64(5);
  let pos = 13;
  const str = () => {
    const len = v.getUint32(pos);
    const s = dec.decode(buf.subarray(pos + 4, pos + 4 + len));
    pos += 4 + len;
    return s;
  };
  const key = str();
  const value = str();
  const hasExpected = buf[pos++] === 1;
  const expected = str();
  return { op, clientId, seq, key, value, expected: hasExpected ? expected : undefined };
}

interface Session {
  seq: number;
  result: KvResult;
}

/** The KV map plus client sessions. */
export class KvStateMachine implements StateMachine<KvResult | undefined> {
  private data = new Map<string, { value: string; revision: number }>();
  private sessions = new Map<number, Session>();

  constructor(private readonly maxSessions = 10_000) {}

  get(key: string): { value: string; revision: number } | undefined {
    return this.data.get(key);
  }

  get size(): number {
    return this.data.size;
  }

  apply(entries: readonly Entry[]): readonly (KvResult | undefined)[] {
    const out = new Array<KvResult | undefined>(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      out[i] =
        e.type === EntryType.Normal && e.data.byteLength > 0 ? this.applyCommand(e.index, e.data) : undefined;
    }
    return out;
  }

  private applyCommand(index: number, data: Uint8Array): KvResult {
    const c = decodeCommand(data);
    const session = this.sessions.get(c.clientId);
    if (session !== undefined && c.seq <= session.seq) {
      // A retry of a command already applied (or older): answer it, change nothing.
      return session.result;
    }
    const cur = this.data.get(c.key);
    let result: KvResult;
    if (c.op === KvOp.Cas && cur?.value !== c.expected) {
      result = { ok: false, revision: cur?.revision ?? 0, current: cur?.value };
    } else {
      this.data.set(c.key, { value: c.value, revision: index });
      result = { ok: true, revision: index };
    }
    this.remember(c.clientId, { seq: c.seq, result });
    return result;
  }

  private remember(clientId: number, s: Session): void {
    this.sessions.delete(clientId); // re-inserted last: Map order is least recently used first
    this.sessions.set(clientId, s);
    if (this.sessions.size > this.maxSessions) {
      this.sessions.delete(this.sessions.keys().next().value as number);
    }
  }

  snapshot(): Uint8Array {
    return enc.encode(JSON.stringify({ data: [...this.data], sessions: [...this.sessions] }));
  }

  restore(s: Snapshot): void {
    if (s.data.byteLength === 0) {
      this.data = new Map();
      this.sessions = new Map();
      return;
    }
    const parsed = JSON.parse(dec.decode(s.data)) as {
      data: [string, { value: string; revision: number }][];
      sessions: [number, Session][];
    };
    this.data = new Map(parsed.data);
    this.sessions = new Map(parsed.sessions);
  }
}
