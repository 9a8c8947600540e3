/**
 * Three api replicas' stores over a real raft-node group (in-memory network and storage, real time with
 * short ticks): writes through any replica, forwarding from followers, linearizable reads everywhere.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { seededRng, systemClock } from '@kubelab/clock';
import { MemoryNetwork, MemoryStorage, NodeDriver, RawNode, StateType } from '@kubelab/raft-node';
import { waitFor } from '@kubelab/testkit';
import { RaftCommandLog, decodeForwardBatch, encodeForwardBatch } from '../../src/raft/raft-log.js';
import { ReplicatedStore } from '../../src/store/replicated-store.js';
import type { StoreCommand } from '../../src/store/types.js';

const ids = [1, 2, 3];

function cluster(seed: number) {
  const net = new MemoryNetwork();
  const forwards: number[] = [];
  const replicas = new Map<number, { log: RaftCommandLog; rs: ReplicatedStore; driver: NodeDriver }>();
  for (const id of ids) {
    const storage = new MemoryStorage();
    RawNode.bootstrap(storage, ids);
    const log = new RaftCommandLog(async (leader, data) => {
      const target = replicas.get(leader);
      if (!target) throw new Error(`no replica ${leader}`);
      forwards.push(decodeForwardBatch(data).length);
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
  return { net, replicas, forwards };
}

const nsCmd = (id: string, name: string): StoreCommand => ({
  op: 'create',
  id,
  now: '2026-01-01T00:00:00Z',
  resource: 'core/namespaces',
  namespaced: false,
  object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
});

describe('api raft log - forward batches', () => {
  it('encode and decode round-trip; a plain command is a batch of one', () => {
    const te = new TextEncoder();
    const parts = ['{"a":1}', '', '{"b":"ü"}'].map((t) => te.encode(t));
    const decoded = decodeForwardBatch(encodeForwardBatch(parts));
    assert.deepEqual(
      decoded.map((d) => Buffer.from(d).toString()),
      ['{"a":1}', '', '{"b":"ü"}'],
    );
    assert.deepEqual(decodeForwardBatch(parts[0] as Uint8Array), [parts[0]]);
    assert.throws(() => decodeForwardBatch(encodeForwardBatch(parts).subarray(0, 10)), /truncated/);
  });
});

describe('api raft log', () => {
  const { replicas, forwards } = cluster(1);
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

  it('forwards the writes a follower receives together in one request; each gets its own result', async () => {
    const follower = [...replicas.values()].find((r) => r.driver.status().raftState !== StateType.Leader);
    assert.ok(follower);
    forwards.length = 0;
    const results = await Promise.all(
      ['x', 'y', 'z', 'a'].map((n, i) => follower.rs.execute(nsCmd(`batch-${i}`, n))),
    );
    assert.deepEqual(forwards, [4], 'one forward request carrying 4 commands');
    assert.deepEqual(
      results.map((r) => (r.ok ? r.object.metadata.name : r.reason)),
      ['x', 'y', 'z', 'AlreadyExists'],
    );
    const rvs = results.flatMap((r) => (r.ok ? [Number(r.object.metadata.resourceVersion)] : []));
    assert.equal(new Set(rvs).size, 3, 'each command is its own entry');
  });
});
