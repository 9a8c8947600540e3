/**
 * A deterministic simulation of a raft-node cluster serving a KV store (TigerBeetle VOPR, FoundationDB
 * simulation; STYLE.md §1.6 and principle 15): nodes, disks, network and clients in one single-threaded
 * process on simulated time, every random choice drawn from one seed. A run has a chaos phase (crashes,
 * pauses, partitions, lossy and reordering network, leadership transfers, membership changes), then a heal
 * phase (no faults) at whose end the cluster must have a leader, commit a final write and converge, and the
 * clients' history must be linearizable. Invariants are checked after every Ready.
 */
import { type Rng, seededRng } from '@kubelab/clock';
import { type KvOperation, checkOperations, checkWitness, kvModel } from '@kubelab/testkit';
import {
  type ConfChange,
  ConfChangeType,
  type ConfState,
  type Message,
  describeMessage,
} from '../../src/index.js';
import { type OperationMeta, SimClient } from './client.js';
import { type SimConfig, type SimOverrides, deriveConfig, describeConfig } from './config.js';
import { EventQueue } from './event-queue.js';
import { type FaultTarget, injectFault } from './faults.js';
import { Invariants, SimulationFailure } from './invariants.js';
import type { ClientRequest, ClientResponse } from './kv.js';
import { CALM_NETWORK, SimNetwork } from './network.js';
import { type Sabotage, SimNode } from './node.js';
import { between, chance } from './random.js';

type Packet =
  | { readonly kind: 'raft'; readonly m: Message }
  | { readonly kind: 'request'; readonly req: ClientRequest }
  | { readonly kind: 'response'; readonly res: ClientResponse };

export interface SimulationReport {
  readonly seed: number;
  readonly ok: boolean;
  /** Why the run failed, with the tail of its trace. */
  readonly failure?: string;
  readonly config: string;
  readonly stats: Record<string, number>;
  readonly history: readonly KvOperation[];
  /** The whole trace when asked for, else its last lines. */
  readonly trace: readonly string[];
}

export interface SimulationOptions extends SimOverrides {
  /** Keep the whole trace (else only the last lines, for failure reports). */
  readonly fullTrace?: boolean;
  /** Gives up checking linearizability after this long (real time). Default 20 s. */
  readonly linearizabilityTimeoutMs?: number;
  /** Trace every raft message delivered (with fullTrace, for debugging a seed). */
  readonly traceMessages?: boolean;
  /** A deliberate bug to plant (harness self-test). */
  readonly sabotage?: Sabotage;
}

const CLIENT_BASE = 1000;
const MAX_EVENTS = 5_000_000;
const TRACE_TAIL = 60;
/** After the heal phase: how long the final write and convergence may take. */
const FINAL_WRITE_MS = 3000;
const CONVERGE_MS = 3000;

/** Runs simulation `seed` and reports; never throws for a failed run. */
export function runSimulation(seed: number, opts: SimulationOptions = {}): SimulationReport {
  const sim = new Simulation(deriveConfig(seed, opts), opts);
  return sim.run();
}

class Simulation {
  private readonly rng: Rng;
  private readonly queue = new EventQueue();
  private readonly net: SimNetwork<Packet>;
  private readonly invariants = new Invariants();
  private readonly nodes = new Map<number, SimNode>();
  private readonly clients = new Map<number, SimClient>();
  private readonly history: KvOperation[] = [];
  private readonly historyMeta: OperationMeta[] = [];
  /** Where each command took effect: `client:seq` → the log index of its first (effective) application. */
  private readonly effects = new Map<string, number>();
  /** How the history was found linearizable: by the log-order witness, or by search. */
  private linearizedBy: 'witness' | 'search' | 'none' = 'none';
  private readonly traceLines: string[] = [];
  private readonly removed = new Set<number>();
  /** Nodes a committed conf change removed; shut down once a non-joint configuration excludes them. */
  private readonly leaving = new Set<number>();

  constructor(
    private readonly cfg: SimConfig,
    private readonly opts: SimulationOptions,
  ) {
    this.rng = seededRng(cfg.seed);
    this.net = new SimNetwork<Packet>(seededRng(cfg.seed * 31 + 7), this.queue, (from, to, p) =>
      this.deliver(from, to, p),
    );
    for (const id of cfg.nodeIds) this.nodes.set(id, this.newNode(id));
    for (let i = 1; i <= cfg.clients; i++) this.clients.set(CLIENT_BASE + i, this.newClient(CLIENT_BASE + i));
  }

