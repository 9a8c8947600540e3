/**
 * Joins the {@link ObjectStore} state machine to a {@link CommandLog}: writes become log entries, each
 * replica applies them in order, and the replica that proposed a command hands its result back to the
 * waiting request. Reads are served from the local store after a read barrier (linearizable by default).
 */
import type { Clock } from '@kubelab/clock';
import { type CommandLog, LogUnavailableError } from './command-log.js';
import { ObjectStore, type StoreSnapshot } from './object-store.js';
import type { ServiceAllocationConfig } from './service-allocation.js';
import type { ApplyResult, StoreCommand } from './types.js';
import { WatchCache } from './watch-cache.js';

export interface ReplicatedStoreOptions {
  readonly log: CommandLog;
  readonly clock: Clock;
  /** How long a write may wait for the log (retrying while there is no leader). Default 10 s. */
  readonly writeTimeoutMs?: number;
  readonly watchHistory?: number;
  /** Where Service cluster IPs and node ports come from (the same on every replica). */
  readonly serviceAllocation?: ServiceAllocationConfig;
}

/** A write did not complete in time; like Kubernetes' Timeout, it may or may not have been applied. */
export class WriteTimeoutError extends Error {
  override readonly name = 'WriteTimeoutError';
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeCommand(cmd: StoreCommand): Uint8Array {
  return encoder.encode(JSON.stringify(cmd));
}

export function decodeCommand(data: Uint8Array): StoreCommand {
  return JSON.parse(decoder.decode(data)) as StoreCommand;
}

export class ReplicatedStore {
  readonly store: ObjectStore;
  watchCache: WatchCache;
  /** command id → the waiting writer; only commands proposed by this replica are here. */
  private readonly pending = new Map<string, (r: ApplyResult) => void>();

  constructor(private readonly o: ReplicatedStoreOptions) {
    this.store = new ObjectStore(o.serviceAllocation);
    this.watchCache = new WatchCache(0, o.watchHistory);
  }

  /** The log's apply callback: runs each committed entry through the state machine. */
  readonly applyEntry = (index: number, data: Uint8Array): void => {
    if (data.length === 0) {
      this.store.skip(index);
      return;
    }
    const cmd = decodeCommand(data);
    // The command was just decoded from the entry: the store may keep its objects without copying them.
    const { result, events } = this.store.apply(index, cmd, true);
    this.watchCache.push(events);
    const waiter = this.pending.get(cmd.id);
    if (waiter) {
      this.pending.delete(cmd.id);
      waiter(result);
    }
  };

  /** Advances past a log entry that is not a store command (raft no-ops, membership changes). */
  skipEntry(index: number): void {
    this.store.skip(index);
  }

  /**
   * Runs a command through the log and returns its result. While the log is unavailable (an election is
   * going on), re-proposes the same command — the store applies a command id at most once — until
   * `writeTimeoutMs`, then fails with WriteTimeoutError.
   */
  async execute(cmd: StoreCommand): Promise<ApplyResult> {
    const deadline = this.o.clock.now() + (this.o.writeTimeoutMs ?? 10_000);
    const result = new Promise<ApplyResult>((resolve) => this.pending.set(cmd.id, resolve));
    const data = encodeCommand(cmd);
    let backoffMs = 20;
    try {
      for (;;) {
        try {
          await this.o.log.propose(data);
          break;
        } catch (err) {
          if (!(err instanceof LogUnavailableError)) throw err;
          if (this.o.clock.now() + backoffMs > deadline) {
            throw new WriteTimeoutError(
              `the write did not complete within the timeout (${err.message}); it may or may not have been applied`,
            );
          }
          await this.o.clock.sleep(backoffMs);
          backoffMs = Math.min(backoffMs * 2, 500);
        }
      }
      return await result;
    } finally {
      this.pending.delete(cmd.id);
    }
  }

  /** Reads from the local store; `consistent` (the default) waits for a read barrier first. */
  async read<T>(fn: (store: ObjectStore) => T, consistent = true): Promise<T> {
    if (consistent) await this.o.log.readBarrier();
    return fn(this.store);
  }

  snapshot(): StoreSnapshot {
    return this.store.snapshot();
  }

  /** Installs a snapshot: the store is replaced and every watch must restart (410). */
  restore(s: StoreSnapshot): void {
    this.store.restore(s);
    this.watchCache.reset(s.revision);
  }
}
