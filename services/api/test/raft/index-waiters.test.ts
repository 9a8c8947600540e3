import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRng } from '@kubelab/clock';
import { type IndexWaiter, IndexWaiters } from '../../src/raft/index-waiters.js';

describe('IndexWaiters', () => {
  it('releases exactly the reached waiters, lowest index first, and never a removed one', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const rng = seededRng(seed);
      const waiters = new IndexWaiters();
      const pending = new Set<IndexWaiter>();
      const released: number[] = [];
      let applied = 0;
      for (let step = 0; step < 400; step++) {
        const r = rng.next();
        if (r < 0.6) {
          const w: IndexWaiter = {
            index: applied + 1 + Math.floor(rng.next() * 20),
            release: () => {
              assert.ok(pending.delete(w), `seed ${seed}: released twice or after removal`);
              released.push(w.index);
            },
          };
          pending.add(w);
          waiters.add(w);
        } else if (r < 0.75 && pending.size > 0) {
          const all = [...pending];
          const w = all[Math.floor(rng.next() * all.length)]!;
          pending.delete(w);
          waiters.remove(w);
        } else {
          applied += Math.floor(rng.next() * 6);
          released.length = 0;
          waiters.releaseUpTo(applied);
          assert.deepEqual(
            released,
            [...released].sort((a, b) => a - b),
            `seed ${seed}: order`,
          );
          for (const w of pending) assert.ok(w.index > applied, `seed ${seed}: ${w.index} ≤ ${applied} kept`);
        }
        assert.equal(waiters.size, pending.size, `seed ${seed}: size`);
      }
    }
  });
});