  run(): SimulationReport {
    let failure: string | undefined;
    try {
      this.start();
      this.queue.runUntil(this.cfg.chaosMs, MAX_EVENTS);
      this.heal();
      this.queue.runUntil(this.cfg.chaosMs + this.cfg.healMs / 2, MAX_EVENTS);
      for (const c of this.clients.values()) c.stopIssuing();
      this.queue.runUntil(this.cfg.chaosMs + this.cfg.healMs, MAX_EVENTS);
      this.checkLiveness();
      this.checkConvergence();
      this.checkLinearizability();
    } catch (e) {
      const what =
        e instanceof SimulationFailure ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e);
      failure = `${what}\n-- config: ${describeConfig(this.cfg)}\n-- last trace lines:\n${this.traceLines.slice(-TRACE_TAIL).join('\n')}`;
    }
    return {
      seed: this.cfg.seed,
      ok: failure === undefined,
      ...(failure === undefined ? {} : { failure }),
      config: describeConfig(this.cfg),
      stats: this.stats(),
      history: this.history,
      trace: this.opts.fullTrace === true ? this.traceLines : this.traceLines.slice(-TRACE_TAIL),
    };
  }

  private newNode(id: number): SimNode {
    return new SimNode({
      id,
      seed: this.cfg.seed,
      raft: this.cfg.raft,
      snapshotEvery: this.cfg.snapshotEvery,
      compactKeep: this.cfg.compactKeep,
      invariants: this.invariants,
      sabotage: this.opts.sabotage,
      leaderSendsBeforePersist: this.cfg.leaderSendsBeforePersist,
      leaderWritesInBackground: this.cfg.leaderWritesInBackground,
      backgroundWriteMs: () => between(this.rng, 0, this.cfg.backgroundWriteMsMax),
      after: (ms, fn) => this.queue.after(ms, fn),
      rng: this.rng,
      onConfChange: (cc, cs) => this.onConfChange(cc, cs),
      onEffect: (client, seq, index) => {
        const key = `${client}:${seq}`;
        if (!this.effects.has(key)) this.effects.set(key, index);
      },
      sendRaft: (m, onFate) => this.net.send(m.from, m.to, { kind: 'raft', m }, onFate),
      respond: (res) => this.net.send(id, res.client, { kind: 'response', res }),
      trace: (line) => this.trace(line),
    });
  }

  private newClient(id: number): SimClient {
    this.net.exemptFromPartitions(id);
    return new SimClient({
      id,
      rng: this.rng,
      queue: this.queue,
      keys: this.cfg.keys,
      nodes: () => this.cfg.nodeIds,
      send: (to, req) => this.net.send(id, to, { kind: 'request', req }),
      record: (op, meta) => {
        this.history.push(op);
        this.historyMeta.push(meta);
      },
      stamp: () => this.queue.now() + this.queue.executed * 1e-9,
      requestTimeoutMs: this.cfg.requestTimeoutMs,
      abandonRate: this.cfg.abandonRate,
      thinkMsMax: this.cfg.thinkMsMax,
      readIndexShare: this.cfg.readIndexShare,
    });
  }

  private start(): void {
    for (const node of this.nodes.values()) {
      if (this.cfg.initialVoters.includes(node.id)) node.storage.bootstrap(this.cfg.initialVoters);
      node.start();
      this.scheduleTick(node);
    }
    for (const c of this.clients.values()) c.startIssuing();
    this.scheduleFault();
  }

  /** Each node ticks at its own rate, sometimes missing a tick, never while paused. */
  private scheduleTick(node: SimNode): void {
    this.queue.after(this.cfg.tickMs.get(node.id)!, () => {
      if (node.up && this.queue.now() >= node.pausedUntilMs && !chance(this.rng, this.cfg.tickSkipRate)) {
        node.tick();
      }
      this.scheduleTick(node);
    });
  }

  private scheduleFault(): void {
    this.queue.after(between(this.rng, 0, 2 * this.cfg.faultEveryMs), () => {
      if (this.queue.now() >= this.cfg.chaosMs) return;
      injectFault(this.faultTarget());
      this.scheduleFault();
    });
  }

  private faultTarget(): FaultTarget {
    return {
      rng: this.rng,
      nodes: this.nodes,
      membershipChanges: this.cfg.membershipChanges,
      removed: this.removed,
      now: () => this.queue.now(),
      after: (ms, run) => this.queue.after(ms, run),
      partition: (groups) => this.net.partition(groups),
      blockOneWay: (from, to) => this.net.blockOneWay(from, to),
      healPartitions: () => this.net.heal(),
      setNetworkFaults: (f) => {
        this.net.faults = f;
      },
      trace: (line) => this.trace(line),
    };
  }

  private deliver(from: number, to: number, p: Packet): void {
    if (p.kind === 'response') {
      this.clients.get(to)?.receive(p.res);
      return;
    }
    const node = this.nodes.get(to);
    if (node === undefined || !node.up) return;
    if (this.queue.now() < node.pausedUntilMs) {
      // A paused process reads its socket buffer when it resumes.
      this.queue.after(node.pausedUntilMs - this.queue.now(), () => this.deliver(from, to, p));
      return;
    }
    if (p.kind === 'raft') {
      if (this.opts.traceMessages === true) this.trace(`deliver ${describeMessage(p.m)}`);
      node.receive(p.m);
    } else node.handleRequest(p.req);
  }

  /**
   * Shuts down nodes a committed change removed, once they are out of the configuration for good. A removed
   * node left running would campaign forever with ever higher terms (it never learns of its removal once
   * the leader stops replicating to it) and, without CheckQuorum or pre-vote, keep the cluster from
   * electing a stable leader (thesis §4.2.3); etcd stops removed members.
   */
  private onConfChange(cc: ConfChange, cs: ConfState): void {
    for (const c of cc.changes) if (c.type === ConfChangeType.RemoveNode) this.leaving.add(c.nodeId);
    if (cs.votersOutgoing.length > 0) return;
    for (const id of this.leaving) {
      if (cs.voters.includes(id) || cs.learners.includes(id)) continue;
      this.leaving.delete(id);
      const node = this.nodes.get(id)!;
      node.decommissioned = true;
      this.trace(`node ${id} is decommissioned`);
      this.queue.after(0, () => node.crash());
    }
  }

  /** The heal phase: no partitions, no loss, every node up and running. */
  private heal(): void {
    this.trace('-- heal: no more faults');
    this.net.heal();
    this.net.faults = { ...CALM_NETWORK };
    for (const node of this.nodes.values()) {
      node.crashPoint = undefined;
      node.pausedUntilMs = 0;
      if (!node.up && !node.decommissioned) node.start();
    }
  }

  /** After healing, a leader exists and a final write commits (liveness). */
  private checkLiveness(): void {
    // Short election timeouts against slow, skipping clocks make leadership churn even on a healthy network:
    // wait for a leader instead of sampling one instant.
    const leaderDeadline = this.queue.now() + FINAL_WRITE_MS;
    while (this.leader() === undefined && this.queue.now() < leaderDeadline) {
      this.queue.runUntil(this.queue.now() + 10, MAX_EVENTS);
    }
    if (this.leader() === undefined) {
      const ms = this.cfg.healMs + FINAL_WRITE_MS;
      throw new SimulationFailure(`liveness: no leader ${ms}ms after the network healed`);
    }
    const id = CLIENT_BASE;
    const client = this.newClient(id);
    this.clients.set(id, client);
    const final: { result: 'pending' | 'done' | 'unknown' } = { result: 'pending' };
    client.submit({ kind: 'put', key: 'final', value: `seed-${this.cfg.seed}` }, 'log', (out) => {
      final.result = out === undefined ? 'unknown' : 'done';
    });
    const deadline = this.queue.now() + FINAL_WRITE_MS;
    while (final.result === 'pending' && this.queue.now() < deadline) {
      this.queue.runUntil(this.queue.now() + 10, MAX_EVENTS);
    }
    if (final.result !== 'done') {
      throw new SimulationFailure(
        `liveness: the final write did not commit within ${FINAL_WRITE_MS}ms after healing`,
      );
    }
  }

  /** The up node that is leader, if exactly one believes it is (others may lag a term behind). */
  private leader(): SimNode | undefined {
    const leaders = [...this.nodes.values()].filter((n) => n.isLeader());
    let best: SimNode | undefined;
    for (const n of leaders) if (best === undefined || n.rn!.status().term > best.rn!.status().term) best = n;
    return best;
  }

  /** Every member catches up with the leader's commit index and holds the same state (VOPR's checker). */
  private checkConvergence(): void {
    const deadline = this.queue.now() + CONVERGE_MS;
    for (;;) {
      const leader = this.leader();
      const members =
        leader?.confState === undefined ? [] : [...leader.confState.voters, ...leader.confState.learners];
      const commit = leader?.rn?.status().commit ?? 0;
      const lagging = members.filter((id) => (this.nodes.get(id)?.applied ?? 0) < commit);
      const busy = [...this.clients.values()].some((c) => c.busy);
      if (leader !== undefined && lagging.length === 0 && !busy) {
        const digests = new Set(members.map((id) => this.nodes.get(id)!.sm.digest()));
        if (digests.size !== 1)
          throw new SimulationFailure(`convergence: replicas at index ${commit} differ`);
        return;
      }
      if (this.queue.now() >= deadline) {
        throw new SimulationFailure(
          `convergence: after ${CONVERGE_MS}ms, leader ${leader?.id ?? 'none'} commit ${commit}, lagging [${lagging}], clients busy ${busy}`,
        );
      }
      this.queue.runUntil(this.queue.now() + 20, MAX_EVENTS);
    }
  }

  /**
   * The clients' history must be linearizable. The log gives a candidate order (commands at the index where
   * they took effect, ReadIndex reads just after the index they read); when it checks out, that proves it
   * at once. Otherwise the Porcupine search decides, and explains a failure.
   */
  private checkLinearizability(): void {
    const positions = this.historyMeta.map((m) =>
      m.readPath === 'readIndex' ? m.position : this.effects.get(`${m.client}:${m.seq}`),
    );
    const witnessed = checkWitness(kvModel, this.history, positions).ok;
    // Every eighth seed also runs the search when the witness holds, so both checkers keep being compared.
    if (witnessed && this.cfg.seed % 8 !== 0) {
      this.linearizedBy = 'witness';
      return;
    }
    const r = checkOperations(kvModel, this.history, {
      timeoutMs: this.opts.linearizabilityTimeoutMs ?? 20_000,
    });
    if (!r.ok) {
      const note = witnessed ? ' (yet the log order is a valid linearization: a checker bug?)' : '';
      throw new SimulationFailure(`linearizability${note}: ${r.explanation}`);
    }
    this.linearizedBy = witnessed ? 'witness' : 'search';
  }

  private trace(line: string): void {
    this.traceLines.push(`${this.queue.now().toFixed(1).padStart(8)}ms ${line}`);
    if (this.opts.fullTrace !== true && this.traceLines.length > 4 * TRACE_TAIL) {
      this.traceLines.splice(0, this.traceLines.length - TRACE_TAIL);
    }
  }

  private stats(): Record<string, number> {
    const sum = (f: (n: SimNode) => number) => [...this.nodes.values()].reduce((a, n) => a + f(n), 0);
    const clients = [...this.clients.values()];
    return {
      simMs: Math.round(this.queue.now()),
      events: this.queue.executed,
      messages: this.net.stats.sent,
      lost: this.net.stats.lost + this.net.stats.cut,
      crashes: sum((n) => n.stats.crashes),
      lostWrites: sum((n) => n.storage.lostWrites),
      snapshotsMade: sum((n) => n.stats.snapshotsMade),
      snapshotsInstalled: sum((n) => n.stats.snapshotsInstalled),
      leaders: this.invariants.counts.leaders,
      committed: this.invariants.maxCommitted,
      ops: clients.reduce((a, c) => a + c.stats.ops, 0),
      opsUnknown: clients.reduce((a, c) => a + c.stats.unknown, 0),
      retries: clients.reduce((a, c) => a + c.stats.retries, 0),
      linearizedBySearch: this.linearizedBy === 'search' ? 1 : 0,
    };
  }
}
