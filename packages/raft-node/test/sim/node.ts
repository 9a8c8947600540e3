/**
 * One simulated server: a RawNode, its {@link SimStorage}, and the replicated KV state machine, driven by
 * the Ready contract (persist, then send, then apply, then advance) one event at a time. A crash throws
 * away the RawNode, the state machine and pending requests, and whatever the disk had not synced; it may
 * strike between the steps of a Ready (after persisting, after sending, after applying), never inside one.
 */
import { type Rng, seededRng } from '@kubelab/clock';
import type { KvOutput } from '@kubelab/testkit';
import {
  type ConfChange,
  ConfChangeType,
  type ConfState,
  type Entry,
  EntryType,
  ErrInvalidConfChange,
  ErrProposalDropped,
  type Message,
  MessageType,
  type RaftConfig,
  RawNode,
  type Ready,
  StateType,
  decodeConfChange,
  rawNodeRaft,
} from '../../src/internal.js';
import type { Invariants } from './invariants.js';
import {
  type ClientRequest,
  type ClientResponse,
  KvStateMachine,
  decodeCommand,
  encodeCommand,
} from './kv.js';
import type { PacketFate } from './network.js';
import { SimStorage } from './storage.js';

/** Where a scheduled crash strikes within the next Ready. */
export type CrashPoint = 'afterPersist' | 'afterSend' | 'afterApply';

/**
 * Deliberate bugs in the application around the core, to prove the harness catches them (a checker that
 * never fails proves nothing): `ignoreSync` never fsyncs, `sendBeforePersist` breaks the Ready order,
 * `staleReads` serves ReadIndex reads from local state at once, `noDedup` re-applies retried commands.
 */
export type Sabotage = 'ignoreSync' | 'sendBeforePersist' | 'staleReads' | 'noDedup';

export type RaftOptions = Omit<RaftConfig, 'id' | 'storage' | 'rng' | 'applied'>;

export interface SimNodeConfig {
  readonly id: number;
  readonly seed: number;
  readonly raft: RaftOptions;
  /** Applied entries between automatic snapshots; 0 disables snapshots and compaction. */
  readonly snapshotEvery: number;
  /** Entries kept in the log behind a snapshot when compacting. */
  readonly compactKeep: number;
  readonly invariants: Invariants;
  readonly sabotage: Sabotage | undefined;
  /** A leader sends a Ready's messages before persisting it (as the driver's option of that name). */
  readonly leaderSendsBeforePersist: boolean;
  /**
   * With leaderSendsBeforePersist: the leader persists in the background (as the driver's option of that
   * name, with the core's leaderCountsDurableOnly): the write is unsynced until a completion event
   * `backgroundWriteMs()` later, and the node goes on meanwhile.
   */
  readonly leaderWritesInBackground: boolean;
  /** How long a background write takes (drawn per write). */
  backgroundWriteMs(): number;
  /** Runs `fn` after `ms` of simulated time. */
  after(ms: number, fn: () => void): void;
  /** The disk's crash behaviour and crash points are drawn from it. */
  readonly rng: Rng;
  sendRaft(m: Message, onFate: (fate: PacketFate) => void): void;
  /** A committed conf change entry was applied, leaving `cs`. */
  onConfChange(cc: ConfChange, cs: ConfState): void;
  respond(res: ClientResponse): void;
  /** Command (client, seq) took effect at log index `index` (reported by every node applying it). */
  onEffect(client: number, seq: number, index: number): void;
  trace(line: string): void;
}

