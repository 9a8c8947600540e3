import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRng } from '@kubelab/clock';
import { type KvInput, type KvOperation, type KvOutput, kvModel } from '../src/linearizability-kv.js';
import { checkOperations } from '../src/linearizability.js';

const put = (key: string, value: string): KvInput => ({ kind: 'put', key, value });
const get = (key: string): KvInput => ({ kind: 'get', key });
const cas = (key: string, expected: string | undefined, value: string): KvInput => ({
  kind: 'cas',
  key,
  expected,
  value,
});
const PUT: KvOutput = { kind: 'put' };
const got = (value: string | undefined): KvOutput => ({ kind: 'get', value });
const swapped = (ok: boolean): KvOutput => ({ kind: 'cas', ok });

/** A completed operation. */
function op(clientId: number, input: KvInput, call: number, output: KvOutput, ret: number): KvOperation {
  return { clientId, input, call, output, return: ret };
}
/** An operation whose result is unknown. */
function lost(clientId: number, input: KvInput, call: number): KvOperation {
  return { clientId, input, call };
}

const check = (history: KvOperation[]) => checkOperations(kvModel, history);

describe('checkOperations with the KV model: linearizable histories', () => {
  it('accepts the empty history and a sequential one', () => {
    assert.equal(check([]).ok, true);
    assert.equal(
      check([
        op(1, put('x', '1'), 0, PUT, 1),
        op(2, get('x'), 2, got('1'), 3),
        op(1, get('y'), 4, got(undefined), 5),
      ]).ok,
      true,
    );
  });

  it('accepts a read that overlaps a write and sees either value', () => {
    const write = op(1, put('x', '1'), 0, PUT, 10);
    assert.equal(
      check([write, op(2, get('x'), 1, got(undefined), 2), op(3, get('x'), 3, got('1'), 4)]).ok,
      true,
    );
    assert.equal(check([write, op(2, get('x'), 1, got('1'), 2), op(3, get('x'), 3, got('1'), 4)]).ok, true);
  });

  it('accepts concurrent writes observed in either order, and equal timestamps as overlap', () => {
    const history = [
      op(1, put('x', 'a'), 0, PUT, 5),
      op(2, put('x', 'b'), 1, PUT, 6),
      op(3, get('x'), 7, got('a'), 8),
      op(4, get('x'), 8, got('a'), 9),
    ];
    assert.equal(check(history).ok, true);
    // get returns at 5 exactly when the put of 'c' is called: they overlap, so 'c' may be seen.
    assert.equal(check([op(1, get('y'), 0, got('c'), 5), op(2, put('y', 'c'), 5, PUT, 6)]).ok, true);
  });

  it('accepts a CAS race with one winner', () => {
    const history = [
      op(1, cas('x', undefined, 'a'), 0, swapped(true), 10),
      op(2, cas('x', undefined, 'b'), 1, swapped(false), 9),
      op(3, get('x'), 11, got('a'), 12),
      op(4, cas('x', 'a', 'c'), 13, swapped(true), 14),
      op(5, cas('x', 'a', 'd'), 15, swapped(false), 16),
      op(5, get('x'), 17, got('c'), 18),
    ];
    assert.equal(check(history).ok, true);
  });

  it('lets an operation with unknown result take effect late, or never', () => {
    const maybe = lost(1, put('x', '1'), 0);
    assert.equal(check([maybe, op(2, put('x', '2'), 1, PUT, 2), op(3, get('x'), 3, got('1'), 4)]).ok, true);
    assert.equal(check([maybe, op(2, put('x', '2'), 1, PUT, 2), op(3, get('x'), 3, got('2'), 4)]).ok, true);
    assert.equal(check([maybe, op(3, get('x'), 3, got(undefined), 4)]).ok, true);
    assert.equal(check([lost(1, cas('x', undefined, 'z'), 0), op(2, get('x'), 3, got('z'), 4)]).ok, true);
  });

  it('chains several operations of unknown result when a read needs them all', () => {
    const history = [
      lost(1, cas('x', undefined, 'a'), 0),
      lost(2, cas('x', 'a', 'b'), 1),
      lost(3, cas('x', 'b', 'c'), 2),
      op(4, get('x'), 3, got(undefined), 4),
      op(4, get('x'), 5, got('c'), 6),
    ];
    assert.equal(check(history).ok, true);
    assert.equal(check([...history, op(4, get('x'), 7, got('b'), 8)]).ok, false);
  });

  it('checks a long outage quickly: dozens of writes of unknown result, then reads of some of them', () => {
    const history: KvOperation[] = [];
    for (let i = 0; i < 40; i++) history.push(lost(i, put('x', `v${i}`), i));
    for (let i = 0; i < 40; i += 4) history.push(op(100, get('x'), 100 + i, got(`v${39 - i}`), 101 + i));
    assert.equal(check(history).ok, true);
    // Proving the opposite may need every subset of the unknown writes: it fails, possibly by timing out.
    const r = checkOperations(kvModel, [...history, op(100, get('x'), 200, got('v39'), 201)], {
      timeoutMs: 300,
    });
    assert.equal(r.ok, false, 'v39 was overwritten');
  });
});

