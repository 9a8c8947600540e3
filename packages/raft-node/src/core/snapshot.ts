import { restoreConfig } from '../tracker/changer.js';
/** The follower side of InstallSnapshot (Raft §7, thesis §5.1). */
import { assertConfStatesEquivalent, switchToConfig } from './conf.js';
import type { Raft } from './raft.js';
import { type Message, MessageType, type Snapshot, StateType } from './types.js';

/** Installs the leader's snapshot if it is newer than our log and answers with our resulting last index. */
export function handleSnapshot(r: Raft, m: Message): void {
  const s = m.snapshot;
  if (s !== undefined && restore(r, s)) {
    r.logger.info(
      { id: r.id, commit: r.raftLog.committed, index: s.metadata.index, term: s.metadata.term },
      'raft: restored snapshot',
    );
    r.send({ to: m.from, type: MessageType.AppResp, index: r.raftLog.lastIndex() });
  } else {
    r.send({ to: m.from, type: MessageType.AppResp, index: r.raftLog.committed });
  }
}

/**
 * Replaces log and configuration with a snapshot. Returns false if it is not needed: it is not newer than
 * our commit index, or our log already has its last entry (then only the commit index moves: §7, "if an
 * existing entry has the same index and term as the snapshot's last entry, retain the entries following
 * it").
 */
export function restore(r: Raft, s: Snapshot): boolean {
  const { index, term, confState: cs } = s.metadata;
  if (index <= r.raftLog.committed) return false;
  if (r.state !== StateType.Follower) {
    // Defense in depth: only followers receive snapshots (handlers become followers first).
    r.logger.warn({ id: r.id }, 'raft: attempted to restore snapshot as non-follower; should never happen');
    r.becomeFollower(r.term + 1, 0);
    return false;
  }
  // More defense in depth: a snapshot whose configuration lacks us would leave us without progress.
  const found = cs.voters.includes(r.id) || cs.learners.includes(r.id) || cs.votersOutgoing.includes(r.id);
  if (!found) {
    r.logger.warn(
      { id: r.id, voters: cs.voters },
      'raft: attempted to restore snapshot but it is not in the ConfState',
    );
    return false;
  }
  if (r.raftLog.matchTerm(index, term)) {
    r.logger.info({ id: r.id, index, term }, 'raft: fast-forwarded commit to snapshot');
    r.raftLog.commitTo(index);
    return false;
  }
  r.raftLog.restore(s);
  const restored = restoreConfig(r.trk, r.raftLog.lastIndex(), cs);
  assertConfStatesEquivalent(cs, switchToConfig(r, restored.config, restored.progress));
  return true;
}
