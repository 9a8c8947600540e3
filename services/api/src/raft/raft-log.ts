import type { Clock } from '@kubelab/clock';
/**
 * The api's {@link CommandLog} over a raft-node group: proposals go to the Raft leader (a follower forwards
 * them over the bus and then waits until it has applied the entry itself), linearizable reads use ReadIndex,
 * and the {@link ReplicatedStore} is the state machine every replica applies committed entries to.
 */
import {
  DriverError,
  type Entry,
  EntryType,
  ErrNotLeader,
  type NodeDriver,
  type Snapshot,
  type StateMachine,
} from '@kubelab/raft-node';
import { type CommandLog, LogUnavailableError } from '../store/command-log.js';
import type { StoreSnapshot } from '../store/object-store.js';
import type { ReplicatedStore } from '../store/replicated-store.js';
import { type IndexWaiter, IndexWaiters } from './index-waiters.js';

/** Sends a command to the leader `leaderId`, which proposes it; resolves with the entry's index. */
export type ForwardFn = (leaderId: number, data: Uint8Array) => Promise<number>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Several commands forwarded in one request: a 0 byte (a command's JSON never starts with one), then each
 * command as a 4-byte big-endian length and its bytes.
 */
export function encodeForwardBatch(commands: readonly Uint8Array[]): Uint8Array {
  let size = 1;
  for (const c of commands) size += 4 + c.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 1;
  for (const c of commands) {
    view.setUint32(at, c.length);
    out.set(c, at + 4);
    at += 4 + c.length;
  }
  return out;
}

/** The commands of a forwarded request: a batch's parts (views, not copies), or the one command it is. */
export function decodeForwardBatch(data: Uint8Array): Uint8Array[] {
  if (data.length === 0 || data[0] !== 0) return [data];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: Uint8Array[] = [];
  for (let at = 1; at < data.length; ) {
    if (at + 4 > data.length) throw new Error('truncated forward batch');
    const n = view.getUint32(at);
    if (at + 4 + n > data.length) throw new Error('truncated forward batch');
    out.push(data.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  return out;
}

/** Commands waiting to be forwarded to `leader` together. */
interface Outbox {
  readonly leader: number;
  readonly items: { data: Uint8Array; resolve: (index: number) => void; reject: (err: unknown) => void }[];
}

export class RaftCommandLog implements CommandLog {
  private driver: NodeDriver | undefined;
  private applied = 0;
  /** Waiters for a local applied index; released when applied reaches them. */
  private readonly waiters = new IndexWaiters();
  /** Forwards of this turn of the event loop, sent as one request when the turn's microtasks have run. */
  private outbox: Outbox | undefined;

  constructor(
    private readonly forward: ForwardFn,
    private readonly clock: Clock,
    /** How long a follower waits to apply an entry the leader committed for it. */
    private readonly applyWaitMs = 10_000,
  ) {}

  /** Connects the driver (created after this log, because the driver needs {@link stateMachine}). */
  bind(driver: NodeDriver): void {
    this.driver = driver;
  }

  /** The state machine adapter for the driver: committed entries → the replicated store. */
  stateMachine(rs: ReplicatedStore): StateMachine {
    return {
      apply: (entries: readonly Entry[]) => {
        for (const e of entries) {
          if (e.type === EntryType.Normal && e.data.byteLength > 0) rs.applyEntry(e.index, e.data);
          else rs.skipEntry(e.index);
        }
        // Once per batch: waiters resume in later microtasks anyway, after the whole batch is applied.
        const last = entries[entries.length - 1];
        if (last) this.advance(last.index);
        return undefined;
      },
      snapshot: () => encoder.encode(JSON.stringify(rs.snapshot())),
      restore: (s: Snapshot) => {
        const data: StoreSnapshot =
          s.data.byteLength > 0
            ? (JSON.parse(decoder.decode(s.data)) as StoreSnapshot)
            : { revision: s.metadata.index, objects: [], fences: [], recent: [] };
        rs.restore({ ...data, revision: s.metadata.index });
        this.advance(s.metadata.index);
      },
    };
  }

  async propose(data: Uint8Array): Promise<void> {
    const driver = this.requireDriver();
    // A follower that knows the leader forwards at once: proposing locally would only build an ErrNotLeader
    // (an Error with a stack trace) per write to learn the same thing.
    if (!driver.isLeader && driver.leader !== 0) return this.forwardTo(driver.leader, data);
    try {
      await driver.propose(data);
    } catch (err) {
      if (err instanceof ErrNotLeader && err.leader !== 0) return this.forwardTo(err.leader, data);
      if (err instanceof DriverError) throw new LogUnavailableError(err.message);
      throw err;
    }
  }

  /** Has `leader` propose `data`, then waits until this replica applied the entry. */
  private async forwardTo(leader: number, data: Uint8Array): Promise<void> {
    const index = await this.forwardBatched(leader, data).catch((e: unknown) => {
      throw new LogUnavailableError(
        `forwarding to the leader (${leader}) failed: ${e instanceof Error ? e.message : String(e)}`,
      );
    });
    await this.waitApplied(index);
  }

  /**
   * Writes arriving together (a burst of requests read from one socket read) are forwarded in one request:
   * the leader proposes each as its own entry and answers the highest index, which this replica then waits
   * to apply (each command's result comes from applying it here). If the request fails every command in it
   * fails with LogUnavailableError and is re-proposed by its writer (the store applies a command id once).
   */
  private forwardBatched(leader: number, data: Uint8Array): Promise<number> {
    return new Promise((resolve, reject) => {
      if (this.outbox?.leader !== leader) {
        this.flushOutbox();
        this.outbox = { leader, items: [] };
        queueMicrotask(() => this.flushOutbox());
      }
      this.outbox.items.push({ data, resolve, reject });
    });
  }

  private flushOutbox(): void {
    const box = this.outbox;
    this.outbox = undefined;
    if (!box || box.items.length === 0) return;
    const only = box.items.length === 1 ? box.items[0] : undefined;
    const payload = only ? only.data : encodeForwardBatch(box.items.map((i) => i.data));
    this.forward(box.leader, payload).then(
      (index) => {
        for (const i of box.items) i.resolve(index);
      },
      (err: unknown) => {
        for (const i of box.items) i.reject(err);
      },
    );
  }

  /**
   * The leader side of forwarding: proposes the command (each command of a batch as its own entry) and
   * returns the highest index once applied here.
   */
  async proposeAsLeader(data: Uint8Array): Promise<number> {
    const driver = this.requireDriver();
    const proposals = await Promise.all(decodeForwardBatch(data).map((c) => driver.propose(c)));
    return Math.max(...proposals.map((p) => p.index));
  }

  async readBarrier(): Promise<void> {
    try {
      const index = await this.requireDriver().readIndex();
      await this.waitApplied(index);
    } catch (err) {
      if (err instanceof DriverError) throw new LogUnavailableError(err.message);
      throw err;
    }
  }

  appliedIndex(): number {
    return this.applied;
  }

  private advance(index: number): void {
    this.applied = Math.max(this.applied, index);
    this.waiters.releaseUpTo(this.applied);
  }

  /** Resolves once this replica applied `index`; fails with LogUnavailableError after `applyWaitMs`. */
  private waitApplied(index: number): Promise<void> {
    if (index <= this.applied) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimer(this.applyWaitMs, () => {
        this.waiters.remove(waiter);
        reject(new LogUnavailableError(`entry ${index} not applied here within ${this.applyWaitMs} ms`));
      });
      const waiter: IndexWaiter = {
        index,
        release: () => {
          timer.cancel();
          resolve();
        },
      };
      this.waiters.add(waiter);
    });
  }

  private requireDriver(): NodeDriver {
    if (!this.driver) throw new LogUnavailableError('raft is not started yet');
    return this.driver;
  }
}
