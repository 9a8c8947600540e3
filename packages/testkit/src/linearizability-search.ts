/**
 * The search of the linearizability checker (see linearizability.ts): Wing & Gong's depth-first search over a
 * linked list of call and return events with Lowe's memoization, plus dominance pruning and a bounded first
 * pass for operations of unknown result.
 */
import type { Model, Operation, StepResult } from './linearizability.js';

/** One call or return event in the doubly linked list the search walks. */
interface Event {
  readonly isCall: boolean;
  /** Index of the operation in the partition. */
  readonly id: number;
  readonly time: number;
  /** For a call: its return event (always after it in the list). */
  match: Event | undefined;
  prev: Event | undefined;
  next: Event | undefined;
}

/** Builds the event list: sorted by time; at equal times calls come first (the operations overlap). */
function buildEvents<I, O>(ops: readonly Operation<I, O>[]): Event {
  const events: Event[] = [];
  ops.forEach((op, id) => {
    const ret: Event = {
      isCall: false,
      id,
      time: op.return ?? Number.POSITIVE_INFINITY,
      match: undefined,
      prev: undefined,
      next: undefined,
    };
    events.push({ isCall: true, id, time: op.call, match: ret, prev: undefined, next: undefined }, ret);
  });
  events.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? a.id - b.id : a.isCall ? -1 : 1));
  const head: Event = {
    isCall: false,
    id: -1,
    time: Number.NEGATIVE_INFINITY,
    match: undefined,
    prev: undefined,
    next: undefined,
  };
  let last = head;
  for (const e of events) {
    last.next = e;
    e.prev = last;
    last = e;
  }
  return head;
}

/** Removes a call and its return from the list. */
function lift(call: Event): void {
  const ret = call.match!;
  call.prev!.next = call.next;
  call.next!.prev = call.prev;
  ret.prev!.next = ret.next;
  if (ret.next !== undefined) ret.next.prev = ret.prev;
}

/** Puts back a call and its return, undoing {@link lift} (in reverse order). */
function unlift(call: Event): void {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next !== undefined) ret.next.prev = ret;
  call.prev!.next = call;
  call.next!.prev = call;
}

/**
 * The set of linearized operations, as two bit sets: completed operations (with an incrementally maintained
 * Zobrist hash) and operations of unknown result (each has its own slot in a second, usually tiny, set).
 */
class LinearizedSet {
  readonly done: Uint32Array;
  readonly unknown: Uint32Array;
  hash = 0;

  constructor(
    doneCount: number,
    unknownCount: number,
    /** For each operation, its slot in `done` (completed) or `unknown` (result unknown). */
    private readonly slots: readonly { readonly unknown: boolean; readonly slot: number }[],
  ) {
    this.done = new Uint32Array(Math.ceil(doneCount / 32));
    this.unknown = new Uint32Array(Math.ceil(unknownCount / 32));
  }

  toggle(id: number): void {
    const { unknown, slot } = this.slots[id]!;
    const words = unknown ? this.unknown : this.done;
    const w = slot >>> 5;
    words[w] = (words[w] ?? 0) ^ (1 << (slot & 31));
    if (!unknown) this.hash = (this.hash ^ zobrist(slot)) >>> 0;
  }
}

