/**
 * Elections beyond the paper: pre-vote (thesis §9.6), CheckQuorum and the leader lease (thesis §6.2,
 * §4.2.3), learners, and elections driven purely by ticks. Every cluster is seeded; the seed is in the
 * failure message.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfChangeType, MessageType, StateType } from '../src/internal.js';
import { Network } from './network.js';

const leaderOf = (nw: Network) => [...nw.nodes.keys()].filter((id) => nw.raft(id).state === StateType.Leader);

/** Ticks until exactly one leader exists (with the highest term), failing after `max` ticks. */
function tickUntilLeader(nw: Network, max = 200): number {
  for (let i = 0; i < max; i++) {
    const ls = leaderOf(nw);
    const top = Math.max(...[...nw.nodes.keys()].map((id) => nw.raft(id).term));
    const l = ls.find((id) => nw.raft(id).term === top);
    if (l !== undefined) return l;
    nw.tick();
  }
  assert.fail(
    `no leader after ${max} ticks (seed ${nw.seed})\n${nw.trace().split('\n').slice(-20).join('\n')}`,
  );
}

describe('elections by ticks', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    test(`a fresh 5-node cluster elects exactly one leader (seed ${seed})`, () => {
      const nw = Network.bootstrap(seed, [1, 2, 3, 4, 5]);
      const l = tickUntilLeader(nw);
      assert.deepEqual(leaderOf(nw), [l], `seed ${seed}`);
      for (const id of nw.nodes.keys()) assert.equal(nw.raft(id).lead, l, `node ${id} (seed ${seed})`);
    });
  }

  test('a single node elects itself at once', () => {
    const nw = Network.bootstrap(1, [1]);
    nw.campaign(1);
    assert.equal(nw.raft(1).state, StateType.Leader);
    nw.propose(1, 'a');
    assert.deepEqual(nw.node(1).applied, ['a']);
  });

  test('a new leader appends and commits an empty entry of its term (§5.4.2, thesis §6.4)', () => {
    const nw = Network.bootstrap(1, [1, 2, 3]);
    nw.campaign(1);
    const r = nw.raft(1);
    const last = r.raftLog.entries(r.raftLog.lastIndex(), Number.POSITIVE_INFINITY)[0]!;
    assert.equal(last.term, r.term);
    assert.equal(last.data.byteLength, 0);
    assert.equal(r.raftLog.committed, last.index);
  });
});

describe('pre-vote (thesis §9.6)', () => {
  test('a partitioned node rejoining does not disrupt the leader', () => {
    const nw = Network.bootstrap(7, [1, 2, 3]);
    nw.campaign(1);
    const term = nw.raft(1).term;
    nw.isolate(3);
    for (let i = 0; i < 100; i++) nw.tick([3]);
    // Pre-votes never reach a quorum, so the term never moves.
    assert.equal(nw.raft(3).term, term);
    assert.equal(nw.raft(3).state, StateType.PreCandidate);
    nw.recover();
    for (let i = 0; i < 30; i++) nw.tick();
    assert.equal(nw.raft(1).state, StateType.Leader, `seed ${nw.seed}`);
    assert.equal(nw.raft(1).term, term);
    assert.equal(nw.raft(3).lead, 1);
    assert.equal(nw.raft(3).state, StateType.Follower);
  });

  test('without pre-vote (and CheckQuorum) a rejoining node forces an election', () => {
    const nw = Network.bootstrap(7, [1, 2, 3], { preVote: false, checkQuorum: false });
    nw.campaign(1);
    const term = nw.raft(1).term;
    nw.isolate(3);
    for (let i = 0; i < 100; i++) nw.tick([3]);
    assert.ok(nw.raft(3).term > term + 2, 'the isolated node keeps bumping its term');
    nw.recover();
    for (let i = 0; i < 50 && nw.raft(1).term === term; i++) nw.tick();
    assert.ok(nw.raft(1).term > term, 'the leader was deposed by the higher term');
  });

  test('a pre-candidate whose log is behind cannot win, and nobody bumps their term', () => {
    const nw = Network.bootstrap(3, [1, 2, 3]);
    nw.campaign(1);
    nw.isolate(3);
    nw.propose(1, 'a');
    nw.recover();
    const term = nw.raft(1).term;
    // Node 3 lacks the entry: even ignoring the lease (leader gone quiet), it cannot get pre-votes.
    nw.isolate(1);
    for (let i = 0; i < 25; i++) nw.tick([2, 3]);
    assert.equal(nw.raft(3).state === StateType.Leader, false);
    assert.ok(nw.raft(2).state === StateType.Leader, `node 2 should win (seed ${nw.seed})`);
    assert.equal(nw.raft(2).term, term + 1, 'only the winning campaign bumps the term');
  });

  test('a pre-vote for a later term is granted without changing the voter term or vote', () => {
    const nw = Network.bootstrap(5, [1, 2, 3]);
    nw.campaign(1);
    const r2 = nw.raft(2);
    const { term, vote } = r2;
    nw.isolate(1);
    // Pass the lease: node 2 has not heard from the leader for an election timeout.
    for (let i = 0; i < r2.electionTimeout; i++) nw.node(2).rn.tick();
    let checked = false;
    nw.msgHook = (m) => {
      if (m.type === MessageType.PreVoteResp && m.from === 2) {
        // Right after granting the pre-vote, node 2's term and vote are untouched.
        assert.equal(m.reject, false);
        assert.equal(m.term, term + 1);
        assert.equal(r2.term, term);
        assert.equal(r2.vote, vote);
        checked = true;
      }
      return true;
    };
    nw.campaign(3);
    assert.ok(checked);
    assert.equal(nw.raft(3).state, StateType.Leader);
    assert.equal(nw.raft(3).term, term + 1);
  });
});

