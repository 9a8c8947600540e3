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

import { searchLinearization } from './linearizability-search.js';

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
