import assert from 'node:assert/strict';
import { appendFile, copyFile, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { crc32c } from '../../src/storage/crc32c.js';
import { WalCorruptionError } from '../../src/storage/file-storage.js';
import { scanSegment } from '../../src/storage/wal-record.js';
import { TempDirs, captureLog, ent, ents, openStorage, segmentFiles } from './helpers.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

/**
 * A one-segment WAL holding entries 1..10, one record each (plus the header), and where each record starts:
 * `starts[i]` is the offset of entry i+1's record, `starts[10]` the file size.
 */
async function tenEntryWal(dataBytes = 24) {
  const dir = await tmp.make();
  // Without preallocation, so that the file size after each save is where the next record starts.
  const s = await openStorage(dir, { preallocateBytes: 0 });
  const [seg] = await segmentFiles(dir);
  const starts: number[] = [];
  for (let i = 1; i <= 10; i++) {
    starts.push((await stat(seg!)).size);
    await s.save({ entries: [ent(i, 1, dataBytes)] }, true);
  }
  starts.push((await stat(seg!)).size);
  await s.close();
  return { dir, seg: seg!, starts, full: await readFile(seg!) };
}

/** Opens, checks the log ends at 9 with one warning, appends 10 at term 2, reopens and checks it survived. */
async function expectRepairedTo9(dir: string, what: string, warning: RegExp) {
  const cap = captureLog();
  let s = await openStorage(dir, { log: cap.log });
  assert.equal(s.lastIndex(), 9, what);
  assert.equal(cap.warnings().length, 1, what);
  assert.match(cap.warnings()[0]!, warning, what);
  await s.save({ entries: [ent(10, 2)], hardState: { term: 2, vote: 1, commit: 10 } }, true);
  await s.close();
  s = await openStorage(dir);
  assert.equal(s.lastIndex(), 10, what);
  assert.equal(s.term(10), 2, what);
  assert.deepEqual([...s.entries(10, 11, 100)[0]!.data], [...ent(10, 2).data], what);
  await s.close();
}

describe('wal recovery - torn tail', () => {
  it('crc32c matches the standard check value', () => {
    assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
  });

  it('a cut at every byte inside the last record truncates to the last complete record', async () => {
    const { dir, seg, starts, full } = await tenEntryWal();
    const [lastStart, end] = [starts[9]!, starts[10]!];
    for (let cut = lastStart + 1; cut < end; cut++) {
      await writeFile(seg, full.subarray(0, cut));
      await expectRepairedTo9(dir, `cut at ${cut}`, /truncating a torn tail/);
    }
  });

  it('a bit flip anywhere in the last record truncates it', async () => {
    const { dir, seg, starts, full } = await tenEntryWal();
    for (let at = starts[9]!; at < starts[10]!; at++) {
      const bad = Buffer.from(full);
      bad[at]! ^= 1 << (at % 8);
      await writeFile(seg, bad);
      await expectRepairedTo9(dir, `flip at ${at}`, /truncating a torn tail/);
    }
  });

  it('a zero-filled (preallocated) tail is the normal end of the last segment: kept, written over', async () => {
    const { dir, seg, starts, full } = await tenEntryWal();
    await writeFile(seg, full.subarray(0, starts[9]!));
    await appendFile(seg, Buffer.alloc(4096));
    const cap = captureLog();
    let s = await openStorage(dir, { log: cap.log, preallocateBytes: 0 });
    assert.equal(s.lastIndex(), 9);
    assert.deepEqual(cap.warnings(), []);
    await s.save({ entries: [ent(10, 2)], hardState: { term: 2, vote: 1, commit: 10 } }, true);
    assert.equal((await stat(seg)).size, starts[9]! + 4096, 'written over the zeros, not appended');
    await s.close();
    s = await openStorage(dir);
    assert.equal(s.lastIndex(), 10);
    assert.deepEqual([...s.entries(10, 11, 100)[0]!.data], [...ent(10, 2).data]);
    await s.close();
  });

  it('preallocation: the last segment runs ahead in zeros; records survive a crash; a torn record in the zeros is truncated', async () => {
    const dir = await tmp.make();
    const s = await openStorage(dir, { preallocateBytes: 64 * 1024 });
    for (let i = 1; i <= 10; i++) await s.save({ entries: [ent(i, 1, 24)] }, true);
    const [seg] = await segmentFiles(dir);
    assert.equal((await stat(seg!)).size, 64 * 1024, 'preallocated');
    // A crash: the file stays as it is (no close). Reopen sees ten entries, silently.
    const crashed = await readFile(seg!);
    await s.close();
    await writeFile(seg!, crashed);
    const cap = captureLog();
    let r = await openStorage(dir, { log: cap.log, preallocateBytes: 64 * 1024 });
    assert.equal(r.lastIndex(), 10);
    assert.deepEqual(cap.warnings(), []);
    await r.save({ entries: [ent(11, 1, 24)] }, true);
    const withEleven = await readFile(seg!);
    await r.close();
    // Half of entry 11's record reached the disk, the rest is still zeros: torn, truncated to 10.
    const end = withEleven.findLastIndex((b) => b !== 0) + 1;
    const torn = Buffer.from(crashed);
    const at = crashed.findLastIndex((b) => b !== 0) + 1;
    withEleven.copy(torn, at, at, at + Math.floor((end - at) / 2));
    await writeFile(seg!, torn);
    r = await openStorage(dir, { log: cap.log });
    assert.equal(r.lastIndex(), 10);
    assert.match(cap.warnings()[0] ?? '', /truncating a torn tail/);
    await r.close();
  });

  it('preallocation: rolled segments are cut to their records, so damage at their end is still caught', async () => {
    const dir = await tmp.make();
    const s = await openStorage(dir, { segmentSizeBytes: 1024, preallocateBytes: 512 });
    for (let i = 1; i <= 100; i++) await s.save({ entries: [ent(i, 1, 32)] }, true);
    const files = await segmentFiles(dir);
    assert.ok(files.length > 2, `${files.length} segments`);
    for (const f of files.slice(0, -1)) {
      const scan = scanSegment(await readFile(f), f, false);
      assert.equal(scan.validBytes, scan.fileBytes, `${f} ends with its last record`);
    }
    const last = await readFile(files.at(-1)!);
    assert.ok(scanSegment(last, files.at(-1)!, true).tail?.zeroFilled, 'the last one runs ahead in zeros');
    await s.close();
    const r = await openStorage(dir, { segmentSizeBytes: 1024 });
    assert.equal(r.lastIndex(), 100);
    await r.close();
  });

  it('a new last segment that did not get its header to disk is deleted', async () => {
    const dir = await tmp.make();
    let s = await openStorage(dir, { segmentSizeBytes: 512 });
    for (let i = 1; i <= 40; i++) await s.save({ entries: [ent(i, 1, 32)] }, true);
    await s.close();
    const files = await segmentFiles(dir);
    const last = files.at(-1)!;
    const seq = Number.parseInt(last.slice(-37, -21), 16);
    const torn = join(dir, 'wal', `${(seq + 1).toString(16).padStart(16, '0')}-0000000000000029.wal`);
    await writeFile(torn, Buffer.from([5, 0, 0]));
    const cap = captureLog();
    s = await openStorage(dir, { segmentSizeBytes: 512, log: cap.log });
    assert.equal(s.lastIndex(), 40);
    assert.match(cap.warnings()[0]!, /deleting the last segment, its start never reached the disk/);
    for (let i = 41; i <= 60; i++) await s.save({ entries: [ent(i, 1, 32)] }, true);
    await s.close();
    s = await openStorage(dir, { segmentSizeBytes: 512 });
    assert.equal(s.lastIndex(), 60);
    await s.close();
  });
});

describe('wal recovery - torn segment start', () => {
  it('a new last segment cut inside its prologue is deleted; the hard state it restated survives', async () => {
    const dir = await tmp.make();
    const opts = { segmentSizeBytes: 512 };
    let s = await openStorage(dir, opts);
    const hs = { term: 5, vote: 2, commit: 20 };
    await s.save({ entries: ents(1, 20, 5, 32), hardState: hs }, true);
    await s.createSnapshot(
      20,
      { voters: [1], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false },
      new Uint8Array(0),
    );
    // An unsynced save that starts segment 3 (firstIndex 21: replay would start there, after snapshot 20).
    await s.save({ entries: ents(21, 40, 5, 32), hardState: { ...hs, commit: 40 } }, false);
    await s.close();
    const files = await segmentFiles(dir);
    assert.equal(files.length, 3);
    const last = files[2]!;
    assert.match(last, /0000000000000003-0000000000000015\.wal$/);
    const full = await readFile(last);
    // Cut right after the header record (9 + 23 bytes), and inside the prologue's first record.
    for (const cut of [32, 40]) {
      await writeFile(last, full.subarray(0, cut));
      const cap = captureLog();
      s = await openStorage(dir, { ...opts, log: cap.log });
      assert.match(cap.warnings()[0] ?? '', /its start never reached the disk/, `cut ${cut}`);
      assert.deepEqual(s.initialState().hardState, hs, `cut ${cut}`);
      assert.equal(s.lastIndex(), 20);
      assert.equal(s.snapshot().metadata.index, 20);
      await s.close();
      assert.ok(!(await segmentFiles(dir)).includes(last), 'the torn segment is gone');
    }
  });
});

describe('wal recovery - corruption is refused', () => {
  it('a bit flip in a middle record is refused with file and offset, and the file is left untouched', async () => {
    const { dir, seg, starts, full } = await tenEntryWal();
    for (const rec of [0, 4, 8]) {
      for (const delta of [0, 4, 8, 12]) {
        const at = starts[rec]! + delta;
        const bad = Buffer.from(full);
        bad[at]! ^= 0x10;
        await writeFile(seg, bad);
        await assert.rejects(openStorage(dir), (err: unknown) => {
          assert.ok(err instanceof WalCorruptionError, String(err));
          assert.equal(err.file, seg);
          assert.equal(err.offset, starts[rec]);
          assert.match(err.message, /intact record follows/);
          return true;
        });
        assert.deepEqual(await readFile(seg), bad, 'untouched');
      }
    }
  });

  it('damage in the segment header of the last segment is refused when records follow', async () => {
    const { dir, seg, full } = await tenEntryWal();
    const bad = Buffer.from(full);
    bad[12]! ^= 1;
    await writeFile(seg, bad);
    await assert.rejects(openStorage(dir), WalCorruptionError);
  });

  it('any damage in a segment that is not the last is refused, even at its end', async () => {
    const dir = await tmp.make();
    const s = await openStorage(dir, { segmentSizeBytes: 512 });
    for (let i = 1; i <= 40; i++) await s.save({ entries: [ent(i, 1, 32)] }, true);
    await s.close();
    const [first] = await segmentFiles(dir);
    const full = await readFile(first!);
    for (const variant of ['flip last byte', 'cut last byte']) {
      const bad = variant === 'flip last byte' ? Buffer.from(full) : full.subarray(0, full.length - 1);
      if (variant === 'flip last byte') bad[bad.length - 1]! ^= 1;
      await writeFile(first!, bad);
      await assert.rejects(openStorage(dir), (err: unknown) => {
        assert.ok(err instanceof WalCorruptionError, variant);
        assert.equal(err.file, first);
        assert.match(err.message, /not the last/);
        return true;
      });
      assert.deepEqual(await readFile(first!), bad);
    }
  });

  it('a missing segment in the middle is refused', async () => {
    const dir = await tmp.make();
    const s = await openStorage(dir, { segmentSizeBytes: 512 });
    for (let i = 1; i <= 60; i++) await s.save({ entries: [ent(i, 1, 32)] }, true);
    await s.close();
    const files = await segmentFiles(dir);
    assert.ok(files.length >= 3);
    await rm(files[1]!);
    await assert.rejects(openStorage(dir), /segment 2 is missing/);
  });

  it('a segment from another history breaks the crc chain', async () => {
    const a = await tmp.make();
    const b = await tmp.make();
    for (const [dir, term] of [
      [a, 1],
      [b, 2],
    ] as const) {
      const s = await openStorage(dir, { segmentSizeBytes: 512 });
      await s.save({ entries: ents(1, 12, term, 32) }, true);
      await s.save({ entries: ents(13, 24, 1, 32) }, true);
      await s.close();
    }
    const [, a2] = await segmentFiles(a);
    const [, b2] = await segmentFiles(b);
    assert.equal(a2!.slice(-37), b2!.slice(-37), 'same segment names');
    await copyFile(b2!, a2!);
    await assert.rejects(openStorage(a), /crc chain broken/);
  });
});
