/**
 * Log replication beyond the paper: proposal forwarding and rejection, flow control (probe/replicate
 * states and the inflights window, thesis §10.2), the fast back-off of thesis §5.3, the uncommitted size
 * limit, restarts from storage (§3.8) and the Ready contract.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { seededRng } from '@kubelab/clock';
import {
  ErrProposalDropped,
  MemoryStorage,
  MessageType,
  NONE,
  ProgressState,
  RawNode,
  StateType,
  rawNodeRaft,
} from '../src/internal.js';
import { entsWithTerms, storageWithPeers } from './helpers.js';
import { Network, utf8 } from './network.js';

function dropped(fn: () => void): ErrProposalDropped {
  try {
    fn();
  } catch (e) {
    if (e instanceof ErrProposalDropped) return e;
    throw e;
  }
  assert.fail('proposal was not dropped');
}

describe('proposals', () => {
  test('a follower forwards proposals to the leader', () => {
    const nw = Network.bootstrap(1, [1, 2, 3]);
    nw.campaign(1);
    nw.propose(3, 'from-3');
    const fwd = nw.delivered.find((m) => m.type === MessageType.Prop);
    assert.equal(fwd?.from, 3);
    assert.equal(fwd?.to, 1);
    for (const id of [1, 2, 3]) assert.deepEqual(nw.node(id).applied, ['from-3']);
  });

  test('with forwarding disabled a follower drops proposals naming the leader', () => {
    const nw = Network.bootstrap(1, [1, 2, 3], { disableProposalForwarding: true });
    nw.campaign(1);
    const e = dropped(() => nw.propose(2, 'x'));
    assert.equal(e.leader, 1);
  });

  test('without a leader proposals are dropped with leader NONE', () => {
    const nw = Network.bootstrap(1, [1, 2, 3]);
    assert.equal(dropped(() => nw.propose(2, 'x')).leader, NONE);
    nw.isolate(1);
    nw.campaign(1); // a pre-candidate has no leader either
    assert.equal(nw.raft(1).state, StateType.PreCandidate);
    assert.equal(dropped(() => nw.propose(1, 'x')).leader, NONE);
  });

  test('a proposal forwarded to a node that cannot take it is dropped silently', () => {
    const nw = Network.bootstrap(1, [1, 2, 3]);
    nw.campaign(1);
    nw.raft(1).leadTransferee = 3; // the leader refuses proposals during a transfer
    nw.propose(2, 'x');
    assert.deepEqual(nw.node(2).applied, []);
  });

  test('the leader drops proposals beyond maxUncommittedEntriesSize', () => {
    const nw = Network.bootstrap(1, [1, 2, 3], { maxUncommittedEntriesSize: 10 });
    nw.campaign(1);
    nw.isolate(2);
    nw.isolate(3);
    nw.propose(1, '12345678'); // allowed: nothing was uncommitted
    const e = dropped(() => nw.propose(1, '12345'));
    assert.equal(e.leader, 1);
    nw.recover();
    for (let i = 0; i < 3; i++) nw.tick();
    nw.propose(1, '12345'); // committed entries freed the budget
    assert.deepEqual(nw.node(3).applied, ['12345678', '12345']);
  });
});

describe('flow control (thesis §10.2)', () => {
  test('a follower enters StateReplicate after the first successful append', () => {
    const nw = Network.bootstrap(1, [1, 2, 3]);
    nw.campaign(1);
    const pr = nw.raft(1).trk.progress.get(2)!;
    assert.equal(pr.state, ProgressState.Replicate);
    assert.equal(pr.match, nw.raft(1).raftLog.lastIndex());
  });

  test('the inflights window bounds unacknowledged MsgApps, and a heartbeat response unsticks it', () => {
    const nw = Network.bootstrap(1, [1, 2, 3], { maxInflightMsgs: 3, maxSizePerMsg: 1 });
    nw.campaign(1);
    // Everything to node 2 is lost.
    let sentTo2 = 0;
    nw.msgHook = (m) => {
      if (m.to !== 2) return true;
      if (m.type === MessageType.App && m.entries.length > 0) sentTo2++;
      return false;
    };
    for (let i = 0; i < 10; i++) nw.propose(1, `e${i}`);
    const pr = nw.raft(1).trk.progress.get(2)!;
    assert.equal(sentTo2, 3, "only the window's worth of appends with entries is sent");
    assert.equal(pr.inflights.count, 3);
    assert.equal(pr.isPaused(), true);
    // The lost appends are recovered: a heartbeat response unpauses, an empty append is answered with a
    // rejection or success that resets the window, and replication resumes.
    nw.msgHook = undefined;
    for (let i = 0; i < 5; i++) nw.tick();
    assert.equal(pr.match, nw.raft(1).raftLog.lastIndex());
    assert.equal(nw.node(2).applied.length, 10);
  });

  test('maxSizePerMsg batches entries into MsgApps', () => {
    const nw = Network.bootstrap(1, [1, 2], { maxSizePerMsg: 10 });
    nw.campaign(1);
    nw.isolate(2);
    for (let i = 0; i < 6; i++) nw.propose(1, '12345');
    nw.recover();
    const sizes: number[] = [];
    nw.msgHook = (m) => {
      if (m.type === MessageType.App && m.entries.length > 0) sizes.push(m.entries.length);
      return true;
    };
    nw.raft(1).trk.progress.get(2)!.becomeProbe();
    for (let i = 0; i < 3; i++) nw.tick();
    assert.ok(
      sizes.every((n) => n <= 2),
      `batches ${sizes}`,
    );
    assert.equal(nw.node(2).applied.length, 6);
  });

  test('reportUnreachable moves a replicating follower back to probing', () => {
    const nw = Network.bootstrap(1, [1, 2, 3]);
    nw.campaign(1);
    nw.node(1).rn.reportUnreachable(2);
    assert.equal(nw.raft(1).trk.progress.get(2)!.state, ProgressState.Probe);
  });
});

describe('fast log back-off (thesis §5.3)', () => {
  test('a divergent follower tail is skipped a term at a time, not an entry at a time', () => {
    // The leader has [1, 1, 5×50]; the follower has [1, 1, 3×100] — 100 uncommitted entries of term 3.
    const leaderTerms = [1, 1, ...Array<number>(50).fill(5)];
    const followerTerms = [1, 1, ...Array<number>(100).fill(3)];
    const nw = new Network(3, { preVote: false, checkQuorum: false });
    const ls = storageWithPeers([1, 2, 3]);
    ls.append(entsWithTerms(leaderTerms));
    ls.setHardState({ term: 5, vote: 1, commit: 2 });
    nw.addNode(1, ls);
    const fs = storageWithPeers([1, 2, 3]);
    fs.append(entsWithTerms(followerTerms));
    fs.setHardState({ term: 4, vote: 0, commit: 2 });
    nw.addNode(2, fs);
    const s3 = storageWithPeers([1, 2, 3]);
    s3.append(entsWithTerms(leaderTerms));
    s3.setHardState({ term: 5, vote: 1, commit: 2 });
    nw.addNode(3, s3);
    nw.campaign(1);
    assert.equal(nw.raft(1).state, StateType.Leader);
    const rejections = nw.delivered.filter((m) => m.type === MessageType.AppResp && m.reject && m.from === 2);
    assert.ok(rejections.length <= 2, `${rejections.length} rejections`);
    assert.deepEqual(
      nw
        .raft(2)
        .raftLog.allEntries()
        .map((e) => e.term),
      nw
        .raft(1)
        .raftLog.allEntries()
        .map((e) => e.term),
    );
  });

  test('a follower far behind is found in one round trip', () => {
    const nw = Network.bootstrap(5, [1, 2, 3]);
    nw.campaign(1);
    nw.isolate(3);
    for (let i = 0; i < 100; i++) nw.propose(1, `e${i}`);
    nw.recover();
    nw.delivered = [];
    // A new leader probes node 3 at its own last index; the rejection's hint names 3's last index.
    nw.node(1).rn.transferLeadership(2);
    nw.send(...nw.drain(1));
    assert.equal(nw.raft(2).state, StateType.Leader);
    const rejections = nw.delivered.filter((m) => m.type === MessageType.AppResp && m.reject);
    assert.equal(rejections.length, 1);
    assert.equal(nw.node(3).applied.length, 100);
  });
});

describe('restart from storage (§3.8)', () => {
  test('term, vote, commit and log survive a crash of every node', () => {
    const nw = Network.bootstrap(9, [1, 2, 3]);
    nw.campaign(1);
    for (let i = 0; i < 5; i++) nw.propose(2, `v${i}`);
    const before = [1, 2, 3].map((id) => nw.node(id).rn.status());
    for (const id of [1, 2, 3]) nw.restart(id);
    [1, 2, 3].forEach((id, i) => {
      const s = nw.node(id).rn.status();
      assert.equal(s.term, before[i]!.term);
      assert.equal(s.vote, before[i]!.vote);
      assert.equal(s.commit, before[i]!.commit);
      assert.equal(s.raftState, StateType.Follower);
    });
    // Committed entries are re-delivered for the fresh state machine, then the cluster goes on.
    for (let i = 0; i < 40; i++) nw.tick();
    const leader = [1, 2, 3].find((id) => nw.raft(id).state === StateType.Leader);
    assert.ok(leader !== undefined, `seed ${nw.seed}`);
    nw.propose(leader, 'after');
    for (const id of [1, 2, 3])
      assert.deepEqual(nw.node(id).applied, ['v0', 'v1', 'v2', 'v3', 'v4', 'after']);
  });

  test('a restarted node does not vote twice in a term', () => {
    const s = storageWithPeers([1, 2, 3]);
    s.setHardState({ term: 5, vote: 2, commit: 0 });
    const rn = new RawNode({ id: 1, storage: s, rng: seededRng(1) });
    rn.step({
      type: MessageType.Vote,
      to: 1,
      from: 3,
      term: 5,
      logTerm: 0,
      index: 0,
      entries: [],
      commit: 0,
      reject: false,
      rejectHint: 0,
    });
    const rd = rn.ready();
    assert.equal(rd.messages[0]?.type, MessageType.VoteResp);
    assert.equal(rd.messages[0]?.reject, true);
  });

  test('Config.applied skips re-delivering entries the application already applied', () => {
    const nw = Network.bootstrap(9, [1, 2, 3]);
    nw.campaign(1);
    for (let i = 0; i < 3; i++) nw.propose(1, `v${i}`);
    const applied = nw.raft(2).raftLog.applied;
    const rn = new RawNode({ id: 2, storage: nw.node(2).storage, rng: seededRng(2), applied });
    assert.equal(rn.hasReady(), false);
    assert.equal(rn.status().applied, applied);
  });
});

describe('the Ready contract', () => {
  test('a vote is persisted (mustSync) in the same Ready that carries the response', () => {
    const storage = new MemoryStorage();
    RawNode.bootstrap(storage, [1, 2, 3]);
    const rn = new RawNode({ id: 2, storage, rng: seededRng(2), preVote: false });
    rn.step({
      type: MessageType.Vote,
      to: 2,
      from: 1,
      term: 2,
      logTerm: 1,
      index: 1,
      entries: [],
      commit: 0,
      reject: false,
      rejectHint: 0,
    });
    const rd = rn.ready();
    assert.deepEqual(rd.hardState, { term: 2, vote: 1, commit: 1 });
    assert.equal(rd.mustSync, true);
    assert.equal(rd.messages[0]?.type, MessageType.VoteResp);
    rn.advance(rd);
    assert.equal(rn.hasReady(), false);
  });

  test('entries handed out in a Ready are not handed out again, even before advance', () => {
    const storage = new MemoryStorage();
    RawNode.bootstrap(storage, [1]);
    const rn = new RawNode({ id: 1, storage, rng: seededRng(1) });
    rn.campaign();
    const rd1 = rn.ready();
    assert.equal(rd1.entries.length, 1);
    rn.propose(utf8('x'));
    const rd2 = rn.ready();
    assert.deepEqual(
      rd2.entries.map((e) => e.index),
      [3],
    );
    storage.saveSync(rd1);
    rn.advance(rd1);
    storage.saveSync(rd2);
    rn.advance(rd2);
    const rd3 = rn.ready();
    assert.deepEqual(rd3.entries, []);
    assert.equal(rawNodeRaft(rn).raftLog.unstable.entries.length, 0);
  });

  test('local message types are rejected by step', () => {
    const storage = new MemoryStorage();
    RawNode.bootstrap(storage, [1]);
    const rn = new RawNode({ id: 1, storage, rng: seededRng(1) });
    assert.throws(
      () =>
        rn.step({
          type: MessageType.Hup,
          to: 1,
          from: 1,
          term: 0,
          logTerm: 0,
          index: 0,
          entries: [],
          commit: 0,
          reject: false,
          rejectHint: 0,
        }),
      { name: 'ErrStepLocalMsg' },
    );
  });

  test('invalid configs are refused at construction', () => {
    const storage = new MemoryStorage();
    const rng = seededRng(1);
    assert.throws(() => new RawNode({ id: 0, storage, rng }), { name: 'ErrInvalidConfig' });
    assert.throws(() => new RawNode({ id: 1, storage, rng, electionTicks: 2, heartbeatTicks: 2 }), {
      name: 'ErrInvalidConfig',
    });
    assert.throws(() => new RawNode({ id: 1, storage, rng, maxInflightMsgs: 0 }), {
      name: 'ErrInvalidConfig',
    });
  });
});
