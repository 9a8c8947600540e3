import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KvOperation } from '../src/linearizability-kv.js';
import { kvModel } from '../src/linearizability-kv.js';
import { checkWitness } from '../src/linearizability-witness.js';

const history: KvOperation[] = [
  { clientId: 1, input: { kind: 'put', key: 'x', value: '1' }, call: 0, output: { kind: 'put' }, return: 10 },
  {
    clientId: 2,
    input: { kind: 'get', key: 'x' },
    call: 1,
    output: { kind: 'get', value: undefined },
    return: 2,
  },
  {
    clientId: 3,
    input: { kind: 'cas', key: 'x', expected: '1', value: '2' },
    call: 11,
    output: { kind: 'cas', ok: true },
    return: 12,
  },
  { clientId: 4, input: { kind: 'put', key: 'y', value: 'a' }, call: 3 },
  {
    clientId: 5,
    input: { kind: 'get', key: 'x' },
    call: 13,
    output: { kind: 'get', value: '2' },
    return: 14,
  },
  {
    clientId: 5,
    input: { kind: 'get', key: 'x' },
    call: 15,
    output: { kind: 'get', value: '2' },
    return: 16,
  },
];

describe('checkWitness', () => {
  it('accepts an order that respects real time and replays to the outputs', () => {
    assert.deepEqual(checkWitness(kvModel, history, [2, 0.5, 3, undefined, 3.5, 3.5]), { ok: true });
    assert.deepEqual(checkWitness(kvModel, history, [2, 0.5, 3, 1, 3.5, 3.5]), { ok: true });
  });

  it('rejects an order against real time', () => {
    // The cas (called at 11) before the put that returned at 10.
    const r = checkWitness(kvModel, history, [4, 0.5, 3, undefined, 5, 6]);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : '', /ordered before operation 0/);
  });

  it('rejects an order whose replay contradicts an output, and a completed operation left out', () => {
    const r = checkWitness(kvModel, history, [0, 0.5, 3, undefined, 3.5, 3.5]);
    assert.match(
      !r.ok ? r.reason : '',
      /partition "x": operation 1 \(get\(x\) -> <absent>\) is impossible in state \+1/,
    );
    assert.equal(checkWitness(kvModel, history, [2, undefined, 3, undefined, 3.5, 3.5]).ok, false);
  });
});
