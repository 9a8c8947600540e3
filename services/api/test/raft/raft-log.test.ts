/**
 * Three api replicas' stores over a real raft-node group (in-memory network and storage, real time with
 * short ticks): writes through any replica, forwarding from followers, linearizable reads everywhere.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { seededRng, systemClock } from '@kubelab/clock';
import { MemoryNetwork, MemoryStorage, NodeDriver, RawNode, StateType } from '@kubelab/raft-node';
import { waitFor } from '@kubelab/testkit';
import { RaftCommandLog } from '../../src/raft/raft-log.js';
import { ReplicatedStore } from '../../src/store/replicated-store.js';
import type { StoreCommand } from '../../src/store/types.js';

const ids = [1, 2, 3];

function cluster(seed: number) {
  const net = new MemoryNetwork();
  const replicas = new Map<number, { log: RaftCommandLog; rs: ReplicatedStore; driver: NodeDriver }>();
  for (const id of ids) {
    const storage = new MemoryStorage();
    RawNode.bootstrap(storage, ids);
    const log = new RaftCommandLog(async (leader, data) => {
      const target = replicas.get(leader);
      if (!target) throw new Error(`no replica ${leader}`);
      return target.log.proposeAsLeader(data);
    }, systemClock);
    const rs = new ReplicatedStore({ log, clock: systemClock, writeTimeoutMs: 5000 });
    const driver = new NodeDriver({
      id,
      storage,
      transport: net.transport(id),
      stateMachine: log.stateMachine(rs),
      clock: systemClock,
      rng: seededRng(seed * 10 + id),
      tickMs: 10,
    });
    log.bind(driver);
    replicas.set(id, { log, rs, driver });
  }
  return { net, replicas };
}

const nsCmd = (id: string, name: string): StoreCommand => ({
  op: 'create',
  id,
  now: '2026-01-01T00:00:00Z',
  resource: 'core/namespaces',
  namespaced: false,
  object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
});

describe('api raft log', () => {
  const { replicas } = cluster(1);
  after(async () => {
    for (const r of replicas.values()) await r.driver.stop();
  });

  it('commits writes made through the leader and through followers, once each, on every replica', async () => {
    for (const r of replicas.values()) await r.driver.start();
    const leader = await waitFor(
      () => [...replicas.values()].find((r) => r.driver.status().raftState === StateType.Leader),
      {
        what: 'a leader',
      },
    );
    const follower = [...replicas.values()].find((r) => r !== leader);
    assert.ok(follower);
    const a = await leader.rs.execute(nsCmd('c1', 'a'));
    const b = await follower.rs.execute(nsCmd('c2', 'b'));
    const dup = await follower.rs.execute(nsCmd('c3', 'a'));
    assert.ok(a.ok && b.ok);
    assert.equal(!dup.ok && dup.reason, 'AlreadyExists');
    assert.ok(
      Number(b.ok && b.object.metadata.resourceVersion) > Number(a.ok && a.object.metadata.resourceVersion),
    );
    for (const r of replicas.values()) {
      const names = await r.rs.read((s) => s.list('core/namespaces').map((o) => o.metadata.name));
      assert.deepEqual(names, ['a', 'b'], 'a linearizable read on every replica sees both writes');
    }
  });
});
