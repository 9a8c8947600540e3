import { encodeConfChange } from '../codec.js';
import { type ChangeResult, Changer } from '../tracker/changer.js';
import type { Progress } from '../tracker/progress.js';
import { type TrackerConfig, describeTrackerConfig } from '../tracker/tracker.js';
/**
 * Applying membership changes to a running node (etcd raft applyConfChange / switchToConfig; Raft thesis
 * chapter 4). A change takes effect when the application applies its entry (calling RawNode.applyConfChange).
 */
import { fail } from './assert.js';
import type { Raft } from './raft.js';
import { appendEntry, bcastAppend, maybeCommit, maybeSendAppend } from './replication.js';
import { type ConfChange, type ConfState, EntryType, StateType } from './types.js';

/** An empty ConfChange: the entry that leaves a joint configuration. */
export function isLeaveJoint(cc: ConfChange): boolean {
  return cc.changes.length === 0;
}

/**
 * Whether a change goes through joint consensus (thesis §4.3): several changes, or an explicit or implicit
 * transition. Returns the autoLeave flag, or undefined for a simple (one-voter, §4.1) change.
 */
export function enterJointAutoLeave(cc: ConfChange): boolean | undefined {
  const t = cc.transition ?? 'auto';
  if (t === 'auto' && cc.changes.length <= 1) return undefined;
  return t !== 'explicit';
}

/** Applies a committed conf change. Throws ErrInvalidConfChange if the current configuration refuses it. */
export function applyConfChange(r: Raft, cc: ConfChange): ConfState {
  const changer = new Changer(r.trk, r.raftLog.lastIndex());
  let result: ChangeResult;
  if (isLeaveJoint(cc)) {
    result = changer.leaveJoint();
  } else {
    const autoLeave = enterJointAutoLeave(cc);
    result = autoLeave === undefined ? changer.simple(cc.changes) : changer.enterJoint(autoLeave, cc.changes);
  }
  return switchToConfig(r, result.config, result.progress);
}

/**
 * Installs a configuration. A leader that is no longer a voter steps down (thesis §4.2.2); otherwise it
 * re-evaluates commitment under the new quorum and probes new members right away.
 */
export function switchToConfig(r: Raft, config: TrackerConfig, progress: Map<number, Progress>): ConfState {
  r.trk.setConfig(config, progress);
  r.logger.info({ id: r.id, config: describeTrackerConfig(config) }, 'raft: switched to configuration');
  const cs = r.trk.confState();
  const pr = r.trk.progress.get(r.id);
  r.isLearner = pr?.isLearner === true;
  if ((pr === undefined || r.isLearner) && r.state === StateType.Leader) {
    r.becomeFollower(r.term, 0);
    return cs;
  }
  if (r.state !== StateType.Leader || cs.voters.length === 0) return cs;
  if (maybeCommit(r)) {
    bcastAppend(r);
  } else {
    for (const id of r.trk.ids) if (id !== r.id) maybeSendAppend(r, id, false);
  }
  if (
    r.leadTransferee !== 0 &&
    !r.trk.config.voters[0].has(r.leadTransferee) &&
    !r.trk.config.voters[1].has(r.leadTransferee)
  ) {
    r.abortLeaderTransfer();
  }
  return cs;
}

const LEAVE_JOINT_DATA = encodeConfChange({ changes: [] });

/** Leader: proposes leaving the joint configuration it has applied (autoLeave, thesis §4.3). */
export function proposeLeaveJoint(r: Raft): void {
  // Exempt from the uncommitted size limit: nothing may keep the cluster in a joint configuration.
  if (!appendEntry(r, [{ term: 0, index: 0, type: EntryType.ConfChange, data: LEAVE_JOINT_DATA }], true)) {
    fail('refused un-refusable auto-leaving conf change');
  }
  r.pendingConfIndex = r.raftLog.lastIndex();
  r.logger.info(
    { id: r.id, config: describeTrackerConfig(r.trk.config) },
    'raft: initiating automatic leave of joint configuration',
  );
  bcastAppend(r);
}

/** Panics if a configuration rebuilt from a ConfState does not describe the same ConfState. */
export function assertConfStatesEquivalent(expected: ConfState, got: ConfState): void {
  const norm = (cs: ConfState) =>
    JSON.stringify([
      [...cs.voters].sort((a, b) => a - b),
      [...cs.learners].sort((a, b) => a - b),
      [...cs.votersOutgoing].sort((a, b) => a - b),
      [...cs.learnersNext].sort((a, b) => a - b),
      cs.autoLeave,
    ]);
  if (norm(expected) !== norm(got)) fail(`ConfStates not equivalent: ${norm(expected)} vs ${norm(got)}`);
}
