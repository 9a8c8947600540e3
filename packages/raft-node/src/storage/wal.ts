/**
 * The segmented append-only write-ahead log (etcd's `wal` package, simplified). Files live in one directory
 * as `<seq>-<firstIndex>.wal` (16 hex digits each); records are framed by `wal-record.ts`.
 *
 * Invariants:
 * - Only the last segment is appended to. Before a new segment is started the old one is fdatasync'ed, so
 *   every segment but the last is complete and any damage in it is corruption, never a torn write.
 * - A segment starts with its header and a prologue (the snapshot marker in force and the current hard
 *   state), so replay can start at any segment whose firstIndex ≤ snapshotIndex+1 and drop the ones before.
 *   Header, prologue and the first batch go out in one write; a last segment cut before the end of its
 *   prologue is therefore a torn start and is deleted on open (the synced previous segment has it all).
 * - Every live entry in segment k has index < firstIndex(k+1): firstIndex is the log's lastIndex+1 when the
 *   segment is started, and later overwrites land in later segments.
 * - After an I/O error the WAL is failed: what reached the disk is unknown (fsync errors cannot be retried,
 *   see "fsyncgate"), so every later call rethrows the first error and the process should restart.
 * - The last segment may be longer than its records: it is preallocated with zeros ahead of the writes
 *   (`preallocateBytes`), and a zero-filled tail is its normal end, kept on open and written over. Every
 *   other segment is cut to its records (and synced) before the next one is started.
 *
 * Latency (measured with `npm run bench:raft` and BENCH_TRACE=1 on a loaded 2-CPU machine):
 * - Appends and fdatasyncs are synchronous system calls on the event loop, not libuv threadpool jobs. A
 *   threadpool write then datasync is two hand-offs to a worker thread and two wake-ups of the loop, and
 *   each waits for a CPU when the machine is busy: that made a 300-byte write+fsync take 65 ms at p99, where
 *   the same calls made inline took a fraction of it. The loop blocks for the fsync, but the driver has
 *   nothing to do meanwhile that the fsync does not gate (proposals and messages queue and go into the next
 *   Ready, the group commit), and a leader's appends are already on the wire (see NodeDriverConfig).
 * - Preallocation (etcd preallocates its 64 MB segments for the same reason): overwriting blocks that
 *   already hold zeros changes no file metadata, so fdatasync flushes only data, without an ext4 journal
 *   commit (whose kernel thread must also get a CPU). Zeros are written ahead a chunk at a time, so one
 *   fsync per chunk pays for the metadata.
 */
import { closeSync, fdatasyncSync, fstatSync, fsyncSync, ftruncateSync, openSync } from 'node:fs';
import { mkdir, open, readFile, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type StorageLogger, fdatasyncOffLoop, fsyncDir, hex16, writeAllSync } from './wal-fs.js';
import {
  type RecordInput,
  RecordType,
  type SegmentHeader,
  type SegmentScan,
  WalCorruptionError,
  type WalRecord,
  encodeRecords,
  scanSegment,
} from './wal-record.js';

export interface WalOptions {
  /** The directory holding the segments (created if missing). */
  readonly dir: string;
  /** A segment is closed once a write would take it past this size (a single larger batch still fits). */
  readonly segmentSizeBytes: number;
  /** false: never fsync (benchmarks only; a crash may then lose or corrupt anything). */
  readonly sync: boolean;
  /** Zeros written ahead of the last record, a chunk at a time (capped by the segment size); 0: none. */
  readonly preallocateBytes?: number;
  readonly log: StorageLogger;
  /** Called with the duration of each fsync round (data, plus the directory when needed). */
  readonly onFsync?: (ms: number) => void;
  /** Monotonic ms, used only to time fsyncs for `onFsync`. */
  readonly now?: () => number;
}

/** A segment read at open: its valid records, in order, the header first. */
export interface ScannedSegment {
  readonly seq: number;
  readonly firstIndex: number;
  readonly path: string;
  readonly records: readonly WalRecord[];
}

/** What a new segment carries after its header, so that it can be replayed on its own. */
export interface Prologue {
  /** The log's lastIndex+1 at the time the segment starts. */
  readonly firstIndex: number;
  readonly records: readonly RecordInput[];
}

