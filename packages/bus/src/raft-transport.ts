import {
  type Message,
  type Transport,
  type TransportReports,
  decodeMessage,
  encodeMessage,
} from '@kubelab/raft-node';
/**
 * raft-node's Transport over NATS (STYLE.md principle 12: raft-node defines the interface, the bus owns
 * NATS). One-way and fire-and-forget: each node subscribes to its own inbox, `topics.raftInbox(group, id)`,
 * and a sender publishes to the peer's inbox. No request/reply on the hot path: raft already matches
 * responses to requests by term and index, and a lost message is retried by the protocol (heartbeats,
 * probes), so a reply subject and a round trip per message would only add latency.
 *
 * Encoding: raft-node's compact binary codec (`encodeMessage`), not JSON. Raft messages are small integers
 * and opaque entry bytes; JSON would base64 the bytes (+33%), spell out every field name, and need a parse
 * plus validation pass, while the binary form is varints at fixed positions and decodes entry data as
 * zero-copy subarrays of the received buffer (bench/codec.ts in raft-node measures the difference).
 *
 * Framing, one NATS message per frame (`[FRAME_VERSION u8][kind u8][body]`, varints LEB128):
 * - kind 1, batch: `count`, then `count` × (`length`, encoded message). All messages of one `send` to the
 *   same peer share frames (up to `maxFrameBytes` each): one publish per peer per Ready, which is most of
 *   what keeps the per-proposal cost low under load.
 * - kind 2, chunk: `from`, `transferId`, `part`, `parts`, then a slice of one encoded message. A message
 *   larger than a frame (a snapshot, usually) is split, because NATS refuses payloads above the server's
 *   max_payload (1 MiB by default), and reassembled by the receiver.
 */
import type { Logger } from '@kubelab/telemetry';
import { silentLogger } from '@kubelab/telemetry';
import type { Bus } from './bus.js';
import type { BoundTopic } from './endpoint.js';
import { topics } from './endpoints.js';
import type { BusSubscription } from './subscription.js';

/** The version byte of every frame; a receiver drops frames of other versions. */
export const FRAME_VERSION = 1;
const KIND_BATCH = 1;
const KIND_CHUNK = 2;

/** Options of {@link createNatsRaftTransport}. */
export interface NatsRaftTransportOptions {
  /** The raft group (a subject token), e.g. `api`. */
  readonly group: string;
  /** This node's id. */
  readonly nodeId: number;
  /** Largest NATS payload sent; keep it below the server's max_payload (1 MiB by default). Default 512 KiB. */
  readonly maxFrameBytes?: number;
  /** Bound on messages being reassembled from chunks at once (oldest dropped beyond). Default 4. */
  readonly maxReassemblies?: number;
  readonly logger?: Logger;
}

/**
 * Creates the NATS transport of one raft node. The caller owns `bus` (and drains it after `stop()`).
 *
 * @example
 * const transport = createNatsRaftTransport(bus, { group: 'api', nodeId: 1, logger });
 * const driver = new NodeDriver({ id: 1, storage, transport, stateMachine, clock, rng });
 * await driver.start();   // starts the transport
 */
export function createNatsRaftTransport(bus: Bus, opts: NatsRaftTransportOptions): Transport {
  return new NatsRaftTransportImpl(bus, opts);
}

interface Reassembly {
  readonly parts: (Uint8Array | undefined)[];
  received: number;
}

class NatsRaftTransportImpl implements Transport {
  private readonly group: string;
  private readonly nodeId: number;
  private readonly maxFrameBytes: number;
  private readonly maxReassemblies: number;
  private readonly log: Logger;
  private readonly peerTopics = new Map<number, BoundTopic<Uint8Array>>();
  /** Keyed `from:transferId`; Map order is arrival order, so the oldest is dropped first. */
  private readonly reassemblies = new Map<string, Reassembly>();
  private sub: BusSubscription<Uint8Array> | undefined;
  private receiving: Promise<void> | undefined;
  private reports: TransportReports | undefined;
  private transferSeq = 0;
  private running = false;
  /** Frames dropped because they failed to decode. */
  invalid = 0;

