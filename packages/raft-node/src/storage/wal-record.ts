/**
 * WAL record framing: pure functions from records to bytes and back, with the torn-tail vs corruption rules.
 * No I/O here; `wal.ts` owns the files.
 *
 * A segment file is a sequence of records, the first of which is a segment header:
 *
 *     record  = length u32 LE | crc u32 LE | type u8 | payload (length bytes)
 *     crc     = crc32c(length bytes ‖ type ‖ payload)     (the length is covered, so a flipped length is caught)
 *
 * Record types and payloads (u64 = two u32 LE, low word first, ≤ 2^53-1):
 *
 * - 1 SegmentHeader: walVersion u8, codecVersion u8, seq u64, firstIndex u64, prevCrc u32, prologueRecords u8 —
 *   `firstIndex` is the log's lastIndex+1 when the segment was started; `prevCrc` is the crc of the previous
 *   segment's last record, so a replaced or reordered segment breaks the chain; `prologueRecords` counts the
 *   records after the header that restate the state (hard state, snapshot marker), so that a segment cut
 *   inside its prologue is recognised as torn.
 * - 2 Entry: the codec's Entry body (term, index, type, data).
 * - 3 HardState: the codec's HardState body.
 * - 4 Snapshot marker: reset u8, index u64, term u64 — a snapshot file with this (index, term) is durable.
 *   `reset = 1` (a snapshot received from the leader, `save({snapshot})`) also replaces the whole log, as
 *   etcd's MemoryStorage.ApplySnapshot does; `reset = 0` (a local `createSnapshot`) leaves the log alone.
 */
import {
  CODEC_VERSION,
  CodecError,
  readEntryBody,
  readHardStateBody,
  sizeEntryBody,
  sizeHardStateBody,
  writeEntryBody,
  writeHardStateBody,
} from '../codec.js';
import type { Entry, HardState } from '../core/types.js';
import { crc32c } from './crc32c.js';

export const WAL_VERSION = 1;

export const RecordType = { SegmentHeader: 1, Entry: 2, HardState: 3, Snapshot: 4 } as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

/** length + crc + type. */
export const RECORD_HEADER_BYTES = 9;
const HEADER_PAYLOAD_BYTES = 2 + 8 + 8 + 4 + 1;
const MARKER_PAYLOAD_BYTES = 1 + 8 + 8;
/** No record we write comes close; a larger length field is damage. */
export const MAX_RECORD_BYTES = 1 << 30;

export interface SegmentHeader {
  readonly seq: number;
  readonly firstIndex: number;
  readonly prevCrc: number;
  /** How many records after the header belong to the prologue (≤ 255). */
  readonly prologueRecords: number;
}

export interface SnapshotMarker {
  readonly index: number;
  readonly term: number;
  readonly reset: boolean;
}

/** A decoded record; `offset` is where it starts in its segment file, for error messages. */
export type WalRecord =
  | {
      readonly type: typeof RecordType.SegmentHeader;
      readonly offset: number;
      readonly header: SegmentHeader;
    }
  | { readonly type: typeof RecordType.Entry; readonly offset: number; readonly entry: Entry }
  | { readonly type: typeof RecordType.HardState; readonly offset: number; readonly hardState: HardState }
  | { readonly type: typeof RecordType.Snapshot; readonly offset: number; readonly marker: SnapshotMarker };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A record to write (its offset is known only once written). */
export type RecordInput = DistributiveOmit<WalRecord, 'offset'>;

/**
 * Damage the WAL cannot explain as an interrupted append: a bad record followed by valid ones, a bad record
 * in a segment that is not the last, a broken crc chain or a missing segment. Opening refuses; nothing is
 * skipped or repaired, so an operator can inspect `file` at `offset`.
 */
export class WalCorruptionError extends Error {
  override readonly name = 'WalCorruptionError';
  readonly file: string;
  readonly offset: number;
  constructor(file: string, offset: number, reason: string, options?: ErrorOptions) {
    super(`WAL corruption in ${file} at offset ${offset}: ${reason}; refusing to open`, options);
    this.file = file;
    this.offset = offset;
  }
}

function writeU64(buf: Uint8Array, pos: number, n: number): void {
  const dv = new DataView(buf.buffer, buf.byteOffset);
  dv.setUint32(pos, n % 0x100000000, true);
  dv.setUint32(pos + 4, Math.floor(n / 0x100000000), true);
}

