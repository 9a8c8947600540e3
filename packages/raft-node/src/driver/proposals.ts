/**
 * The leader's proposals waiting to be applied, keyed by log index (etcd server's wait registry, keyed by
 * position instead of request id).
 *
 * Why (index, term) identifies a proposal: the leader appends its proposal at lastIndex+1 in its own term,
 * and there is at most one leader per term (§3.4), so the entry (index, term) is that proposal and nothing
 * else. When the entry committed at `index` is applied:
 * - its term is the proposal's: the proposal committed; resolve with the state machine's result;
 * - another term: a later leader's entry won the index; committed entries never change (§3.6, Leader
 *   Completeness), so the proposal will never commit: reject with ErrProposalOverwritten (definite).
 *
 * A truncation of the proposer's own log is NOT treated as definite: another node may still hold the entry
 * and win an election with it (thesis Figure 3.7). Such proposals settle when their index is applied, or
 * time out as ErrProposalUnknown.
 *
 * Invariants: at most `maxPending` entries; Map insertion order is proposal order, so deadlines are
 * non-decreasing along the map and a timeout scan stops at the first live entry.
 */
import type { Span } from '@opentelemetry/api';
import { SpanStatusCode } from '@opentelemetry/api';
import type { Entry } from '../core/types.js';
import type { RaftMetrics } from '../metrics.js';
import { ErrProposalOverwritten, ErrProposalUnknown } from './errors.js';

/** A committed and locally applied proposal. */
export interface Proposal<R> {
  readonly index: number;
  readonly term: number;
  /** What the state machine's `apply` returned for this entry. */
  readonly result: R;
}

interface Pending<R> {
  readonly term: number;
  readonly startedMs: number;
  readonly deadlineTick: number;
  readonly span: Span;
  readonly resolve: (p: Proposal<R>) => void;
  readonly reject: (e: Error) => void;
}

export class ProposalTracker<R> {
  private readonly byIndex = new Map<number, Pending<R>>();

  constructor(
    readonly maxPending: number,
    private readonly metrics: RaftMetrics,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.byIndex.size;
  }

  get full(): boolean {
    return this.byIndex.size >= this.maxPending;
  }

  /** Registers the proposal just appended at (index, term). */
  add(index: number, term: number, deadlineTick: number, span: Span): Promise<Proposal<R>> {
    const old = this.byIndex.get(index);
    if (old !== undefined) {
      // A new entry of ours sits at the index: the old one was truncated and replaced, by us, in a later term.
      this.byIndex.delete(index);
      this.settleError(old, new ErrProposalOverwritten(index, old.term));
    }
    return new Promise<Proposal<R>>((resolve, reject) => {
      this.byIndex.set(index, { term, startedMs: this.now(), deadlineTick, span, resolve, reject });
    });
  }

  /** Settles the proposals of the applied `entries`; `results[i]` belongs to `entries[i]`. */
  onApplied(entries: readonly Entry[], results: readonly R[] | undefined): void {
    if (this.byIndex.size === 0) return;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      const p = this.byIndex.get(e.index);
      if (p === undefined) continue;
      this.byIndex.delete(e.index);
      if (p.term !== e.term) {
        this.settleError(p, new ErrProposalOverwritten(e.index, p.term));
        continue;
      }
      const ms = this.now() - p.startedMs;
      this.metrics.commitLatencyMs(ms);
      p.span.setAttribute('raft.index', e.index);
      p.span.end();
      p.resolve({ index: e.index, term: e.term, result: results?.[i] as R });
    }
  }

  /** A snapshot replaced the log up to `index`: whether our entries made it in is unknowable here. */
  onSnapshot(index: number): void {
    for (const [i, p] of this.byIndex) {
      if (i > index) continue;
      this.byIndex.delete(i);
      this.settleError(p, new ErrProposalUnknown(`a snapshot at ${index} replaced the log`));
    }
  }

  /** Rejects proposals whose deadline passed (ErrProposalUnknown: they may still commit). */
  onTick(tick: number): void {
    for (const [i, p] of this.byIndex) {
      if (p.deadlineTick > tick) return;
      this.byIndex.delete(i);
      this.settleError(p, new ErrProposalUnknown('timed out waiting for commit'));
    }
  }

  /** Rejects everything with `err` (the driver is stopping). */
  rejectAll(err: Error): void {
    for (const p of this.byIndex.values()) this.settleError(p, err);
    this.byIndex.clear();
  }

  private settleError(p: Pending<R>, err: Error): void {
    this.metrics.proposalFailed(err.name);
    p.span.recordException(err);
    p.span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
    p.span.end();
    p.reject(err);
  }
}
