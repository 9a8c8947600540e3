/**
 * Log compaction and InstallSnapshot (Raft §7, thesis chapter 5): a follower whose next entries were
 * compacted away receives the leader's latest snapshot, replaces its log and state machine with it, and
 * continues from the log after it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { seededRng } from '@kubelab/clock';
import {
  ConfChangeType,
  ErrCompacted,
  MemoryStorage,
  MessageType,
  ProgressState,
  RawNode,
  StateType,
  bootstrapSnapshot,
} from '../src/internal.js';
import { entsWithTerms, msg, newTestRaft, readMessages, storageWithPeers } from './helpers.js';
import { Network, utf8 } from './network.js';

describe('InstallSnapshot (§7)', () => {
  test('a lagging follower whose entries were compacted receives a snapshot and catches up', () => {
    const nw = Network.bootstrap(1, [1, 2, 3]);
    nw.campaign(1);
    nw.isolate(3);
    for (let i = 0; i < 20; i++) nw.propose(1, `e${i}`);
    nw.snapshotAndCompact(1);
    nw.propose(1, 'after-snap');
    const firstIndex = nw.node(1).storage.firstIndex();
    assert.ok(nw.raft(3).raftLog.lastIndex() < firstIndex - 1);
    nw.recover();
    for (let i = 0; i < 5; i++) nw.tick();
    const snaps = nw.delivered.filter((m) => m.type === MessageType.Snap);
    assert.equal(snaps.length, 1, 'one snapshot, not one per heartbeat');
    assert.deepEqual(nw.node(3).applied, [...Array.from({ length: 20 }, (_, i) => `e${i}`), 'after-snap']);
    assert.equal(nw.node(3).storage.snapshot().metadata.index, firstIndex - 1);
    const pr = nw.raft(1).trk.progress.get(3)!;
    assert.equal(pr.state, ProgressState.Replicate);
    assert.equal(pr.match, nw.raft(1).raftLog.lastIndex());
  });

  test('the snapshotting follower is sent nothing else until it answers', () => {
    const nw = Network.bootstrap(2, [1, 2, 3]);
    nw.campaign(1);
    nw.isolate(3);
    for (let i = 0; i < 5; i++) nw.propose(1, `e${i}`);
    nw.snapshotAndCompact(1);
    nw.recover();
    // The snapshot is "in transit" forever: drop it.
    nw.msgHook = (m) => m.type !== MessageType.Snap;
    for (let i = 0; i < 3; i++) nw.tick();
    const pr = nw.raft(1).trk.progress.get(3)!;
    assert.equal(pr.state, ProgressState.Snapshot);
    nw.delivered = [];
    nw.propose(1, 'more');
    assert.equal(nw.delivered.filter((m) => m.to === 3 && m.type === MessageType.App).length, 0);
    // The driver reports the failure: the leader probes again and re-sends the snapshot.
    nw.msgHook = undefined;
    nw.node(1).rn.reportSnapshot(3, false);
    assert.equal(pr.state, ProgressState.Probe);
    for (let i = 0; i < 3; i++) nw.tick();
    assert.deepEqual(nw.node(3).applied, ['e0', 'e1', 'e2', 'e3', 'e4', 'more']);
  });

  test('a new node joining after compaction is brought up by a snapshot that includes it', () => {
    const nw = Network.bootstrap(3, [1, 2, 3]);
    nw.campaign(1);
    for (let i = 0; i < 10; i++) nw.propose(1, `e${i}`);
    nw.proposeConfChange(1, { changes: [{ type: ConfChangeType.AddNode, nodeId: 4 }] });
    // The application snapshots after applying the conf change, so the snapshot names node 4.
    nw.snapshotAndCompact(1);
    nw.addNode(4);
    for (let i = 0; i < 5; i++) nw.tick();
    assert.deepEqual(
      nw.node(4).applied,
      Array.from({ length: 10 }, (_, i) => `e${i}`),
    );
    assert.deepEqual(nw.node(4).confState?.voters, [1, 2, 3, 4]);
    nw.propose(4, 'via-4');
    assert.equal(nw.node(2).applied.at(-1), 'via-4');
  });

  test('a leader whose snapshot predates a new node waits for a newer one instead of sending it', () => {
    const nw = Network.bootstrap(4, [1, 2, 3]);
    nw.campaign(1);
    nw.proposeConfChange(1, { changes: [{ type: ConfChangeType.AddNode, nodeId: 4 }] });
    nw.addNode(4);
    for (let i = 0; i < 3; i++) nw.tick();
    assert.equal(nw.delivered.filter((m) => m.type === MessageType.Snap).length, 0);
    nw.snapshotAndCompact(1);
    for (let i = 0; i < 3; i++) nw.tick();
    assert.equal(nw.delivered.filter((m) => m.type === MessageType.Snap).length, 1);
    assert.equal(nw.raft(4).lead, 1);
  });

  test('a snapshot not newer than the commit index is ignored', () => {
    const s = storageWithPeers([1, 2]);
    s.append(entsWithTerms([1, 1, 1]));
    s.setHardState({ term: 1, vote: 0, commit: 3 });
    const r = newTestRaft(1, 10, 1, s);
    const snap = {
      ...bootstrapSnapshot([1, 2]),
      metadata: { ...bootstrapSnapshot([1, 2]).metadata, index: 2 },
    };
    r.step(msg({ type: MessageType.Snap, from: 2, to: 1, term: 1, snapshot: snap }));
    assert.equal(r.raftLog.lastIndex(), 3);
    const resp = readMessages(r)[0]!;
    assert.equal(resp.type, MessageType.AppResp);
    assert.equal(resp.index, 3);
  });

  test('a snapshot whose last entry is in the log only fast-forwards the commit index', () => {
    const s = storageWithPeers([1, 2]);
    s.append(entsWithTerms([1, 1, 1, 1]));
    const r = newTestRaft(1, 10, 1, s);
    const base = bootstrapSnapshot([1, 2]);
    const snap = { ...base, metadata: { ...base.metadata, index: 3, term: 1 } };
    r.step(msg({ type: MessageType.Snap, from: 2, to: 1, term: 1, snapshot: snap }));
    assert.equal(r.raftLog.committed, 3);
    assert.equal(r.raftLog.lastIndex(), 4, 'entries after the snapshot are kept');
    assert.equal(r.raftLog.hasPendingSnapshot(), false);
  });

  test('a snapshot that does not include the recipient is refused', () => {
    const r = newTestRaft(1, 10, 1, storageWithPeers([1, 2]));
    const base = bootstrapSnapshot([2, 3]);
    r.step(
      msg({
        type: MessageType.Snap,
        from: 2,
        to: 1,
        term: 1,
        snapshot: { ...base, metadata: { ...base.metadata, index: 5 } },
      }),
    );
    assert.equal(r.raftLog.hasPendingSnapshot(), false);
    assert.equal(r.raftLog.committed, 0);
  });

  test('restoring a snapshot replaces the configuration and hands it out in a Ready', () => {
    const storage = new MemoryStorage();
    const rn = new RawNode({ id: 3, storage, rng: seededRng(3) });
    const base = bootstrapSnapshot([1, 2, 3], [4]);
    const snap = { data: utf8('["x"]'), metadata: { ...base.metadata, index: 10, term: 2 } };
    rn.step(msg({ type: MessageType.Snap, from: 1, to: 3, term: 2, snapshot: snap }));
    const rd = rn.ready();
    assert.equal(rd.snapshot, snap);
    assert.deepEqual(rd.committedEntries, []);
    assert.equal(rd.mustSync, true);
    assert.equal(rd.messages[0]?.index, 10);
    storage.saveSync(rd);
    rn.advance(rd);
    const st = rn.status();
    assert.equal(st.commit, 10);
    assert.equal(st.applied, 10);
    assert.equal(st.raftState, StateType.Follower);
    assert.equal(rn.hasReady(), false);
  });
});

describe('MemoryStorage compaction', () => {
  test('entries and terms below the first index are ErrCompacted', () => {
    const s = new MemoryStorage();
    s.append(entsWithTerms([1, 1, 2, 2, 3]));
    void s.createSnapshot(3, undefined, utf8('s'));
    void s.compact(3);
    assert.equal(s.firstIndex(), 4);
    assert.equal(s.term(3), 2, 'the term of the compacted entry stays available');
    assert.throws(() => s.term(2), ErrCompacted);
    assert.throws(() => s.entries(3, 5, Number.POSITIVE_INFINITY), ErrCompacted);
    assert.deepEqual(
      s.entries(4, 6, Number.POSITIVE_INFINITY).map((e) => e.term),
      [2, 3],
    );
    assert.throws(() => void s.compact(2), ErrCompacted);
  });

  test('entries() honours maxBytes but always returns at least one entry', () => {
    const s = new MemoryStorage();
    s.append(['aaaa', 'bbbb', 'cccc'].map((d, i) => ({ term: 1, index: i + 1, type: 0, data: utf8(d) })));
    assert.equal(s.entries(1, 4, 0).length, 1);
    assert.equal(s.entries(1, 4, 8).length, 2);
    assert.equal(s.entries(1, 4, 100).length, 3);
  });

  test('append overwrites a conflicting suffix', () => {
    const s = new MemoryStorage();
    s.append(entsWithTerms([1, 1, 1, 1]));
    s.append(entsWithTerms([2, 2], 3));
    assert.deepEqual(
      s.entries(1, 5, Number.POSITIVE_INFINITY).map((e) => e.term),
      [1, 1, 2, 2],
    );
    assert.equal(s.lastIndex(), 4);
  });
});
