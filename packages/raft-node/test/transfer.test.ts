/**
 * Leadership transfer (Raft thesis §3.10): the leader stops accepting proposals, brings the target's log up
 * to date, then sends MsgTimeoutNow so the target campaigns at once — bypassing pre-vote and the
 * CheckQuorum lease, since the old leader is known to have stepped aside.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfChangeType, ErrProposalDropped, MessageType, NONE, StateType } from '../src/internal.js';
import { Network } from './network.js';

function transfer(nw: Network, from: number, to: number): void {
  nw.node(from).rn.transferLeadership(to);
  nw.send(...nw.drain(from));
}

describe('leadership transfer (thesis §3.10)', () => {
  test('to an up-to-date follower: MsgTimeoutNow at once, the target wins the next term', () => {
    const nw = Network.bootstrap(1, [1, 2, 3]);
    nw.campaign(1);
    const term = nw.raft(1).term;
    nw.delivered = [];
    transfer(nw, 1, 2);
    assert.equal(nw.delivered[0]?.type, MessageType.TimeoutNow);
    assert.equal(nw.raft(2).state, StateType.Leader);
    assert.equal(nw.raft(2).term, term + 1);
    assert.equal(nw.raft(1).state, StateType.Follower);
    assert.equal(nw.raft(1).lead, 2);
    // The new leader's first campaign is a real vote (no pre-vote) carrying the transfer context.
    const votes = nw.delivered.filter((m) => m.type === MessageType.Vote);
    assert.ok(votes.length > 0 && votes.every((m) => m.context !== undefined));
    assert.equal(nw.delivered.filter((m) => m.type === MessageType.PreVote).length, 0);
  });

  test('to a lagging follower: catch it up first, then MsgTimeoutNow', () => {
    const nw = Network.bootstrap(1, [1, 2, 3]);
    nw.campaign(1);
    nw.isolate(3);
    for (let i = 0; i < 5; i++) nw.propose(1, `e${i}`);
    nw.recover();
    nw.raft(1).trk.progress.get(3)!.becomeProbe();
    nw.delivered = [];
    transfer(nw, 1, 3);
    const kinds = nw.delivered.filter((m) => m.from === 1 && m.to === 3).map((m) => m.type);
    assert.ok(kinds.indexOf(MessageType.App) < kinds.indexOf(MessageType.TimeoutNow), `${kinds}`);
    assert.equal(nw.raft(3).state, StateType.Leader);
    assert.equal(nw.node(3).applied.length, 5);
  });

  test('proposals are dropped during a transfer, naming the transfer target', () => {
    const nw = Network.bootstrap(1, [1, 2, 3]);
    nw.campaign(1);
    nw.isolate(3);
    transfer(nw, 1, 3);
    assert.equal(nw.raft(1).leadTransferee, 3);
    assert.throws(
      () => nw.propose(1, 'x'),
      (e) => e instanceof ErrProposalDropped && e.leader === 3,
    );
  });

  test('a transfer that does not finish within an election timeout is aborted', () => {
    const nw = Network.bootstrap(1, [1, 2, 3]);
    nw.campaign(1);
    nw.isolate(3);
    transfer(nw, 1, 3);
    const r = nw.raft(1);
    for (let i = 0; i < r.electionTimeout; i++) nw.tick([1, 2]);
    assert.equal(r.leadTransferee, NONE);
    assert.equal(r.state, StateType.Leader);
    nw.propose(1, 'after-abort');
    assert.deepEqual(nw.node(2).applied, ['after-abort']);
  });

  test('a follower forwards the request to the leader', () => {
    const nw = Network.bootstrap(1, [1, 2, 3]);
    nw.campaign(1);
    transfer(nw, 3, 2);
    assert.equal(nw.raft(2).state, StateType.Leader);
  });

  test('transfers to self, to a learner or to a node outside the config are ignored', () => {
    const nw = Network.bootstrap(1, [1, 2, 3]);
    nw.campaign(1);
    transfer(nw, 1, 1);
    assert.equal(nw.raft(1).leadTransferee, NONE);
    transfer(nw, 1, 9);
    assert.equal(nw.raft(1).leadTransferee, NONE);
    nw.proposeConfChange(1, { changes: [{ type: ConfChangeType.AddLearnerNode, nodeId: 4 }] });
    transfer(nw, 1, 4);
    assert.equal(nw.raft(1).leadTransferee, NONE);
    assert.equal(nw.raft(1).state, StateType.Leader);
  });

  test('a second request to another node replaces the first', () => {
    const nw = Network.bootstrap(1, [1, 2, 3]);
    nw.campaign(1);
    nw.isolate(3);
    transfer(nw, 1, 3);
    nw.recover();
    nw.isolate(2);
    nw.node(1).rn.transferLeadership(2);
    nw.drain(1);
    assert.equal(nw.raft(1).leadTransferee, 2);
  });

  test('removing the transfer target aborts the transfer', () => {
    const nw = Network.bootstrap(1, [1, 2, 3]);
    nw.campaign(1);
    nw.isolate(3);
    transfer(nw, 1, 3);
    const r = nw.raft(1);
    assert.equal(r.leadTransferee, 3);
    // The application applies a (committed) removal of node 3 while the transfer is in progress.
    nw.node(1).rn.applyConfChange({ changes: [{ type: ConfChangeType.RemoveNode, nodeId: 3 }] });
    assert.equal(r.leadTransferee, NONE);
  });
});
