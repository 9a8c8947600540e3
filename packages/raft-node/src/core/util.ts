/** Small pure helpers shared by the core: entry sizes and byte comparisons. */
import type { Entry } from './types.js';

/**
 * The size an entry counts for in `maxSizePerMsg`, `maxUncommittedEntriesSize` and `Storage.entries(…,
 * maxBytes)`: its payload bytes. Storages must use the same measure so batches line up.
 */
export function entrySize(e: Entry): number {
  return e.data.byteLength;
}

/** The summed {@link entrySize} of `ents`. */
export function entsSize(ents: readonly Entry[]): number {
  let size = 0;
  for (let i = 0; i < ents.length; i++) size += ents[i]!.data.byteLength;
  return size;
}

/**
 * How many entries of `ents[from, to)` fit in `maxBytes`: always at least one (so progress is made even with
 * a huge entry), then as many as keep the running total ≤ `maxBytes` (etcd's limitSize).
 */
export function limitCount(ents: readonly Entry[], from: number, to: number, maxBytes: number): number {
  if (to <= from) return 0;
  let size = ents[from]!.data.byteLength;
  let n = 1;
  for (let i = from + 1; i < to; i++) {
    size += ents[i]!.data.byteLength;
    if (size > maxBytes) break;
    n++;
  }
  return n;
}

/** Byte-wise equality. */
export function bytesEqual(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A string key for a byte string (one char per byte), for maps keyed by opaque contexts. */
export function bytesKey(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.byteLength; i++) s += String.fromCharCode(b[i]!);
  return s;
}