describe('checkOperations with the KV model: violations', () => {
  it('rejects a stale read', () => {
    const r = check([op(1, put('x', '1'), 0, PUT, 1), op(2, get('x'), 2, got(undefined), 3)]);
    assert.equal(r.ok, false);
    assert.ok(!r.ok && !r.timedOut && r.partition === 'x');
  });

  it('rejects a lost write', () => {
    const r = check([
      op(1, put('x', '1'), 0, PUT, 1),
      op(2, put('x', '2'), 2, PUT, 3),
      op(3, get('x'), 4, got('1'), 5),
    ]);
    assert.equal(r.ok, false);
  });

  it('rejects a read going back in time during a concurrent write', () => {
    const r = check([
      op(1, put('x', '1'), 0, PUT, 10),
      op(2, get('x'), 1, got('1'), 2),
      op(3, get('x'), 3, got(undefined), 4),
    ]);
    assert.equal(r.ok, false);
  });

  it('rejects two winners of one CAS, a CAS whose effect is not seen, and a wrong CAS failure', () => {
    assert.equal(
      check([
        op(1, cas('x', undefined, 'a'), 0, swapped(true), 10),
        op(2, cas('x', undefined, 'b'), 1, swapped(true), 9),
      ]).ok,
      false,
    );
    assert.equal(
      check([op(1, cas('x', undefined, 'a'), 0, swapped(true), 1), op(2, get('x'), 2, got(undefined), 3)]).ok,
      false,
    );
    assert.equal(
      check([op(1, put('x', 'a'), 0, PUT, 1), op(2, cas('x', 'a', 'b'), 2, swapped(false), 3)]).ok,
      false,
    );
  });

  it('rejects a value that appears from nowhere and one that un-happens after an unknown write', () => {
    assert.equal(check([op(1, get('x'), 0, got('ghost'), 1)]).ok, false);
    const r = check([
      lost(1, put('x', '1'), 0),
      op(2, get('x'), 1, got('1'), 2),
      op(3, get('x'), 3, got(undefined), 4),
    ]);
    assert.equal(r.ok, false);
  });

  it('names the failing partition and the culprit, and explains with the operations', () => {
    const history = [
      op(1, put('a', '1'), 0, PUT, 1),
      op(2, get('a'), 2, got('1'), 3),
      op(1, put('b', '1'), 4, PUT, 5),
      op(3, put('b', '2'), 6, PUT, 8),
      op(2, get('b'), 7, got('2'), 9),
      op(2, get('b'), 10, got('1'), 11),
      op(3, get('b'), 12, got('2'), 13),
    ];
    const r = check(history);
    assert.ok(!r.ok);
    assert.equal(r.partition, 'b');
    assert.equal(r.operations.length, 5);
    assert.equal(r.minimalPrefix?.culprit, history[5]);
    assert.equal(r.minimalPrefix?.operations.length, 4);
    assert.match(r.explanation, /not linearizable: partition "b"/);
    assert.match(r.explanation, /get\(b\) -> 1 {2}<-- no linearization explains this/);
  });

  it('times out on a hard history instead of running forever', () => {
    // 300 overlapping puts of distinct values and a read of a value nobody wrote: exponential without luck.
    const history: KvOperation[] = [];
    for (let i = 0; i < 300; i++) history.push(op(i, put('x', String(i)), i, PUT, 1000 + i));
    history.push(op(999, get('x'), 2000, got('nobody'), 2001));
    const r = checkOperations(kvModel, history, { timeoutMs: 100 });
    assert.equal(r.ok, false);
  });

  it('rejects invalid input', () => {
    assert.throws(() => check([op(1, put('x', '1'), 5, PUT, 4)]), RangeError);
    assert.throws(
      () => checkOperations({ ...kvModel, stepUnknown: undefined as never }, [lost(1, get('x'), 0)]),
      TypeError,
    );
  });
});

