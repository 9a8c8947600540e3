/** Small file-system helpers shared by the WAL and the snapshot store. */
import { fdatasync, writeSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';

/**
 * Where storage reports what it did on its own (a truncated tail, a deleted leftover): an injected function,
 * so the service can route it to its structured logger, e.g. `(level, msg, f) => logger[level](f, msg)`.
 */
export type StorageLogger = (
  level: 'info' | 'warn',
  msg: string,
  fields: Readonly<Record<string, unknown>>,
) => void;

/** The default logger: one line on stderr, so a truncation is never silent. */
export const stderrLogger: StorageLogger = (level, msg, fields) => {
  console.error(`raft-node storage ${level}: ${msg} ${JSON.stringify(fields)}`);
};

/** Writes all of `buf` at `position` (a positional write may be short, e.g. on a signal). */
export async function writeAll(fh: FileHandle, buf: Uint8Array, position: number): Promise<void> {
  let off = 0;
  // Bounded: every round writes at least one byte or throws.
  while (off < buf.length) {
    const { bytesWritten } = await fh.write(buf, off, buf.length - off, position + off);
    if (bytesWritten <= 0)
      throw new Error(`short write: 0 of ${buf.length - off} bytes at ${position + off}`);
    off += bytesWritten;
  }
}

/** Writes all of `buf` at `position` with synchronous writes (see wal.ts on why synchronous). */
export function writeAllSync(fd: number, buf: Uint8Array, position: number): void {
  let off = 0;
  // Bounded: every round writes at least one byte or throws.
  while (off < buf.length) {
    const n = writeSync(fd, buf, off, buf.length - off, position + off);
    if (n <= 0) throw new Error(`short write: 0 of ${buf.length - off} bytes at ${position + off}`);
    off += n;
  }
}

/**
 * fdatasync on the libuv threadpool: the event loop runs while the device works (a background write, see
 * FileStorage.save).
 */
export function fdatasyncOffLoop(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (err) => (err === null ? resolve() : reject(err))));
}

/** fsyncs a directory, making file creations, renames and deletions in it durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

/** A number as 16 lower-case hex digits, so that file names sort like the numbers. */
export function hex16(n: number): string {
  return n.toString(16).padStart(16, '0');
}
