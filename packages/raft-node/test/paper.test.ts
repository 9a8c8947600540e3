/**
 * The Raft paper, sentence by sentence (etcd raft_paper_test.go). Each test cites its section of "In Search
 * of an Understandable Consensus Algorithm" (Ongaro & Ousterhout) and has init, test and check parts.
 * Sections 5.2–5.4 are tested on bare Raft instances without pre-vote or CheckQuorum (the paper's plain
 * protocol); Figure 3's safety properties are checked on randomized, seeded runs of whole clusters.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { seededRng } from '@kubelab/clock';
import {
  type Entry,
  ErrProposalDropped,
  type Message,
  MessageType,
  type Raft,
  RawNode,
  StateType,
  bcastAppend,
} from '../src/internal.js';
import { entry, entsWithTerms, ids, msg, newTestRaft, readMessages, storageWithPeers } from './helpers.js';
import { Network, utf8 } from './network.js';

/** Message fields worth comparing, with entries as "term/index[:data]". */
function pick(m: Message) {
  return {
    type: m.type,
    from: m.from,
    to: m.to,
    term: m.term,
    logTerm: m.logTerm,
    index: m.index,
    commit: m.commit,
    reject: m.reject,
    rejectHint: m.rejectHint,
    entries: ids(m.entries),
  };
}
type Want = Partial<ReturnType<typeof pick>> & { type: MessageType; to: number };
function want(w: Want) {
  return {
    from: 1,
    term: 0,
    logTerm: 0,
    index: 0,
    commit: 0,
    reject: false,
    rejectHint: 0,
    entries: [] as string[],
    ...w,
  };
}
const sorted = (msgs: Message[]) => msgs.map(pick).sort((a, b) => a.to - b.to || a.type - b.type);

/** Makes a new leader commit its no-op (etcd commitNoopEntry): every follower accepts the first MsgApp. */
function commitNoopEntry(r: Raft): void {
  assert.equal(r.state, StateType.Leader);
  bcastAppend(r);
  for (const m of readMessages(r)) {
    assert.ok(m.type === MessageType.App && m.entries.length === 1 && m.entries[0]!.data.byteLength === 0);
    r.step(acceptAndReply(m));
  }
  readMessages(r); // the appends refreshing the followers' commit index
  r.raftLog.appliedTo(r.raftLog.committed);
}

function acceptAndReply(m: Message): Message {
  assert.equal(m.type, MessageType.App);
  return msg({
    type: MessageType.AppResp,
    from: m.to,
    to: m.from,
    term: m.term,
    index: m.index + m.entries.length,
  });
}

const prop = (data = 'some data') =>
  msg({ type: MessageType.Prop, from: 1, to: 1, entries: [entry(0, 0, data)] });

const peersOf = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('§5.1 terms', () => {
  for (const state of [StateType.Follower, StateType.Candidate, StateType.Leader]) {
    test(`a ${state === 0 ? 'follower' : state === 1 ? 'candidate' : 'leader'} seeing a larger term adopts it and becomes follower`, () => {
      // Reference: §5.1 "If one server's current term is smaller than the other's, then it updates its
      // current term to the larger value. If a candidate or leader discovers that its term is out of date,
      // it immediately reverts to follower state."
      const r = newTestRaft(1, 10, 1, storageWithPeers([1, 2, 3]));
      if (state === StateType.Follower) r.becomeFollower(1, 2);
      else r.becomeCandidate();
      if (state === StateType.Leader) r.becomeLeader();
      r.step(msg({ type: MessageType.App, to: 1, from: 2, term: 2 }));
      assert.equal(r.term, 2);
      assert.equal(r.state, StateType.Follower);
    });
  }

  test('a request with a stale term number is rejected', () => {
    // Reference: §5.1 "If a server receives a request with a stale term number, it rejects the request."
    const r = newTestRaft(1, 10, 1, storageWithPeers([1, 2, 3]));
    let called = false;
    r.stepFn = () => {
      called = true;
    };
    r.loadState({ term: 2, vote: 0, commit: 0 });
    r.step(msg({ type: MessageType.App, to: 1, from: 2, term: 1 }));
    assert.equal(called, false);
  });
});

