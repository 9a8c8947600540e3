/** Helpers for tests that drive a bare Raft (etcd raft_test.go's newTestRaft & co). */
import { seededRng } from '@kubelab/clock';
import {
  type ConfState,
  type Entry,
  EntryType,
  MemoryStorage,
  type Message,
  type MessageInit,
  Raft,
  type RaftConfig,
  newMessage,
} from '../src/internal.js';

export type RaftOptions = Partial<Omit<RaftConfig, 'id' | 'storage'>>;

/** A storage whose empty log has membership `voters` (+ `learners`). */
export function storageWithPeers(voters: number[], learners: number[] = []): MemoryStorage {
  const cs: ConfState = { voters, learners, votersOutgoing: [], learnersNext: [], autoLeave: false };
  return new MemoryStorage(cs);
}

/**
 * A Raft with etcd's test defaults: no pre-vote, no CheckQuorum (the paper's plain protocol), and a
 * seeded Rng.
 */
export function newTestRaft(
  id: number,
  electionTicks: number,
  heartbeatTicks: number,
  storage: MemoryStorage,
  opts: RaftOptions = {},
): Raft {
  return new Raft({
    preVote: false,
    checkQuorum: false,
    rng: seededRng(id),
    ...opts,
    id,
    storage,
    electionTicks,
    heartbeatTicks,
  });
}

/** Takes the messages a Raft has queued. */
export function readMessages(r: Raft): Message[] {
  const msgs = r.msgs;
  r.msgs = [];
  return msgs;
}

export function msg(init: MessageInit): Message {
  return newMessage(init);
}

/** Entries with the given terms at indexes 1.. (or from `start`). */
export function entsWithTerms(terms: number[], start = 1): Entry[] {
  return terms.map((term, i) => ({
    term,
    index: start + i,
    type: EntryType.Normal,
    data: new Uint8Array(0),
  }));
}

export function entry(term: number, index: number, data = ''): Entry {
  return { term, index, type: EntryType.Normal, data: new TextEncoder().encode(data) };
}

/** Comparable view of entries (ignores data identity). */
export function ids(ents: readonly Entry[]): string[] {
  return ents.map(
    (e) => `${e.term}/${e.index}${e.data.byteLength ? `:${new TextDecoder().decode(e.data)}` : ''}`,
  );
}

/** Simulates the driver persisting everything unstable (so storage-based assertions see it). */
export function persistAll(r: Raft, s: MemoryStorage): void {
  const ents = r.raftLog.nextUnstableEnts();
  const snap = r.raftLog.unstable.nextSnapshot();
  if (snap !== undefined) {
    s.applySnapshot(snap);
    r.raftLog.stableSnapTo(snap.metadata.index);
  }
  s.append(ents);
  const last = ents.at(-1);
  if (last !== undefined) r.raftLog.stableTo(last.index, last.term);
  s.setHardState(r.hardState());
}
