/**
 * NodeDriver over FileStorage: stopping and reopening every node from its data dir keeps every committed
 * write, with snapshots and compaction in between (the state machine is rebuilt from snapshot + log).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bootstrapSnapshot } from '../../src/index.js';
import { FileStorage } from '../../src/storage/file-storage.js';
import { TestCluster, data } from './cluster.js';

const IDS = [1, 2, 3];
const dirs: string[] = [];
const quiet = () => {};

async function openStorage(dir: string): Promise<FileStorage> {
  const s = await FileStorage.open({ dir, log: quiet });
  if (s.lastIndex() === 0) {
    // A founding member: the same bootstrap snapshot everywhere (RawNode.bootstrap, durably).
    await s.save(
      { snapshot: bootstrapSnapshot(IDS), hardState: { term: 1, vote: 0, commit: 1 }, entries: [] },
      true,
    );
  }
  return s;
}

after(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('driver restart', () => {
  it('driver restart - every node restarted from its data dir keeps all committed data', async () => {
    const root = await mkdtemp(join(tmpdir(), 'raft-driver-'));
    dirs.push(root);
    const dirOf = (id: number) => join(root, `n${id}`);
    // Real disk I/O under a fake clock: an fsync stall lasts many ticks, so a long election timeout keeps
    // a slow (shared, loaded) disk from deposing the leader mid-test.
    const opts = { snapshotEntries: 25, snapshotCatchUpEntries: 10, electionTicks: 100 };

    const c1 = new TestCluster(IDS, opts);
    c1.ioWaitMs = 1;
    const storages = new Map<number, FileStorage>();
    for (const id of IDS) {
      storages.set(id, await openStorage(dirOf(id)));
      await c1.start(id, storages.get(id)!);
    }
    const leader = await c1.waitForLeader();
    const written: string[] = [];
    for (let batch = 0; batch < 8; batch++) {
      const vals = Array.from({ length: 10 }, (_, i) => `v${batch}-${i}`);
      const res = await c1.settle(Promise.all(vals.map((v) => leader.driver.propose(data(v)))));
      assert.ok(res.ok, 'batch committed');
      written.push(...vals);
    }
    assert.ok(leader.driver.status().snapshotIndex > 25, 'snapshots were taken');
    await c1.stopAll();
    for (const s of storages.values()) await s.close();

    // Restart all three from disk, with fresh state machines.
    const c2 = new TestCluster(IDS, opts);
    c2.ioWaitMs = 1;
    for (const id of IDS) {
      storages.set(id, await openStorage(dirOf(id)));
      await c2.start(id, storages.get(id)!);
    }
    const l2 = await c2.waitForLeader();
    assert.ok((await c2.settle(l2.driver.propose(data('after-restart')))).ok);
    await c2.until(
      () => IDS.every((id) => c2.node(id).sm.applied.includes('after-restart')),
      'applied everywhere',
    );
    for (const id of IDS)
      assert.deepEqual(c2.node(id).sm.applied, [...written, 'after-restart'], `node ${id}`);
    await c2.stopAll();
    for (const s of storages.values()) await s.close();
  });
});
