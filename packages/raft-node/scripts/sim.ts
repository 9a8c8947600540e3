/**
 * Runs raft-node's deterministic simulation over many seeds, or replays one.
 *
 *   node --import tsx packages/raft-node/scripts/sim.ts --seeds 10000 [--start N] [--nodes 3|5] [--chaos-ms 5000]
 *   node --import tsx packages/raft-node/scripts/sim.ts --seed 42 [--trace] [--history]
 *   node --import tsx packages/raft-node/scripts/sim.ts --seeds 300 --sabotage staleReads   (harness self-test)
 *
 * A seed names a run completely: the same seed on the same commit replays the same run, event for event.
 */
import { parseArgs } from 'node:util';
import type { Sabotage } from '../test/sim/node.js';
import { type SimulationReport, runSimulation } from '../test/sim/simulation.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    seeds: { type: 'string', default: '100' },
    start: { type: 'string', default: '1' },
    nodes: { type: 'string' },
    trace: { type: 'boolean', default: false },
    'trace-messages': { type: 'boolean', default: false },
    history: { type: 'boolean', default: false },
    'stop-on-failure': { type: 'boolean', default: false },
    sabotage: { type: 'string' },
    'chaos-ms': { type: 'string' },
  },
});

const nodes = values.nodes === undefined ? undefined : Number(values.nodes);
if (nodes !== undefined && nodes !== 3 && nodes !== 5) throw new Error('--nodes must be 3 or 5');
const overrides = {
  ...(nodes === undefined ? {} : { nodes: nodes as 3 | 5 }),
  ...(values['chaos-ms'] === undefined ? {} : { chaosMs: Number(values['chaos-ms']) }),
  ...(values.sabotage === undefined ? {} : { sabotage: values.sabotage as Sabotage }),
};

if (values.seed !== undefined) {
  const seed = Number(values.seed);
  const traceMessages = values['trace-messages'];
  const report = runSimulation(seed, {
    ...overrides,
    fullTrace: values.trace || traceMessages,
    traceMessages,
  });
  if (traceMessages && !values.trace) console.log(report.trace.join('\n'));
  if (values.trace) console.log(report.trace.join('\n'));
  if (values.history) for (const op of report.history) console.log(JSON.stringify(op));
  printReport(report);
  process.exit(report.ok ? 0 : 1);
}

const start = Number(values.start);
const count = Number(values.seeds);
const failed: number[] = [];
const totals: Record<string, number> = {};
const t0 = performance.now();
for (let seed = start; seed < start + count; seed++) {
  const report = runSimulation(seed, overrides);
  for (const [k, v] of Object.entries(report.stats)) totals[k] = (totals[k] ?? 0) + v;
  if (!report.ok) {
    failed.push(seed);
    printReport(report);
    if (values['stop-on-failure']) break;
  }
  if ((seed - start + 1) % 100 === 0) {
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    console.log(`.. ${seed - start + 1} seeds, ${failed.length} failed, ${s}s`);
  }
}
const secs = (performance.now() - t0) / 1000;
console.log(
  `\n${count} seeds from ${start}: ${count - failed.length} passed, ${failed.length} failed in ${secs.toFixed(1)}s`,
);
console.log(
  `totals: ${Object.entries(totals)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}`,
);
if (failed.length > 0) console.log(`failed seeds: ${failed.join(' ')}`);
process.exit(failed.length === 0 ? 0 : 1);

function printReport(r: SimulationReport): void {
  const stats = Object.entries(r.stats)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  if (r.ok) {
    console.log(`SEED=${r.seed} ok  ${r.config}\n  ${stats}`);
    return;
  }
  console.log(
    `SEED=${r.seed} FAILED  replay: node --import tsx packages/raft-node/scripts/sim.ts --seed ${r.seed}`,
  );
  console.log(`  ${stats}\n${r.failure}\n`);
}
