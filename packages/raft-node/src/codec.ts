/**
 * The binary codec of raft-node: Message (with its entries and snapshot), Entry, HardState, ConfState,
 * Snapshot and ConfChange. The WAL stores entries and hard states with it, and the NATS transport sends
 * messages with it.
 *
 * Why hand-written and binary, not JSON or msgpack: raft traffic is mostly small integers (terms, indexes, ids)
 * and opaque byte payloads. JSON cannot carry bytes without base64 (+33% size, plus an encode and a decode
 * pass), and its output must be parsed and validated field by field anyway. msgpack would add a dependency and
 * a self-describing tag per field we never need. Here every field sits at a fixed position in a fixed order, so
 * an integer costs only its base-128 varint (1 byte for most ids and types, 2–4 for terms and indexes) and
 * decoding is a straight walk with no string keys. On decode, entry and snapshot data are zero-copy
 * subarrays of the input. `bench/codec.ts` measures it against JSON; figures are in its header.
 *
 * Layout of every top-level encoding: `[version u8][kind u8][body]`. The version is {@link CODEC_VERSION};
 * a reader refuses other versions instead of guessing. Bodies (all integers are unsigned LEB128 varints of
 * at most 8 bytes, canonical, ≤ 2^53-1; `bytes` is a varint length then the bytes; `list` is a varint count
 * then varints; bools are a byte 0 or 1):
 *
 * - Entry: term, index, type u8, data bytes
 * - HardState: term, vote, commit
 * - ConfState: voters list, learners list, votersOutgoing list, learnersNext list, autoLeave bool
 * - SnapshotMetadata: index, term, ConfState;  Snapshot: SnapshotMetadata, data bytes
 * - Message: type u8, to, from, term, logTerm, index, commit, rejectHint, flags u8 (1 reject, 2 snapshot,
 *   4 context), entry count, entries, [Snapshot], [context bytes]
 * - ConfChange: change count, (type u8, nodeId)*, transition u8 (0 none, 1 auto, 2 implicit, 3 explicit),
 *   hasContext bool, [context bytes]
 *
 * Decoding validates everything (lengths, enum ranges, flag bits, varint form, no trailing bytes) and throws
 * {@link CodecError}; it never returns half-decoded data. Encoding a value that breaks the types (a negative
 * or fractional number) is a caller bug and throws an AssertionError.
 */
import { AssertionError } from 'node:assert';
import { Reader, Writer, bytesSize, listSize, uvarintSize } from './codec-primitives.js';
import type {
  ConfChange,
  ConfState,
  Entry,
  EntryType,
  HardState,
  Message,
  MessageType,
  Snapshot,
  SnapshotMetadata,
} from './core/types.js';

/** The version byte at the start of every encoding; bump it when a body layout changes. */
export const CODEC_VERSION = 1;

/** The kind byte after the version: what the body is, so that a mixed-up buffer fails loudly. */
export const CodecKind = {
  Message: 1,
  Entry: 2,
  HardState: 3,
  ConfState: 4,
  Snapshot: 5,
  SnapshotMetadata: 6,
  ConfChange: 7,
} as const;
export type CodecKind = (typeof CodecKind)[keyof typeof CodecKind];

export { CodecError } from './codec-primitives.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const MAX_MESSAGE_TYPE = 18;
const MAX_ENTRY_TYPE = 1;
const MAX_CONF_CHANGE_TYPE = 2;
const FLAG_REJECT = 1;
const FLAG_SNAPSHOT = 2;
const FLAG_CONTEXT = 4;
const TRANSITIONS = [undefined, 'auto', 'implicit', 'explicit'] as const;

/** One body layout: the exact size, the writer and the validating reader. */
interface BodyCodec<T> {
  size(v: T): number;
  write(w: Writer, v: T): void;
  read(r: Reader): T;
}

