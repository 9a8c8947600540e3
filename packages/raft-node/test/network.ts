/**
 * An in-memory network of RawNodes for tests (etcd raft_test.go's `network`): messages are delivered
 * synchronously until the cluster is quiet, each node running the full Ready loop (persist to its
 * MemoryStorage, send, apply, advance). Links can be dropped or cut, nodes isolated, message types
 * ignored, and every message passes through an optional `msgHook`. Deterministic: drops use a seeded Rng.
 */
import { type Rng, seededRng } from '@kubelab/clock';
import {
  type ConfChange,
  type ConfState,
  type Entry,
  EntryType,
  MemoryStorage,
  type Message,
  MessageType,
  type Raft,
  type RaftConfig,
  RawNode,
  type ReadState,
  decodeConfChange,
  describeMessage,
  isLocalMsg,
  rawNodeRaft,
} from '../src/internal.js';

export interface TestNode {
  readonly id: number;
  rn: RawNode;
  storage: MemoryStorage;
  /**
   * The state machine: data of applied normal entries (non-empty ones), in order. Snapshots carry it as
   * JSON, so a node restored from a snapshot has the same state.
   */
  applied: string[];
  /** Every applied entry, including no-ops and conf changes. */
  appliedEntries: Entry[];
  readStates: ReadState[];
  confState: ConfState | undefined;
}

export type NodeOptions = Partial<Omit<RaftConfig, 'id' | 'storage' | 'rng'>>;

const MAX_DELIVERIES = 1_000_000;

export class Network {
  readonly nodes = new Map<number, TestNode>();
  /** Drop probability per directed link `from-to`. */
  private readonly dropm = new Map<string, number>();
  private readonly ignorem = new Set<MessageType>();
  /** Return false to drop a message. */
  msgHook: ((m: Message) => boolean) | undefined = undefined;
  /** Whether to report each snapshot's fate to its sender (RawNode.reportSnapshot), as a driver does. */
  reportSnapshots = false;
  /** Messages delivered, for assertions on traffic. */
  delivered: Message[] = [];
  readonly rng: Rng;

  constructor(
    readonly seed: number,
    private readonly opts: NodeOptions = {},
  ) {
    this.rng = seededRng(seed);
  }

  /** A network of `ids`, all bootstrapped with the same membership. */
  static bootstrap(seed: number, ids: number[], opts: NodeOptions = {}): Network {
    const nw = new Network(seed, opts);
    for (const id of ids) {
      const storage = new MemoryStorage();
      RawNode.bootstrap(storage, ids);
      nw.addNode(id, storage);
    }
    return nw;
  }

  /** Adds (or restarts, with an existing storage) node `id`. */
  addNode(id: number, storage = new MemoryStorage(), opts: NodeOptions = {}): TestNode {
    const rn = new RawNode({ ...this.opts, ...opts, id, storage, rng: seededRng(this.seed * 1000 + id) });
    const snap = storage.snapshot();
    const node: TestNode = {
      id,
      rn,
      storage,
      applied: snap.data.byteLength > 0 ? (JSON.parse(str(snap.data)) as string[]) : [],
      appliedEntries: [],
      readStates: [],
      confState: storage.initialState().confState,
    };
    this.nodes.set(id, node);
    return node;
  }

