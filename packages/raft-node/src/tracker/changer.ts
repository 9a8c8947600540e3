/**
 * Membership changes on a {@link TrackerConfig} (etcd raft confchange/). Changes never mutate the current
 * configuration: each operation copies it, applies the changes and checks the invariants, returning the
 * new configuration for `Raft.switchToConfig`.
 *
 * - `simple`: at most one voter added or removed (Raft thesis §4.1, single-server changes).
 * - `enterJoint` / `leaveJoint`: arbitrary changes through a joint configuration C_old,new in which both
 *   halves must agree on elections and commitment (thesis §4.3).
 */
import { ErrInvalidConfChange } from '../core/errors.js';
import { type ConfChange, ConfChangeType, type ConfState } from '../core/types.js';
import { Inflights } from './inflights.js';
import { Progress } from './progress.js';
import { type TrackerConfig, cloneTrackerConfig, emptyTrackerConfig } from './tracker.js';

type Change = ConfChange['changes'][number];

export interface ChangeResult {
  readonly config: TrackerConfig;
  readonly progress: Map<number, Progress>;
}

/** What a change starts from: the current configuration and the parameters of new progresses. */
export interface ChangerBase {
  readonly config: TrackerConfig;
  readonly progress: ReadonlyMap<number, Progress>;
  readonly maxInflight: number;
  readonly maxInflightBytes: number;
}

export class Changer {
  /** @param lastIndex the leader's last log index, where new members start being probed */
  constructor(
    private readonly base: ChangerBase,
    private readonly lastIndex: number,
  ) {}

  /** Enters a joint configuration: the current voters become the outgoing half (thesis §4.3). */
  enterJoint(autoLeave: boolean, changes: readonly Change[]): ChangeResult {
    const { config, progress } = this.checkAndCopy();
    if (config.voters[1].size > 0) throw new ErrInvalidConfChange('config is already joint');
    if (config.voters[0].size === 0) {
      // Adding nodes to an empty config is allowed (bootstrap), but not as a joint config.
      throw new ErrInvalidConfChange("can't make a zero-voter config joint");
    }
    for (const id of config.voters[0]) config.voters[1].add(id);
    this.apply(config, progress, changes);
    config.autoLeave = autoLeave;
    return checkAndReturn(config, progress);
  }

  /**
   * Leaves the joint configuration: the outgoing half is dropped, staged learners become learners, and
   * nodes in neither half nor the learners lose their progress.
   */
  leaveJoint(): ChangeResult {
    const { config, progress } = this.checkAndCopy();
    if (config.voters[1].size === 0) throw new ErrInvalidConfChange("can't leave a non-joint config");
    for (const id of config.learnersNext) {
      config.learners.add(id);
      progress.get(id)!.isLearner = true;
    }
    config.learnersNext.clear();
    for (const id of config.voters[1]) {
      if (!config.voters[0].has(id) && !config.learners.has(id)) progress.delete(id);
    }
    config.voters[1].clear();
    config.autoLeave = false;
    return checkAndReturn(config, progress);
  }

  /** Applies changes that alter at most one voter, outside a joint configuration (thesis §4.1). */
  simple(changes: readonly Change[]): ChangeResult {
    const { config, progress } = this.checkAndCopy();
    if (config.voters[1].size > 0) {
      throw new ErrInvalidConfChange("can't apply simple config change in joint config");
    }
    this.apply(config, progress, changes);
    if (symdiff(this.base.config.voters[0], config.voters[0]) > 1) {
      throw new ErrInvalidConfChange('more than one voter changed without entering joint config');
    }
    return checkAndReturn(config, progress);
  }

  private apply(config: TrackerConfig, progress: Map<number, Progress>, changes: readonly Change[]): void {
    for (const cc of changes) {
      // A zero node id is a change the application decided not to apply.
      if (cc.nodeId === 0) continue;
      switch (cc.type) {
        case ConfChangeType.AddNode:
          this.makeVoter(config, progress, cc.nodeId);
          break;
        case ConfChangeType.AddLearnerNode:
          this.makeLearner(config, progress, cc.nodeId);
          break;
        case ConfChangeType.RemoveNode:
          remove(config, progress, cc.nodeId);
          break;
        default: {
          const never: never = cc.type;
          throw new ErrInvalidConfChange(`unexpected conf change type ${String(never)}`);
        }
      }
    }
    if (config.voters[0].size === 0) throw new ErrInvalidConfChange('removed all voters');
  }

  private makeVoter(config: TrackerConfig, progress: Map<number, Progress>, id: number): void {
    const pr = progress.get(id);
    if (pr === undefined) {
      this.initProgress(config, progress, id, false);
      return;
    }
    pr.isLearner = false;
    config.learners.delete(id);
    config.learnersNext.delete(id);
    config.voters[0].add(id);
  }