  constructor(
    private readonly bus: Bus,
    opts: NatsRaftTransportOptions,
  ) {
    this.group = opts.group;
    this.nodeId = opts.nodeId;
    this.maxFrameBytes = opts.maxFrameBytes ?? 512 * 1024;
    this.maxReassemblies = opts.maxReassemblies ?? 4;
    this.log = (opts.logger ?? silentLogger()).child({ component: 'raft-transport', group: opts.group });
    if (!(Number.isSafeInteger(this.maxFrameBytes) && this.maxFrameBytes >= 1024)) {
      throw new RangeError('maxFrameBytes must be an integer ≥ 1024');
    }
  }

  async start(onMessage: (m: Message) => void, reports?: TransportReports): Promise<void> {
    if (this.sub !== undefined) throw new Error('raft transport already started');
    this.reports = reports;
    this.sub = this.bus.subscribe(topics.raftInbox(this.group, this.nodeId));
    this.running = true;
    this.receiving = this.receive(this.sub, onMessage);
    // Registered with the server before start() resolves: a peer may send right after.
    await this.bus.flush();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.sub?.unsubscribe();
    await this.receiving;
    this.reassemblies.clear();
  }

  send(msgs: readonly Message[]): void {
    if (!this.running) return;
    if (msgs.length === 1) {
      const m = msgs[0]!;
      this.sendToPeer(m.to, [m]);
      return;
    }
    const byPeer = new Map<number, Message[]>();
    for (const m of msgs) {
      const list = byPeer.get(m.to);
      if (list === undefined) byPeer.set(m.to, [m]);
      else list.push(m);
    }
    for (const [peer, list] of byPeer) this.sendToPeer(peer, list);
  }

  /** Encodes and publishes one peer's messages; reports the peer unreachable if publishing fails. */
  private sendToPeer(peer: number, msgs: readonly Message[]): void {
    const topic = this.topicOf(peer);
    const encoded: Uint8Array[] = [];
    let snapshots = 0;
    try {
      for (const m of msgs) {
        if (m.snapshot !== undefined) snapshots++;
        const bytes = encodeMessage(m);
        if (bytes.byteLength + 16 <= this.maxFrameBytes) encoded.push(bytes);
        else for (const chunk of this.chunks(bytes)) this.bus.publish(topic, chunk);
      }
      for (const frame of packBatches(encoded, this.maxFrameBytes)) this.bus.publish(topic, frame);
    } catch (err) {
      this.log.debug({ err, peer }, 'raft transport: send failed');
      this.reports?.unreachable(peer);
      for (let i = 0; i < snapshots; i++) this.reports?.snapshotStatus(peer, false);
      return;
    }
    for (let i = 0; i < snapshots; i++) this.reports?.snapshotStatus(peer, true);
  }

  private topicOf(peer: number): BoundTopic<Uint8Array> {
    let t = this.peerTopics.get(peer);
    if (t === undefined) {
      t = topics.raftInbox(this.group, peer);
      this.peerTopics.set(peer, t);
    }
    return t;
  }

  /** Splits one encoded message into chunk frames. */
  private *chunks(bytes: Uint8Array): Generator<Uint8Array> {
    const transferId = ++this.transferSeq;
    const room = this.maxFrameBytes - 64;
    const parts = Math.ceil(bytes.byteLength / room);
    for (let part = 0; part < parts; part++) {
      const slice = bytes.subarray(part * room, Math.min(bytes.byteLength, (part + 1) * room));
      const head = [this.nodeId, transferId, part, parts];
      const headSize = head.reduce((n, v) => n + uvarintSize(v), 2);
      const frame = new Uint8Array(headSize + slice.byteLength);
      frame[0] = FRAME_VERSION;
      frame[1] = KIND_CHUNK;
      let pos = 2;
      for (const v of head) pos = putUvarint(frame, pos, v);
      frame.set(slice, pos);
      yield frame;
    }
  }

  private async receive(sub: BusSubscription<Uint8Array>, onMessage: (m: Message) => void): Promise<void> {
    for await (const d of sub) {
      if (!this.running) break;
      let msgs: Message[];
      try {
        msgs = this.decodeFrame(d.data);
      } catch (err) {
        this.invalid++;
        this.log.warn({ err, subject: d.subject }, 'raft transport: dropped an invalid frame');
        continue;
      }
      // Not caught: a throw here is a bug in the raft core (AssertionError) and must stop the process.
      for (const m of msgs) onMessage(m);
    }
  }

