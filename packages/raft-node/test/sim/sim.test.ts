/**
 * The deterministic simulation suite (STYLE.md principle 15): a fixed set of seeds, each a whole cluster
 * run with faults, checked invariants, a heal phase with liveness, and a linearizability check of the
 * clients' history. A failing seed prints its replay command; `scripts/sim.ts` runs many more.
 *
 * SIM_SEEDS=n and SIM_START=n change the seed range (e.g. a nightly job with random starts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Sabotage } from './node.js';
import { type SimulationReport, runSimulation } from './simulation.js';

const SEEDS = Number(process.env.SIM_SEEDS ?? 300);
const START = Number(process.env.SIM_START ?? 1);

function explain(r: SimulationReport): string {
  return `SEED=${r.seed} replay: node --import tsx packages/raft-node/scripts/sim.ts --seed ${r.seed}\n${r.failure}`;
}

describe('raft-node deterministic simulation', () => {
  const totals = { runs: 0, ops: 0, crashes: 0, leaders: 0, snapshotsInstalled: 0, opsUnknown: 0 };
  for (let seed = START; seed < START + SEEDS; seed++) {
    it(`seed ${seed}`, () => {
      const r = runSimulation(seed);
      if (!r.ok) {
        console.log(explain(r));
        assert.fail(explain(r));
      }
      totals.runs++;
      for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += r.stats[k] ?? 0;
    });
  }

  it('exercised the interesting paths across the seeds', () => {
    const n = totals.runs;
    if (n < 100) return; // a filtered or short run
    assert.ok(totals.crashes > n, `crashes: ${totals.crashes}`);
    assert.ok(totals.leaders > 2 * n, `leaders: ${totals.leaders}`);
    assert.ok(totals.snapshotsInstalled > 0, 'snapshots were sent to lagging followers');
    assert.ok(totals.opsUnknown > 0, 'some client operations ended with an unknown result');
    assert.ok(totals.ops > 50 * n, `ops: ${totals.ops}`);
  });
});

describe('simulation determinism', () => {
  it('replays a seed exactly', () => {
    const a = runSimulation(4242, { fullTrace: true });
    const b = runSimulation(4242, { fullTrace: true });
    assert.equal(a.ok, true, a.failure);
    assert.deepEqual(b.stats, a.stats);
    assert.deepEqual(b.trace, a.trace);
    assert.deepEqual(b.history, a.history);
  });
});

/**
 * A checker that never fails proves nothing: plant known bugs in the application around the core and
 * require the harness to catch each within a few seeds.
 */
describe('the harness catches planted bugs', () => {
  const cases: [Sabotage, RegExp][] = [
    ['ignoreSync', /election safety|leader completeness|state machine safety|AssertionError|linearizability/],
    ['staleReads', /linearizability/],
    ['noDedup', /linearizability/],
  ];
  for (const [sabotage, expected] of cases) {
    it(sabotage, () => {
      for (let seed = 1; seed <= 60; seed++) {
        const r = runSimulation(seed, { sabotage });
        if (r.ok) continue;
        assert.match(r.failure ?? '', expected);
        return;
      }
      assert.fail(`no seed in 1..60 caught ${sabotage}`);
    });
  }
});