  /**
   * Makes `id` a learner. A voter of the outgoing half cannot become a learner before the joint config is
   * left, so it is staged in `learnersNext`.
   */
  private makeLearner(config: TrackerConfig, progress: Map<number, Progress>, id: number): void {
    const pr = progress.get(id);
    if (pr === undefined) {
      this.initProgress(config, progress, id, true);
      return;
    }
    if (pr.isLearner) return;
    remove(config, progress, id);
    progress.set(id, pr);
    if (config.voters[1].has(id)) {
      config.learnersNext.add(id);
    } else {
      pr.isLearner = true;
      config.learners.add(id);
    }
  }

  private initProgress(
    config: TrackerConfig,
    progress: Map<number, Progress>,
    id: number,
    isLearner: boolean,
  ): void {
    if (isLearner) config.learners.add(id);
    else config.voters[0].add(id);
    // Probe from the last index (the follower may have a snapshot applied out of band); marked recently
    // active so that CheckQuorum does not step the leader down before the new node has had a chance to
    // answer.
    const inflights = new Inflights(this.base.maxInflight, this.base.maxInflightBytes);
    progress.set(id, new Progress(Math.max(this.lastIndex, 1), 0, inflights, isLearner, true));
  }

  private checkAndCopy(): ChangeResult {
    const config = cloneTrackerConfig(this.base.config);
    const progress = new Map<number, Progress>();
    for (const [id, pr] of this.base.progress) progress.set(id, pr.clone());
    return checkAndReturn(config, progress);
  }
}

function remove(config: TrackerConfig, progress: Map<number, Progress>, id: number): void {
  if (!progress.has(id)) return;
  config.voters[0].delete(id);
  config.learners.delete(id);
  config.learnersNext.delete(id);
  // A voter of the outgoing half keeps its progress until the joint config is left.
  if (!config.voters[1].has(id)) progress.delete(id);
}

function symdiff(a: ReadonlySet<number>, b: ReadonlySet<number>): number {
  let n = 0;
  for (const id of a) if (!b.has(id)) n++;
  for (const id of b) if (!a.has(id)) n++;
  return n;
}

function checkAndReturn(config: TrackerConfig, progress: Map<number, Progress>): ChangeResult {
  checkInvariants(config, progress);
  return { config, progress };
}

/** The configuration invariants; a violation means a bug in the changer or a corrupt ConfState. */
function checkInvariants(config: TrackerConfig, progress: ReadonlyMap<number, Progress>): void {
  for (const set of [config.voters[0], config.voters[1], config.learners, config.learnersNext]) {
    for (const id of set) {
      if (!progress.has(id)) throw new ErrInvalidConfChange(`no progress for ${id}`);
    }
  }
  for (const id of config.learnersNext) {
    if (!config.voters[1].has(id)) throw new ErrInvalidConfChange(`${id} is in learnersNext, not voters[1]`);
    if (progress.get(id)!.isLearner) throw new ErrInvalidConfChange(`${id} in learnersNext is a learner`);
  }
  for (const id of config.learners) {
    if (config.voters[0].has(id) || config.voters[1].has(id)) {
      throw new ErrInvalidConfChange(`${id} is both a learner and a voter`);
    }
    if (!progress.get(id)!.isLearner) throw new ErrInvalidConfChange(`${id} in learners is not a learner`);
  }
  if (config.voters[1].size === 0) {
    if (config.learnersNext.size > 0)
      throw new ErrInvalidConfChange('learnersNext must be empty when not joint');
    if (config.autoLeave) throw new ErrInvalidConfChange('autoLeave must be false when not joint');
  }
}

/**
 * Rebuilds the configuration a ConfState describes (etcd confchange.Restore), by replaying it as changes
 * from an empty configuration: first the outgoing voters one by one, then (if joint) entering the joint
 * config with the incoming voters and learners.
 */
export function restoreConfig(
  params: { maxInflight: number; maxInflightBytes: number },
  lastIndex: number,
  cs: ConfState,
): ChangeResult {
  const add = (nodeId: number): Change => ({ type: ConfChangeType.AddNode, nodeId });
  const learner = (nodeId: number): Change => ({ type: ConfChangeType.AddLearnerNode, nodeId });
  const outgoing = cs.votersOutgoing.map(add);
  const incoming: Change[] = [
    ...cs.votersOutgoing.map((nodeId): Change => ({ type: ConfChangeType.RemoveNode, nodeId })),
    ...cs.voters.map(add),
    ...cs.learners.map(learner),
    ...cs.learnersNext.map(learner),
  ];
  let cur: ChangeResult = { config: emptyTrackerConfig(), progress: new Map() };
  const changer = () => new Changer({ ...params, ...cur }, lastIndex);
  if (outgoing.length === 0) {
    for (const cc of incoming) cur = changer().simple([cc]);
  } else {
    for (const cc of outgoing) cur = changer().simple([cc]);
    cur = changer().enterJoint(cs.autoLeave, incoming);
  }
  return cur;
}