const entryCodec: BodyCodec<Entry> = {
  size: (e) =>
    uvarintSize(e.term, 'entry term') +
    uvarintSize(e.index, 'entry index') +
    1 +
    bytesSize(e.data, 'entry data length'),
  write(w, e) {
    w.uvarint(e.term);
    w.uvarint(e.index);
    w.u8(e.type);
    w.bytes(e.data);
  },
  read(r) {
    const term = r.uvarint('entry term');
    const index = r.uvarint('entry index');
    const type = r.enumU8(MAX_ENTRY_TYPE, 'entry type') as EntryType;
    return { term, index, type, data: r.bytes('entry data') };
  },
};

const hardStateCodec: BodyCodec<HardState> = {
  size: (h) => uvarintSize(h.term, 'term') + uvarintSize(h.vote, 'vote') + uvarintSize(h.commit, 'commit'),
  write(w, h) {
    w.uvarint(h.term);
    w.uvarint(h.vote);
    w.uvarint(h.commit);
  },
  read: (r) => ({ term: r.uvarint('term'), vote: r.uvarint('vote'), commit: r.uvarint('commit') }),
};

const confStateCodec: BodyCodec<ConfState> = {
  size: (c) =>
    listSize(c.voters, 'voters') +
    listSize(c.learners, 'learners') +
    listSize(c.votersOutgoing, 'votersOutgoing') +
    listSize(c.learnersNext, 'learnersNext') +
    1,
  write(w, c) {
    w.list(c.voters);
    w.list(c.learners);
    w.list(c.votersOutgoing);
    w.list(c.learnersNext);
    w.u8(c.autoLeave ? 1 : 0);
  },
  read: (r) => ({
    voters: r.list('voters'),
    learners: r.list('learners'),
    votersOutgoing: r.list('votersOutgoing'),
    learnersNext: r.list('learnersNext'),
    autoLeave: r.bool('autoLeave'),
  }),
};

const metadataCodec: BodyCodec<SnapshotMetadata> = {
  size: (m) =>
    uvarintSize(m.index, 'snapshot index') +
    uvarintSize(m.term, 'snapshot term') +
    confStateCodec.size(m.confState),
  write(w, m) {
    w.uvarint(m.index);
    w.uvarint(m.term);
    confStateCodec.write(w, m.confState);
  },
  read: (r) => ({
    index: r.uvarint('snapshot index'),
    term: r.uvarint('snapshot term'),
    confState: confStateCodec.read(r),
  }),
};

const snapshotCodec: BodyCodec<Snapshot> = {
  size: (s) => metadataCodec.size(s.metadata) + bytesSize(s.data, 'snapshot data length'),
  write(w, s) {
    metadataCodec.write(w, s.metadata);
    w.bytes(s.data);
  },
  read: (r) => ({ metadata: metadataCodec.read(r), data: r.bytes('snapshot data') }),
};

