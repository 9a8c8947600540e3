/**
 * The fault schedule of the chaos phase: every few tens of milliseconds one fault, drawn from the seed.
 * Nodes crash (at once, or at a point inside their next Ready) and restart later; nodes pause; the network
 * partitions (symmetric, one-way, isolating the leader), heals, and changes its loss, duplication and delay;
 * leaders are asked to transfer leadership; membership changes are proposed.
 */
import type { Rng } from '@kubelab/clock';
import { type ConfChange, ConfChangeType, type ConfState, ErrProposalDropped } from '../../src/index.js';
import type { NetworkFaults } from './network.js';
import type { CrashPoint, SimNode } from './node.js';
import { between, chance, pick, shuffled } from './random.js';

/** What the fault schedule may touch. */
export interface FaultTarget {
  readonly rng: Rng;
  readonly nodes: ReadonlyMap<number, SimNode>;
  readonly membershipChanges: boolean;
  /** Nodes that were removed from the cluster once; they are never added back. */
  readonly removed: Set<number>;
  now(): number;
  after(delayMs: number, run: () => void): void;
  partition(groups: readonly (readonly number[])[]): void;
  blockOneWay(from: number, to: number): void;
  healPartitions(): void;
  setNetworkFaults(f: NetworkFaults): void;
  trace(line: string): void;
}

const CRASH_POINTS: readonly CrashPoint[] = ['afterPersist', 'afterSend', 'afterApply'];

/** Injects one random fault. */
export function injectFault(t: FaultTarget): void {
  const r = t.rng.next();
  if (r < 0.01) crashAll(t);
  else if (r < 0.14) crashNode(t);
  else if (r < 0.22) pauseNode(t);
  else if (r < 0.36) partitionRandomly(t);
  else if (r < 0.44) isolateOne(t);
  else if (r < 0.52) blockOneWayLinks(t);
  else if (r < 0.64) healPartitions(t);
  else if (r < 0.78) changeNetworkFaults(t);
  else if (r < 0.82) transferLeadership(t);
  else if (r < 0.85) forceCampaign(t);
  else if (r < 0.94 && t.membershipChanges) changeMembership(t);
}

function upNodes(t: FaultTarget): SimNode[] {
  return [...t.nodes.values()].filter((n) => n.up);
}

function leaderNode(t: FaultTarget): SimNode | undefined {
  return upNodes(t).find((n) => n.isLeader());
}

function crashNode(t: FaultTarget): void {
  const candidates = upNodes(t);
  if (candidates.length === 0) return;
  const leader = leaderNode(t);
  const node = leader !== undefined && chance(t.rng, 0.4) ? leader : pick(t.rng, candidates);
  if (chance(t.rng, 0.5)) node.crash();
  else {
    node.crashPoint = pick(t.rng, CRASH_POINTS);
    t.trace(`node ${node.id} will crash at ${node.crashPoint}`);
  }
  scheduleRestart(t, node, between(t.rng, 20, 700));
}

/** A power loss: every node crashes at once, and each comes back after its own delay. */
function crashAll(t: FaultTarget): void {
  t.trace('power loss: every node crashes');
  for (const node of t.nodes.values()) {
    if (!node.up) continue;
    node.crash();
    scheduleRestart(t, node, between(t.rng, 20, 300));
  }
}

/** Restarts `node` after `delayMs`, waiting for a pending crash point to strike first. */
function scheduleRestart(t: FaultTarget, node: SimNode, delayMs: number): void {
  t.after(delayMs, () => {
    if (node.decommissioned) return;
    if (!node.up) node.start();
    else if (node.crashPoint !== undefined) scheduleRestart(t, node, 20);
  });
}

function pauseNode(t: FaultTarget): void {
  const candidates = upNodes(t);
  if (candidates.length === 0) return;
  const node = pick(t.rng, candidates);
  const ms = between(t.rng, 20, 400);
  node.pausedUntilMs = Math.max(node.pausedUntilMs, t.now() + ms);
  t.trace(`node ${node.id} pauses for ${ms.toFixed(0)}ms`);
}

function partitionRandomly(t: FaultTarget): void {
  const ids = shuffled(t.rng, [...t.nodes.keys()]);
  const cut = t.rng.int(1, ids.length - 1);
  const groups = [ids.slice(0, cut), ids.slice(cut)];
  t.healPartitions();
  t.partition(groups);
  t.trace(`partition ${groups.map((g) => `[${g}]`).join(' | ')}`);
}

function isolateOne(t: FaultTarget): void {
  const leader = leaderNode(t);
  const ids = [...t.nodes.keys()];
  const id = leader !== undefined && chance(t.rng, 0.6) ? leader.id : pick(t.rng, ids);
  t.partition([[id], ids.filter((x) => x !== id)]);
  t.trace(`isolate node ${id}`);
}

