/**
 * Failover benchmark for @kubelab/lease: a real redis-server and three contender processes
 * (packages/lease/test/fixtures/contender.ts). Ten times: SIGKILL the current leader, measure the wall time
 * from the kill until another process reports `started` (its printed `t`), then restart the killed one.
 * Prints each run, then median, p90 and max (goal: median < 2 s). Cleans up every process and exits.
 *
 * Run: node --import tsx bench/lease-failover.ts
 */
import { killAll, sleep, startRedisServer, waitFor } from '@kubelab/testkit';
import { Contenders, checkLeadership } from '../packages/lease/test/helpers/contenders.js';

const RUNS = 10;

function percentile(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const redis = await startRedisServer();
  try {
    const contenders = new Contenders(redis.url, 'bench');
    await Promise.all(['b1', 'b2', 'b3'].map((id) => contenders.spawn(id)));
    await contenders.waitForLeader(0, { timeoutMs: 30_000 });
    const failoverMs: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      await sleep(700); // let the leader settle into its renew cycle; the kill lands at an arbitrary phase
      const leader = contenders.leadingSince(0).at(-1);
      if (leader === undefined) throw new Error('no leader');
      const killedAt = Date.now();
      await contenders.signal(leader.id, 'SIGKILL');
      const started = await waitFor(
        () => contenders.lines.find((l) => l.ev === 'started' && l.id !== leader.id && l.t > killedAt),
        { timeoutMs: 20_000, what: `a new leader after killing ${leader.id}` },
      );
      const ms = started.t - killedAt;
      failoverMs.push(ms);
      console.log(
        `run ${String(run).padStart(2)}: killed ${leader.id} (token ${leader.token}); ${started.id} started leading after ${ms} ms (token ${started.token})`,
      );
      await contenders.spawn(leader.id);
    }
    checkLeadership(contenders.lines); // sanity: never two leaders during the benchmark
    const sorted = [...failoverMs].sort((a, b) => a - b);
    console.log(
      `failover over ${RUNS} runs: median ${percentile(sorted, 50)} ms, p90 ${percentile(sorted, 90)} ms, max ${sorted.at(-1)} ms (goal: median < 2000 ms)`,
    );
  } finally {
    await killAll();
    redis.cleanup();
  }
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    console.error(err);
    await killAll();
    process.exit(1);
  },
);