const messageCodec: BodyCodec<Message> = {
  size(m) {
    let size =
      1 +
      uvarintSize(m.to, 'to') +
      uvarintSize(m.from, 'from') +
      uvarintSize(m.term, 'term') +
      uvarintSize(m.logTerm, 'logTerm') +
      uvarintSize(m.index, 'index') +
      uvarintSize(m.commit, 'commit') +
      uvarintSize(m.rejectHint, 'rejectHint') +
      1 +
      uvarintSize(m.entries.length, 'entry count');
    for (const e of m.entries) size += entryCodec.size(e);
    if (m.snapshot !== undefined) size += snapshotCodec.size(m.snapshot);
    if (m.context !== undefined) size += bytesSize(m.context, 'context length');
    return size;
  },
  write(w, m) {
    w.u8(m.type);
    w.uvarint(m.to);
    w.uvarint(m.from);
    w.uvarint(m.term);
    w.uvarint(m.logTerm);
    w.uvarint(m.index);
    w.uvarint(m.commit);
    w.uvarint(m.rejectHint);
    const flags =
      (m.reject ? FLAG_REJECT : 0) |
      (m.snapshot !== undefined ? FLAG_SNAPSHOT : 0) |
      (m.context !== undefined ? FLAG_CONTEXT : 0);
    w.u8(flags);
    w.uvarint(m.entries.length);
    for (const e of m.entries) entryCodec.write(w, e);
    if (m.snapshot !== undefined) snapshotCodec.write(w, m.snapshot);
    if (m.context !== undefined) w.bytes(m.context);
  },
  read(r) {
    const type = r.enumU8(MAX_MESSAGE_TYPE, 'message type') as MessageType;
    const to = r.uvarint('to');
    const from = r.uvarint('from');
    const term = r.uvarint('term');
    const logTerm = r.uvarint('logTerm');
    const index = r.uvarint('index');
    const commit = r.uvarint('commit');
    const rejectHint = r.uvarint('rejectHint');
    const flags = r.u8('flags');
    if (flags & ~(FLAG_REJECT | FLAG_SNAPSHOT | FLAG_CONTEXT)) r.fail(`unknown message flags ${flags}`);
    const n = r.count(4, 'entry count');
    const entries = new Array<Entry>(n);
    for (let i = 0; i < n; i++) entries[i] = entryCodec.read(r);
    const m: Mutable<Message> = {
      type,
      to,
      from,
      term,
      logTerm,
      index,
      entries,
      commit,
      reject: (flags & FLAG_REJECT) !== 0,
      rejectHint,
    };
    if (flags & FLAG_SNAPSHOT) m.snapshot = snapshotCodec.read(r);
    if (flags & FLAG_CONTEXT) m.context = r.bytes('context');
    return m;
  },
};

const confChangeCodec: BodyCodec<ConfChange> = {
  size(cc) {
    let size = uvarintSize(cc.changes.length, 'change count') + 2;
    for (const c of cc.changes) size += 1 + uvarintSize(c.nodeId, 'nodeId');
    if (cc.context !== undefined) size += bytesSize(cc.context, 'context length');
    return size;
  },
  write(w, cc) {
    w.uvarint(cc.changes.length);
    for (const c of cc.changes) {
      w.u8(c.type);
      w.uvarint(c.nodeId);
    }
    w.u8(cc.transition === undefined ? 0 : TRANSITIONS.indexOf(cc.transition));
    w.u8(cc.context === undefined ? 0 : 1);
    if (cc.context !== undefined) w.bytes(cc.context);
  },
  read(r) {
    const n = r.count(2, 'change count');
    const changes = new Array<ConfChange['changes'][number]>(n);
    for (let i = 0; i < n; i++) {
      const type = r.enumU8(
        MAX_CONF_CHANGE_TYPE,
        'conf change type',
      ) as ConfChange['changes'][number]['type'];
      changes[i] = { type, nodeId: r.uvarint('nodeId') };
    }
    const transition = TRANSITIONS[r.enumU8(TRANSITIONS.length - 1, 'transition')];
    const cc: Mutable<ConfChange> = { changes };
    if (transition !== undefined) cc.transition = transition;
    if (r.bool('hasContext')) cc.context = r.bytes('context');
    return cc;
  },
};

function encodeTop<T>(kind: CodecKind, codec: BodyCodec<T>, v: T): Uint8Array {
  const size = 2 + codec.size(v);
  const w = new Writer(new Uint8Array(size), 0);
  w.u8(CODEC_VERSION);
  w.u8(kind);
  codec.write(w, v);
  if (w.pos !== size) throw new AssertionError({ message: `codec: wrote ${w.pos} bytes, sized ${size}` });
  return w.buf;
}

function decodeTop<T>(kind: CodecKind, codec: BodyCodec<T>, buf: Uint8Array): T {
  const r = new Reader(buf, 0, buf.byteLength);
  const version = r.u8('version');
  if (version !== CODEC_VERSION) r.fail(`unsupported codec version ${version}`);
  const got = r.u8('kind');
  if (got !== kind) r.fail(`expected kind ${kind}, got ${got}`);
  const v = codec.read(r);
  if (r.pos !== r.end) r.fail(`${r.end - r.pos} trailing bytes`);
  return v;
}

