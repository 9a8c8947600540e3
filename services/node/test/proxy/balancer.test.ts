import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRng } from '@kubelab/clock';
import { FakeClock } from '@kubelab/testkit';
import { Balancer } from '../../src/proxy/balancer.js';
import { SEED } from './helpers.js';

const A = { ip: '127.128.0.2', port: 80 };
const B = { ip: '127.128.0.3', port: 80 };
const C = { ip: '127.128.0.4', port: 80 };

function balancer(affinityMs?: number) {
  const clock = new FakeClock();
  const b = new Balancer(clock, seededRng(SEED));
  b.setBackends([A, B, C], affinityMs);
  return { clock, b };
}

describe('balancer', () => {
  it('balancer - spreads over every backend', () => {
    const { b } = balancer();
    const counts = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const ip = b.pick('127.0.0.1')?.ip ?? 'none';
      counts.set(ip, (counts.get(ip) ?? 0) + 1);
    }
    assert.deepEqual([...counts.keys()].sort(), [A.ip, B.ip, C.ip]);
    for (const n of counts.values()) assert.ok(n > 50, `uneven spread: ${[...counts.entries()]}`);
  });

  it('balancer - ClientIP affinity sticks until the timeout, then picks again', () => {
    const { clock, b } = balancer(10_000);
    const first = b.pick('10.0.0.1');
    for (let i = 0; i < 20; i++) {
      clock.advance(9_000); // each use refreshes the entry
      assert.deepEqual(b.pick('10.0.0.1'), first);
    }
    const others = new Set<string>();
    for (let i = 0; i < 30; i++) {
      clock.advance(10_001);
      others.add(b.pick('10.0.0.1')?.ip ?? 'none');
    }
    assert.ok(others.size > 1, 'after each timeout the choice is made afresh');
  });

  it('balancer - affinity moves off a backend that left, and skips excluded ones', () => {
    const { b } = balancer(10_000);
    const first = b.pick('10.0.0.1');
    assert.ok(first);
    const rest = [A, B, C].filter((x) => x.ip !== first.ip);
    b.setBackends(rest, 10_000);
    const second = b.pick('10.0.0.1');
    assert.ok(second && second.ip !== first.ip);
    assert.deepEqual(b.pick('10.0.0.1'), second, 'sticks to the new one');
    const third = b.pick('10.0.0.1', new Set([`${second.ip}:${second.port}`]));
    assert.ok(third && third.ip !== second.ip && third.ip !== first.ip);
  });

  it('balancer - nothing to pick from', () => {
    const { b } = balancer();
    b.setBackends([], undefined);
    assert.equal(b.pick('10.0.0.1'), undefined);
    b.setBackends([A], undefined);
    assert.equal(b.pick('10.0.0.1', new Set(['127.128.0.2:80'])), undefined);
  });
});
