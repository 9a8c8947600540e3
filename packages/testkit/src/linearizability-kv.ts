import type { Model, Operation, StepResult } from './linearizability.js';

/** A key-value command. Values are strings; `expected: undefined` in a CAS means "the key is absent". */
export type KvInput =
  | { readonly kind: 'put'; readonly key: string; readonly value: string }
  | { readonly kind: 'get'; readonly key: string }
  | {
      readonly kind: 'cas';
      readonly key: string;
      readonly expected: string | undefined;
      readonly value: string;
    };

/** What the client observed. */
export type KvOutput =
  | { readonly kind: 'put' }
  | { readonly kind: 'get'; readonly value: string | undefined }
  | { readonly kind: 'cas'; readonly ok: boolean };

export type KvOperation = Operation<KvInput, KvOutput>;

/** The state of one key's partition: its value, or undefined while absent. */
export type KvState = string | undefined;

const ok = (state: KvState): StepResult<KvState> => ({ ok: true, state });
const ILLEGAL: StepResult<KvState> = { ok: false };

/**
 * The sequential specification of a key-value register map, partitioned by key (each key is an independent
 * register, so P-compositionality applies).
 *
 * @example
 * const r = checkOperations(kvModel, [
 *   { clientId: 1, input: { kind: 'put', key: 'x', value: '1' }, call: 0, output: { kind: 'put' }, return: 2 },
 *   { clientId: 2, input: { kind: 'get', key: 'x' }, call: 3, output: { kind: 'get', value: undefined }, return: 4 },
 * ]);
 * r.ok; // false: a stale read
 */
export const kvModel: Model<KvState, KvInput, KvOutput> = {
  init: () => undefined,
  step(state, input, output) {
    if (input.kind !== output.kind) return ILLEGAL;
    switch (input.kind) {
      case 'put':
        return ok(input.value);
      case 'get':
        return output.kind === 'get' && output.value === state ? ok(state) : ILLEGAL;
      case 'cas': {
        const swapped = state === input.expected;
        if (output.kind !== 'cas' || output.ok !== swapped) return ILLEGAL;
        return ok(swapped ? input.value : state);
      }
    }
  },
  stepUnknown(state, input) {
    if (input.kind === 'put') return input.value;
    if (input.kind === 'cas' && state === input.expected) return input.value;
    return state;
  },
  // undefined and every string map to distinct keys.
  key: (state) => (state === undefined ? '-' : `+${state}`),
  partition: (input) => input.key,
  describe: (input, output) =>
    `${describeKvInput(input)} -> ${output === undefined ? '?' : describeKvOutput(output)}`,
};

/** `put(x, 1)`, `get(x)`, `cas(x, 1, 2)`. */
export function describeKvInput(input: KvInput): string {
  switch (input.kind) {
    case 'put':
      return `put(${input.key}, ${input.value})`;
    case 'get':
      return `get(${input.key})`;
    case 'cas':
      return `cas(${input.key}, ${input.expected ?? '<absent>'}, ${input.value})`;
  }
}

/** `ok`, `1`, `<absent>`, `true`. */
export function describeKvOutput(output: KvOutput): string {
  switch (output.kind) {
    case 'put':
      return 'ok';
    case 'get':
      return output.value ?? '<absent>';
    case 'cas':
      return String(output.ok);
  }
}