describe('§5.2 leader election', () => {
  test('servers start up as followers', () => {
    // Reference: §5.2 "When servers start up, they begin as followers."
    const r = newTestRaft(1, 10, 1, storageWithPeers([1, 2, 3]));
    assert.equal(r.state, StateType.Follower);
  });

  test('the leader sends heartbeats every heartbeat interval', () => {
    // Reference: §5.2 "Leaders send periodic heartbeats (AppendEntries RPCs that carry no log entries) to
    // all followers in order to maintain their authority."
    const r = newTestRaft(1, 10, 1, storageWithPeers([1, 2, 3]));
    r.becomeCandidate();
    r.becomeLeader();
    r.tick();
    assert.deepEqual(sorted(readMessages(r)), [
      want({ type: MessageType.Heartbeat, to: 2, term: 1 }),
      want({ type: MessageType.Heartbeat, to: 3, term: 1 }),
    ]);
  });

  for (const state of [StateType.Follower, StateType.Candidate]) {
    test(`a ${state === 0 ? 'follower' : 'candidate'} times out and starts a new election`, () => {
      // Reference: §5.2 "If a follower receives no communication over a period of time called the election
      // timeout, then it assumes there is no viable leader and begins an election"; "A candidate [...] times
      // out and starts a new election by incrementing its term and initiating another round of
      // RequestVote RPCs."
      const et = 10;
      const r = newTestRaft(1, et, 1, storageWithPeers([1, 2, 3]));
      if (state === StateType.Follower) r.becomeFollower(1, 2);
      else r.becomeCandidate();
      for (let i = 1; i < 2 * et; i++) r.tick();
      assert.equal(r.term, 2);
      assert.equal(r.state, StateType.Candidate);
      assert.equal(r.trk.votes.get(1), true, 'votes for itself');
      assert.deepEqual(sorted(readMessages(r)), [
        want({ type: MessageType.Vote, to: 2, term: 2 }),
        want({ type: MessageType.Vote, to: 3, term: 2 }),
      ]);
    });
  }

  const cases: [number, Record<number, boolean>, StateType][] = [
    // Win with votes from a majority.
    [1, {}, StateType.Leader],
    [3, { 2: true, 3: true }, StateType.Leader],
    [3, { 2: true }, StateType.Leader],
    [5, { 2: true, 3: true, 4: true, 5: true }, StateType.Leader],
    [5, { 2: true, 3: true, 4: true }, StateType.Leader],
    [5, { 2: true, 3: true }, StateType.Leader],
    // Back to follower on denial from a majority.
    [3, { 2: false, 3: false }, StateType.Follower],
    [5, { 2: false, 3: false, 4: false, 5: false }, StateType.Follower],
    [5, { 2: true, 3: false, 4: false, 5: false }, StateType.Follower],
    // Still a candidate without a majority either way.
    [3, {}, StateType.Candidate],
    [5, { 2: true }, StateType.Candidate],
    [5, { 2: false, 3: false }, StateType.Candidate],
    [5, {}, StateType.Candidate],
  ];
  for (const [size, votes, wstate] of cases) {
    test(`election in one round: size ${size}, votes ${JSON.stringify(votes)} → state ${wstate}`, () => {
      // Reference: §5.2 "A candidate wins an election if it receives votes from a majority of the servers in
      // the full cluster for the same term."; "[...] or a period of time goes by with no winner."
      const r = newTestRaft(1, 10, 1, storageWithPeers(peersOf(size)));
      r.step(msg({ type: MessageType.Hup, to: 1, from: 1 }));
      for (const [id, v] of Object.entries(votes)) {
        r.step(msg({ type: MessageType.VoteResp, from: Number(id), to: 1, term: r.term, reject: !v }));
      }
      assert.equal(r.state, wstate);
      assert.equal(r.term, 1);
    });
  }

  const voteCases: [number, number, boolean][] = [
    [0, 2, false],
    [0, 3, false],
    [2, 2, false],
    [3, 3, false],
    [2, 3, true],
    [3, 2, true],
  ];
  for (const [vote, nvote, wreject] of voteCases) {
    test(`a follower votes at most once per term (voted ${vote}, asked by ${nvote})`, () => {
      // Reference: §5.2 "each server will vote for at most one candidate in a given term, on a first-come-
      // first-served basis."
      const r = newTestRaft(1, 10, 1, storageWithPeers([1, 2, 3]));
      r.loadState({ term: 1, vote, commit: 0 });
      r.step(msg({ type: MessageType.Vote, from: nvote, to: 1, term: 1 }));
      assert.deepEqual(sorted(readMessages(r)), [
        want({ type: MessageType.VoteResp, to: nvote, term: 1, reject: wreject }),
      ]);
    });
  }

  for (const term of [1, 2]) {
    test(`a candidate falls back to follower on an AppendEntries of term ${term}`, () => {
      // Reference: §5.2 "If the leader's term (included in its RPC) is at least as large as the candidate's
      // current term, then the candidate recognizes the leader as legitimate and returns to follower state."
      const r = newTestRaft(1, 10, 1, storageWithPeers([1, 2, 3]));
      r.step(msg({ type: MessageType.Hup, to: 1, from: 1 }));
      assert.equal(r.state, StateType.Candidate);
      r.step(msg({ type: MessageType.App, from: 2, to: 1, term }));
      assert.equal(r.state, StateType.Follower);
      assert.equal(r.term, term);
    });
  }

  for (const state of [StateType.Follower, StateType.Candidate]) {
    test(`election timeouts are randomized in [T, 2T-1] (${state === 0 ? 'follower' : 'candidate'})`, () => {
      // Reference: §5.2 "Raft uses randomized election timeouts to ensure that split votes are rare."
      const et = 10;
      const r = newTestRaft(1, et, 1, storageWithPeers([1, 2, 3]));
      const seen = new Set<number>();
      for (let round = 0; round < 50 * et; round++) {
        if (state === StateType.Follower) r.becomeFollower(r.term + 1, 2);
        else r.becomeCandidate();
        let time = 0;
        while (readMessages(r).length === 0) {
          r.tick();
          time++;
        }
        seen.add(time);
      }
      for (let d = et; d < 2 * et; d++) assert.ok(seen.has(d), `timeout ${d} never drawn`);
      assert.ok(!seen.has(et - 1) && !seen.has(2 * et), 'timeout out of range');
    });

    test(`in most cases only a single server times out first (${state === 0 ? 'follower' : 'candidate'})`, () => {
      // Reference: §5.2 "election timeouts are chosen randomly from a fixed interval [...] This spreads out
      // the servers so that in most cases only a single server will time out."
      const et = 10;
      const peers = peersOf(5);
      const rs = peers.map((id) => newTestRaft(id, et, 1, storageWithPeers(peers)));
      let conflicts = 0;
      for (let round = 0; round < 1000; round++) {
        for (const r of rs) {
          if (state === StateType.Follower) r.becomeFollower(r.term + 1, 0);
          else r.becomeCandidate();
        }
        let timedOut = 0;
        while (timedOut === 0) {
          for (const r of rs) {
            r.tick();
            if (readMessages(r).length > 0) timedOut++;
          }
        }
        if (timedOut > 1) conflicts++;
      }
      assert.ok(conflicts / 1000 <= 0.3, `conflict rate ${conflicts / 1000} > 0.3`);
    });
  }
});

