/**
 * Checking a proposed linearization (a witness) instead of searching for one. A system under test often
 * knows the order its operations took effect in (a replicated log's indexes); if that order respects real
 * time and replays to the observed outputs, it proves the history linearizable in linear time, however
 * many operations have unknown results. If it does not, the history may still be linearizable in another
 * order: fall back to {@link checkOperations}. Trusting the system for the order is sound because the
 * witness is verified, never assumed.
 */
import type { Model, Operation } from './linearizability.js';

export type WitnessResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Verifies that ordering `history` by `positions` (one per operation, same index) is a linearization:
 * within each partition, an operation that returned before another was called comes first, and replaying
 * the operations through `model` in that order produces every recorded output. `undefined` means "never
 * took effect", allowed only for operations of unknown result. Equal positions are allowed for operations
 * that commute (reads of one state); they replay in history order.
 *
 * @example
 * // positions[i]: the log index where operation i took effect (reads: applied index + 0.5)
 * if (!checkWitness(kvModel, history, positions).ok) checkOperations(kvModel, history);
 */
export function checkWitness<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  positions: readonly (number | undefined)[],
): WitnessResult {
  if (positions.length !== history.length) throw new RangeError('one position per operation');
  const parts = new Map<string, number[]>();
  for (const [i, op] of history.entries()) {
    if (positions[i] === undefined) {
      if (op.return !== undefined) return { ok: false, reason: `completed operation ${i} has no position` };
      continue;
    }
    const key = model.partition?.(op.input) ?? '';
    const list = parts.get(key) ?? [];
    list.push(i);
    parts.set(key, list);
  }
  for (const [key, ids] of parts) {
    ids.sort((a, b) => positions[a]! - positions[b]! || a - b);
    const problem = checkRealTime(history, ids) ?? replay(model, history, ids);
    if (problem !== undefined) return { ok: false, reason: `partition ${JSON.stringify(key)}: ${problem}` };
  }
  return { ok: true };
}

/** Every operation must be called no later than every operation ordered after it returned. */
function checkRealTime<I, O>(
  history: readonly Operation<I, O>[],
  ids: readonly number[],
): string | undefined {
  let minReturnAfter = Number.POSITIVE_INFINITY;
  let culprit = -1;
  for (let k = ids.length - 1; k >= 0; k--) {
    const op = history[ids[k]!]!;
    if (minReturnAfter < op.call) {
      return `operation ${ids[k]} (called at ${op.call}) is ordered before operation ${culprit}, which returned at ${minReturnAfter}`;
    }
    const ret = op.return ?? Number.POSITIVE_INFINITY;
    if (ret < minReturnAfter) {
      minReturnAfter = ret;
      culprit = ids[k]!;
    }
  }
  return undefined;
}

function replay<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  ids: readonly number[],
): string | undefined {
  let state = model.init();
  for (const id of ids) {
    const op = history[id]!;
    if (op.return === undefined) {
      if (model.stepUnknown === undefined) throw new TypeError('the model has no stepUnknown()');
      state = model.stepUnknown(state, op.input);
      continue;
    }
    const next = model.step(state, op.input, op.output);
    if (!next.ok) {
      const what = model.describe?.(op.input, op.output) ?? JSON.stringify(op);
      return `operation ${id} (${what}) is impossible in state ${model.key(state)}`;
    }
    state = next.state;
  }
  return undefined;
}