/** Encodes a raft Message (entries, snapshot and context included). */
export const encodeMessage = (m: Message): Uint8Array => encodeTop(CodecKind.Message, messageCodec, m);
/**
 * Decodes a Message. Entry, snapshot and context bytes are views of `buf`: do not reuse `buf` while the
 * message lives.
 *
 * @example
 * const m2 = decodeMessage(encodeMessage(m)); // deep-equals m
 */
export const decodeMessage = (buf: Uint8Array): Message => decodeTop(CodecKind.Message, messageCodec, buf);
export const encodeEntry = (e: Entry): Uint8Array => encodeTop(CodecKind.Entry, entryCodec, e);
export const decodeEntry = (buf: Uint8Array): Entry => decodeTop(CodecKind.Entry, entryCodec, buf);
export const encodeHardState = (h: HardState): Uint8Array =>
  encodeTop(CodecKind.HardState, hardStateCodec, h);
export const decodeHardState = (buf: Uint8Array): HardState =>
  decodeTop(CodecKind.HardState, hardStateCodec, buf);
export const encodeConfState = (c: ConfState): Uint8Array =>
  encodeTop(CodecKind.ConfState, confStateCodec, c);
export const decodeConfState = (buf: Uint8Array): ConfState =>
  decodeTop(CodecKind.ConfState, confStateCodec, buf);
export const encodeSnapshot = (s: Snapshot): Uint8Array => encodeTop(CodecKind.Snapshot, snapshotCodec, s);
export const decodeSnapshot = (buf: Uint8Array): Snapshot =>
  decodeTop(CodecKind.Snapshot, snapshotCodec, buf);
export const encodeSnapshotMetadata = (m: SnapshotMetadata): Uint8Array =>
  encodeTop(CodecKind.SnapshotMetadata, metadataCodec, m);
export const decodeSnapshotMetadata = (buf: Uint8Array): SnapshotMetadata =>
  decodeTop(CodecKind.SnapshotMetadata, metadataCodec, buf);
export const encodeConfChange = (cc: ConfChange): Uint8Array =>
  encodeTop(CodecKind.ConfChange, confChangeCodec, cc);
export const decodeConfChange = (buf: Uint8Array): ConfChange =>
  decodeTop(CodecKind.ConfChange, confChangeCodec, buf);

/**
 * Version-less bodies, for containers that carry the version once (the WAL's segment header) and frame
 * each record themselves. `write*Body` writes at `pos` into a buffer with room for `size*Body` bytes and
 * returns the end; `read*Body` decodes exactly `buf[start, end)`.
 */
export const sizeEntryBody = (e: Entry): number => entryCodec.size(e);
export const sizeHardStateBody = (h: HardState): number => hardStateCodec.size(h);

export function writeEntryBody(buf: Uint8Array, pos: number, e: Entry): number {
  const w = new Writer(buf, pos);
  entryCodec.write(w, e);
  return w.pos;
}

export function writeHardStateBody(buf: Uint8Array, pos: number, h: HardState): number {
  const w = new Writer(buf, pos);
  hardStateCodec.write(w, h);
  return w.pos;
}

function readExactly<T>(codec: BodyCodec<T>, buf: Uint8Array, start: number, end: number): T {
  const r = new Reader(buf, start, end);
  const v = codec.read(r);
  if (r.pos !== end) r.fail(`${end - r.pos} trailing bytes`);
  return v;
}

export const readEntryBody = (buf: Uint8Array, start: number, end: number): Entry =>
  readExactly(entryCodec, buf, start, end);
export const readHardStateBody = (buf: Uint8Array, start: number, end: number): HardState =>
  readExactly(hardStateCodec, buf, start, end);