function readU64(dv: DataView, pos: number): number {
  const hi = dv.getUint32(pos + 4, true);
  if (hi >= 0x200000) throw new CodecError('u64 exceeds 2^53-1', pos);
  return hi * 0x100000000 + dv.getUint32(pos, true);
}

function payloadSize(r: RecordInput): number {
  switch (r.type) {
    case RecordType.SegmentHeader:
      return HEADER_PAYLOAD_BYTES;
    case RecordType.Entry:
      return sizeEntryBody(r.entry);
    case RecordType.HardState:
      return sizeHardStateBody(r.hardState);
    case RecordType.Snapshot:
      return MARKER_PAYLOAD_BYTES;
  }
}

function writePayload(buf: Uint8Array, pos: number, r: RecordInput): number {
  switch (r.type) {
    case RecordType.SegmentHeader:
      buf[pos] = WAL_VERSION;
      buf[pos + 1] = CODEC_VERSION;
      writeU64(buf, pos + 2, r.header.seq);
      writeU64(buf, pos + 10, r.header.firstIndex);
      new DataView(buf.buffer, buf.byteOffset).setUint32(pos + 18, r.header.prevCrc, true);
      buf[pos + 22] = r.header.prologueRecords;
      return pos + HEADER_PAYLOAD_BYTES;
    case RecordType.Entry:
      return writeEntryBody(buf, pos, r.entry);
    case RecordType.HardState:
      return writeHardStateBody(buf, pos, r.hardState);
    case RecordType.Snapshot:
      buf[pos] = r.marker.reset ? 1 : 0;
      writeU64(buf, pos + 1, r.marker.index);
      writeU64(buf, pos + 9, r.marker.term);
      return pos + MARKER_PAYLOAD_BYTES;
  }
}

/** Frames `records` into one buffer (one write); `lastCrc` is the crc of the last record (the chain link). */
export function encodeRecords(records: readonly RecordInput[]): { buf: Uint8Array; lastCrc: number } {
  const sizes = records.map(payloadSize);
  let total = 0;
  for (const s of sizes) total += RECORD_HEADER_BYTES + s;
  const buf = new Uint8Array(total);
  const dv = new DataView(buf.buffer);
  let pos = 0;
  let lastCrc = 0;
  records.forEach((r, i) => {
    const len = sizes[i]!;
    dv.setUint32(pos, len, true);
    buf[pos + 8] = r.type;
    const end = writePayload(buf, pos + RECORD_HEADER_BYTES, r);
    if (end !== pos + RECORD_HEADER_BYTES + len)
      throw new Error(`wal: record sized ${len}, wrote ${end - pos}`);
    lastCrc = crc32c(buf, pos + 8, end, crc32c(buf, pos, pos + 4));
    dv.setUint32(pos + 4, lastCrc, true);
    pos = end;
  });
  return { buf, lastCrc };
}

/** The framing at `pos` is intact (whole record present, crc matches); the payload may still not decode. */
function framedAt(buf: Uint8Array, dv: DataView, pos: number): { end: number; crc: number } | string {
  if (buf.length - pos < RECORD_HEADER_BYTES) return `partial record header (${buf.length - pos} bytes)`;
  const len = dv.getUint32(pos, true);
  const type = buf[pos + 8]!;
  if (type < RecordType.SegmentHeader || type > RecordType.Snapshot) return `unknown record type ${type}`;
  if (len > MAX_RECORD_BYTES || len > buf.length - pos - RECORD_HEADER_BYTES) {
    return `record of ${len} bytes runs past the end of the file`;
  }
  const end = pos + RECORD_HEADER_BYTES + len;
  const crc = crc32c(buf, pos + 8, end, crc32c(buf, pos, pos + 4));
  if (crc !== dv.getUint32(pos + 4, true)) return 'crc mismatch';
  return { end, crc };
}

