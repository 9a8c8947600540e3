/**
 * A minimal ASN.1 DER encoder: just the types an X.509 v3 certificate needs (RFC 5280). Every function returns
 * a complete TLV (tag, length, value) as bytes; constructed values take already-encoded children.
 */

/** Concatenates byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The DER length octets: short form below 128, long form (0x80 | byte count, big-endian) above. */
function encodeLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** A TLV with the given tag byte. */
export function tlv(tag: number, content: Uint8Array): Uint8Array {
  return concat([Uint8Array.of(tag), encodeLength(content.length), content]);
}

export const sequence = (...items: Uint8Array[]): Uint8Array => tlv(0x30, concat(items));
export const set = (...items: Uint8Array[]): Uint8Array => tlv(0x31, concat(items));
export const octetString = (bytes: Uint8Array): Uint8Array => tlv(0x04, bytes);
export const utf8String = (s: string): Uint8Array => tlv(0x0c, new TextEncoder().encode(s));
export const ia5String = (s: string): Uint8Array => tlv(0x16, new TextEncoder().encode(s));
export const boolean = (v: boolean): Uint8Array => tlv(0x01, Uint8Array.of(v ? 0xff : 0x00));

/** `[n] EXPLICIT`: a constructed context-specific tag wrapping one encoded value. */
export const explicit = (n: number, inner: Uint8Array): Uint8Array => tlv(0xa0 | n, inner);

/** `[n] IMPLICIT` on a primitive value (SAN dNSName [2], iPAddress [7], AKI keyIdentifier [0]). */
export const implicitPrimitive = (n: number, bytes: Uint8Array): Uint8Array => tlv(0x80 | n, bytes);

/** A non-negative INTEGER from big-endian magnitude bytes (a leading 0x00 is added when the top bit is set). */
export function unsignedInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  const needsPad = ((trimmed[0] ?? 0) & 0x80) !== 0;
  return tlv(0x02, needsPad ? concat([Uint8Array.of(0), trimmed]) : trimmed);
}

/** A small non-negative INTEGER. */
export function smallInteger(n: number): Uint8Array {
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return unsignedInteger(Uint8Array.from(bytes.length === 0 ? [0] : bytes));
}

/** An OBJECT IDENTIFIER from dotted form (`1.2.840.10045.4.3.2`). */
export function objectIdentifier(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const [a = 0, b = 0, ...rest] = arcs;
  const out: number[] = [a * 40 + b];
  for (const arc of rest) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Uint8Array.from(out));
}

/** A BIT STRING whose content is whole bytes (0 unused bits), e.g. a public key or a signature. */
export const bitStringBytes = (bytes: Uint8Array): Uint8Array => tlv(0x03, concat([Uint8Array.of(0), bytes]));

/**
 * A named-bit BIT STRING (KeyUsage) from bit positions (bit 0 is the most significant bit of the first byte).
 * DER drops trailing zero bits, so the unused-bit count is derived from the highest set position.
 */
export function namedBits(positions: readonly number[]): Uint8Array {
  const highest = Math.max(...positions);
  const bytes = new Uint8Array(Math.floor(highest / 8) + 1);
  for (const p of positions) bytes[Math.floor(p / 8)]! |= 0x80 >> (p % 8);
  const unused = 7 - (highest % 8);
  return tlv(0x03, concat([Uint8Array.of(unused), bytes]));
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** UTCTime for years 1950–2049 and GeneralizedTime otherwise, as RFC 5280 §4.1.2.5 requires. */
export function time(ms: number): Uint8Array {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  const rest = `${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}${pad2(d.getUTCHours())}${pad2(d.getUTCMinutes())}${pad2(d.getUTCSeconds())}Z`;
  const enc = new TextEncoder();
  if (year >= 1950 && year < 2050) return tlv(0x17, enc.encode(`${pad2(year % 100)}${rest}`));
  return tlv(0x18, enc.encode(`${String(year).padStart(4, '0')}${rest}`));
}