describe('CheckQuorum and the leader lease (thesis §6.2)', () => {
  test('an isolated leader steps down after an election timeout without a quorum', () => {
    const nw = Network.bootstrap(11, [1, 2, 3]);
    nw.campaign(1);
    nw.isolate(1);
    const r = nw.raft(1);
    // The first check still counts the followers heard before the partition; the second one fails.
    for (let i = 0; i < r.electionTimeout; i++) nw.tick([1]);
    assert.equal(r.state, StateType.Leader);
    for (let i = 0; i < r.electionTimeout; i++) nw.tick([1]);
    assert.equal(r.state, StateType.Follower);
    assert.equal(r.lead, 0);
  });

  test('a leader in contact with a quorum stays leader', () => {
    const nw = Network.bootstrap(11, [1, 2, 3, 4, 5]);
    nw.campaign(1);
    nw.isolate(4);
    nw.isolate(5);
    for (let i = 0; i < 50; i++) nw.tick([1, 2, 3]);
    assert.equal(nw.raft(1).state, StateType.Leader);
  });

  test('followers with a live leader ignore vote requests (the lease)', () => {
    const nw = Network.bootstrap(11, [1, 2, 3], { preVote: false });
    nw.campaign(1);
    const term = nw.raft(1).term;
    nw.campaign(3);
    // 1 and 2 heard from the leader recently: they ignore 3, which cannot win.
    assert.equal(nw.raft(1).state, StateType.Leader);
    assert.equal(nw.raft(1).term, term);
    assert.equal(nw.raft(2).vote, 1);
    assert.equal(nw.raft(3).state, StateType.Candidate);
    // The stuck candidate (at a higher term) is freed: the leader's appends get a higher-term answer,
    // the leader steps down and a new election includes node 3.
    for (let i = 0; i < 40; i++) nw.tick();
    const l = tickUntilLeader(nw);
    assert.ok(nw.raft(l).term > term);
    for (const id of [1, 2, 3]) assert.equal(nw.raft(id).lead, l, `node ${id} (seed ${nw.seed})`);
  });

  test('a lagging follower rejoining after CheckQuorum step-down catches up', () => {
    const nw = Network.bootstrap(13, [1, 2, 3]);
    nw.campaign(1);
    nw.isolate(1);
    for (let i = 0; i < 40; i++) nw.tick();
    const l = tickUntilLeader(nw);
    assert.notEqual(l, 1);
    nw.propose(l, 'x');
    nw.recover();
    for (let i = 0; i < 20; i++) nw.tick();
    assert.deepEqual(nw.node(1).applied, ['x']);
    assert.equal(nw.raft(1).lead, l);
  });
});

describe('learners (thesis §4.2.1)', () => {
  test('a learner replicates the log but neither votes nor campaigns', () => {
    const nw = Network.bootstrap(17, [1, 2, 3]);
    nw.campaign(1);
    nw.proposeConfChange(1, { changes: [{ type: ConfChangeType.AddLearnerNode, nodeId: 4 }] });
    nw.snapshotAndCompact(1);
    nw.addNode(4);
    nw.propose(1, 'a');
    for (let i = 0; i < 5; i++) nw.tick();
    assert.deepEqual(nw.node(4).applied, ['a']);
    assert.equal(nw.raft(4).isLearner, true);
    // A learner never campaigns, however long it waits.
    nw.isolate(4);
    for (let i = 0; i < 100; i++) nw.tick([4]);
    assert.equal(nw.raft(4).state, StateType.Follower);
    // The learner's progress does not count for the quorum: 1 alone with the learner cannot commit.
    nw.recover();
    nw.isolate(2);
    nw.isolate(3);
    const commit = nw.raft(1).raftLog.committed;
    nw.propose(1, 'b');
    assert.equal(nw.raft(1).raftLog.committed, commit);
  });
});