function decodePayload(buf: Uint8Array, dv: DataView, pos: number, end: number): WalRecord {
  const type = buf[pos + 8] as RecordType;
  const p = pos + RECORD_HEADER_BYTES;
  const fixed = (n: number) => {
    if (end - p !== n) throw new CodecError(`payload of ${end - p} bytes, expected ${n}`, p);
  };
  switch (type) {
    case RecordType.SegmentHeader: {
      fixed(HEADER_PAYLOAD_BYTES);
      if (buf[p] !== WAL_VERSION || buf[p + 1] !== CODEC_VERSION) {
        throw new CodecError(`unsupported WAL version ${buf[p]} / codec version ${buf[p + 1]}`, p);
      }
      const header = {
        seq: readU64(dv, p + 2),
        firstIndex: readU64(dv, p + 10),
        prevCrc: dv.getUint32(p + 18, true),
        prologueRecords: buf[p + 22]!,
      };
      return { type, offset: pos, header };
    }
    case RecordType.Entry:
      return { type, offset: pos, entry: readEntryBody(buf, p, end) };
    case RecordType.HardState:
      return { type, offset: pos, hardState: readHardStateBody(buf, p, end) };
    case RecordType.Snapshot: {
      fixed(MARKER_PAYLOAD_BYTES);
      if (buf[p]! > 1) throw new CodecError(`invalid reset flag ${buf[p]}`, p);
      return {
        type,
        offset: pos,
        marker: { reset: buf[p] === 1, index: readU64(dv, p + 1), term: readU64(dv, p + 9) },
      };
    }
  }
}

/** The offset of the first intact record starting after `from`, or -1. Used only on damage, so O(n) is fine. */
function findIntactRecord(buf: Uint8Array, dv: DataView, from: number): number {
  for (let p = from; p + RECORD_HEADER_BYTES <= buf.length; p++) {
    const t = buf[p + 8]!;
    if (t < RecordType.SegmentHeader || t > RecordType.Snapshot) continue;
    if (typeof framedAt(buf, dv, p) !== 'string') return p;
  }
  return -1;
}

function isZero(buf: Uint8Array, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

export interface SegmentScan {
  readonly records: WalRecord[];
  /** Size of the scanned file. */
  readonly fileBytes: number;
  /** Length of the valid prefix; less than the file only when `tail` is set. */
  readonly validBytes: number;
  /** crc of the last valid record (0 if none). */
  readonly lastCrc: number;
  /**
   * A tail that is not records: preallocated zeros (`zeroFilled`, the normal end of a last segment), or
   * damage that an interrupted append explains, to be truncated at `offset`.
   */
  readonly tail?: { readonly offset: number; readonly reason: string; readonly zeroFilled: boolean };
}

/**
 * Decodes a whole segment. In the last segment (`isLast`), a bad record with no intact record after it is a
 * torn or unsynced tail: the scan stops there and reports `tail`. Anything else is a WalCorruptionError:
 * a bad record followed by an intact one, any bad record in an earlier segment, an intact record whose
 * payload does not decode (we never write one), and a segment that does not start with its header.
 */
export function scanSegment(buf: Uint8Array, file: string, isLast: boolean): SegmentScan {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const records: WalRecord[] = [];
  let pos = 0;
  let lastCrc = 0;
  while (pos < buf.length) {
    const framed = framedAt(buf, dv, pos);
    if (typeof framed === 'string') {
      if (!isLast) throw new WalCorruptionError(file, pos, `${framed} in a segment that is not the last`);
      const next = findIntactRecord(buf, dv, pos + 1);
      if (next >= 0)
        throw new WalCorruptionError(file, pos, `${framed}, yet an intact record follows at ${next}`);
      const zeroFilled = isZero(buf, pos);
      const reason = zeroFilled ? `zero-filled tail (${buf.length - pos} bytes)` : framed;
      const tail = { offset: pos, reason, zeroFilled };
      return { records, fileBytes: buf.length, validBytes: pos, lastCrc, tail };
    }
    let rec: WalRecord;
    try {
      rec = decodePayload(buf, dv, pos, framed.end);
    } catch (err) {
      if (!(err instanceof CodecError)) throw err;
      throw new WalCorruptionError(file, pos, `intact record does not decode: ${err.message}`, {
        cause: err,
      });
    }
    if ((rec.type === RecordType.SegmentHeader) !== (pos === 0)) {
      throw new WalCorruptionError(
        file,
        pos,
        pos === 0 ? 'segment does not start with a header' : 'stray header',
      );
    }
    records.push(rec);
    lastCrc = framed.crc;
    pos = framed.end;
  }
  return { records, fileBytes: buf.length, validBytes: pos, lastCrc };
}
