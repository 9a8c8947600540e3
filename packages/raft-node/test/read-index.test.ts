/**
 * Linearizable reads through ReadIndex (Raft thesis §6.4): the leader confirms its leadership with a
 * heartbeat round acknowledged by a quorum before answering with its commit index; followers forward to the
 * leader; a new leader answers only once it has committed an entry of its own term.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MessageType, StateType } from '../src/internal.js';
import { Network, str, utf8 } from './network.js';

const reads = (nw: Network, id: number) =>
  nw.node(id).readStates.map((rs) => `${str(rs.requestCtx)}@${rs.index}`);

function readIndex(nw: Network, id: number, ctx: string): void {
  nw.node(id).rn.readIndex(utf8(ctx));
  nw.send(...nw.drain(id));
}

describe('ReadIndex (thesis §6.4)', () => {
  test('the leader answers after a quorum acknowledges a heartbeat carrying the request', () => {
    const nw = Network.bootstrap(1, [1, 2, 3]);
    nw.campaign(1);
    nw.propose(1, 'a');
    const commit = nw.raft(1).raftLog.committed;
    nw.delivered = [];
    readIndex(nw, 1, 'r1');
    assert.deepEqual(reads(nw, 1), [`r1@${commit}`]);
    const hbs = nw.delivered.filter((m) => m.type === MessageType.Heartbeat);
    assert.ok(hbs.length >= 2 && hbs.every((m) => str(m.context!) === 'r1'));
  });

  test('a follower forwards the request and gets the leader commit index', () => {
    const nw = Network.bootstrap(1, [1, 2, 3]);
    nw.campaign(1);
    nw.propose(1, 'a');
    readIndex(nw, 3, 'from-3');
    assert.deepEqual(reads(nw, 3), [`from-3@${nw.raft(1).raftLog.committed}`]);
    assert.deepEqual(reads(nw, 1), []);
  });

  test('a leader cut off from the quorum never answers (no stale reads)', () => {
    const nw = Network.bootstrap(1, [1, 2, 3]);
    nw.campaign(1);
    nw.isolate(1);
    readIndex(nw, 1, 'stale');
    assert.equal(nw.raft(1).state, StateType.Leader);
    assert.deepEqual(reads(nw, 1), []);
    // Meanwhile the majority elects a new leader and commits a write the old leader never sees.
    for (let i = 0; i < 40; i++) nw.tick([2, 3]);
    const l = [2, 3].find((id) => nw.raft(id).state === StateType.Leader)!;
    nw.propose(l, 'new');
    readIndex(nw, l, 'fresh');
    assert.deepEqual(reads(nw, l), [`fresh@${nw.raft(l).raftLog.committed}`]);
    assert.deepEqual(reads(nw, 1), []);
  });

  test('a new leader holds requests until an entry of its term commits', () => {
    const nw = Network.bootstrap(1, [1, 2, 3]);
    // Node 1 wins, but its no-op does not commit yet: appends are lost.
    nw.ignore(MessageType.App);
    nw.campaign(1);
    assert.equal(nw.raft(1).state, StateType.Leader);
    assert.equal(nw.raft(1).committedEntryInCurrentTerm(), false);
    readIndex(nw, 1, 'early');
    assert.deepEqual(reads(nw, 1), []);
    assert.equal(nw.raft(1).pendingReadIndexMessages.length, 1);
    nw.recover();
    nw.tick(); // heartbeat responses trigger the append of the no-op
    assert.deepEqual(reads(nw, 1), [`early@${nw.raft(1).raftLog.committed}`]);
    assert.equal(nw.raft(1).raftLog.termOrZero(nw.raft(1).raftLog.committed), nw.raft(1).term);
  });

  test('several pending requests are confirmed by the heartbeat round of the latest', () => {
    const nw = Network.bootstrap(1, [1, 2, 3]);
    nw.campaign(1);
    nw.ignore(MessageType.HeartbeatResp);
    readIndex(nw, 1, 'a');
    readIndex(nw, 1, 'b');
    readIndex(nw, 3, 'c');
    assert.deepEqual(reads(nw, 1), []);
    nw.recover();
    nw.tick(); // the periodic heartbeat carries the latest context, 'c'
    const c = nw.raft(1).raftLog.committed;
    assert.deepEqual(reads(nw, 1), [`a@${c}`, `b@${c}`]);
    assert.deepEqual(reads(nw, 3), [`c@${c}`]);
  });

  test('a single-node cluster answers at once', () => {
    const nw = Network.bootstrap(1, [1]);
    nw.campaign(1);
    readIndex(nw, 1, 'solo');
    assert.deepEqual(reads(nw, 1), [`solo@${nw.raft(1).raftLog.committed}`]);
  });

  test('a read on a follower without a leader is dropped', () => {
    const nw = Network.bootstrap(1, [1, 2, 3]);
    readIndex(nw, 2, 'nobody');
    assert.deepEqual(reads(nw, 2), []);
    assert.equal(nw.delivered.length, 0);
  });
});
