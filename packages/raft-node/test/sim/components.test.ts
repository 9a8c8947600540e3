/** Unit tests of the simulator's parts: timeline, network, crash-aware storage, KV state machine. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Rng, seededRng } from '@kubelab/clock';
import { type Entry, EntryType } from '../../src/index.js';
import { EventQueue } from './event-queue.js';
import { KvStateMachine, decodeCommand, encodeCommand } from './kv.js';
import { CALM_NETWORK, SimNetwork } from './network.js';
import { SimStorage } from './storage.js';

const ent = (index: number, term: number): Entry => ({
  index,
  term,
  type: EntryType.Normal,
  data: new Uint8Array([index]),
});
/** An Rng whose int() always returns `min` or `max`, to pin the crash's choice of surviving writes. */
const fixedRng = (end: 'min' | 'max'): Rng => ({
  next: () => 0,
  int: (min, max) => (end === 'min' ? min : max),
});

describe('EventQueue', () => {
  it('runs events in time order, ties in insertion order, and stops at the horizon', () => {
    const q = new EventQueue();
    const seen: string[] = [];
    q.after(5, () => seen.push('b'));
    q.after(1, () => {
      seen.push('a');
      q.after(4, () => seen.push('c')); // also at 5, after b
    });
    q.after(9, () => seen.push('late'));
    q.runUntil(5, 100);
    assert.deepEqual(seen, ['a', 'b', 'c']);
    assert.equal(q.now(), 5);
    assert.equal(q.size, 1);
    assert.throws(() => q.after(-1, () => undefined), RangeError);
  });

  it('bounds the number of events', () => {
    const q = new EventQueue();
    const loop = () => q.after(0, loop);
    loop();
    assert.throws(() => q.runUntil(1, 1000), /exceeded 1000 events/);
  });
});

describe('SimNetwork', () => {
  const setup = (seed: number) => {
    const q = new EventQueue();
    const got: string[] = [];
    const net = new SimNetwork<string>(seededRng(seed), q, (from, to, p) => got.push(`${from}>${to}:${p}`));
    return { q, net, got };
  };

  it('partitions symmetrically and one way, and heals; exempt addresses cross partitions', () => {
    const { q, net, got } = setup(1);
    net.exemptFromPartitions(100);
    net.partition([[1], [2, 3]]);
    net.blockOneWay(2, 3);
    for (const [from, to] of [
      [1, 2],
      [2, 1],
      [2, 3],
      [3, 2],
      [100, 1],
      [1, 100],
    ] as const)
      net.send(from, to, 'x');
    q.runUntil(100, 100);
    assert.deepEqual(got.sort(), ['100>1:x', '1>100:x', '3>2:x']);
    assert.equal(net.stats.cut, 3);
    net.heal();
    net.send(1, 2, 'y');
    q.runUntil(200, 100);
    assert.ok(got.includes('1>2:y'));
  });

  it('loses, duplicates and reorders, and reports each packet fate', () => {
    const { q, net, got } = setup(2);
    net.faults = { ...CALM_NETWORK, lossRate: 1 };
    const fates: string[] = [];
    net.send(1, 2, 'lost', (f) => fates.push(f));
    net.faults = { ...CALM_NETWORK, duplicateRate: 1 };
    net.send(1, 2, 'dup', (f) => fates.push(f));
    net.faults = { ...CALM_NETWORK, delayMsMin: 1, delayMsMax: 50 };
    for (let i = 0; i < 20; i++) net.send(1, 2, String(i));
    q.runUntil(1000, 1000);
    assert.deepEqual(fates.sort(), ['delivered', 'lost']);
    assert.equal(got.filter((g) => g === '1>2:dup').length, 2);
    const order = got.filter((g) => /:\d+$/.test(g)).map((g) => Number(g.split(':')[1]));
    assert.equal(order.length, 20);
    assert.notDeepEqual(
      order,
      [...order].sort((a, b) => a - b),
      'random delays reorder packets',
    );
  });

  it('is deterministic for a seed', () => {
    const run = (seed: number) => {
      const { q, net, got } = setup(seed);
      net.faults = {
        ...CALM_NETWORK,
        lossRate: 0.3,
        duplicateRate: 0.2,
        delayMsMax: 30,
        slowRate: 0.1,
        slowDelayMsMax: 300,
      };
      for (let i = 0; i < 50; i++) net.send(i % 3, (i + 1) % 3, String(i));
      q.runUntil(1000, 1000);
      return got.join(',');
    };
    assert.equal(run(7), run(7));
    assert.notEqual(run(7), run(8));
  });
});