  /** The messages a frame carries (none for a chunk that does not complete a message). Throws on garbage. */
  private decodeFrame(buf: Uint8Array): Message[] {
    if (buf.byteLength < 2 || buf[0] !== FRAME_VERSION) throw new FrameError('bad frame version');
    const r = { buf, pos: 2 };
    if (buf[1] === KIND_BATCH) {
      const count = readUvarint(r);
      const out: Message[] = [];
      for (let i = 0; i < count; i++) {
        const len = readUvarint(r);
        if (r.pos + len > buf.byteLength) throw new FrameError('batch entry overruns the frame');
        out.push(decodeMessage(buf.subarray(r.pos, r.pos + len)));
        r.pos += len;
      }
      if (r.pos !== buf.byteLength) throw new FrameError('trailing bytes after the batch');
      return out;
    }
    if (buf[1] !== KIND_CHUNK) throw new FrameError(`unknown frame kind ${buf[1]}`);
    const [from, transferId, part, parts] = [readUvarint(r), readUvarint(r), readUvarint(r), readUvarint(r)];
    if (parts === 0 || part >= parts) throw new FrameError('bad chunk numbering');
    const whole = this.reassemble(`${from}:${transferId}`, part, parts, buf.subarray(r.pos));
    return whole === undefined ? [] : [decodeMessage(whole)];
  }

  private reassemble(key: string, part: number, parts: number, data: Uint8Array): Uint8Array | undefined {
    let ra = this.reassemblies.get(key);
    if (ra === undefined) {
      if (this.reassemblies.size >= this.maxReassemblies) {
        const oldest = this.reassemblies.keys().next().value as string;
        this.reassemblies.delete(oldest);
        this.log.warn({ dropped: oldest }, 'raft transport: too many partial messages, dropped the oldest');
      }
      ra = { parts: new Array<Uint8Array | undefined>(parts).fill(undefined), received: 0 };
      this.reassemblies.set(key, ra);
    }
    if (ra.parts.length !== parts) throw new FrameError('chunk count changed within a transfer');
    if (ra.parts[part] !== undefined) return undefined; // a duplicate
    // Kept as a view of the NATS message; the parts are copied into one buffer once all are here.
    ra.parts[part] = data;
    ra.received++;
    if (ra.received < parts) return undefined;
    this.reassemblies.delete(key);
    const total = ra.parts.reduce((n, p) => n + p!.byteLength, 0);
    const whole = new Uint8Array(total);
    let pos = 0;
    for (const p of ra.parts) {
      whole.set(p!, pos);
      pos += p!.byteLength;
    }
    return whole;
  }
}

/** A frame that is not one of ours. */
export class FrameError extends Error {
  override readonly name = 'FrameError';
}

/** Packs encoded messages into batch frames of at most `maxBytes` (a message alone always fits). */
function* packBatches(encoded: readonly Uint8Array[], maxBytes: number): Generator<Uint8Array> {
  let start = 0;
  while (start < encoded.length) {
    let size = 2 + 8; // version, kind, count varint (upper bound)
    let end = start;
    while (end < encoded.length) {
      const len = encoded[end]!.byteLength;
      const add = uvarintSize(len) + len;
      if (end > start && size + add > maxBytes) break;
      size += add;
      end++;
    }
    yield encodeBatch(encoded, start, end);
    start = end;
  }
}

function encodeBatch(encoded: readonly Uint8Array[], start: number, end: number): Uint8Array {
  let size = 2 + uvarintSize(end - start);
  for (let i = start; i < end; i++) size += uvarintSize(encoded[i]!.byteLength) + encoded[i]!.byteLength;
  const frame = new Uint8Array(size);
  frame[0] = FRAME_VERSION;
  frame[1] = KIND_BATCH;
  let pos = putUvarint(frame, 2, end - start);
  for (let i = start; i < end; i++) {
    const e = encoded[i]!;
    pos = putUvarint(frame, pos, e.byteLength);
    frame.set(e, pos);
    pos += e.byteLength;
  }
  return frame;
}

function uvarintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function putUvarint(buf: Uint8Array, pos: number, v: number): number {
  while (v >= 0x80) {
    buf[pos++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

function readUvarint(r: { buf: Uint8Array; pos: number }): number {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 8; i++) {
    const b = r.buf[r.pos++];
    if (b === undefined) throw new FrameError('truncated varint');
    v += (b & 0x7f) * mul;
    if (b < 0x80) return v;
    mul *= 128;
  }
  throw new FrameError('varint too long');
}