interface Segment {
  readonly seq: number;
  readonly firstIndex: number;
  readonly path: string;
}

/** Source of preallocation writes. */
const ZEROS = new Uint8Array(256 * 1024);

const SEGMENT_NAME = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/;

export class Wal {
  /** In seq order, consecutive; the last one is open for appending once `startAppending` ran. */
  private readonly segments: Segment[];
  /** The last segment's file descriptor, once `startAppending` ran. */
  private fd: number | undefined;
  /** Bytes of records in the last segment; the next write goes at this offset. */
  private size = 0;
  /** Length of the last segment's file: `size` plus the preallocated zeros. */
  private allocated = 0;
  /** Batches appended to the last segment after its prologue; a segment with none is never rolled. */
  private batchesInSegment = 0;
  /** crc of the last record written: the next segment header's `prevCrc`. */
  private lastCrc: number;
  private nextSeq: number;
  /** Bytes were written to the last segment since its last fdatasync. */
  private unsynced = false;
  /** A file was created or removed in the directory since its last fsync. */
  private dirDirty = false;
  private failed: unknown;

  private constructor(
    private readonly opts: WalOptions,
    segments: Segment[],
    lastCrc: number,
    nextSeq: number,
    /** Bytes of records in the last segment found on open (its zero-filled tail excluded). */
    private readonly lastValidBytes: number,
  ) {
    this.segments = segments;
    this.lastCrc = lastCrc;
    this.nextSeq = nextSeq;
  }

  /**
   * Reads and checks every segment. A damaged tail of the last segment is truncated (or the segment deleted
   * when not even its header survived) and logged; any other damage throws WalCorruptionError.
   */
  static async open(opts: WalOptions): Promise<{ wal: Wal; segments: ScannedSegment[] }> {
    await mkdir(opts.dir, { recursive: true });
    const files = (await readdir(opts.dir)).filter((n) => SEGMENT_NAME.test(n)).sort();
    const scanned: ScannedSegment[] = [];
    let prevCrc: number | undefined;
    let nextSeq = 1;
    let lastValidBytes = 0;
    for (const [i, name] of files.entries()) {
      const [, seqHex, firstHex] = SEGMENT_NAME.exec(name)!;
      const seq = Number.parseInt(seqHex!, 16);
      const firstIndex = Number.parseInt(firstHex!, 16);
      const path = join(opts.dir, name);
      const prev = scanned.at(-1);
      if (prev && seq !== prev.seq + 1) {
        throw new WalCorruptionError(
          path,
          0,
          `segment ${prev.seq + 1} is missing (found ${seq} after ${prev.seq})`,
        );
      }
      const isLast = i === files.length - 1;
      const scan = scanSegment(await readFile(path), path, isLast);
      const survived = await recoverTail(opts, path, scan, isLast);
      nextSeq = survived ? seq + 1 : seq;
      if (!survived) continue;
      lastValidBytes = scan.validBytes;
      const header = (scan.records[0] as Extract<WalRecord, { type: typeof RecordType.SegmentHeader }>)
        .header;
      checkHeader(header, path, seq, firstIndex, prevCrc);
      prevCrc = scan.lastCrc;
      scanned.push({ seq, firstIndex, path, records: scan.records });
    }
    const segments = scanned.map(({ seq, firstIndex, path }) => ({ seq, firstIndex, path }));
    return { wal: new Wal(opts, segments, prevCrc ?? 0, nextSeq, lastValidBytes), segments: scanned };
  }

  /** Opens the last segment for appending, or starts the first one with `prologue` when there is none. */
  async startAppending(prologue: Prologue): Promise<void> {
    const last = this.segments.at(-1);
    if (last === undefined) {
      await this.guard(() => this.startSegment(prologue, new Uint8Array(0), 0));
      await this.sync();
      return;
    }
    this.fd = openSync(last.path, 'r+');
    this.size = this.lastValidBytes;
    this.allocated = fstatSync(this.fd).size;
    this.batchesInSegment = 1;
  }

