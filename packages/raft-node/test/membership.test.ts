/**
 * Membership changes (Raft thesis chapter 4): one voter at a time (§4.1), joint consensus for several
 * changes at once (§4.3) with automatic or explicit leave, learners (§4.2.1), removing the leader (§4.2.2),
 * at most one pending change, and the configuration surviving restarts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CampaignType,
  type ConfChange,
  ConfChangeType,
  ErrInvalidConfChange,
  ErrProposalDropped,
  StateType,
  hup,
} from '../src/internal.js';
import { Network } from './network.js';

const add = (nodeId: number) => ({ type: ConfChangeType.AddNode, nodeId });
const remove = (nodeId: number) => ({ type: ConfChangeType.RemoveNode, nodeId });
const learner = (nodeId: number) => ({ type: ConfChangeType.AddLearnerNode, nodeId });

function leaderOf(nw: Network): number | undefined {
  return [...nw.nodes.keys()].find((id) => nw.raft(id).state === StateType.Leader);
}

describe('single-server changes (thesis §4.1)', () => {
  test('adding a voter grows the quorum', () => {
    const nw = Network.bootstrap(1, [1, 2, 3]);
    nw.campaign(1);
    nw.proposeConfChange(1, { changes: [add(4)] });
    for (const id of [1, 2, 3]) assert.deepEqual(nw.node(id).confState?.voters, [1, 2, 3, 4], `node ${id}`);
    // With 4 voters, the leader and one follower are no longer a quorum.
    nw.isolate(3);
    const commit = nw.raft(1).raftLog.committed;
    nw.propose(1, 'x');
    assert.equal(nw.raft(1).raftLog.committed, commit, 'node 4 is down, 2 of 4 cannot commit');
    nw.snapshotAndCompact(1);
    nw.addNode(4);
    nw.tick();
    nw.tick();
    assert.ok(nw.raft(1).raftLog.committed > commit);
    assert.deepEqual(nw.node(4).applied, ['x']);
  });

  test('removing a follower shrinks the quorum and drops its messages', () => {
    const nw = Network.bootstrap(2, [1, 2, 3]);
    nw.campaign(1);
    nw.proposeConfChange(1, { changes: [remove(3)] });
    assert.deepEqual(nw.node(1).confState?.voters, [1, 2]);
    assert.equal(nw.raft(1).trk.progress.has(3), false);
    nw.isolate(2);
    nw.propose(1, 'needs-2');
    assert.deepEqual(nw.node(1).applied, [], 'a 2-voter config needs both');
    nw.recover();
    nw.tick();
    assert.deepEqual(nw.node(1).applied, ['needs-2']);
  });

  test('a removed leader steps down once the removal is applied, and the rest elect a new leader', () => {
    const nw = Network.bootstrap(3, [1, 2, 3]);
    nw.campaign(1);
    nw.proposeConfChange(1, { changes: [remove(1)] });
    assert.equal(nw.raft(1).state, StateType.Follower);
    assert.equal(nw.raft(1).promotable(), false);
    for (let i = 0; i < 40 && leaderOf(nw) === undefined; i++) nw.tick();
    const l = leaderOf(nw);
    assert.ok(l === 2 || l === 3, `seed ${nw.seed}`);
    nw.propose(l, 'without-1');
    assert.deepEqual(nw.node(l === 2 ? 3 : 2).applied, ['without-1']);
  });

  test('only one conf change may be pending', () => {
    const nw = Network.bootstrap(4, [1, 2, 3]);
    nw.campaign(1);
    nw.isolate(2);
    nw.isolate(3);
    nw.proposeConfChange(1, { changes: [add(4)] });
    assert.throws(
      () => nw.proposeConfChange(1, { changes: [add(5)] }),
      (e) => e instanceof ErrProposalDropped && /unapplied conf change/.test(e.message),
    );
    nw.recover();
    nw.tick();
    nw.proposeConfChange(1, { changes: [add(5)] });
    assert.deepEqual(nw.node(1).confState?.voters, [1, 2, 3, 4, 5]);
  });

  test('a conf change the configuration cannot take is refused identically everywhere', () => {
    const nw = Network.bootstrap(5, [1]);
    nw.campaign(1);
    assert.throws(() => nw.node(1).rn.applyConfChange({ changes: [remove(1)] }), ErrInvalidConfChange);
    assert.throws(() => nw.node(1).rn.applyConfChange({ changes: [] }), ErrInvalidConfChange);
    assert.deepEqual(nw.raft(1).trk.voterNodes(), [1], 'a refused change leaves the config alone');
  });
});

describe('joint consensus (thesis §4.3)', () => {
  test('several changes go through a joint configuration that is left automatically', () => {
    const nw = Network.bootstrap(6, [1, 2, 3]);
    nw.campaign(1);
    nw.proposeConfChange(1, { changes: [add(4), add(5), remove(3)] });
    // The joint config (1 2 4 5)&&(1 2 3) is in force; the leader has proposed leaving it, but the
    // incoming half has no majority until 4 and 5 exist.
    assert.deepEqual(nw.node(1).confState?.votersOutgoing, [1, 2, 3]);
    assert.equal(nw.node(1).confState?.autoLeave, true);
    nw.snapshotAndCompact(1);
    nw.addNode(4);
    nw.addNode(5);
    for (let i = 0; i < 3; i++) nw.tick();
    for (const id of [1, 2, 4, 5]) {
      const cs = nw.node(id).confState!;
      assert.deepEqual(cs.voters, [1, 2, 4, 5], `node ${id}`);
      assert.deepEqual(cs.votersOutgoing, [], `node ${id} left the joint config`);
    }
    nw.propose(1, 'new-config');
    assert.deepEqual(nw.node(5).applied, ['new-config']);
  });

  test('in a joint configuration both majorities are needed to commit', () => {
    const nw = Network.bootstrap(7, [1, 2, 3]);
    nw.campaign(1);
    // C_old,new = (1 2 4 5)&&(1 2 3), kept joint (explicit); 4 and 5 do not exist yet.
    nw.proposeConfChange(1, { changes: [add(4), add(5), remove(3)], transition: 'explicit' });
    const cs = nw.node(1).confState!;
    assert.deepEqual(cs.voters, [1, 2, 4, 5]);
    assert.deepEqual(cs.votersOutgoing, [1, 2, 3]);
    assert.equal(nw.raft(1).trk.isJoint(), true);
    // (1 2 3) has a majority, (1 2 4 5) does not: nothing commits.
    const commit = nw.raft(1).raftLog.committed;
    nw.propose(1, 'x');
    assert.equal(nw.raft(1).raftLog.committed, commit);
    nw.snapshotAndCompact(1, commit);
    nw.addNode(4);
    for (let i = 0; i < 3; i++) nw.tick();
    assert.ok(nw.raft(1).raftLog.committed > commit, '1 2 4 is a majority of (1 2 4 5), 1 2 of (1 2 3)');
  });

  test('an explicit joint configuration is left only by an empty conf change', () => {
    const nw = Network.bootstrap(8, [1, 2, 3]);
    nw.campaign(1);
    nw.proposeConfChange(1, { changes: [learner(4), remove(3)], transition: 'explicit' });
    assert.equal(nw.raft(1).trk.isJoint(), true);
    assert.throws(
      () => nw.proposeConfChange(1, { changes: [add(6)] }),
      (e) => e instanceof ErrProposalDropped && /joint/.test(e.message),
    );
    nw.proposeConfChange(1, { changes: [] });
    const cs = nw.node(2).confState!;
    assert.deepEqual(cs.voters, [1, 2]);
    assert.deepEqual(cs.learners, [4]);
    assert.deepEqual(cs.votersOutgoing, []);
    assert.throws(
      () => nw.proposeConfChange(1, { changes: [] }),
      (e) => e instanceof ErrProposalDropped && /not in joint state/.test(e.message),
    );
  });

  test('demoting a voter to learner in a joint config stages it in learnersNext', () => {
    const nw = Network.bootstrap(9, [1, 2, 3]);
    nw.campaign(1);
    nw.proposeConfChange(1, { changes: [learner(3)], transition: 'explicit' });
    const cs = nw.node(1).confState!;
    assert.deepEqual(cs.voters, [1, 2]);
    assert.deepEqual(cs.votersOutgoing, [1, 2, 3]);
    assert.deepEqual(cs.learnersNext, [3]);
    nw.proposeConfChange(1, { changes: [] });
    assert.deepEqual(nw.node(3).confState?.learners, [3]);
    assert.equal(nw.raft(3).isLearner, true);
  });

  test('promoting a learner to voter', () => {
    const nw = Network.bootstrap(10, [1, 2, 3]);
    nw.campaign(1);
    nw.proposeConfChange(1, { changes: [learner(4)] });
    nw.snapshotAndCompact(1);
    nw.addNode(4);
    nw.tick();
    assert.equal(nw.raft(4).isLearner, true);
    nw.proposeConfChange(1, { changes: [add(4)] });
    assert.equal(nw.raft(4).isLearner, false);
    assert.deepEqual(nw.node(4).confState?.voters, [1, 2, 3, 4]);
  });
});

describe('configuration and restarts', () => {
  test('a restarted node rebuilds its configuration from the snapshot and replayed conf changes', () => {
    const nw = Network.bootstrap(11, [1, 2, 3]);
    nw.campaign(1);
    nw.proposeConfChange(1, { changes: [add(4)] });
    nw.snapshotAndCompact(2);
    nw.proposeConfChange(1, { changes: [remove(4)] });
    nw.restart(2);
    // The snapshot has (1 2 3 4); replaying the committed removal brings it to (1 2 3).
    nw.deliverAll();
    assert.deepEqual(nw.node(2).confState?.voters, [1, 2, 3]);
    assert.deepEqual(nw.raft(2).trk.voterNodes(), [1, 2, 3]);
  });

  test('a node does not campaign while committed conf changes are unapplied', () => {
    const nw = Network.bootstrap(12, [1, 2, 3]);
    nw.campaign(1);
    const cc: ConfChange = { changes: [add(4)] };
    // Node 2 receives and commits the change but its application has not applied it yet.
    nw.node(1).rn.proposeConfChange(cc);
    nw.send(...nw.drain(1));
    const r2 = nw.raft(2);
    assert.ok(r2.raftLog.applied >= r2.raftLog.committed, 'the helper applied everything');
    r2.raftLog.applied = r2.raftLog.committed - 1;
    r2.raftLog.applying = r2.raftLog.applied;
    hup(r2, CampaignType.Election);
    assert.equal(r2.state, StateType.Follower);
  });
});
