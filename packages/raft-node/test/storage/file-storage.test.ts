import assert from 'node:assert/strict';
import { cp, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  type ConfState,
  ErrCompacted,
  ErrSnapOutOfDate,
  ErrUnavailable,
  type Snapshot,
} from '../../src/core/types.js';
import { FileStorage, StorageClosedError } from '../../src/storage/file-storage.js';
import { TempDirs, captureLog, ent, ents, openStorage, readSide, segmentFiles } from './helpers.js';

const tmp = new TempDirs();
after(() => tmp.removeAll());

const cs: ConfState = {
  voters: [1, 2, 3],
  learners: [4],
  votersOutgoing: [],
  learnersNext: [],
  autoLeave: false,
};

describe('file storage - round trip', () => {
  it('a fresh storage is empty', async () => {
    const s = await openStorage(await tmp.make());
    assert.equal(s.firstIndex(), 1);
    assert.equal(s.lastIndex(), 0);
    assert.equal(s.term(0), 0);
    assert.deepEqual(s.initialState().hardState, { term: 0, vote: 0, commit: 0 });
    assert.equal(s.snapshot().metadata.index, 0);
    assert.throws(() => s.entries(1, 1, 100), ErrUnavailable);
    await s.close();
  });

  it('saves entries and hard states over many calls and reads them back after reopening', async () => {
    const dir = await tmp.make();
    let s = await openStorage(dir);
    for (let i = 1; i <= 60; i += 3) {
      await s.save(
        { entries: ents(i, i + 2, 1 + Math.floor(i / 20)), hardState: { term: 3, vote: 2, commit: i } },
        i % 2 === 0,
      );
    }
    const before = readSide(s);
    assert.equal(before.last, 60);
    await s.close();
    s = await openStorage(dir);
    assert.deepStrictEqual(readSide(s), before);
    await s.close();
  });

  it('background saves (threadpool write and fdatasync) keep their order and read back the same after reopening', async () => {
    const dir = await tmp.make();
    let s = await openStorage(dir, { segmentSizeBytes: 4096 });
    // Started together, background and inline saves interleaved: they run one after another, in order.
    const saves: Promise<void>[] = [];
    for (let i = 1; i <= 90; i += 3) {
      const update = { entries: ents(i, i + 2, 1), hardState: { term: 1, vote: 2, commit: i } };
      saves.push(s.save(update, true, i % 2 === 1 ? { background: true } : undefined));
    }
    await Promise.all(saves);
    const before = readSide(s);
    assert.equal(before.last, 90);
    await s.close();
    s = await openStorage(dir);
    assert.deepStrictEqual(readSide(s), before);
    await s.close();
  });

  it('persists the overwrite of a conflicting suffix', async () => {
    const dir = await tmp.make();
    let s = await openStorage(dir);
    await s.save({ entries: ents(1, 20, 1) }, true);
    await s.save({ entries: ents(8, 10, 2), hardState: { term: 2, vote: 1, commit: 5 } }, true);
    assert.equal(s.lastIndex(), 10);
    await s.save({ entries: ents(11, 12, 2) }, true);
    await s.save({ entries: ents(12, 12, 3) }, true);
    const before = readSide(s);
    assert.deepEqual(before.terms, [0, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3]);
    await s.close();
    s = await openStorage(dir);
    assert.deepStrictEqual(readSide(s), before);
    await s.close();
  });

  it('rolls over to new segments and replays across them', async () => {
    const dir = await tmp.make();
    const cap = captureLog();
    let s = await openStorage(dir, { segmentSizeBytes: 1024, log: cap.log });
    for (let i = 1; i <= 200; i += 4) {
      await s.save({ entries: ents(i, i + 3, 1, 32), hardState: { term: 1, vote: 1, commit: i } }, true);
    }
    // An overwrite that lands in a later segment than the entries it replaces.
    await s.save({ entries: ents(150, 160, 2, 32) }, true);
    const before = readSide(s);
    await s.close();
    const files = await segmentFiles(dir);
    assert.ok(files.length >= 8, `expected several segments, got ${files.length}`);
    assert.ok(cap.lines.some((l) => l.msg.includes('started a new segment')));
    s = await openStorage(dir, { segmentSizeBytes: 1024 });
    assert.deepStrictEqual(readSide(s), before);
    assert.equal(s.lastIndex(), 160);
    await s.close();
  });

  it('keeps a single batch larger than a segment in one segment', async () => {
    const dir = await tmp.make();
    let s = await openStorage(dir, { segmentSizeBytes: 256 });
    await s.save({ entries: ents(1, 50, 1, 64) }, true);
    await s.save({ entries: ents(51, 100, 1, 64) }, true);
    assert.equal((await segmentFiles(dir)).length, 2);
    await s.close();
    s = await openStorage(dir, { segmentSizeBytes: 256 });
    assert.equal(s.lastIndex(), 100);
    await s.close();
  });

  it('serializes writes issued without awaiting, in call order', async () => {
    const dir = await tmp.make();
    let s = await openStorage(dir);
    const ops = [];
    for (let i = 1; i <= 30; i++)
      ops.push(s.save({ entries: [ent(i, 1)], hardState: { term: 1, vote: 0, commit: i } }, i % 5 === 0));
    ops.push(s.createSnapshot(10, cs, new Uint8Array([1])));
    ops.push(s.compact(10));
    ops.push(s.save({ entries: ents(25, 26, 2) }, true));
    await Promise.all(ops);
    assert.equal(s.firstIndex(), 11);
    assert.equal(s.lastIndex(), 26);
    assert.equal(s.term(26), 2);
    const before = readSide(s);
    await s.close();
    s = await openStorage(dir);
    assert.deepStrictEqual(readSide(s), before);
    await s.close();
  });

  it('reports fsync latency through onFsync, only when a sync happened', async () => {
    let t = 0;
    const seen: number[] = [];
    const now = () => {
      t += 5;
      return t;
    };
    const s = await openStorage(await tmp.make(), { now, onFsync: (ms) => seen.push(ms) });
    seen.length = 0;
    await s.save({ entries: [ent(1, 1)] }, false);
    assert.equal(seen.length, 0);
    await s.save({ entries: [ent(2, 1)] }, true);
    assert.deepEqual(seen, [5]);
    await s.save({ entries: [] }, true);
    assert.deepEqual(seen, [5], 'nothing to sync');
    await s.close();
  });

  it('refuses invalid calls with the etcd sentinels, and writes after close', async () => {
    const s = await openStorage(await tmp.make());
    await s.save({ entries: ents(1, 10, 1) }, true);
    await assert.rejects(s.save({ entries: [ent(12, 1)] }, true), { name: 'AssertionError' });
    await assert.rejects(s.save({ entries: [ent(3, 1), ent(5, 1)] }, true), { name: 'AssertionError' });
    await s.createSnapshot(5, cs, new Uint8Array(0));
    await assert.rejects(s.createSnapshot(5, cs, new Uint8Array(0)), ErrSnapOutOfDate);
    await assert.rejects(s.compact(6), { name: 'AssertionError' }, 'compaction beyond the snapshot');
    await s.compact(4);
    await assert.rejects(s.compact(4), ErrCompacted);
    assert.throws(() => s.term(2), ErrCompacted);
    assert.throws(() => s.entries(4, 6, 100), ErrCompacted);
    assert.throws(() => s.term(11), ErrUnavailable);
    assert.equal(s.lastIndex(), 10, 'the refused saves wrote nothing');
    await s.close();
    await assert.rejects(s.save({ entries: [ent(11, 1)] }, true), StorageClosedError);
  });

  it('limits entries() by maxBytes but returns at least one', async () => {
    const s = await openStorage(await tmp.make());
    await s.save({ entries: ents(1, 10, 1, 100) }, false);
    assert.equal(s.entries(1, 11, 0).length, 1);
    assert.equal(s.entries(1, 11, 250).length, 2);
    assert.equal(s.entries(3, 11, 10_000).length, 8);
    await s.close();
  });
});