describe('SimStorage', () => {
  it('keeps synced writes across a crash and loses unsynced ones', () => {
    const s = new SimStorage();
    s.bootstrap([1, 2, 3]);
    s.save({ hardState: { term: 2, vote: 1, commit: 1 }, entries: [ent(2, 2), ent(3, 2)] }, true);
    s.save({ hardState: { term: 2, vote: 1, commit: 3 }, entries: [] }, false);
    assert.equal(s.hardState().commit, 3, 'the running node sees unsynced writes');
    assert.ok(s.hasUnsynced());
    s.crash(fixedRng('min'));
    assert.deepEqual(s.hardState(), { term: 2, vote: 1, commit: 1 });
    assert.equal(s.lastIndex(), 3);
    assert.equal(s.lostWrites, 1);
  });

  it('may keep a prefix of the unsynced writes, and a sync makes earlier writes durable', () => {
    const s = new SimStorage();
    s.bootstrap([1]);
    s.save({ hardState: { term: 1, vote: 0, commit: 1 }, entries: [ent(2, 1)] }, false);
    s.save({ entries: [ent(3, 1)] }, false);
    s.crash(fixedRng('max'));
    assert.equal(s.lastIndex(), 3, 'the OS happened to flush everything');
    s.save({ entries: [ent(4, 1)] }, false);
    s.save({ entries: [ent(5, 1)] }, true);
    s.crash(fixedRng('min'));
    assert.equal(s.lastIndex(), 5, 'the sync of 5 flushed 4 too');
  });

  it('syncs before a snapshot or a compaction, and restarts from the snapshot', () => {
    const s = new SimStorage();
    s.bootstrap([1]);
    s.save({ hardState: { term: 1, vote: 1, commit: 4 }, entries: [ent(2, 1), ent(3, 1), ent(4, 1)] }, false);
    s.createSnapshot(
      3,
      { voters: [1], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false },
      new Uint8Array([9]),
    );
    s.compact(2);
    s.crash(fixedRng('min'));
    assert.equal(s.snapshot().metadata.index, 3);
    assert.deepEqual([...s.snapshot().data], [9]);
    assert.equal(s.firstIndex(), 3);
    assert.equal(s.hardState().commit, 4);
    assert.equal(s.lastIndex(), 4);
  });
});

describe('KvStateMachine', () => {
  it('applies commands, answers a retried command from its session and ignores an older one', () => {
    const sm = new KvStateMachine();
    assert.deepEqual(sm.apply({ client: 1, seq: 1, input: { kind: 'put', key: 'x', value: 'a' } }), {
      kind: 'put',
    });
    const cas = { client: 2, seq: 1, input: { kind: 'cas', key: 'x', expected: 'a', value: 'b' } } as const;
    assert.deepEqual(sm.apply(cas), { kind: 'cas', ok: true });
    assert.deepEqual(sm.apply(cas), { kind: 'cas', ok: true }, 'the duplicate gets the first answer');
    assert.equal(sm.read('x'), 'b', 'and is not applied again');
    sm.apply({ client: 1, seq: 3, input: { kind: 'put', key: 'x', value: 'c' } });
    assert.equal(sm.apply({ client: 1, seq: 2, input: { kind: 'put', key: 'x', value: 'old' } }), undefined);
    assert.equal(sm.read('x'), 'c');
  });

  it('round-trips commands and snapshots', () => {
    const cmd = { client: 3, seq: 9, input: { kind: 'get', key: 'k' } } as const;
    assert.deepEqual(decodeCommand(encodeCommand(cmd)), cmd);
    const sm = new KvStateMachine();
    sm.apply({ client: 1, seq: 1, input: { kind: 'put', key: 'b', value: '1' } });
    sm.apply({ client: 2, seq: 1, input: { kind: 'put', key: 'a', value: '2' } });
    const copy = KvStateMachine.decode(sm.encode());
    assert.equal(copy.digest(), sm.digest());
    assert.deepEqual(copy.apply({ client: 1, seq: 1, input: { kind: 'put', key: 'b', value: 'x' } }), {
      kind: 'put',
    });
    assert.equal(copy.read('b'), '1', 'sessions survive the snapshot');
    assert.equal(KvStateMachine.decode(new Uint8Array(0)).digest(), new KvStateMachine().digest());
  });
});
