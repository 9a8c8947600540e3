/**
 * The safety properties of Raft (paper §5.2–5.4, Figure 3), checked continuously while a simulation runs
 * (TigerBeetle VOPR's checkers, STYLE.md principle 15). Each check throws a {@link SimulationFailure} at
 * the first violation, naming the nodes, terms and indexes involved.
 */
import type { Entry, RaftLog } from '../../src/internal.js';

/** A broken invariant (or any other reason a run failed). */
export class SimulationFailure extends Error {
  override readonly name = 'SimulationFailure';
}

/** A committed entry as first seen applied: its term and a printable form of its data. */
interface CommittedEntry {
  readonly term: number;
  readonly type: number;
  readonly data: string;
  /** The node that applied it first, for messages. */
  readonly by: number;
}

const decoder = new TextDecoder();

export class Invariants {
  /** Election Safety (§5.2): the one leader of each term. */
  private readonly leaderOfTerm = new Map<number, number>();
  /** Every entry any node applied (hence committed), by index: State Machine Safety (§5.4.3). */
  private readonly committed = new Map<number, CommittedEntry>();
  /** By index: the term in which a leader first committed the entry, and the entry's term. */
  private readonly commitTerms: { readonly commitTerm: number; readonly entryTerm: number }[] = [];
  /** The highest index any node applied. */
  maxCommitted = 0;
  /** Per node: the last index it applied; the next applied entry must directly follow it. */
  private readonly lastApplied = new Map<number, number>();
  /** State machine digests at snapshot indexes: every replica's state at an index must be identical. */
  private readonly digestAt = new Map<number, string>();
  /** Per node: the term in which it was leader at its last Ready (0 if it was not). */
  private readonly leaderAtLastReady = new Map<number, number>();
  readonly counts = { leaders: 0, applied: 0, completenessChecks: 0, snapshots: 0 };

  /** Election Safety: at most one leader per term (§5.2). */
  observeLeader(node: number, term: number): void {
    const other = this.leaderOfTerm.get(term);
    if (other !== undefined && other !== node) {
      throw new SimulationFailure(
        `election safety: nodes ${other} and ${node} are both leader of term ${term}`,
      );
    }
    if (other === undefined) this.counts.leaders++;
    this.leaderOfTerm.set(term, node);
  }

  /**
   * A leader of `term` has commit index `commit`: entries up to it are committed, in that term if no leader
   * had committed them before (a follower only learns a commit index from a leader).
   */
  observeLeaderCommit(term: number, commit: number, log: RaftLog): void {
    for (let i = this.commitTerms.length; i <= commit; i++) {
      this.commitTerms.push({ commitTerm: i === 0 ? 0 : term, entryTerm: i === 0 ? 0 : log.maybeTerm(i) });
    }
  }

  /**
   * Leader Completeness (§5.4): an entry committed in term U is in the log of every leader of a term
   * after U, with the same term (entries its snapshot covers excepted). A leader of an older term may be
   * elected late in real time (its vote replies were delayed) and need not have newer entries.
   */
  checkLeaderCompleteness(node: number, term: number, log: RaftLog): void {
    this.counts.completenessChecks++;
    for (let i = Math.max(1, log.firstIndex()); i < this.commitTerms.length; i++) {
      const c = this.commitTerms[i]!;
      if (c.commitTerm >= term) continue;
      const t = log.maybeTerm(i);
      if (t !== c.entryTerm) {
        throw new SimulationFailure(
          `leader completeness: node ${node}, leader of term ${term}, has term ${t} at index ${i}, committed in term ${c.commitTerm} with term ${c.entryTerm}`,
        );
      }
    }
  }

  /**
   * Leader Append-Only (§5.3): a leader never overwrites or deletes entries of its log. Called with each
   * Ready's entries before they are persisted; `storedLast` is the storage's last index then.
   */
  checkLeaderAppendOnly(
    node: number,
    leaderTerm: number,
    entries: readonly Entry[],
    storedLast: number,
  ): void {
    const wasLeader = this.leaderAtLastReady.get(node) ?? 0;
    this.leaderAtLastReady.set(node, leaderTerm);
    const first = entries[0];
    if (leaderTerm === 0 || wasLeader !== leaderTerm || first === undefined) return;
    if (first.index <= storedLast) {
      throw new SimulationFailure(
        `leader append-only: node ${node}, leader of term ${leaderTerm}, rewrites its log from index ${first.index} (last stored ${storedLast})`,
      );
    }
  }

  /** The node (re)starts or installs a snapshot: the next entry it applies is `index + 1`. */
  resetApplied(node: number, index: number): void {
    this.lastApplied.set(node, index);
  }

  /**
   * State Machine Safety and Log Matching (§5.4.3, §5.3): every node applies the same entry at each index,
   * and applies indexes in order without gaps.
   */
  recordApplied(node: number, e: Entry): void {
    this.counts.applied++;
    const last = this.lastApplied.get(node) ?? 0;
    if (e.index !== last + 1) {
      throw new SimulationFailure(`apply order: node ${node} applied index ${e.index} right after ${last}`);
    }
    this.lastApplied.set(node, e.index);
    const data = describeData(e);
    const c = this.committed.get(e.index);
    if (c === undefined) {
      this.committed.set(e.index, { term: e.term, type: e.type, data, by: node });
      this.maxCommitted = Math.max(this.maxCommitted, e.index);
      return;
    }
    if (c.term !== e.term || c.type !== e.type || c.data !== data) {
      throw new SimulationFailure(
        `state machine safety: at index ${e.index} node ${node} applied (term ${e.term}) ${data} but node ${c.by} applied (term ${c.term}) ${c.data}`,
      );
    }
  }

  /**
   * A snapshot (made or installed) at `index` with metadata term `term` and state `digest`: it must agree
   * with the committed entry there and with every other snapshot at that index.
   */
  recordSnapshot(node: number, index: number, term: number, digest: string): void {
    this.counts.snapshots++;
    const c = this.committed.get(index);
    if (c !== undefined && c.term !== term) {
      throw new SimulationFailure(
        `snapshot: node ${node} has a snapshot at index ${index} with term ${term}, but the committed entry has term ${c.term}`,
      );
    }
    const d = this.digestAt.get(index);
    if (d !== undefined && d !== digest) {
      throw new SimulationFailure(
        `state machine safety: node ${node}'s state at index ${index} differs: ${digest} vs ${d}`,
      );
    }
    this.digestAt.set(index, digest);
  }

  /** The last index `node` applied. */
  appliedBy(node: number): number {
    return this.lastApplied.get(node) ?? 0;
  }
}

function describeData(e: Entry): string {
  return e.data.byteLength === 0 ? '<empty>' : decoder.decode(e.data);
}
