/**
 * Process level: three `bench/raft/kv/server.ts` processes (FileStorage with fsync, NATS transport) on a
 * real nats-server. SIGKILL the leader: every acknowledged write survives, a new leader commits, and the
 * killed node restarts from its data dir and catches up.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Bus, connectBus } from '@kubelab/bus';
import { systemClock } from '@kubelab/clock';
import { silentLogger } from '@kubelab/telemetry';
import { killAll, spawnTs, startNatsServer, waitFor } from '@kubelab/testkit';
import { KvClient } from '../../bench/raft/kv/client.js';

const SERVER = new URL('../../bench/raft/kv/server.ts', import.meta.url).pathname;
const IDS = [1, 2, 3];
const GROUP = 'kvtest';

let nats: Awaited<ReturnType<typeof startNatsServer>>;
let root: string;
let bus: Bus;

type Proc = ReturnType<typeof spawnTs>;
const procs = new Map<number, Proc>();

function events(p: Proc): { ev: string; lead?: number; state?: string; t: number }[] {
  return p
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{"ev"'))
    .map((l) => JSON.parse(l));
}

async function spawnNode(id: number): Promise<void> {
  const p = spawnTs(SERVER, [
    '--id',
    String(id),
    '--peers',
    IDS.join(','),
    '--nats',
    nats.url,
    '--data',
    join(root, `kv-${id}`),
    '--group',
    GROUP,
  ]);
  procs.set(id, p);
  await waitFor(() => events(p).some((e) => e.ev === 'ready'), { timeoutMs: 20_000, what: `kv-${id} ready` });
}

/** The node every live process agrees leads. */
function agreedLeader(): number | undefined {
  const leads = [...procs.values()]
    .filter((p) => p.child.exitCode === null && p.child.signalCode === null)
    .map(
      (p) =>
        events(p)
          .filter((e) => e.ev === 'state')
          .at(-1)?.lead,
    );
  const first = leads[0];
  return first !== undefined && first > 0 && leads.every((l) => l === first) ? first : undefined;
}

before(async () => {
  nats = await startNatsServer();
  root = await mkdtemp(join(tmpdir(), 'raft-kv-proc-'));
  bus = await connectBus({ servers: nats.url, name: 'kv-test-client', logger: silentLogger() });
});

after(async () => {
  await bus?.close();
  await killAll();
  await rm(root, { recursive: true, force: true });
});

describe('kv processes', () => {
  it('kv processes - SIGKILL the leader: acknowledged writes survive and a new leader commits', async () => {
    await Promise.all(IDS.map((id) => spawnNode(id)));
    const client = new KvClient(bus, { group: GROUP, nodeIds: IDS, clientId: 1, clock: systemClock });
    const acked = new Map<string, string>();
    for (let i = 0; i < 30; i++) {
      const res = await client.put(`k${i}`, `v${i}`);
      assert.equal(res.status, 'ok');
      acked.set(`k${i}`, `v${i}`);
    }
    const leader = await waitFor(agreedLeader, { timeoutMs: 10_000, what: 'an agreed leader' });
    const killedAt = Date.now();
    procs.get(leader)!.child.kill('SIGKILL');
    await procs.get(leader)!.exited;
    const res = await client.put('after-kill', 'x');
    assert.equal(res.status, 'ok');
    const failoverMs = Date.now() - killedAt;
    acked.set('after-kill', 'x');
    assert.notEqual(client.leaderGuess, leader);
    assert.ok(failoverMs < 5_000, `failover took ${failoverMs} ms`);

    for (const [k, v] of acked) {
      const got = await client.get(k);
      assert.deepEqual([got.status, got.value], ['ok', v], k);
    }
    // The killed node restarts from disk and serves a linearizable read of the newest write.
    await spawnNode(leader);
    const reader = new KvClient(bus, { group: GROUP, nodeIds: [leader], clientId: 2, clock: systemClock });
    const got = await reader.get('after-kill');
    assert.deepEqual([got.status, got.value], ['ok', 'x']);
  });
});