  /**
   * Appends `records` with one write, first starting a new segment (with `prologue()`) if the current one
   * would grow past the size limit. Does not fsync: call `sync()`.
   */
  async write(records: readonly RecordInput[], prologue: () => Prologue): Promise<void> {
    if (records.length === 0) return;
    await this.guard(async () => {
      const { buf, lastCrc } = encodeRecords(records);
      if (this.batchesInSegment > 0 && this.size + buf.length > this.opts.segmentSizeBytes) {
        await this.roll(prologue(), buf, lastCrc);
        return;
      }
      this.preallocate(this.size + buf.length);
      writeAllSync(this.handle(), buf, this.size);
      this.size += buf.length;
      this.lastCrc = lastCrc;
      this.batchesInSegment++;
      this.unsynced = true;
    });
  }

  /**
   * Makes everything written so far durable (fdatasync, plus the directory after a segment change).
   * `offLoop`: the fdatasync runs on the threadpool (a background write, see FileStorage.save).
   */
  async sync(offLoop = false): Promise<void> {
    if (!this.opts.sync || !(this.unsynced || this.dirDirty)) return;
    await this.guard(async () => {
      const t0 = this.opts.now?.();
      if (this.unsynced) {
        if (offLoop) await fdatasyncOffLoop(this.handle());
        else fdatasyncSync(this.handle());
      }
      if (this.dirDirty) await fsyncDir(this.opts.dir);
      this.unsynced = false;
      this.dirDirty = false;
      if (t0 !== undefined && this.opts.now) this.opts.onFsync?.(this.opts.now() - t0);
    });
  }

  /**
   * Deletes the segments that hold nothing above `index` (every segment whose successor starts at or below
   * index+1); the last segment always stays. Call only once a snapshot covering `index` is durable.
   */
  async removeSegmentsUpTo(index: number): Promise<number> {
    return this.guard(async () => {
      const removed: string[] = [];
      // Bounded by the number of segments; ascending, so a crash leaves a suffix (no holes in seq).
      while (this.segments.length > 1 && this.segments[1]!.firstIndex - 1 <= index) {
        const seg = this.segments.shift()!;
        await unlink(seg.path);
        removed.push(seg.path);
      }
      if (removed.length > 0) {
        this.dirDirty = true;
        if (this.opts.sync) await fsyncDir(this.opts.dir);
        this.dirDirty = false;
        this.opts.log('info', `wal: removed ${removed.length} segment(s) up to index ${index}`, {
          files: removed,
        });
      }
      return removed.length;
    });
  }

