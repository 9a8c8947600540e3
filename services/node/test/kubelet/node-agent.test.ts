/**
 * NodeAgent heartbeats over a FakeApi and a FakeClock: nodes registered together (one node process hosting
 * many hollow nodes) renew their Leases spread over the lease period, each once per period.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, ApiUnavailableError, failureStatus, resources } from '@kubelab/api-client';
import type { Lease } from '@kubelab/api-types';
import { silentLogger } from '@kubelab/telemetry';
import { createHollowRuntime } from '../../src/kubelet/hollow-runtime.js';
import { NodeAgent, heartbeatPhase } from '../../src/kubelet/node-agent.js';
import { advance, newFakeApi } from './harness.js';

const NODES = 100;
const PERIOD_MS = 10_000;

function agents(api: ReturnType<typeof newFakeApi>['api'], clock: ReturnType<typeof newFakeApi>['clock']) {
  return Array.from({ length: NODES }, (_, i) => {
    const nodeName = `node-0-h${i}`;
    return new NodeAgent({
      client: api,
      clock,
      log: silentLogger(),
      id: {
        nodeName,
        nodeIP: '127.0.100.1',
        capacity: { cpu: '4', memory: '8Gi', pods: '110' },
        labels: {},
        taints: [],
        arch: 'amd64',
        kernelVersion: '6.0',
        machineID: nodeName,
        bootID: 'b',
      },
      runtime: createHollowRuntime({ clock }),
      settings: {
        leasePeriodMs: PERIOD_MS,
        leaseDurationSeconds: 40,
        statusPeriodMs: 300_000,
        statusCheckMs: PERIOD_MS,
        podCIDR: `10.1.${i}.0/24`,
        podCIDRWaitMs: 0,
        fallbackPodCIDR: '127.64.0.0/24',
      },
    });
  });
}

describe('node agent - heartbeats', () => {
  it('spreads the lease renewals of nodes registered together over the period, once per period each', async () => {
    const { clock, api } = newFakeApi();
    const renewals: { node: string; atMs: number }[] = [];
    api.react((a) => {
      if (a.resource === 'leases' && a.verb === 'update')
        renewals.push({ node: a.name ?? '', atMs: clock.now() });
      return undefined;
    });
    const abort = new AbortController();
    const all = agents(api, clock);
    await Promise.all(all.map((a) => a.start(abort.signal)));
    const t0 = clock.now();
    await advance(clock, 4 * PERIOD_MS, 100);
    abort.abort();

    // Steady state (after the first period): a 1 s window holds ~NODES/10 renewals, not all of them.
    const steady = renewals.filter((r) => r.atMs - t0 >= PERIOD_MS && r.atMs - t0 < 3 * PERIOD_MS);
    const perSecond = new Map<number, number>();
    for (const r of steady) {
      const s = Math.floor((r.atMs - t0) / 1000);
      perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
    }
    const busiest = Math.max(...perSecond.values());
    assert.ok(busiest <= NODES / 4, `busiest second held ${busiest} of ${steady.length} renewals`);
    assert.equal(perSecond.size, 20, 'renewals in every second of two periods');

    // Each node: exactly one renewal per period.
    for (const a of all) {
      const times = steady.filter((r) => r.node === a.name).map((r) => r.atMs);
      assert.equal(times.length, 2, `${a.name} renewed ${times.length} times in two periods`);
      assert.equal((times[1] ?? 0) - (times[0] ?? 0), PERIOD_MS);
    }
  });

  it('gives each node a fixed phase in [0, 1) from its name', () => {
    const phases = Array.from({ length: 1000 }, (_, i) => heartbeatPhase(`node-0-h${i}`));
    assert.equal(heartbeatPhase('node-0-h1'), heartbeatPhase('node-0-h1'));
    assert.ok(phases.every((p) => p >= 0 && p < 1));
    const tenths = new Set(phases.map((p) => Math.floor(p * 10)));
    assert.equal(tenths.size, 10, 'every tenth of the period is used');
  });

  for (const [what, failure] of [
    ['timed out', () => new ApiUnavailableError('timeout', 'request timed out after 10000 ms')],
    ['lost a conflict', () => new ApiError(failureStatus(409, 'the object has been modified', 'Conflict'))],
  ] as const) {
    it(`retries a renewal that ${what} at once instead of a lease period later`, async () => {
      const { clock, api } = newFakeApi();
      const abort = new AbortController();
      const [agent] = agents(api, clock).slice(0, 1);
      assert.ok(agent);
      await agent.start(abort.signal);
      await advance(clock, 1_000, 100);
      const before = api.object<Lease>(resources.leases, agent.name, 'kube-node-lease')?.spec?.renewTime;
      let failed = 0;
      const stopFailing = api.react((a) => {
        if (a.resource !== 'leases' || a.verb !== 'update' || failed > 0) return undefined;
        failed++;
        return failure();
      });
      await agent.renewLease();
      stopFailing();
      abort.abort();
      const after = api.object<Lease>(resources.leases, agent.name, 'kube-node-lease')?.spec?.renewTime;
      assert.equal(failed, 1);
      assert.notEqual(after, before, 'renewed by the retry');
    });
  }
});