  node(id: number): TestNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id} (seed ${this.seed})`);
    return n;
  }

  raft(id: number): Raft {
    return rawNodeRaft(this.node(id).rn);
  }

  /**
   * Simulates a crash and restart of `id`: raft's volatile state and the in-memory state machine are lost;
   * the node restarts from its storage (the state machine from the snapshot, then replayed entries).
   */
  restart(id: number, opts: NodeOptions = {}): TestNode {
    return this.addNode(id, this.node(id).storage, opts);
  }

  /**
   * The application snapshots its state at its applied index and compacts the log up to `compactTo`
   * (default: the applied index), as a driver does periodically.
   */
  snapshotAndCompact(id: number, compactTo?: number): void {
    const n = this.node(id);
    const applied = rawNodeRaft(n.rn).raftLog.applied;
    if (applied > n.storage.snapshot().metadata.index) {
      void n.storage.createSnapshot(applied, n.confState, utf8(JSON.stringify(n.applied)));
    }
    const to = compactTo ?? applied;
    if (to >= n.storage.firstIndex()) void n.storage.compact(to);
  }

  /** Runs the Ready loop of `id` once everything is handled, returning the messages it sends. */
  drain(id: number): Message[] {
    const n = this.node(id);
    const out: Message[] = [];
    for (let guard = 0; n.rn.hasReady(); guard++) {
      if (guard > 10_000) throw new Error(`node ${id} never quiesces (seed ${this.seed})`);
      const rd = n.rn.ready();
      n.storage.saveSync(rd); // 1. persist
      out.push(...rd.messages); // 2. send
      if (rd.snapshot !== undefined) {
        // 3. apply: the snapshot replaces the state machine
        n.confState = rd.snapshot.metadata.confState;
        n.applied = JSON.parse(str(rd.snapshot.data)) as string[];
      }
      for (const e of rd.committedEntries) this.apply(n, e);
      n.readStates.push(...rd.readStates);
      n.rn.advance(rd); // 4. advance
    }
    return out;
  }

  private apply(n: TestNode, e: Entry): void {
    n.appliedEntries.push(e);
    if (e.type === EntryType.ConfChange) {
      const cc: ConfChange = decodeConfChange(e.data);
      n.confState = n.rn.applyConfChange(cc);
    } else if (e.data.byteLength > 0) {
      n.applied.push(str(e.data));
    }
  }

  /** Delivers `msgs` and everything they cause, until the network is quiet. */
  send(...msgs: Message[]): void {
    const queue = this.filter(msgs);
    for (let i = 0; i < queue.length; i++) {
      if (i > MAX_DELIVERIES) throw new Error(`network never quiesces (seed ${this.seed})`);
      const m = queue[i]!;
      const n = this.nodes.get(m.to);
      if (n === undefined) continue;
      this.delivered.push(m);
      if (isLocalMsg(m.type)) rawNodeRaft(n.rn).step(m);
      else n.rn.step(m);
      queue.push(...this.filter(this.drain(m.to)));
    }
  }

  /** Drains every node and delivers what they send. */
  deliverAll(): void {
    const msgs: Message[] = [];
    for (const id of [...this.nodes.keys()].sort((a, b) => a - b)) msgs.push(...this.drain(id));
    this.send(...msgs);
  }

  /** Ticks every node (or `ids`) once and delivers the results. */
  tick(ids?: number[]): void {
    for (const id of ids ?? [...this.nodes.keys()].sort((a, b) => a - b)) this.node(id).rn.tick();
    this.deliverAll();
  }

  campaign(id: number): void {
    this.node(id).rn.campaign();
    this.send(...this.drain(id));
  }

  propose(id: number, data: string | Uint8Array): void {
    this.node(id).rn.propose(typeof data === 'string' ? new TextEncoder().encode(data) : data);
    this.send(...this.drain(id));
  }

  proposeConfChange(id: number, cc: ConfChange): void {
    this.node(id).rn.proposeConfChange(cc);
    this.send(...this.drain(id));
  }

  /** Drops messages on the link from → to with probability `p`. */
  drop(from: number, to: number, p: number): void {
    this.dropm.set(`${from}-${to}`, p);
  }

  /** Cuts both directions between `a` and `b`. */
  cut(a: number, b: number): void {
    this.drop(a, b, 2);
    this.drop(b, a, 2);
  }

  /** Cuts `id` off from every other node. */
  isolate(id: number): void {
    for (const other of this.nodes.keys()) if (other !== id) this.cut(id, other);
  }

  ignore(t: MessageType): void {
    this.ignorem.add(t);
  }

  /** Heals every partition and drop rule. */
  recover(): void {
    this.dropm.clear();
    this.ignorem.clear();
  }

  private filter(msgs: readonly Message[]): Message[] {
    const out: Message[] = [];
    for (const m of msgs) {
      if (m.type === MessageType.Hup) throw new Error('unexpected MsgHup on the network');
      const p = this.dropm.get(`${m.from}-${m.to}`) ?? 0;
      const lost =
        this.ignorem.has(m.type) ||
        (p > 0 && this.rng.next() < p) ||
        (this.msgHook !== undefined && !this.msgHook(m));
      if (!lost) out.push(m);
      // Like a driver whose transport streams snapshots: it learns whether a snapshot got through.
      if (m.type === MessageType.Snap && this.reportSnapshots)
        this.nodes.get(m.from)?.rn.reportSnapshot(m.to, !lost);
    }
    return out;
  }

  /** All traffic so far as lines, for failure messages. */
  trace(): string {
    return this.delivered.map(describeMessage).join('\n');
  }
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const str = (b: Uint8Array): string => new TextDecoder().decode(b);
