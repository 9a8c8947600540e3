/**
 * A linearizability checker in the style of Porcupine (anishathalye/porcupine): the Wing & Gong search with
 * Lowe's improvements ("Testing for linearizability", 2017). The history becomes a doubly linked list of call
 * and return events sorted by time; a depth-first search tries to linearize each pending call before the
 * first return, lifting linearized operations out of the list and backtracking when a return is reached
 * whose call was not linearized yet. Visited (linearized set, model state) pairs are memoized, which keeps
 * the search near-linear on the low-concurrency histories a simulation produces.
 *
 * P-compositionality (Herlihy & Wing, locality): a history is linearizable iff every per-object
 * sub-history is, so the model may partition operations (a KV store by key) and each partition is checked
 * on its own.
 *
 * Operations whose result is unknown (the client timed out, the node crashed) are "indeterminate": their
 * return time is +∞ and any output is accepted (Jepsen's `:info`, Porcupine's unknown outputs), so they may
 * take effect at any point after their call, or never (linearized after every completed operation).
 */

/** A completed operation: the client saw `output` between `call` and `return`. */
export interface CompletedOperation<I, O> {
  readonly clientId: number;
  readonly input: I;
  /** Time the client issued the call; any totally ordered number (sim time, event counter). */
  readonly call: number;
  readonly output: O;
  /** Time the client received the output; `return >= call`. */
  readonly return: number;
}

/** An operation whose result is unknown: it may or may not have taken effect. */
export interface IndeterminateOperation<I> {
  readonly clientId: number;
  readonly input: I;
  readonly call: number;
  readonly output?: undefined;
  readonly return?: undefined;
}

export type Operation<I, O> = CompletedOperation<I, O> | IndeterminateOperation<I>;

/** The outcome of applying one operation to a model state. */
export type StepResult<S> = { readonly ok: true; readonly state: S } | { readonly ok: false };

/**
 * A sequential specification. `step` must be pure: it never mutates `state`.
 *
 * @example
 * const register: Model<number, { write?: number }, number> = {
 *   init: () => 0,
 *   step: (s, i, o) => (i.write === undefined ? (o === s ? { ok: true, state: s } : { ok: false })
 *                                              : { ok: true, state: i.write }),
 *   stepUnknown: (s, i) => i.write ?? s,
 *   key: (s) => String(s),
 * };
 */
export interface Model<S, I, O> {
  init(): S;
  /** The next state if, in `state`, `input` may produce `output`; `{ ok: false }` if it cannot. */
  step(state: S, input: I, output: O): StepResult<S>;
  /**
   * The next state of an operation whose output is unknown. Only a deterministic model (whose next state is
   * a function of state and input) can define it; required when the history has indeterminate operations.
   */
  stepUnknown?(state: S, input: I): S;
  /** Equal for equal states and different for different ones: the memoization key. */
  key(state: S): string;
  /** Splits the history into independently checked sub-histories (e.g. by key). Default: one partition. */
  partition?(input: I): string;
  /** One line describing an operation's input and output, for failure reports. */
  describe?(input: I, output: O | undefined): string;
}

export interface CheckOptions {
  /** Gives up (reporting a failure with `timedOut: true`) after this long. Default: no limit. */
  readonly timeoutMs?: number;
  /** Searches the shortest failing prefix of the offending partition (costs a few more searches). Default true. */
  readonly minimize?: boolean;
}

/** Why a history is not linearizable. */
export interface CheckFailure<I, O> {
  readonly ok: false;
  /** True when the search ran out of time: the history may or may not be linearizable. */
  readonly timedOut: boolean;
  /** The partition key that failed ('' for an unpartitioned model). */
  readonly partition: string;
  /** The operations of that partition, sorted by call time. */
  readonly operations: readonly Operation<I, O>[];
  /**
   * The shortest prefix (in return-time order) of the partition that is already not linearizable: every
   * operation called no later than `culprit` returned (those still pending then count as indeterminate).
   * `culprit` is the operation whose output no ordering of that prefix can explain.
   */
  readonly minimalPrefix?: {
    readonly operations: readonly Operation<I, O>[];
    readonly culprit: Operation<I, O>;
  };
  /** A readable report listing the operations above. */
  readonly explanation: string;
}

export type CheckResult<I, O> = { readonly ok: true } | CheckFailure<I, O>;

/**
 * Checks that `history` is linearizable with respect to `model`.
 *
 * @example
 * const r = checkOperations(kvModel, history, { timeoutMs: 10_000 });
 * if (!r.ok) throw new Error(r.explanation);
 */
export function checkOperations<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  opts: CheckOptions = {},
): CheckResult<I, O> {
  const deadline =
    opts.timeoutMs === undefined ? Number.POSITIVE_INFINITY : performance.now() + opts.timeoutMs;
  for (const op of history) validateOperation(model, op);
  const partitions = partitionHistory(model, history);
  for (const [key, ops] of partitions) {
    const verdict = searchLinearization(model, ops, deadline);
    if (verdict === 'ok') continue;
    const timedOut = verdict === 'timeout';
    const minimalPrefix =
      timedOut || opts.minimize === false ? undefined : minimizePrefix(model, ops, deadline);
    return failure(model, key, ops, timedOut, minimalPrefix);
  }
  return { ok: true };
}

