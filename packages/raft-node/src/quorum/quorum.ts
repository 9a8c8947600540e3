/**
 * Majority and joint quorum maths (etcd raft quorum/). A majority config is a set of voter ids; a joint
 * config is two of them, both of which must agree (Raft thesis §4.3, joint consensus). All functions are
 * pure and allocation-light: they run on every acknowledgement the leader receives.
 */

/** The outcome of an election, from the votes recorded so far. */
export const VoteResult = {
  /** Neither side has a quorum yet, but the missing votes could still decide it. */
  Pending: 1,
  /** A quorum has rejected. */
  Lost: 2,
  /** A quorum has granted. */
  Won: 3,
} as const;
export type VoteResult = (typeof VoteResult)[keyof typeof VoteResult];

/** Where each voter's log is known to reach; `undefined` when a voter has not reported. */
export interface AckedIndexer {
  ackedIndex(id: number): number | undefined;
}

export type MajorityConfig = ReadonlySet<number>;
/** `[incoming, outgoing]`; the outgoing half is empty outside a joint configuration. */
export type JointConfig = readonly [MajorityConfig, MajorityConfig];

/** Scratch space for sorting acked indexes; the core is single-threaded and synchronous. */
let scratch = new Float64Array(16);

/**
 * The largest index acknowledged by a majority of `voters` (Raft §5.3: an entry is committed once a
 * majority stores it). An empty config returns +Infinity, so that a joint config whose outgoing half is
 * empty behaves like its incoming half.
 */
export function majorityCommittedIndex(voters: MajorityConfig, l: AckedIndexer): number {
  const n = voters.size;
  if (n === 0) return Number.POSITIVE_INFINITY;
  if (scratch.length < n) scratch = new Float64Array(n * 2);
  const srt = scratch;
  let i = 0;
  for (const id of voters) srt[i++] = l.ackedIndex(id) ?? 0;
  // Insertion sort: n is tiny (3–7) in practice, and this keeps the hot path free of allocations.
  for (let a = 1; a < n; a++) {
    const v = srt[a]!;
    let b = a - 1;
    while (b >= 0 && srt[b]! > v) {
      srt[b + 1] = srt[b]!;
      b--;
    }
    srt[b + 1] = v;
  }
  // The smallest index that n/2+1 voters have reached: count n/2+1 from the top.
  return srt[n - (Math.floor(n / 2) + 1)]!;
}

/**
 * Tallies `votes` (granted = true) over `voters` (Raft §5.2: a candidate wins with votes from a majority).
 * An empty config wins by convention, which makes a half-populated joint config act like a majority one.
 */
export function majorityVoteResult(voters: MajorityConfig, votes: ReadonlyMap<number, boolean>): VoteResult {
  if (voters.size === 0) return VoteResult.Won;
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  const q = Math.floor(voters.size / 2) + 1;
  if (granted >= q) return VoteResult.Won;
  if (granted + missing >= q) return VoteResult.Pending;
  return VoteResult.Lost;
}

/** The committed index of a joint config: the smaller of its two halves' (thesis §4.3). */
export function jointCommittedIndex(c: JointConfig, l: AckedIndexer): number {
  const a = majorityCommittedIndex(c[0], l);
  const b = majorityCommittedIndex(c[1], l);
  return a < b ? a : b;
}

/** A joint election is won only if both halves win, and lost as soon as either loses. */
export function jointVoteResult(c: JointConfig, votes: ReadonlyMap<number, boolean>): VoteResult {
  const r1 = majorityVoteResult(c[0], votes);
  const r2 = majorityVoteResult(c[1], votes);
  if (r1 === r2) return r1;
  if (r1 === VoteResult.Lost || r2 === VoteResult.Lost) return VoteResult.Lost;
  return VoteResult.Pending;
}

/** The union of both halves' ids, sorted. */
export function jointIds(c: JointConfig): number[] {
  const s = new Set<number>(c[0]);
  for (const id of c[1]) s.add(id);
  return [...s].sort((a, b) => a - b);
}

/** A majority config as a sorted array. */
export function sortedIds(c: ReadonlySet<number>): number[] {
  return [...c].sort((a, b) => a - b);
}

/** `(1 2 3)&&(1 2 4)` style description, for logs. */
export function describeJoint(c: JointConfig): string {
  const one = (s: ReadonlySet<number>) => `(${sortedIds(s).join(' ')})`;
  return c[1].size === 0 ? one(c[0]) : `${one(c[0])}&&${one(c[1])}`;
}