function blockOneWayLinks(t: FaultTarget): void {
  const ids = [...t.nodes.keys()];
  for (let k = t.rng.int(1, 3); k > 0; k--) {
    const from = pick(t.rng, ids);
    const to = pick(
      t.rng,
      ids.filter((x) => x !== from),
    );
    t.blockOneWay(from, to);
    t.trace(`block ${from} -> ${to}`);
  }
}

function healPartitions(t: FaultTarget): void {
  t.healPartitions();
  t.trace('heal partitions');
}

function changeNetworkFaults(t: FaultTarget): void {
  const rng = t.rng;
  const delayMsMin = between(rng, 0.5, 5);
  const f: NetworkFaults = {
    lossRate: pick(rng, [0, 0, 0.02, 0.1, 0.3]),
    duplicateRate: pick(rng, [0, 0.01, 0.05]),
    delayMsMin,
    delayMsMax: delayMsMin + pick(rng, [2, 10, 40]),
    slowRate: pick(rng, [0, 0.01, 0.05]),
    slowDelayMsMax: pick(rng, [100, 400, 2000]),
  };
  t.setNetworkFaults(f);
  t.trace(
    `network loss=${f.lossRate} dup=${f.duplicateRate} delay=${f.delayMsMin.toFixed(1)}..${f.delayMsMax.toFixed(1)} slow=${f.slowRate}`,
  );
}

function transferLeadership(t: FaultTarget): void {
  const leader = leaderNode(t);
  if (leader?.rn === undefined || leader.confState === undefined) return;
  // Learners too: the leader must refuse to hand over to a non-voter.
  const cs = leader.confState;
  const others = [...cs.voters, ...cs.learners].filter((v) => v !== leader.id);
  if (others.length === 0) return;
  const to = pick(t.rng, others);
  t.trace(`node ${leader.id} transfers leadership to ${to}`);
  leader.rn.transferLeadership(to);
  leader.processReady();
}

/** A node campaigns now (RawNode.campaign), whatever it is: follower, leader, learner or not a member. */
function forceCampaign(t: FaultTarget): void {
  const candidates = upNodes(t);
  if (candidates.length === 0) return;
  const node = pick(t.rng, candidates);
  t.trace(`node ${node.id} is told to campaign`);
  node.rn!.campaign();
  node.processReady();
}

/**
 * Adds a spare node (as learner or voter), promotes a learner, removes a voter (keeping three), swaps a
 * voter for a spare through a joint configuration (thesis §4.3; left automatically, or explicitly by a
 * later empty change), or leaves an explicit joint configuration.
 */
function changeMembership(t: FaultTarget): void {
  const leader = leaderNode(t);
  const cs = leader?.confState;
  if (leader?.rn === undefined || cs === undefined) return;
  const cc = cs.votersOutgoing.length > 0 ? leaveJoint(cs.autoLeave) : pickChange(t, cs);
  if (cc === undefined) return;
  try {
    leader.rn.proposeConfChange(cc);
  } catch (e) {
    if (e instanceof ErrProposalDropped) return;
    throw e;
  }
  for (const c of cc.changes) if (c.type === ConfChangeType.RemoveNode) t.removed.add(c.nodeId);
  t.trace(`node ${leader.id} proposes conf change ${JSON.stringify(cc)}`);
  leader.processReady();
}

/** The empty change that leaves an explicit joint configuration (an automatic one is left by the core). */
function leaveJoint(autoLeave: boolean): ConfChange | undefined {
  return autoLeave ? undefined : { changes: [] };
}

function pickChange(t: FaultTarget, cs: ConfState): ConfChange | undefined {
  const members = new Set([...cs.voters, ...cs.learners]);
  const spares = [...t.nodes.keys()].filter((id) => !members.has(id) && !t.removed.has(id));
  const options: ConfChange[] = [];
  const one = (type: ConfChangeType, nodeId: number): ConfChange => ({ changes: [{ type, nodeId }] });
  for (const id of spares) {
    options.push(one(ConfChangeType.AddLearnerNode, id), one(ConfChangeType.AddNode, id));
    for (const out of cs.voters) {
      const changes = [
        { type: ConfChangeType.AddNode, nodeId: id },
        { type: ConfChangeType.RemoveNode, nodeId: out },
      ];
      options.push({ changes }, { changes, transition: 'explicit' });
    }
  }
  for (const id of cs.learners) options.push(one(ConfChangeType.AddNode, id));
  if (cs.voters.length > 3) for (const id of cs.voters) options.push(one(ConfChangeType.RemoveNode, id));
  return options.length === 0 ? undefined : pick(t.rng, options);
}