/** A fixed pseudo-random 32-bit value per operation slot (murmur3's finalizer). */
function zobrist(slot: number): number {
  let h = (slot + 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const equalWords = (a: Uint32Array, b: Uint32Array): boolean => a.every((w, i) => w === b[i]);
const subsetWords = (a: Uint32Array, b: Uint32Array): boolean => a.every((w, i) => (w & ~(b[i] ?? 0)) === 0);

/**
 * Visited configurations. A configuration (completed set D, unknown set U, state s) is *dominated* by a visited
 * (D, U', s) with U' ⊆ U: an operation of unknown result never has to be linearized (it can always go last),
 * so whatever completes from (D, U, s) also completes from (D, U', s). With no unknown operations this is
 * plain memoization (Lowe).
 */
class VisitedConfigurations {
  private readonly byKey = new Map<string, { done: Uint32Array; unknown: Uint32Array; run: number }[]>();

  /**
   * Records the configuration; false if it is dominated by one seen before (that branch is explored).
   * `run` (unknown operations linearized in a row, when their runs are bounded) must be no shorter in a
   * dominated configuration: a shorter run leaves more room for further unknown operations.
   */
  rememberNew(linearized: LinearizedSet, stateKey: string, run: number): boolean {
    const key = `${linearized.hash}:${stateKey}`;
    let seen = this.byKey.get(key);
    if (seen === undefined) {
      seen = [];
      this.byKey.set(key, seen);
    }
    for (const c of seen) {
      if (c.run <= run && equalWords(c.done, linearized.done) && subsetWords(c.unknown, linearized.unknown)) {
        return false;
      }
    }
    seen.push({ done: linearized.done.slice(), unknown: linearized.unknown.slice(), run });
    return true;
  }
}

export type Verdict = 'ok' | 'illegal' | 'timeout';

/**
 * Two passes over runs of operations of unknown result: first search only linearizations in which at most
 * one such operation comes between two completed ones, then, if that pass failed but skipped longer runs,
 * without bound. Most histories that need unknown operations need them one at a time (a lost write that a
 * later read saw); the restricted pass finds those without wandering through every subset and order of the
 * unknown operations, which on a history with a few dozen of them takes longer than any test can wait.
 */
export function searchLinearization<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  deadline: number,
): Verdict {
  const unknownCount = ops.filter((op) => op.return === undefined).length;
  for (let maxRun = 1; ; maxRun = Number.POSITIVE_INFINITY) {
    // When the bound cannot cut anything, the first pass is already the unbounded search.
    const v = searchBounded(model, ops, deadline, maxRun >= unknownCount ? Number.POSITIVE_INFINITY : maxRun);
    if (v !== 'cutoff') return v;
  }
}

/**
 * The Wing & Gong / Lowe search over one partition. At each configuration the candidates are the calls before
 * the first return in the list; completed operations are tried first (phase 0) and operations of unknown
 * result only after them (phase 1), so that configurations with fewer unknown operations are visited first
 * and dominate the others. At most `maxRun` unknown operations are linearized in a row; 'cutoff' means the
 * search failed but skipped longer runs.
 */
function searchBounded<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  deadline: number,
  maxRun: number,
): Verdict | 'cutoff' {
  const head = buildEvents(ops);
  let doneCount = 0;
  let unknownCount = 0;
  const slots = ops.map((op) =>
    op.return === undefined ? { unknown: true, slot: unknownCount++ } : { unknown: false, slot: doneCount++ },
  );
  const linearized = new LinearizedSet(doneCount, unknownCount, slots);
  const visited = new VisitedConfigurations();
  const stack: { call: Event; state: S; phase: 0 | 1; run: number }[] = [];
  let state = model.init();
  let entry = head.next;
  let phase: 0 | 1 = 0;
  /** Unknown-result operations linearized since the last completed one. */
  let run = 0;
  let cutoff = false;
  let iterations = 0;
  // Done once every completed operation is linearized: the remaining ones of unknown result can go last.
  let completedLeft = doneCount;
  while (completedLeft > 0) {
    if ((++iterations & 0xfff) === 0 && performance.now() > deadline) return 'timeout';
    if (entry === undefined) throw new Error('linearizability search ran off the event list');
    if (!entry.isCall) {
      if (phase === 0) {
        phase = 1;
        entry = head.next;
        continue;
      }
      // No pending call can be linearized before this return: backtrack.
      const top = stack.pop();
      if (top === undefined) return cutoff ? 'cutoff' : 'illegal';
      state = top.state;
      phase = top.phase;
      run = top.run;
      linearized.toggle(top.call.id);
      if (ops[top.call.id]!.return !== undefined) completedLeft++;
      unlift(top.call);
      entry = top.call.next;
      continue;
    }
    const op = ops[entry.id]!;
    if ((op.return === undefined) !== (phase === 1)) {
      entry = entry.next;
      continue;
    }
    if (phase === 1 && run >= maxRun) {
      cutoff = true;
      entry = entry.next;
      continue;
    }
    const next = applyOperation(model, state, op);
    if (next.ok) {
      linearized.toggle(entry.id);
      const nextRun = op.return === undefined ? run + 1 : 0;
      // The run length limits what may follow, so it is part of the configuration (unless unlimited).
      if (
        visited.rememberNew(
          linearized,
          model.key(next.state),
          maxRun === Number.POSITIVE_INFINITY ? 0 : nextRun,
        )
      ) {
        stack.push({ call: entry, state, phase, run });
        if (op.return !== undefined) completedLeft--;
        state = next.state;
        run = nextRun;
        lift(entry);
        entry = head.next;
        phase = 0;
        continue;
      }
      linearized.toggle(entry.id);
    }
    entry = entry.next;
  }
  return 'ok';
}

function applyOperation<S, I, O>(model: Model<S, I, O>, state: S, op: Operation<I, O>): StepResult<S> {
  if (op.return === undefined) return { ok: true, state: model.stepUnknown!(state, op.input) };
  return model.step(state, op.input, op.output);
}