describe('checkOperations on long histories (memoization)', () => {
  it('checks a 2000-operation single-key history with 6 concurrent clients', () => {
    const history = linearizableHistory(7, { ops: 2000, clients: 6, keys: 1 });
    assert.equal(history.length, 2000);
    const r = checkOperations(kvModel, history);
    assert.ok(r.ok, r.ok ? '' : r.explanation);
  });

  it('checks a 4000-operation history over 3 keys, and finds a single corrupted read in it', () => {
    const history = linearizableHistory(8, { ops: 4000, clients: 8, keys: 3 });
    assert.equal(checkOperations(kvModel, history).ok, true);
    const i = history.findIndex((o, n) => n > 2500 && o.input.kind === 'get' && o.return !== undefined);
    const bad = { ...history[i]!, output: got('corrupted') } as KvOperation;
    const corrupted = history.map((o, n) => (n === i ? bad : o));
    const r = checkOperations(kvModel, corrupted);
    assert.ok(!r.ok);
    assert.equal(r.timedOut, false);
    assert.equal(r.minimalPrefix?.culprit, bad);
  });
});

/**
 * A random history that is linearizable by construction: each client runs operations one after another;
 * each operation takes effect at a random point inside its [call, return] interval, and outputs are
 * computed by applying the operations in effect order. Some operations lose their result.
 */
function linearizableHistory(
  seed: number,
  opts: { ops: number; clients: number; keys: number },
): KvOperation[] {
  const rng = seededRng(seed);
  const clientFree = new Array<number>(opts.clients).fill(0);
  const planned: { client: number; input: KvInput; call: number; ret: number; at: number; lose: boolean }[] =
    [];
  for (let n = 0; n < opts.ops; n++) {
    const client = rng.int(0, opts.clients - 1);
    // Distinct fractions keep every timestamp unique, so the culprit of a failure is unambiguous.
    const call = clientFree[client]! + rng.int(1, 20) + n * 1e-7;
    const ret = call + rng.int(1, 40);
    clientFree[client] = ret;
    const key = `k${rng.int(1, opts.keys)}`;
    const value = String(rng.int(1, 5));
    const kind = rng.int(0, 2);
    const input =
      kind === 0
        ? put(key, value)
        : kind === 1
          ? get(key)
          : cas(key, rng.int(0, 3) === 0 ? undefined : String(rng.int(1, 5)), value);
    planned.push({
      client,
      input,
      call,
      ret,
      at: call + rng.next() * (ret - call),
      lose: rng.int(0, 50) === 0,
    });
  }
  const store = new Map<string, string>();
  const outputs = new Map<(typeof planned)[number], KvOutput>();
  for (const p of [...planned].sort((a, b) => a.at - b.at)) {
    const current = store.get(p.input.key);
    if (p.input.kind === 'put') {
      store.set(p.input.key, p.input.value);
      outputs.set(p, PUT);
    } else if (p.input.kind === 'get') {
      outputs.set(p, got(current));
    } else {
      const ok = current === p.input.expected;
      if (ok) store.set(p.input.key, p.input.value);
      outputs.set(p, swapped(ok));
    }
  }
  return planned.map((p) =>
    p.lose ? lost(p.client, p.input, p.call) : op(p.client, p.input, p.call, outputs.get(p)!, p.ret),
  );
}