  /** Cuts the preallocated zeros, syncs and closes the current segment. */
  async close(): Promise<void> {
    const fd = this.fd;
    this.fd = undefined;
    if (fd === undefined) return;
    try {
      if (this.failed === undefined && this.allocated > this.size) {
        ftruncateSync(fd, this.size);
        if (this.opts.sync) fsyncSync(fd);
      } else if (this.failed === undefined && this.opts.sync && this.unsynced) fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** Number of segment files; for tests and metrics. */
  segmentCount(): number {
    return this.segments.length;
  }

  private handle(): number {
    if (this.fd === undefined) throw new Error('wal: not open for appending');
    return this.fd;
  }

  /**
   * Makes the last segment at least `end` bytes long, zero-filling up to the next multiple of the
   * preallocation chunk (capped by the segment size). Not synced here: the next fdatasync covers it.
   */
  private preallocate(end: number): void {
    const chunk = this.opts.preallocateBytes ?? 0;
    if (chunk <= 0 || end <= this.allocated) return;
    const target = Math.max(end, Math.min(this.opts.segmentSizeBytes, Math.ceil(end / chunk) * chunk));
    // Bounded: each round writes up to ZEROS.length bytes.
    for (let pos = Math.max(this.allocated, end); pos < target; pos += ZEROS.length) {
      writeAllSync(this.handle(), ZEROS.subarray(0, Math.min(ZEROS.length, target - pos)), pos);
    }
    this.allocated = target;
    this.unsynced = true;
  }

  /** Runs an I/O step; its failure fails the WAL for good (see the file comment). */
  private async guard<T>(step: () => Promise<T>): Promise<T> {
    if (this.failed !== undefined) throw this.failed;
    try {
      return await step();
    } catch (err) {
      this.failed = err;
      throw err;
    }
  }

  private async roll(prologue: Prologue, batch: Uint8Array, batchCrc: number): Promise<void> {
    const old = this.handle();
    if (this.allocated > this.size) {
      // Only the last segment may end in zeros: cut them, durably, before a later segment exists.
      ftruncateSync(old, this.size);
      if (this.opts.sync) fsyncSync(old);
    } else if (this.opts.sync && this.unsynced) fdatasyncSync(old);
    this.unsynced = false;
    this.fd = undefined;
    closeSync(old);
    await this.startSegment(prologue, batch, batchCrc);
    this.batchesInSegment = 1;
    const seg = this.segments.at(-1)!;
    this.opts.log('info', 'wal: started a new segment', { file: seg.path, firstIndex: seg.firstIndex });
  }

  /** Creates segment `nextSeq` holding header, prologue and `batch`, written with one write. */
  private async startSegment(prologue: Prologue, batch: Uint8Array, batchCrc: number): Promise<void> {
    const seq = this.nextSeq;
    const path = join(this.opts.dir, `${hex16(seq)}-${hex16(prologue.firstIndex)}.wal`);
    const header: SegmentHeader = {
      seq,
      firstIndex: prologue.firstIndex,
      prevCrc: this.lastCrc,
      prologueRecords: prologue.records.length,
    };
    const head = encodeRecords([{ type: RecordType.SegmentHeader, header }, ...prologue.records]);
    const buf = new Uint8Array(head.buf.length + batch.length);
    buf.set(head.buf, 0);
    buf.set(batch, head.buf.length);
    const fd = openSync(path, 'wx');
    this.fd = fd;
    writeAllSync(fd, buf, 0);
    this.segments.push({ seq, firstIndex: prologue.firstIndex, path });
    this.nextSeq = seq + 1;
    this.size = buf.length;
    this.allocated = buf.length;
    this.preallocate(buf.length);
    this.lastCrc = batch.length > 0 ? batchCrc : head.lastCrc;
    this.batchesInSegment = 0;
    this.unsynced = true;
    this.dirDirty = true;
  }
}

/**
 * Repairs the end of a scanned segment: a torn tail is truncated, and a last segment that lost part of its
 * header or prologue is deleted (it was started by a write that never completed; the previous segment,
 * synced before it was started, holds everything it restated). Returns false when the segment is gone.
 */
async function recoverTail(
  opts: WalOptions,
  path: string,
  scan: SegmentScan,
  isLast: boolean,
): Promise<boolean> {
  const first = scan.records[0];
  const complete =
    first?.type === RecordType.SegmentHeader && scan.records.length >= 1 + first.header.prologueRecords;
  if (!complete) {
    if (!isLast) throw new WalCorruptionError(path, scan.validBytes, 'segment ends inside its prologue');
    const reason = scan.tail?.reason ?? 'it ends inside its prologue';
    opts.log('warn', `wal: deleting the last segment, its start never reached the disk (${reason})`, {
      file: path,
    });
    await unlink(path);
    if (opts.sync) await fsyncDir(opts.dir);
    return false;
  }
  if (scan.tail?.zeroFilled && isLast) {
    // Preallocated space (or an append that wrote nothing): the normal end of a last segment, kept.
    return true;
  }
  if (scan.tail) {
    const fields = { file: path, offset: scan.tail.offset, droppedBytes: scan.fileBytes - scan.validBytes };
    opts.log('warn', `wal: truncating a torn tail of the last segment (${scan.tail.reason})`, fields);
    await truncateFile(path, scan.validBytes, opts.sync);
  }
  return true;
}

function checkHeader(
  header: SegmentHeader,
  path: string,
  seq: number,
  firstIndex: number,
  prevCrc: number | undefined,
): void {
  if (header.seq !== seq || header.firstIndex !== firstIndex) {
    throw new WalCorruptionError(path, 0, `header says seq ${header.seq} firstIndex ${header.firstIndex}`);
  }
  if (prevCrc !== undefined && header.prevCrc !== prevCrc) {
    throw new WalCorruptionError(
      path,
      0,
      `crc chain broken: header links ${header.prevCrc}, previous ends ${prevCrc}`,
    );
  }
}

async function truncateFile(path: string, size: number, sync: boolean): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.truncate(size);
    if (sync) await fh.datasync();
  } finally {
    await fh.close();
  }
}