function validateOperation<S, I, O>(model: Model<S, I, O>, op: Operation<I, O>): void {
  if (!Number.isFinite(op.call)) throw new RangeError(`operation call time must be finite: ${op.call}`);
  if (op.return === undefined) {
    if (model.stepUnknown === undefined) {
      throw new TypeError('history has indeterminate operations but the model has no stepUnknown()');
    }
    return;
  }
  if (!(op.return >= op.call))
    throw new RangeError(`operation returns (${op.return}) before its call (${op.call})`);
}

function partitionHistory<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
): Map<string, Operation<I, O>[]> {
  const parts = new Map<string, Operation<I, O>[]>();
  for (const op of history) {
    const key = model.partition?.(op.input) ?? '';
    let list = parts.get(key);
    if (list === undefined) {
      list = [];
      parts.set(key, list);
    }
    list.push(op);
  }
  for (const list of parts.values()) list.sort((a, b) => a.call - b.call);
  return new Map([...parts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

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

type Verdict = 'ok' | 'illegal' | 'timeout';

/**
 * Two passes over runs of operations of unknown result: first search only linearizations in which at most
 * one such operation comes between two completed ones, then, if that pass failed but skipped longer runs,
 * without bound. Most histories that need unknown operations need them one at a time (a lost write that a
 * later read saw); the restricted pass finds those without wandering through every subset and order of the
 * unknown operations, which on a history with a few dozen of them takes longer than any test can wait.
 */
function searchLinearization<S, I, O>(
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

/**
 * The prefix of `ops` up to time `t`: operations called by `t`; those that had not returned by `t` become
 * indeterminate. If a history is linearizable, so is each of its prefixes, which makes the search monotone.
 */
function prefixAt<I, O>(ops: readonly Operation<I, O>[], t: number): Operation<I, O>[] {
  const prefix: Operation<I, O>[] = [];
  for (const op of ops) {
    if (op.call > t) continue;
    if (op.return !== undefined && op.return <= t) prefix.push(op);
    else prefix.push({ clientId: op.clientId, input: op.input, call: op.call });
  }
  return prefix;
}

/** Binary search for the earliest return time whose prefix is already not linearizable. */
function minimizePrefix<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  deadline: number,
): CheckFailure<I, O>['minimalPrefix'] {
  if (model.stepUnknown === undefined) return undefined;
  const times = [...new Set(ops.flatMap((op) => (op.return === undefined ? [] : [op.return])))].sort(
    (a, b) => a - b,
  );
  let lo = 0;
  let hi = times.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const verdict = searchLinearization(model, prefixAt(ops, times[mid]!), deadline);
    if (verdict === 'timeout') return undefined;
    if (verdict === 'illegal') hi = mid;
    else lo = mid + 1;
  }
  const t = times[lo];
  if (t === undefined) return undefined;
  const culprit = ops.find((op) => op.return === t);
  if (culprit === undefined) return undefined;
  return { operations: ops.filter((op) => op.call <= t), culprit };
}

function failure<S, I, O>(
  model: Model<S, I, O>,
  partition: string,
  ops: readonly Operation<I, O>[],
  timedOut: boolean,
  minimalPrefix: CheckFailure<I, O>['minimalPrefix'],
): CheckFailure<I, O> {
  const culprit = minimalPrefix?.culprit;
  const cutoff = culprit?.return ?? Number.POSITIVE_INFINITY;
  const describe = (op: Operation<I, O>): string => {
    const what =
      model.describe?.(op.input, op.output) ?? `${JSON.stringify(op.input)} -> ${JSON.stringify(op.output)}`;
    const span = `[${formatTime(op.call)}, ${op.return === undefined ? '∞' : formatTime(op.return)}]`;
    const note =
      op === culprit
        ? '  <-- no linearization explains this'
        : op.return === undefined
          ? '  (unknown result)'
          : op.return > cutoff
            ? '  (pending at that time)'
            : '';
    return `  ${span.padEnd(22)} client ${String(op.clientId).padEnd(4)} ${what}${note}`;
  };
  const lines = [
    timedOut
      ? `linearizability check timed out on partition ${JSON.stringify(partition)} (${ops.length} operations)`
      : `history is not linearizable: partition ${JSON.stringify(partition)} (${ops.length} operations)`,
  ];
  if (minimalPrefix !== undefined) {
    const shown = minimalPrefix.operations.slice(-EXPLAIN_MAX);
    lines.push(
      `shortest failing prefix: ${minimalPrefix.operations.length} operations called up to time ${formatTime(cutoff)}` +
        (shown.length < minimalPrefix.operations.length ? `; the last ${shown.length}:` : ':'),
      ...shown.map(describe),
    );
  } else {
    const shown = ops.slice(0, EXPLAIN_MAX);
    lines.push(...shown.map(describe));
    if (shown.length < ops.length) lines.push(`  ... ${ops.length - shown.length} more`);
  }
  const base = { ok: false as const, timedOut, partition, operations: ops, explanation: lines.join('\n') };
  return minimalPrefix === undefined ? base : { ...base, minimalPrefix };
}

/** Times as given if integers, else with three decimals (simulators add tiny fractions to break ties). */
function formatTime(t: number): string {
  return Number.isInteger(t) ? String(t) : t.toFixed(3);
}

/** Operations listed in a failure explanation, at most. */
const EXPLAIN_MAX = 40;