describe('§5.3 log replication', () => {
  test('the leader appends a proposal to its log and sends AppendEntries to every follower', () => {
    // Reference: §5.3 "The leader appends the command to its log as a new entry, then issues AppendEntries
    // RPCs in parallel to each of the other servers to replicate the entry."
    const r = newTestRaft(1, 10, 1, storageWithPeers([1, 2, 3]));
    r.becomeCandidate();
    r.becomeLeader();
    commitNoopEntry(r);
    const li = r.raftLog.lastIndex();
    r.step(prop());
    assert.equal(r.raftLog.lastIndex(), li + 1);
    assert.equal(r.raftLog.committed, li);
    const ents = [`1/${li + 1}:some data`];
    assert.deepEqual(sorted(readMessages(r)), [
      want({ type: MessageType.App, to: 2, term: 1, index: li, logTerm: 1, entries: ents, commit: li }),
      want({ type: MessageType.App, to: 3, term: 1, index: li, logTerm: 1, entries: ents, commit: li }),
    ]);
    assert.deepEqual(ids(r.raftLog.nextUnstableEnts()).at(-1), ents[0]);
  });

  test('an entry replicated on a majority is committed and the commit index is sent to followers', () => {
    // Reference: §5.3 "When the entry has been safely replicated, the leader applies the entry to its state
    // machine and returns the result of that execution to the client."; "the leader keeps track of the
    // highest index it knows to be committed, and it includes that index in future AppendEntries RPCs."
    const r = newTestRaft(1, 10, 1, storageWithPeers([1, 2, 3]));
    r.becomeCandidate();
    r.becomeLeader();
    commitNoopEntry(r);
    const li = r.raftLog.lastIndex();
    r.step(prop());
    for (const m of readMessages(r)) r.step(acceptAndReply(m));
    assert.equal(r.raftLog.committed, li + 1);
    assert.deepEqual(ids(r.raftLog.nextCommittedEnts()), [`1/${li + 1}:some data`]);
    const msgs = sorted(readMessages(r));
    assert.deepEqual(
      msgs.map((m) => [m.to, m.type, m.commit]),
      [
        [2, MessageType.App, li + 1],
        [3, MessageType.App, li + 1],
      ],
    );
  });

  const ackCases: [number, number[], boolean][] = [
    [1, [], true],
    [3, [], false],
    [3, [2], true],
    [3, [2, 3], true],
    [5, [], false],
    [5, [2], false],
    [5, [2, 3], true],
    [5, [2, 3, 4], true],
    [5, [2, 3, 4, 5], true],
  ];
  for (const [size, acceptors, wack] of ackCases) {
    test(`commit needs a majority: size ${size}, acks from [${acceptors}] → ${wack}`, () => {
      // Reference: §5.3 "A log entry is committed once the leader that created the entry has replicated it
      // on a majority of the servers."
      const r = newTestRaft(1, 10, 1, storageWithPeers(peersOf(size)));
      r.becomeCandidate();
      r.becomeLeader();
      commitNoopEntry(r);
      const li = r.raftLog.lastIndex();
      r.step(prop());
      for (const m of readMessages(r)) if (acceptors.includes(m.to)) r.step(acceptAndReply(m));
      assert.equal(r.raftLog.committed > li, wack);
    });
  }

  for (const prior of [[], [2], [1, 2], [1]]) {
    test(`committing an entry commits all preceding ones (prior terms [${prior}])`, () => {
      // Reference: §5.3 "This also commits all preceding entries in the leader's log, including entries
      // created by previous leaders."
      const s = storageWithPeers([1, 2, 3]);
      s.append(entsWithTerms(prior));
      const r = newTestRaft(1, 10, 1, s);
      r.loadState({ term: 2, vote: 0, commit: 0 });
      r.becomeCandidate();
      r.becomeLeader();
      r.step(prop());
      for (const m of readMessages(r)) r.step(acceptAndReply(m));
      const li = prior.length;
      const wents = [...ids(entsWithTerms(prior)), `3/${li + 1}`, `3/${li + 2}:some data`];
      assert.deepEqual(ids(r.raftLog.nextCommittedEnts()), wents);
    });
  }

  const followerCommitCases: [Entry[], number][] = [
    [[entry(1, 1, 'some data')], 1],
    [[entry(1, 1, 'some data'), entry(1, 2, 'some data2')], 2],
    [[entry(1, 1, 'some data2'), entry(1, 2, 'some data')], 2],
    [[entry(1, 1, 'some data'), entry(1, 2, 'some data2')], 1],
  ];
  for (const [ents, commit] of followerCommitCases) {
    test(`a follower applies entries the leader committed (${ents.length} entries, commit ${commit})`, () => {
      // Reference: §5.3 "Once a follower learns that a log entry is committed, it applies the entry to its
      // local state machine (in log order)."
      const r = newTestRaft(1, 10, 1, storageWithPeers([1, 2, 3]));
      r.becomeFollower(1, 2);
      r.step(msg({ type: MessageType.App, from: 2, to: 1, term: 1, entries: ents, commit }));
      assert.equal(r.raftLog.committed, commit);
      assert.deepEqual(ids(r.raftLog.nextCommittedEnts()), ids(ents.slice(0, commit)));
    });
  }

  const checkCases: [number, number, number, boolean, number, number][] = [
    // [logTerm, index, windex, wreject, wrejectHint, wlogTerm]
    [0, 0, 1, false, 0, 0], // matches committed entries
    [1, 1, 1, false, 0, 0],
    [2, 2, 2, false, 0, 0], // matches uncommitted entries
    [1, 2, 2, true, 1, 1], // mismatch with an existing entry
    [3, 3, 3, true, 2, 2], // entry does not exist
  ];
  for (const [logTerm, index, windex, wreject, wrejectHint, wlogTerm] of checkCases) {
    test(`a follower refuses AppendEntries without a matching entry (${logTerm}/${index})`, () => {
      // Reference: §5.3 "If the follower does not find an entry in its log with the same index and term,
      // then it refuses the new entries."
      const s = storageWithPeers([1, 2, 3]);
      s.append(entsWithTerms([1, 2]));
      const r = newTestRaft(1, 10, 1, s);
      r.loadState({ term: 0, vote: 0, commit: 1 });
      r.becomeFollower(2, 2);
      r.step(msg({ type: MessageType.App, from: 2, to: 1, term: 2, logTerm, index }));
      assert.deepEqual(sorted(readMessages(r)), [
        want({
          type: MessageType.AppResp,
          to: 2,
          term: 2,
          index: windex,
          reject: wreject,
          rejectHint: wrejectHint,
          logTerm: wlogTerm,
        }),
      ]);
    });
  }

  const appendCases: [number, number, Entry[], string[], string[]][] = [
    [2, 2, entsWithTerms([3], 3), ['1/1', '2/2', '3/3'], ['3/3']],
    [1, 1, entsWithTerms([3, 4], 2), ['1/1', '3/2', '4/3'], ['3/2', '4/3']],
    [0, 0, entsWithTerms([1], 1), ['1/1', '2/2'], []],
    [0, 0, entsWithTerms([3], 1), ['3/1'], ['3/1']],
  ];
  for (const [index, logTerm, ents, wents, wunstable] of appendCases) {
    test(`a follower deletes conflicting entries and appends new ones (at ${logTerm}/${index})`, () => {
      // Reference: §5.3 "If an existing entry conflicts with a new one (same index but different terms),
      // delete the existing entry and all that follow it; append any new entries not already in the log."
      const s = storageWithPeers([1, 2, 3]);
      s.append(entsWithTerms([1, 2]));
      const r = newTestRaft(1, 10, 1, s);
      r.becomeFollower(2, 2);
      r.step(msg({ type: MessageType.App, from: 2, to: 1, term: 2, logTerm, index, entries: ents }));
      assert.deepEqual(ids(r.raftLog.allEntries()), wents);
      assert.deepEqual(ids(r.raftLog.nextUnstableEnts()), wunstable);
    });
  }

  // Figure 7's follower logs (a)–(f) against the leader's log at term 8.
  const leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
  const followerLogs = [
    [1, 1, 1, 4, 4, 5, 5, 6, 6],
    [1, 1, 1, 4],
    [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
    [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
    [1, 1, 1, 4, 4, 4, 4],
    [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
  ];
  followerLogs.forEach((flog, i) => {
    test(`the leader brings follower log (${'abcdef'[i]}) of Figure 7 into consistency`, () => {
      // Reference: §5.3 "In Raft, the leader handles inconsistencies by forcing the followers' logs to
      // duplicate its own."; "the leader must find the latest log entry where the two logs agree, delete any
      // entries in the follower's log after that point, and send the follower all of the leader's entries
      // after that point."
      const term = 8;
      const nw = new Network(i + 1, { preVote: false, checkQuorum: false });
      const ls = storageWithPeers([1, 2, 3]);
      ls.append(entsWithTerms(leaderLog));
      ls.setHardState({ term, vote: 0, commit: leaderLog.length });
      nw.addNode(1, ls);
      const fs = storageWithPeers([1, 2, 3]);
      fs.append(entsWithTerms(flog));
      fs.setHardState({ term: term - 1, vote: 0, commit: 0 });
      nw.addNode(2, fs);
      // Node 3 is down; the leader needs its vote since 2's log may be more up to date.
      nw.campaign(1);
      nw.send(msg({ type: MessageType.VoteResp, from: 3, to: 1, term: term + 1 }));
      nw.propose(1, 'x');
      const l = ids(nw.raft(1).raftLog.allEntries());
      const f = ids(nw.raft(2).raftLog.allEntries());
      assert.deepEqual(f, l, nw.trace());
    });
  });
});

describe('§5.4 safety', () => {
  for (const [terms, wterm] of [
    [[1], 2],
    [[1, 2], 3],
  ] as const) {
    test(`RequestVote carries the candidate's last log index and term (log ${terms})`, () => {
      // Reference: §5.4.1 "The RequestVote RPC implements this restriction: the RPC includes information
      // about the candidate's log, and the voter denies its vote if its own log is more up-to-date than that
      // of the candidate."
      const r = newTestRaft(1, 10, 1, storageWithPeers([1, 2, 3]));
      r.step(
        msg({ type: MessageType.App, from: 2, to: 1, term: wterm - 1, entries: entsWithTerms([...terms]) }),
      );
      readMessages(r);
      for (let i = 1; i < r.electionTimeout * 2; i++) r.tick();
      const msgs = sorted(readMessages(r));
      assert.equal(msgs.length, 2);
      msgs.forEach((m, i) => {
        assert.equal(m.type, MessageType.Vote);
        assert.equal(m.to, i + 2);
        assert.equal(m.term, wterm);
        assert.equal(m.index, terms.length);
        assert.equal(m.logTerm, terms[terms.length - 1]);
      });
    });
  }

  const voterCases: [number[], number, number, boolean][] = [
    // same last term
    [[1], 1, 1, false],
    [[1], 1, 2, false],
    [[1, 1], 1, 1, true],
    // candidate has a higher last term
    [[1], 2, 1, false],
    [[1], 2, 2, false],
    [[1, 1], 2, 1, false],
    // voter has a higher last term
    [[2], 1, 1, true],
    [[2], 1, 2, true],
    [[2, 1], 1, 1, true],
  ];
  for (const [terms, logTerm, index, wreject] of voterCases) {
    test(`the voter denies a less up-to-date candidate (voter ${terms}, candidate ${logTerm}/${index})`, () => {
      // Reference: §5.4.1 "If the logs have last entries with different terms, then the log with the later
      // term is more up-to-date. If the logs end with the same term, then whichever log is longer is more
      // up-to-date."
      const s = storageWithPeers([1, 2]);
      s.append(entsWithTerms(terms));
      const r = newTestRaft(1, 10, 1, s);
      r.step(msg({ type: MessageType.Vote, from: 2, to: 1, term: 3, logTerm, index }));
      const msgs = readMessages(r);
      assert.equal(msgs.length, 1);
      assert.equal(msgs[0]!.type, MessageType.VoteResp);
      assert.equal(msgs[0]!.reject, wreject);
    });
  }

  for (const [index, wcommit] of [
    [1, 0],
    [2, 0],
    [3, 3],
  ] as const) {
    test(`a leader only commits entries of its current term by counting replicas (ack ${index})`, () => {
      // Reference: §5.4.2 "Raft never commits log entries from previous terms by counting replicas. Only log
      // entries from the leader's current term are committed by counting replicas."
      const s = storageWithPeers([1, 2]);
      s.append(entsWithTerms([1, 2]));
      const r = newTestRaft(1, 10, 1, s);
      r.loadState({ term: 2, vote: 0, commit: 0 });
      r.becomeCandidate();
      r.becomeLeader();
      readMessages(r);
      r.step(prop(''));
      r.step(msg({ type: MessageType.AppResp, from: 2, to: 1, term: r.term, index }));
      assert.equal(r.raftLog.committed, wcommit);
    });
  }
});

describe('thesis §10.2.1 writing to the leader’s disk in parallel', () => {
  // Reference: thesis §10.2.1 "the leader can write to its disk in parallel with replicating to the
  // followers [...] the leader may even commit an entry before it has been written to its own disk, if a
  // majority of followers have written it to their disks." This core counts the leader's own entries at
  // append (etcd raft before its async storage writes): a follower's durable acknowledgement commits an
  // entry whose Ready, on the leader, is still being persisted. The Ready contract keeps that safe: the
  // commit surfaces (committed entries to apply, commit index to followers) only in a later Ready, which a
  // driver takes after the first one's write completed, so nothing acts on the entry before a majority,
  // leader included, has it durable.
  test("a follower's acknowledgement commits an entry the leader has not yet persisted; the commit surfaces in the next Ready", () => {
    const s = storageWithPeers([1, 2, 3]);
    const rn = new RawNode({ id: 1, storage: s, rng: seededRng(1), preVote: false });
    rn.campaign();
    let rd = rn.ready();
    s.saveSync(rd);
    rn.advance(rd);
    for (const from of [2, 3])
      rn.step(msg({ type: MessageType.VoteResp, from, to: 1, term: rd.hardState!.term }));
    // The leader's no-op, committed by everyone.
    const commitAll = () => {
      const r = rn.ready();
      s.saveSync(r);
      for (const m of r.messages) {
        if (m.type !== MessageType.App) continue;
        const last = m.entries.at(-1)?.index ?? m.index;
        rn.step(msg({ type: MessageType.AppResp, from: m.to, to: 1, term: m.term, index: last }));
      }
      rn.advance(r);
    };
    commitAll();
    commitAll();
    const term = rn.status().term;
    const before = rn.status().commit;

    rn.propose(utf8('x'));
    const rd1 = rn.ready(); // the leader's write of x starts; its MsgApps may leave before it ends
    assert.deepEqual(ids(rd1.entries), [`${term}/${before + 1}:x`]);
    assert.ok(rd1.mustSync);
    const app = rd1.messages.find((m) => m.type === MessageType.App && m.to === 2)!;
    // Follower 2 has x durably and says so, while rd1 is not persisted (no saveSync, no advance yet).
    rn.step(msg({ type: MessageType.AppResp, from: 2, to: 1, term, index: app.entries.at(-1)!.index }));
    assert.equal(rn.status().commit, before + 1, 'committed: leader (counted at append) + follower 2');
    assert.equal(s.lastIndex(), before, 'x is not in the leader’s storage yet');

    // The driver finishes rd1 (write, then advance) before it asks for the next Ready: only that one
    // hands out x to apply and tells the followers that x is committed.
    s.saveSync(rd1);
    rn.advance(rd1);
    rd = rn.ready();
    assert.deepEqual(ids(rd.committedEntries), [`${term}/${before + 1}:x`]);
    assert.equal(rd.hardState?.commit, before + 1);
    const commits = rd.messages.filter((m) => m.type === MessageType.App).map((m) => [m.to, m.commit]);
    assert.deepEqual(commits, [
      [2, before + 1],
      [3, before + 1],
    ]);
  });

  /** A leader of three (leaderCountsDurableOnly) whose no-op is committed everywhere; x proposed, rd1 taken. */
  function durableOnlyLeaderWithX() {
    const s = storageWithPeers([1, 2, 3]);
    const rn = new RawNode({
      id: 1,
      storage: s,
      rng: seededRng(1),
      preVote: false,
      leaderCountsDurableOnly: true,
    });
    rn.campaign();
    const rd0 = rn.ready();
    s.saveSync(rd0);
    rn.advance(rd0);
    for (const from of [2, 3])
      rn.step(msg({ type: MessageType.VoteResp, from, to: 1, term: rd0.hardState!.term }));
    for (let i = 0; i < 2; i++) {
      const r = rn.ready();
      s.saveSync(r);
      for (const m of r.messages) {
        if (m.type !== MessageType.App) continue;
        const last = m.entries.at(-1)?.index ?? m.index;
        rn.step(msg({ type: MessageType.AppResp, from: m.to, to: 1, term: m.term, index: last }));
      }
      rn.advance(r);
    }
    const term = rn.status().term;
    const before = rn.status().commit;
    assert.equal(before, s.lastIndex(), 'the no-op is committed');
    rn.propose(utf8('x'));
    const rd1 = rn.ready(); // the leader's write of x starts; its MsgApps leave
    const x = before + 1;
    assert.deepEqual(ids(rd1.entries), [`${term}/${x}:x`]);
    const ack = (from: number) => rn.step(msg({ type: MessageType.AppResp, from, to: 1, term, index: x }));
    return { s, rn, rd1, x, ack };
  }

  test('leaderCountsDurableOnly: a majority of followers commits an entry whose leader write is still in flight', () => {
    const { s, rn, rd1, x, ack } = durableOnlyLeaderWithX();
    ack(2);
    assert.equal(rn.status().commit, x - 1, 'one follower + a leader without x on disk is no majority');
    ack(3);
    assert.equal(rn.status().commit, x, 'followers 2 and 3 have x durably: a majority of three');
    // The application may apply it now (it is durable on a majority), before its own write of rd1 ends.
    rn.advanceApplied(rd1);
    const rd2 = rn.ready();
    assert.deepEqual(
      rd2.committedEntries.map((e) => e.index),
      [x],
    );
    assert.equal(s.lastIndex(), x - 1, 'x is still not in the leader’s storage');
    rn.advanceApplied(rd2);
    s.saveSync(rd1);
    rn.advancePersisted(rd1);
    s.saveSync(rd2);
    rn.advancePersisted(rd2);
    assert.equal(rn.status().commit, x);
  });

  test('leaderCountsDurableOnly: the leader counts itself once its write is reported durable', () => {
    const { s, rn, rd1, x, ack } = durableOnlyLeaderWithX();
    ack(2);
    rn.advanceApplied(rd1);
    assert.equal(rn.status().commit, x - 1, 'the leader’s write is in flight');
    assert.equal(rn.ready().committedEntries.length, 0, 'nothing to apply');
    s.saveSync(rd1);
    rn.advancePersisted(rd1);
    assert.equal(rn.status().commit, x, 'leader (durable) + follower 2');
    const rd = rn.ready();
    assert.deepEqual(
      rd.committedEntries.map((e) => e.index),
      [x],
    );
    const commits = rd.messages.filter((m) => m.type === MessageType.App).map((m) => [m.to, m.commit]);
    assert.deepEqual(commits, [
      [2, x],
      [3, x],
    ]);
  });

  test('without a follower acknowledgement nothing commits, however long the leader’s own write takes', () => {
    const s = storageWithPeers([1, 2, 3]);
    const rn = new RawNode({ id: 1, storage: s, rng: seededRng(1), preVote: false });
    rn.campaign();
    const rd = rn.ready();
    s.saveSync(rd);
    rn.advance(rd);
    for (const from of [2, 3])
      rn.step(msg({ type: MessageType.VoteResp, from, to: 1, term: rd.hardState!.term }));
    const rd1 = rn.ready(); // the no-op
    s.saveSync(rd1);
    rn.advance(rd1);
    const noop = rd1.entries[0]!.index;
    assert.ok(rn.status().commit < noop, 'the leader alone is no majority of three');
    assert.equal(s.lastIndex(), noop, 'though the no-op is durable on the leader');
    assert.equal(rn.hasReady(), false);
  });
});

describe('Figure 3: safety properties under random faults', () => {
  // Checked after every step of seeded random runs: ticks, proposals, drops, partitions, restarts.
  // RAFT_SIM_SEEDS="100-299" runs more seeds (CI: a fixed set plus random ones).
  const range = (process.env.RAFT_SIM_SEEDS ?? '1-8').split('-').map(Number);
  const seeds = Array.from({ length: range[1]! - range[0]! + 1 }, (_, i) => range[0]! + i);
  for (const seed of seeds) {
    test(`election safety, leader append-only, log matching, leader completeness, state machine safety (seed ${seed})`, () => {
      runSafetySimulation(seed, 1500);
    });
  }
});

/** A node's log as index → "term/index", from its first (uncompacted) index. */
function logOf(r: Raft): Map<number, string> {
  const m = new Map<number, string>();
  for (const e of r.raftLog.allEntries()) m.set(e.index, `${e.term}/${e.index}`);
  return m;
}

/**
 * Random faults on a 5-node cluster with all features on (partitions, lossy links, crashes and restarts,
 * snapshots with log compaction, leadership transfers), checking Figure 3's properties after every step.
 */
function runSafetySimulation(seed: number, steps: number): void {
  const peers = peersOf(5);
  const nw = Network.bootstrap(seed, peers, { preVote: seed % 2 === 0, checkQuorum: seed % 3 !== 0 });
  nw.reportSnapshots = true;
  const rng = nw.rng;
  const leaders = new Map<number, number>(); // term → leader
  const leaderLogs = new Map<string, Map<number, string>>(); // "id@term" → log when last seen leading
  const committed = new Map<number, string>(); // index → entry, for every index seen committed anywhere
  const commitTerms = new Map<number, number>(); // index → an upper bound of the term that committed it
  let proposals = 0;
  const fail = (what: string) => assert.fail(`${what} (seed ${seed})`);
  for (let step = 0; step < steps; step++) {
    randomStep(nw, rng.next(), () => `v${proposals++}`);
    const logs = new Map(peers.map((id) => [id, logOf(nw.raft(id))]));
    for (const id of peers) {
      const r = nw.raft(id);
      const log = logs.get(id)!;
      if (r.state === StateType.Leader) {
        // Election safety: at most one leader per term.
        const prev = leaders.get(r.term);
        if (prev !== undefined && prev !== id) fail(`two leaders in term ${r.term}: ${prev} and ${id}`);
        leaders.set(r.term, id);
        // Leader append-only: a leader never overwrites or deletes entries in its log.
        const key = `${id}@${r.term}`;
        for (const [i, e] of leaderLogs.get(key) ?? []) {
          if (i >= r.raftLog.firstIndex() && log.get(i) !== e) fail(`leader ${key} rewrote index ${i}`);
        }
        leaderLogs.set(key, log);
        // Leader completeness: an entry committed in term T is in the log of every leader of a term > T.
        for (const [i, e] of committed) {
          if (commitTerms.get(i)! < r.term && i >= r.raftLog.firstIndex() && log.get(i) !== e) {
            fail(`leader ${key} lacks ${e}, committed in term ${commitTerms.get(i)}`);
          }
        }
      }
      // Committed entries never change (the basis of state machine safety).
      for (let i = r.raftLog.firstIndex(); i <= r.raftLog.committed; i++) {
        const e = log.get(i)!;
        const prev = committed.get(i);
        if (prev === undefined) {
          committed.set(i, e);
          commitTerms.set(i, r.term);
        } else if (prev !== e) {
          fail(`node ${id} committed ${e} at ${i}, another node ${prev}`);
        }
      }
    }
    // Log matching: if two logs have an entry with the same index and term, all earlier entries match.
    for (const a of peers) {
      for (const b of peers) {
        if (a >= b) continue;
        const la = logs.get(a)!;
        const lb = logs.get(b)!;
        let matched = false;
        for (let i = Math.max(...la.keys(), 0); i > 0; i--) {
          const ea = la.get(i);
          const eb = lb.get(i);
          if (ea === undefined || eb === undefined) {
            if (matched) break;
            continue;
          }
          if (matched && ea !== eb) fail(`logs of ${a} and ${b} match at a later index but differ at ${i}`);
          if (ea === eb) matched = true;
        }
      }
    }
    // State machine safety: every state machine is a prefix of the longest one.
    const states = peers.map((id) => nw.node(id).applied);
    const longest = states.reduce((x, y) => (y.length > x.length ? y : x));
    for (const [k, st] of states.entries()) {
      if (st.some((v, i) => longest[i] !== v)) {
        if (process.env.RAFT_DEBUG) {
          console.log(step, JSON.stringify(states), nw.trace().split('\n').slice(-40).join('\n'));
        }
        fail(`state machine of ${k + 1} diverged`);
      }
    }
  }
  // Liveness: after healing, a client retrying at whoever claims leadership gets a write applied everywhere.
  nw.recover();
  const done = () => peers.every((id) => nw.node(id).applied.includes('final'));
  for (let i = 0; i < 400 && !done(); i++) {
    nw.tick();
    const claimants = peers.filter((id) => nw.raft(id).state === StateType.Leader);
    const leader = claimants.sort((a, b) => nw.raft(b).term - nw.raft(a).term)[0];
    if (i % 10 !== 0 || leader === undefined || nw.node(leader).applied.includes('final')) continue;
    try {
      nw.propose(leader, 'final');
    } catch (e) {
      if (!(e instanceof ErrProposalDropped)) throw e;
    }
  }
  for (const id of peers) {
    const r = nw.raft(id);
    const state = `${r.state} term ${r.term} lead ${r.lead} last ${r.raftLog.lastIndex()} commit ${r.raftLog.committed}`;
    assert.ok(
      nw.node(id).applied.includes('final'),
      `node ${id} never applied the final write: ${state} (seed ${seed})`,
    );
  }
  // The run must have exercised failover and commitment, or it checked nothing.
  assert.ok(leaders.size >= 3, `only ${leaders.size} terms with a leader (seed ${seed})`);
  assert.ok(committed.size >= 50, `only ${committed.size} entries committed (seed ${seed})`);
}

/** One random event: partition, heal, crash, compaction, transfer, proposal, or a tick with lossy links. */
function randomStep(nw: Network, dice: number, nextValue: () => string): void {
  const rng = nw.rng;
  const any = () => rng.int(1, 5);
  if (dice < 0.05) {
    nw.recover();
    nw.isolate(any());
  } else if (dice < 0.08) {
    nw.recover();
  } else if (dice < 0.1) {
    nw.restart(any());
  } else if (dice < 0.13) {
    const id = any();
    const applied = nw.raft(id).raftLog.applied;
    nw.snapshotAndCompact(id, Math.max(applied - rng.int(0, 5), 1));
  } else if (dice < 0.14) {
    nw.node(any()).rn.transferLeadership(any());
    nw.deliverAll();
  } else if (dice < 0.34) {
    try {
      nw.propose(any(), nextValue());
    } catch (e) {
      if (!(e instanceof ErrProposalDropped)) throw e;
    }
  } else {
    const a = any();
    const b = any();
    if (a !== b && rng.next() < 0.1) nw.drop(a, b, 0.3);
    nw.tick();
  }
}