const MAX_READY_LOOPS = 10_000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class SimNode {
  readonly id: number;
  readonly storage = new SimStorage();
  rn: RawNode | undefined = undefined;
  sm = new KvStateMachine();
  confState: ConfState | undefined = undefined;
  applied = 0;
  /** Increases on every restart, so callbacks of a crashed incarnation are ignored. */
  incarnation = 0;
  /** While the simulated time is before this, the node is paused (a long GC): no ticks, input waits. */
  pausedUntilMs = 0;
  crashPoint: CrashPoint | undefined = undefined;
  /** Removed from the cluster and shut down for good (as etcd stops a removed member). */
  decommissioned = false;
  /**
   * A member was added: snapshot at once. A joining node starts empty and can only be caught up by a
   * snapshot whose configuration names it (the core refuses others, etcd's restore()), so the application
   * must make one after applying the change (see snapshot.test.ts in raft-node).
   */
  private snapshotForJoiner = false;
  readonly stats = { crashes: 0, readies: 0, snapshotsMade: 0, snapshotsInstalled: 0 };
  /** Commands proposed here, by `client:seq`, answered when this node applies them. */
  private readonly pendingCommands = new Map<string, ClientRequest>();
  /** ReadIndex reads, one per client, with the read index once known. */
  private readonly pendingReads = new Map<
    number,
    { ctx: string; req: ClientRequest; index: number | undefined }
  >();
  /** Background writes (Readies) not yet reported durable to the core, oldest first. */
  private backgroundWrites: Ready[] = [];

  constructor(private readonly cfg: SimNodeConfig) {
    this.id = cfg.id;
  }

  get up(): boolean {
    return this.rn !== undefined;
  }

  /** Starts (or restarts) from the storage: the state machine from its snapshot, raft from its log. */
  start(): void {
    if (this.rn !== undefined) throw new Error(`node ${this.id} is already up`);
    this.incarnation++;
    const snap = this.storage.snapshot();
    this.sm = KvStateMachine.decode(snap.data);
    this.applied = snap.metadata.index;
    this.confState = this.storage.initialState().confState;
    this.cfg.invariants.resetApplied(this.id, this.applied);
    this.rn = new RawNode({
      ...this.cfg.raft,
      id: this.id,
      storage: this.storage,
      rng: seededRng(this.cfg.seed * 7919 + this.id * 104729 + this.incarnation),
      applied: this.applied,
      leaderCountsDurableOnly: this.cfg.leaderWritesInBackground,
    });
    this.cfg.trace(`node ${this.id} starts (incarnation ${this.incarnation}, applied ${this.applied})`);
  }

  /** Crashes now: volatile state and unsynced writes are lost. */
  crash(): void {
    if (this.rn === undefined) return;
    this.rn = undefined;
    this.crashPoint = undefined;
    this.stats.crashes++;
    this.storage.crash(this.cfg.rng);
    this.pendingCommands.clear();
    this.pendingReads.clear();
    this.backgroundWrites = [];
    this.cfg.trace(`node ${this.id} crashes`);
  }

  tick(): void {
    this.rn?.tick();
    this.processReady();
  }

  receive(m: Message): void {
    this.rn?.step(m);
    this.processReady();
  }

  /** The leader this node knows of (0 if none or down). */
  leader(): number {
    return this.rn?.status().lead ?? 0;
  }

  isLeader(): boolean {
    return this.rn?.status().raftState === StateType.Leader;
  }

  /** Serves a client request: proposes it, or asks for a read index, or refuses naming the leader. */
  handleRequest(req: ClientRequest): void {
    const rn = this.rn;
    if (rn === undefined) return;
    const served =
      req.input.kind === 'get' && req.readPath === 'readIndex'
        ? this.startRead(rn, req)
        : this.propose(rn, req);
    if (served) this.processReady();
  }

  /** ReadIndex (thesis §6.4): ask for the read index; the read is served once it is applied. */
  private startRead(rn: RawNode, req: ClientRequest): boolean {
    if (this.cfg.sabotage === 'staleReads') {
      this.answer(req, { kind: 'get', value: this.sm.read(req.input.key) }, this.applied + 0.5);
      return false;
    }
    if (rn.status().lead === 0) {
      this.refuse(req, 0);
      return false;
    }
    const ctx = `${this.id}/${req.client}/${req.seq}/${req.attempt}`;
    this.pendingReads.set(req.client, { ctx, req, index: undefined });
    rn.readIndex(encoder.encode(ctx));
    return true;
  }

  private propose(rn: RawNode, req: ClientRequest): boolean {
    try {
      rn.propose(encodeCommand({ client: req.client, seq: req.seq, input: req.input }));
    } catch (e) {
      if (!(e instanceof ErrProposalDropped)) throw e;
      this.refuse(req, e.leader);
      return false;
    }
    this.pendingCommands.set(`${req.client}:${req.seq}`, req);
    return true;
  }

  private answer(req: ClientRequest, output: KvOutput, position?: number): void {
    const res = { client: req.client, seq: req.seq, attempt: req.attempt, ok: true as const, output };
    this.cfg.respond(position === undefined ? res : { ...res, position });
  }

  private refuse(req: ClientRequest, leader: number): void {
    this.cfg.respond({ client: req.client, seq: req.seq, attempt: req.attempt, ok: false, leader });
  }

  /** Handles every Ready there is, in the contract's order. */
  processReady(): void {
    for (let loops = 0; ; loops++) {
      const rn = this.rn;
      if (rn === undefined || !rn.hasReady()) return;
      if (loops >= MAX_READY_LOOPS) throw new Error(`node ${this.id}: Ready loop does not settle`);
      this.handleReady(rn);
    }
  }

  private handleReady(rn: RawNode): void {
    this.stats.readies++;
    const rd = rn.ready();
    const status = rn.status();
    this.observe(rn, rd, status.term, status.raftState);
    const incarnation = this.incarnation;
    const send = () => {
      for (const m of rd.messages) this.cfg.sendRaft(m, (fate) => this.onFate(incarnation, m, fate));
    };
    // A leader may send before persisting (thesis §10.2.1; the driver's leaderSendsBeforePersist): its
    // messages acknowledge nothing, and a crash before the write loses entries no one counted as committed.
    const leader = status.raftState === StateType.Leader;
    const sendFirst =
      this.cfg.sabotage === 'sendBeforePersist' || (this.cfg.leaderSendsBeforePersist && leader);
    const commitOnly = !rd.mustSync && rd.entries.length === 0 && rd.snapshot === undefined;
    // As the driver: such a leader writes in the background (not its commit-only Readies, which write
    // nothing durable); anything else first waits for the background writes to end.
    const background =
      this.cfg.leaderWritesInBackground && leader && !commitOnly && rd.snapshot === undefined;
    if (!background && !(leader && commitOnly)) this.finishBackgroundWrites();
    if (sendFirst) {
      send();
      if (this.maybeCrashAt('afterSend') || this.maybeCrashAt('afterPersist')) return;
    }
    // 1. Persist (durably when mustSync; a background write is synced by its completion event).
    if (background) {
      this.storage.save(rd, false);
      this.backgroundWrites.push(rd);
      const incarnation = this.incarnation;
      this.cfg.after(this.cfg.backgroundWriteMs(), () => {
        if (incarnation !== this.incarnation || this.rn === undefined) return;
        if (this.backgroundWrites.includes(rd)) this.finishBackgroundWrites(rd);
        this.processReady();
      });
    } else this.storage.save(rd, rd.mustSync && this.cfg.sabotage !== 'ignoreSync');
    if (this.maybeCrashAt('afterPersist')) return;
    // 2. Send.
    if (!sendFirst) send();
    if (this.maybeCrashAt('afterSend')) return;
    // 3. Apply.
    if (rd.snapshot !== undefined) this.installSnapshot(rd);
    for (const e of rd.committedEntries) this.applyEntry(rn, e);
    for (const rs of rd.readStates) this.onReadState(decoder.decode(rs.requestCtx), rs.index);
    this.serveReads();
    if (this.maybeCrashAt('afterApply')) return;
    // 4. Advance.
    if (background) rn.advanceApplied(rd);
    else rn.advance(rd);
    this.maybeSnapshot();
  }

  /**
   * Ends the background writes up to `upTo` (all of them by default): one sync makes them durable, and the
   * core hears of each, in order.
   */
  private finishBackgroundWrites(upTo?: Ready): void {
    if (this.backgroundWrites.length === 0) return;
    if (this.cfg.sabotage !== 'ignoreSync') this.storage.sync();
    const n = upTo === undefined ? this.backgroundWrites.length : this.backgroundWrites.indexOf(upTo) + 1;
    const done = this.backgroundWrites.splice(0, n);
    for (const rd of done) this.rn?.advancePersisted(rd);
  }

  private observe(rn: RawNode, rd: Ready, term: number, state: StateType): void {
    const inv = this.cfg.invariants;
    const leaderTerm = state === StateType.Leader ? term : 0;
    if (rd.softState?.raftState === StateType.Candidate)
      this.cfg.trace(`node ${this.id} campaigns in term ${term}`);
    if (rd.softState?.raftState === StateType.Leader) {
      inv.observeLeader(this.id, term);
      inv.checkLeaderCompleteness(this.id, term, rawNodeRaft(rn).raftLog);
      this.cfg.trace(`node ${this.id} becomes leader of term ${term}`);
    }
    inv.checkLeaderAppendOnly(this.id, leaderTerm, rd.entries, this.storage.lastIndex());
    if (leaderTerm !== 0) inv.observeLeaderCommit(term, rn.status().commit, rawNodeRaft(rn).raftLog);
  }

  private maybeCrashAt(point: CrashPoint): boolean {
    if (this.crashPoint !== point) return false;
    this.cfg.trace(`node ${this.id} crash point ${point}`);
    this.crash();
    return true;
  }

  /** The sender learns whether its snapshot arrived, and that a peer is unreachable. */
  private onFate(incarnation: number, m: Message, fate: PacketFate): void {
    const rn = this.rn;
    if (rn === undefined || incarnation !== this.incarnation) return;
    if (m.type === MessageType.Snap) rn.reportSnapshot(m.to, fate === 'delivered');
    else if (m.type === MessageType.App && fate === 'lost') rn.reportUnreachable(m.to);
    else return;
    this.processReady();
  }

  private installSnapshot(rd: Ready): void {
    const snap = rd.snapshot!;
    this.stats.snapshotsInstalled++;
    this.sm = KvStateMachine.decode(snap.data);
    this.applied = snap.metadata.index;
    this.confState = snap.metadata.confState;
    this.cfg.invariants.recordSnapshot(this.id, snap.metadata.index, snap.metadata.term, this.sm.digest());
    this.cfg.invariants.resetApplied(this.id, snap.metadata.index);
    this.cfg.trace(`node ${this.id} installs snapshot at ${snap.metadata.index}`);
  }

  private applyEntry(rn: RawNode, e: Entry): void {
    this.cfg.invariants.recordApplied(this.id, e);
    this.applied = e.index;
    if (e.type === EntryType.ConfChange) {
      const cc = decodeConfChange(e.data);
      if (cc.changes.some((c) => c.type !== ConfChangeType.RemoveNode)) this.snapshotForJoiner = true;
      try {
        this.confState = rn.applyConfChange(cc);
        this.cfg.onConfChange(cc, this.confState);
        this.cfg.trace(`node ${this.id} applies conf change at ${e.index}: voters ${this.confState.voters}`);
      } catch (err) {
        if (!(err instanceof ErrInvalidConfChange)) throw err;
      }
    } else if (e.data.byteLength > 0) {
      const cmd = decodeCommand(e.data);
      if (this.sm.isFresh(cmd)) this.cfg.onEffect(cmd.client, cmd.seq, e.index);
      const output = this.sm.apply(this.cfg.sabotage === 'noDedup' ? { ...cmd, seq: e.index * 1000 } : cmd);
      const key = `${cmd.client}:${cmd.seq}`;
      const req = this.pendingCommands.get(key);
      if (req !== undefined) {
        this.pendingCommands.delete(key);
        if (output !== undefined) this.answer(req, output);
      }
    }
    // Replicas at the same index must hold identical states: sample the digest now and then.
    if (e.index % 8 === 0) this.cfg.invariants.recordSnapshot(this.id, e.index, e.term, this.sm.digest());
  }

  private onReadState(ctx: string, index: number): void {
    for (const r of this.pendingReads.values()) if (r.ctx === ctx) r.index = index;
  }

  /** Answers ReadIndex reads whose read index is applied (thesis §6.4 step 4). */
  private serveReads(): void {
    for (const [client, r] of this.pendingReads) {
      if (r.index === undefined || r.index > this.applied) continue;
      this.pendingReads.delete(client);
      this.answer(r.req, { kind: 'get', value: this.sm.read(r.req.input.key) }, this.applied + 0.5);
    }
  }

  /**
   * Snapshots the state machine every `snapshotEvery` applied entries (and after a member was added) and
   * compacts the log behind it.
   */
  private maybeSnapshot(): void {
    const every = this.cfg.snapshotEvery;
    if (this.confState === undefined) return;
    const snapIndex = this.storage.snapshot().metadata.index;
    const due = every > 0 && this.applied - snapIndex >= every;
    if (!(due || (this.snapshotForJoiner && this.applied > snapIndex))) return;
    this.snapshotForJoiner = false;
    this.storage.createSnapshot(this.applied, this.confState, this.sm.encode());
    this.stats.snapshotsMade++;
    const term = this.storage.snapshot().metadata.term;
    this.cfg.invariants.recordSnapshot(this.id, this.applied, term, this.sm.digest());
    const compactTo = this.applied - this.cfg.compactKeep;
    if (every > 0 && compactTo >= this.storage.firstIndex()) this.storage.compact(compactTo);
  }
}
