/**
 * A seeded fault simulation (STYLE.md principle 15): three electors on their own fake clocks share one
 * in-memory store, while a seeded Rng pauses processes (SIGSTOP/SIGCONT), crashes and replaces them (same
 * identity, new incarnation), wipes the store (restart without AOF), takes it away, and slows it down.
 * After every 5 ms step: at most one running elector leads, every new term's token is greater than every
 * earlier term's, and each elector's callbacks alternate started/stopped. Set LEASE_SIM_SEED to replay.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Rng, randomSeed, seededRng } from '@kubelab/clock';
import { MemoryLeaseBackend } from '../src/index.js';
import { type JumpClock, type Recorder, World, recordedElector } from './helpers/sim.js';

interface Replica {
  readonly identity: string;
  clock: JumpClock;
  elector: ReturnType<typeof recordedElector>['elector'];
  rec: Recorder;
  seen: number;
}

async function simulate(seed: number, simulatedMs: number): Promise<{ terms: number; faults: number }> {
  const rng: Rng = seededRng(seed);
  const world = new World();
  const backend = new MemoryLeaseBackend(world.clock());
  const spawn = (identity: string): Replica => {
    const clock = world.clock();
    const { elector, rec } = recordedElector(backend.store(), clock, identity);
    elector.start();
    return { identity, clock, elector, rec, seen: 0 };
  };
  const replicas = ['a', 'b', 'c'].map(spawn);
  const undo: { at: number; fn: () => void }[] = [];
  let maxToken = 0;
  let terms = 0;
  let faults = 0;

  const check = () => {
    const leaders = replicas.filter((r) => !world.isPaused(r.clock) && r.elector.isLeading());
    assert.ok(
      leaders.length <= 1,
      `seed ${seed} t=${world.nowMs}: ${leaders.map((r) => r.identity)} lead at once`,
    );
    for (const r of replicas) {
      for (; r.seen < r.rec.log.length; r.seen++) {
        const line = r.rec.log[r.seen] ?? '';
        assert.equal(
          line.startsWith('started'),
          r.seen % 2 === 0,
          `seed ${seed}: ${r.identity} ${r.rec.log}`,
        );
        if (!line.startsWith('started')) continue;
        const token = Number(line.split(' ')[1]);
        assert.ok(token > maxToken, `seed ${seed}: term token ${token} after ${maxToken}`);
        maxToken = token;
        terms++;
      }
    }
  };

  const injectFault = () => {
    faults++;
    const pick = rng.int(0, 5);
    const r = replicas[rng.int(0, replicas.length - 1)];
    assert.ok(r);
    const until = world.nowMs + rng.int(100, 3000);
    if (pick === 0 && !world.isPaused(r.clock)) {
      world.pause(r.clock);
      undo.push({ at: until, fn: () => world.resume(r.clock) });
    } else if (pick === 1) {
      backend.wipe();
    } else if (pick === 2) {
      backend.setUnavailable(true);
      undo.push({ at: until, fn: () => backend.setUnavailable(false) });
    } else if (pick === 3) {
      backend.setLatency(rng.int(1, 400));
      undo.push({ at: until, fn: () => backend.setLatency(0) });
    } else if (pick === 4 && !world.isPaused(r.clock)) {
      world.pause(r.clock); // SIGKILL: this incarnation never runs again; a new one takes its identity
      Object.assign(r, spawn(r.identity), { seen: 0 });
    }
  };

  let nextFaultAt = 2000;
  await world.advance(simulatedMs, 5, () => {
    check();
    for (const u of undo.filter((x) => x.at <= world.nowMs)) u.fn();
    undo.splice(0, undo.length, ...undo.filter((x) => x.at > world.nowMs));
    if (world.nowMs >= nextFaultAt) {
      injectFault();
      nextFaultAt = world.nowMs + rng.int(200, 1500);
    }
  });

  // Faults over: everything heals, and exactly one replica must lead again.
  for (const u of undo) u.fn();
  for (const r of replicas) world.resume(r.clock);
  await world.advance(5000, 5, check);
  const leaders = replicas.filter((r) => r.elector.isLeading());
  assert.equal(leaders.length, 1, `seed ${seed}: one leader after the faults stop`);
  await Promise.all(replicas.map((r) => r.elector.close()));
  return { terms, faults };
}

test('simulation - no two leaders and increasing tokens under seeded faults', async (t) => {
  const seeds = process.env.LEASE_SIM_SEED ? [Number(process.env.LEASE_SIM_SEED)] : [1, 2, randomSeed()];
  for (const seed of seeds) {
    const { terms, faults } = await simulate(seed, 40_000);
    t.diagnostic(`seed ${seed}: ${faults} faults, ${terms} terms`);
    console.log(`lease simulation seed=${seed} faults=${faults} terms=${terms}`);
    assert.ok(terms >= 3, `seed ${seed}: only ${terms} terms; the faults should force failovers`);
  }
});
