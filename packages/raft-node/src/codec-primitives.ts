/**
 * The primitives of the codec (codec.ts): exact sizing, a writer over a pre-sized buffer and a
 * bounds-checked reader. Integers are unsigned LEB128 varints of at most 8 bytes, canonical, ≤ 2^53-1.
 */
import { AssertionError } from 'node:assert';

/** Truncated, garbage or foreign input given to a decoder. `offset` is where decoding failed. */
export class CodecError extends Error {
  override readonly name = 'CodecError';
  readonly offset: number;
  constructor(message: string, offset: number, options?: ErrorOptions) {
    super(`${message} (at byte ${offset})`, options);
    this.offset = offset;
  }
}

export function checkUint(n: number, what: string): number {
  if (!(Number.isSafeInteger(n) && n >= 0)) {
    throw new AssertionError({ message: `codec: ${what} must be a safe unsigned integer, got ${n}` });
  }
  return n;
}

/** Bytes taken by `n` as a varint (validating `n`). */
export function uvarintSize(n: number, what: string): number {
  checkUint(n, what);
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  let size = 4;
  for (let v = Math.floor(n / 0x10000000); v > 0; v = Math.floor(v / 0x80)) size++;
  return size;
}

export function bytesSize(b: Uint8Array, what: string): number {
  return uvarintSize(b.byteLength, what) + b.byteLength;
}

export function listSize(list: readonly number[], what: string): number {
  let size = uvarintSize(list.length, what);
  for (const n of list) size += uvarintSize(n, what);
  return size;
}

/** Writes into a buffer sized exactly by the matching `size` pass. */
export class Writer {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    pos: number,
  ) {
    this.pos = pos;
  }

  u8(n: number): void {
    this.buf[this.pos++] = n;
  }

  uvarint(n: number): void {
    const buf = this.buf;
    let pos = this.pos;
    // Bit operations are exact below 2^31; above, fall back to arithmetic (exact up to 2^53).
    while (n >= 0x80000000) {
      buf[pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    while (n >= 0x80) {
      buf[pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    buf[pos++] = n;
    this.pos = pos;
  }

  bytes(b: Uint8Array): void {
    this.uvarint(b.byteLength);
    this.buf.set(b, this.pos);
    this.pos += b.byteLength;
  }

  list(list: readonly number[]): void {
    this.uvarint(list.length);
    for (const n of list) this.uvarint(n);
  }
}

/** Reads `buf[pos, end)`; every read is bounds-checked and throws CodecError. */
export class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    pos: number,
    readonly end: number,
  ) {
    this.pos = pos;
  }

  fail(message: string): never {
    throw new CodecError(message, this.pos);
  }

  u8(what: string): number {
    if (this.pos >= this.end) this.fail(`truncated: expected ${what}`);
    return this.buf[this.pos++]!;
  }

  /** An enum byte in [0, max]. */
  enumU8(max: number, what: string): number {
    const v = this.u8(what);
    if (v > max) this.fail(`invalid ${what} ${v}`);
    return v;
  }

  bool(what: string): boolean {
    return this.enumU8(1, what) === 1;
  }

  uvarint(what: string): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos >= this.end) this.fail(`truncated: expected ${what}`);
    let b = buf[pos++]!;
    if (b < 0x80) {
      this.pos = pos;
      return b;
    }
    let result = b & 0x7f;
    let mul = 0x80;
    for (let i = 1; i < 8; i++, mul *= 0x80) {
      if (pos >= this.end) this.fail(`truncated varint in ${what}`);
      b = buf[pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (b === 0) this.fail(`non-canonical varint in ${what}`);
        if (result > Number.MAX_SAFE_INTEGER) this.fail(`${what} exceeds 2^53-1`);
        this.pos = pos;
        return result;
      }
    }
    return this.fail(`varint too long in ${what}`);
  }

  /** A count of items that each take at least `minItemBytes`, checked against the bytes left. */
  count(minItemBytes: number, what: string): number {
    const n = this.uvarint(what);
    if (n * minItemBytes > this.end - this.pos) this.fail(`${what} ${n} exceeds the input`);
    return n;
  }

  /** Length-prefixed bytes, as a view of the input (zero-copy, always a plain Uint8Array). */
  bytes(what: string): Uint8Array {
    const len = this.uvarint(`${what} length`);
    if (len > this.end - this.pos) this.fail(`truncated: ${what} needs ${len} bytes`);
    const out = new Uint8Array(this.buf.buffer, this.buf.byteOffset + this.pos, len);
    this.pos += len;
    return out;
  }

  list(what: string): number[] {
    const n = this.count(1, what);
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = this.uvarint(what);
    return out;
  }
}
