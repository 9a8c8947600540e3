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

/** Sends a command to the leader `leaderId`, which proposes it; resolves with the entry's index. */
export type ForwardFn = (leaderId: number, data: Uint8Array) => Promise<number>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class RaftCommandLog implements CommandLog {
  private driver: NodeDriver | undefined;
  private applied = 0;
  /** Waiters for a local applied index, sorted by insertion; resolved when applied reaches them. */
  private waiters: { index: number; resolve: () => void }[] = [];

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
          this.advance(e.index);
        }
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
    const index = await this.forward(leader, data).catch((e: unknown) => {
      throw new LogUnavailableError(
        `forwarding to the leader (${leader}) failed: ${e instanceof Error ? e.message : String(e)}`,
      );
    });
    await this.waitApplied(index);
  }

  /** The leader side of forwarding: propose and return the index once applied here. */
  async proposeAsLeader(data: Uint8Array): Promise<number> {
    const p = await this.requireDriver().propose(data);
    return p.index;
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
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (w.index <= this.applied) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  /** Resolves once this replica applied `index`; fails with LogUnavailableError after `applyWaitMs`. */
  private waitApplied(index: number): Promise<void> {
    if (index <= this.applied) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimer(this.applyWaitMs, () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new LogUnavailableError(`entry ${index} not applied here within ${this.applyWaitMs} ms`));
      });
      const waiter = {
        index,
        resolve: () => {
          timer.cancel();
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  private requireDriver(): NodeDriver {
    if (!this.driver) throw new LogUnavailableError('raft is not started yet');
    return this.driver;
  }
}
