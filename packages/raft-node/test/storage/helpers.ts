/** Shared helpers for the storage tests: temp dirs, entries, a capturing logger, file pokes. */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Entry } from '../../src/core/types.js';
import { FileStorage, type FileStorageConfig } from '../../src/storage/file-storage.js';

/** Temp dirs created by a suite; `removeAll()` in `after`. */
export class TempDirs {
  private readonly dirs: string[] = [];

  async make(prefix = 'raft-storage-'): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    this.dirs.push(dir);
    return dir;
  }

  async removeAll(): Promise<void> {
    await Promise.all(this.dirs.map((d) => rm(d, { recursive: true, force: true })));
  }
}

/** An entry whose data is derived from (index, term), so a wrong or stale entry is visible. */
export function ent(index: number, term: number, size = 8): Entry {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (index * 7 + term * 13 + i) & 0xff;
  return { index, term, type: 0, data };
}

export function ents(from: number, to: number, term: number, size = 8): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(ent(i, term, size));
  return out;
}

/** A logger that records lines instead of printing them. */
export function captureLog() {
  const lines: { level: string; msg: string; fields: Readonly<Record<string, unknown>> }[] = [];
  return {
    lines,
    log: (level: 'info' | 'warn', msg: string, fields: Readonly<Record<string, unknown>>) => {
      lines.push({ level, msg, fields });
    },
    warnings: () => lines.filter((l) => l.level === 'warn').map((l) => l.msg),
  };
}

export function openStorage(dir: string, extra: Partial<FileStorageConfig> = {}): Promise<FileStorage> {
  return FileStorage.open({ dir, log: () => {}, ...extra });
}

/** Segment file paths, oldest first. */
export async function segmentFiles(dir: string): Promise<string[]> {
  const names = (await readdir(join(dir, 'wal'))).filter((n) => n.endsWith('.wal')).sort();
  return names.map((n) => join(dir, 'wal', n));
}

/** Everything the read side says about the log, for deep comparisons. */
export function readSide(s: FileStorage) {
  const first = s.firstIndex();
  const last = s.lastIndex();
  const terms: number[] = [];
  for (let i = first - 1; i <= last; i++) terms.push(s.term(i));
  return {
    initialState: s.initialState(),
    first,
    last,
    terms,
    entries: last >= first ? s.entries(first, last + 1, Number.MAX_SAFE_INTEGER) : [],
    snapshot: s.snapshot(),
  };
}
