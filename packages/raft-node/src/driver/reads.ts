import type { ReadState } from '../core/types.js';
/**
 * Linearizable reads through ReadIndex (Raft thesis §6.4), batched like etcd's linearizableReadLoop: reads
 * that arrive while a ReadIndex round is in flight wait for the next round, and one round serves them all.
 * A read may not join a round already in flight: that round's index was fixed before the read began, and
 * could miss a write acknowledged in between.
 *
 * A read resolves once the local state machine has applied the round's index. Reads time out (ErrReadTimeout)
 * when no index comes back (no leader, leadership changed, the request was lost).
 *
 * Invariants: at most `maxPending` waiters in total (next + inFlight + confirmed); `confirmed` is sorted by
 * index (rounds complete in order because only one is in flight at a time).
 */
import { bytesEqual } from '../core/util.js';
import { ErrReadTimeout } from './errors.js';

interface Waiter {
  readonly deadlineTick: number;
  readonly resolve: (index: number) => void;
  readonly reject: (e: Error) => void;
}

interface Round {
  readonly ctx: Uint8Array;
  readonly waiters: Waiter[];
}

export class ReadTracker {
  private next: Waiter[] = [];
  private inFlight: Round | undefined;
  private readonly confirmed: { index: number; waiters: Waiter[] }[] = [];
  private pendingCount = 0;
  private seq = 0;

  /**
   * @param issue sends one ReadIndex request with this context (RawNode.readIndex)
   * @param nonce random high bits of every context, so that a late answer to a previous process' round
   *   cannot be mistaken for one of ours
   */
  constructor(
    readonly maxPending: number,
    private readonly timeoutMs: number,
    private readonly nonce: number,
    private readonly issue: (ctx: Uint8Array) => void,
  ) {}

  get size(): number {
    return this.pendingCount;
  }

  get full(): boolean {
    return this.pendingCount >= this.maxPending;
  }

  /** Queues a read; resolves with the read index once applied. */
  read(deadlineTick: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.next.push({ deadlineTick, resolve, reject });
      this.pendingCount++;
      if (this.inFlight === undefined) this.startRound();
    });
  }

  /** Matches answers to the round in flight; its waiters then wait for `index` to be applied. */
  onReadStates(states: readonly ReadState[], applied: number): void {
    const round = this.inFlight;
    if (round === undefined) return;
    for (const rs of states) {
      if (!bytesEqual(rs.requestCtx, round.ctx)) continue;
      this.inFlight = undefined;
      this.confirmed.push({ index: rs.index, waiters: round.waiters });
      this.onApplied(applied);
      if (this.next.length > 0) this.startRound();
      return;
    }
  }

  /** Resolves the reads whose index is applied. */
  onApplied(applied: number): void {
    while (this.confirmed.length > 0 && this.confirmed[0]!.index <= applied) {
      const { index, waiters } = this.confirmed.shift()!;
      this.pendingCount -= waiters.length;
      for (const w of waiters) w.resolve(index);
    }
  }

  /** Times out waiters; a timed-out round is abandoned and the next one starts. */
  onTick(tick: number): void {
    if (this.pendingCount === 0) return;
    this.next = this.expire(this.next, tick);
    for (const c of this.confirmed) c.waiters.splice(0, c.waiters.length, ...this.expire(c.waiters, tick));
    const round = this.inFlight;
    if (round?.waiters.some((w) => w.deadlineTick <= tick)) {
      // The answer is overdue: reject the whole round (its answer may never come) and start afresh.
      this.inFlight = undefined;
      this.rejectWaiters(round.waiters, new ErrReadTimeout(this.timeoutMs));
      if (this.next.length > 0) this.startRound();
    }
  }

  /** Rejects every waiting read with `err`. */
  rejectAll(err: Error): void {
    this.rejectWaiters(this.next, err);
    this.next = [];
    if (this.inFlight !== undefined) this.rejectWaiters(this.inFlight.waiters, err);
    this.inFlight = undefined;
    for (const c of this.confirmed) this.rejectWaiters(c.waiters, err);
    this.confirmed.length = 0;
  }

  private startRound(): void {
    const ctx = new Uint8Array(12);
    const view = new DataView(ctx.buffer);
    view.setUint32(0, this.nonce >>> 0);
    view.setFloat64(4, ++this.seq);
    this.inFlight = { ctx, waiters: this.next };
    this.next = [];
    this.issue(ctx);
  }

  private expire(waiters: Waiter[], tick: number): Waiter[] {
    const live: Waiter[] = [];
    const dead: Waiter[] = [];
    for (const w of waiters) (w.deadlineTick <= tick ? dead : live).push(w);
    this.rejectWaiters(dead, new ErrReadTimeout(this.timeoutMs));
    return live;
  }

  private rejectWaiters(waiters: readonly Waiter[], err: Error): void {
    this.pendingCount -= waiters.length;
    for (const w of waiters) w.reject(err);
  }
}
