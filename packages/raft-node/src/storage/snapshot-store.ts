/**
 * Snapshot files: `<term>-<index>.snap` (16 hex digits each) in one directory, written atomically (etcd's
 * `snap` package, with its temp-file-then-rename discipline).
 *
 * File layout: `"KLSN" | crc32c u32 LE | body`, where body is the codec's versioned Snapshot encoding
 * (metadata and data) and the crc covers the body.
 *
 * A file alone does not put a snapshot in force: the WAL's snapshot marker, written after the file is
 * durable, does. FileStorage picks the newest valid file that has a marker (see `loadNewest`).
 */
import { mkdir, open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CodecError, decodeSnapshot, encodeSnapshot } from '../codec.js';
import type { Snapshot } from '../core/types.js';
import { crc32c } from './crc32c.js';
import { type StorageLogger, fsyncDir, hex16, writeAll } from './wal-fs.js';

const MAGIC = [0x4b, 0x4c, 0x53, 0x4e]; // "KLSN"
const PREFIX_BYTES = 8;
const SNAP_NAME = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;
const TMP_SUFFIX = '.tmp';

/** A snapshot file that is present but unreadable (bad magic, crc, encoding, or a name that disagrees). */
export class SnapshotCorruptionError extends Error {
  override readonly name = 'SnapshotCorruptionError';
  readonly file: string;
  constructor(file: string, reason: string, options?: ErrorOptions) {
    super(`snapshot file ${file} is corrupt: ${reason}`, options);
    this.file = file;
  }
}

interface SnapFile {
  readonly term: number;
  readonly index: number;
  readonly path: string;
}

export class SnapshotStore {
  /** Files on disk, newest (highest index, then term) first. */
  private files: SnapFile[] = [];

  constructor(
    private readonly dir: string,
    private readonly sync: boolean,
    private readonly log: StorageLogger,
  ) {}

  /** Creates the directory, deletes `*.tmp` leftovers of interrupted writes and lists the snapshot files. */
  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const names = await readdir(this.dir);
    for (const name of names.filter((n) => n.endsWith(TMP_SUFFIX))) {
      const path = join(this.dir, name);
      this.log('warn', 'snap: removing the leftover of an interrupted snapshot write', { file: path });
      await unlink(path);
    }
    this.files = names
      .map((name) => SNAP_NAME.exec(name))
      .filter((m) => m !== null)
      .map((m) => ({
        term: Number.parseInt(m[1]!, 16),
        index: Number.parseInt(m[2]!, 16),
        path: join(this.dir, m[0]),
      }));
    this.sortFiles();
  }

  /**
   * Loads the newest readable snapshot that `classify` calls `'in-force'` (the WAL holds its marker).
   * Files newer than any marker (`'orphan'`: written, but the crash came before their marker) are deleted;
   * older unmarked ones (`'old'`: their markers went with compacted segments) are kept for retention;
   * unreadable ones are renamed to `*.broken` for inspection. Returns undefined when no file qualifies.
   */
  async loadNewest(
    classify: (index: number, term: number) => 'in-force' | 'orphan' | 'old',
  ): Promise<Snapshot | undefined> {
    for (const f of [...this.files]) {
      const kind = classify(f.index, f.term);
      if (kind === 'orphan') {
        this.log('warn', 'snap: removing a snapshot the WAL never recorded (crash before its marker)', {
          file: f.path,
        });
        await this.remove(f);
      }
      if (kind !== 'in-force') continue;
      try {
        return await readSnapshotFile(f);
      } catch (err) {
        if (!(err instanceof SnapshotCorruptionError)) throw err;
        this.log('warn', `snap: ${err.message}; renaming it to .broken and trying an older one`, {
          file: f.path,
        });
        await rename(f.path, `${f.path}.broken`);
        this.files = this.files.filter((g) => g !== f);
      }
    }
    return undefined;
  }

  /** Writes `snap` durably: temp file, fsync, rename, fsync the directory. */
  async save(snap: Snapshot): Promise<void> {
    const { index, term } = snap.metadata;
    const path = join(this.dir, `${hex16(term)}-${hex16(index)}.snap`);
    const tmp = path + TMP_SUFFIX;
    const body = encodeSnapshot(snap);
    const prefix = new Uint8Array(PREFIX_BYTES);
    prefix.set(MAGIC, 0);
    new DataView(prefix.buffer).setUint32(4, crc32c(body), true);
    const fh = await open(tmp, 'w');
    try {
      await writeAll(fh, prefix, 0);
      await writeAll(fh, body, PREFIX_BYTES);
      if (this.sync) await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    if (this.sync) await fsyncDir(this.dir);
    this.files = this.files.filter((f) => f.path !== path);
    this.files.push({ term, index, path });
    this.sortFiles();
  }

  /** Deletes all but the newest `keep` files, never the one at `inForceIndex`. */
  async retain(keep: number, inForceIndex: number): Promise<void> {
    const old = this.files.slice(keep).filter((f) => f.index !== inForceIndex);
    for (const f of old) await this.remove(f);
  }

  /** Paths on disk, newest first; for tests. */
  paths(): string[] {
    return this.files.map((f) => f.path);
  }

  private async remove(f: SnapFile): Promise<void> {
    await unlink(f.path);
    this.files = this.files.filter((g) => g !== f);
  }

  private sortFiles(): void {
    this.files.sort((a, b) => b.index - a.index || b.term - a.term);
  }
}

async function readSnapshotFile(f: SnapFile): Promise<Snapshot> {
  const buf = await readFile(f.path);
  if (buf.length < PREFIX_BYTES || MAGIC.some((b, i) => buf[i] !== b)) {
    throw new SnapshotCorruptionError(f.path, 'bad magic');
  }
  const body = buf.subarray(PREFIX_BYTES);
  if (crc32c(body) !== buf.readUInt32LE(4)) throw new SnapshotCorruptionError(f.path, 'crc mismatch');
  let snap: Snapshot;
  try {
    snap = decodeSnapshot(body);
  } catch (err) {
    if (!(err instanceof CodecError)) throw err;
    throw new SnapshotCorruptionError(f.path, err.message, { cause: err });
  }
  if (snap.metadata.index !== f.index || snap.metadata.term !== f.term) {
    throw new SnapshotCorruptionError(f.path, `holds ${snap.metadata.term}-${snap.metadata.index}`);
  }
  return snap;
}