describe('file storage - snapshots', () => {
  it('snapshot + compact deletes old segments; reopen starts after the snapshot', async () => {
    const dir = await tmp.make();
    let s = await openStorage(dir, { segmentSizeBytes: 1024 });
    for (let i = 1; i <= 200; i += 5) {
      await s.save({ entries: ents(i, i + 4, 2, 32), hardState: { term: 2, vote: 1, commit: i + 4 } }, true);
    }
    const segmentsBefore = (await segmentFiles(dir)).length;
    const snap = await s.createSnapshot(150, cs, new Uint8Array([1, 2, 3]));
    assert.deepEqual(snap.metadata, { index: 150, term: 2, confState: cs });
    await s.compact(150);
    const segmentsAfter = (await segmentFiles(dir)).length;
    assert.ok(segmentsAfter < segmentsBefore, `${segmentsAfter} < ${segmentsBefore}`);
    assert.equal(s.firstIndex(), 151);
    const before = readSide(s);
    await s.close();
    s = await openStorage(dir, { segmentSizeBytes: 1024 });
    assert.equal(s.firstIndex(), 151);
    assert.equal(s.term(150), 2);
    assert.deepStrictEqual(readSide(s), before);
    assert.deepEqual(s.initialState().confState, cs);
    assert.deepEqual([...s.snapshot().data], [1, 2, 3]);
    await s.close();
  });

  it('after compacting below the snapshot, reopen starts after the snapshot (as etcd)', async () => {
    const dir = await tmp.make();
    let s = await openStorage(dir);
    await s.save({ entries: ents(1, 30, 1), hardState: { term: 1, vote: 1, commit: 30 } }, true);
    await s.createSnapshot(20, cs, new Uint8Array(0));
    await s.compact(10);
    assert.equal(s.firstIndex(), 11);
    await s.close();
    s = await openStorage(dir);
    assert.equal(s.firstIndex(), 21);
    assert.equal(s.lastIndex(), 30);
    await s.close();
  });

  it('keeps the last N snapshot files', async () => {
    const dir = await tmp.make();
    const s = await openStorage(dir, { snapshotsToKeep: 2 });
    await s.save({ entries: ents(1, 50, 1) }, true);
    for (const i of [10, 20, 30, 40]) await s.createSnapshot(i, cs, new Uint8Array([i]));
    const names = (await readdir(join(dir, 'snap'))).sort();
    assert.deepEqual(names, [
      '0000000000000001-000000000000001e.snap',
      '0000000000000001-0000000000000028.snap',
    ]);
    await s.close();
  });

  it('a crash before the rename (tmp leftovers, valid or garbage) leaves the previous snapshot in force', async () => {
    const dir = await tmp.make();
    let s = await openStorage(dir);
    await s.save({ entries: ents(1, 30, 1), hardState: { term: 1, vote: 1, commit: 30 } }, true);
    await s.createSnapshot(10, cs, new Uint8Array([10]));
    await s.close();
    const snapDir = join(dir, 'snap');
    const [good] = await readdir(snapDir);
    // A complete but never renamed newer snapshot, and a torn one.
    await cp(join(snapDir, good!), join(snapDir, '0000000000000001-0000000000000014.snap.tmp'));
    await writeFile(join(snapDir, '0000000000000001-0000000000000019.snap.tmp'), 'garbage');
    const cap = captureLog();
    s = await openStorage(dir, { log: cap.log });
    assert.equal(s.snapshot().metadata.index, 10);
    assert.equal(s.firstIndex(), 11);
    assert.deepEqual(await readdir(snapDir), [good]);
    assert.equal(cap.warnings().filter((m) => m.includes('interrupted snapshot write')).length, 2);
    await s.close();
  });

  it('a crash after the rename but before the WAL marker leaves the previous snapshot in force', async () => {
    const dir = await tmp.make();
    let s = await openStorage(dir);
    await s.save({ entries: ents(1, 30, 1), hardState: { term: 1, vote: 1, commit: 30 } }, true);
    await s.createSnapshot(10, cs, new Uint8Array([10]));
    await s.close();
    await cp(join(dir, 'wal'), join(dir, 'wal.before'), { recursive: true });
    s = await openStorage(dir);
    await s.createSnapshot(20, cs, new Uint8Array([20]));
    await s.close();
    // Roll the WAL back to before the marker of snapshot 20; its file stays.
    await rm(join(dir, 'wal'), { recursive: true });
    await cp(join(dir, 'wal.before'), join(dir, 'wal'), { recursive: true });
    const cap = captureLog();
    s = await openStorage(dir, { log: cap.log });
    assert.equal(s.snapshot().metadata.index, 10);
    assert.equal(s.firstIndex(), 11);
    assert.equal((await readdir(join(dir, 'snap'))).length, 1);
    assert.ok(cap.warnings().some((m) => m.includes('never recorded')));
    await s.close();
  });

  it('a snapshot received in save() replaces the whole log, also after reopening', async () => {
    const dir = await tmp.make();
    let s = await openStorage(dir, { segmentSizeBytes: 512 });
    await s.save({ entries: ents(1, 50, 1), hardState: { term: 1, vote: 1, commit: 20 } }, true);
    // A leader's snapshot at 30 from another history: entries 31..50 here are stale and must not come back.
    const snap: Snapshot = { metadata: { index: 30, term: 4, confState: cs }, data: new Uint8Array([7]) };
    await s.save({ snapshot: snap, hardState: { term: 4, vote: 0, commit: 30 }, entries: [] }, true);
    assert.equal(s.firstIndex(), 31);
    assert.equal(s.lastIndex(), 30);
    assert.equal(s.term(30), 4);
    await s.close();
    s = await openStorage(dir, { segmentSizeBytes: 512 });
    assert.equal(s.lastIndex(), 30);
    assert.equal(s.term(30), 4);
    assert.deepEqual(s.snapshot().metadata, snap.metadata);
    await s.save({ entries: ents(31, 33, 4) }, true);
    await assert.rejects(s.save({ snapshot: snap, entries: [] }, true), ErrSnapOutOfDate);
    await s.close();
    s = await openStorage(dir, { segmentSizeBytes: 512 });
    assert.deepEqual(
      s.entries(31, 34, 1000).map((e) => e.term),
      [4, 4, 4],
    );
    await s.close();
  });

  it('a received snapshot with entries after it, ahead of the local log', async () => {
    const dir = await tmp.make();
    let s = await openStorage(dir);
    await s.save({ entries: ents(1, 5, 1) }, true);
    const snap: Snapshot = { metadata: { index: 100, term: 3, confState: cs }, data: new Uint8Array(0) };
    await s.save(
      { snapshot: snap, entries: ents(95, 105, 3), hardState: { term: 3, vote: 0, commit: 100 } },
      true,
    );
    assert.equal(s.firstIndex(), 101);
    assert.equal(s.lastIndex(), 105);
    const before = readSide(s);
    await s.close();
    s = await FileStorage.open({ dir, log: () => {} });
    assert.deepStrictEqual(readSide(s), before);
    await s.close();
  });
});
