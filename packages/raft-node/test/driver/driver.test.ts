/**
 * NodeDriver over MemoryStorage and a MemoryNetwork, on a FakeClock: election and commit, propose resolves
 * only after apply, the persist → send order of the Ready contract, leader failure with proposals in flight,
 * reads, transfer, snapshots and bounded queues.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Tracer } from '@opentelemetry/api';
import { Registry } from 'prom-client';
import {
  type ConfState,
  ErrBusy,
  ErrNotLeader,
  ErrProposalOverwritten,
  MemoryStorage,
  type Message,
  MessageType,
  type ProbePoint,
  type RaftEvent,
  RawNode,
  type Snapshot,
  type StorageUpdate,
  createRaftMetrics,
} from '../../src/index.js';
import { TestCluster, data } from './cluster.js';

const IDS = [1, 2, 3];

async function startCluster(opts = {}): Promise<TestCluster> {
  const c = new TestCluster(IDS, opts);
  for (const id of IDS) await c.start(id);
  return c;
}

/**
 * Runs a cluster whose saves resolve a macrotask late (a slow fsync) and records, per node, what the
 * storage has acknowledged as durable. Checks every message as it leaves: vote and append responses, and
 * any message carrying a new term, only after the state they depend on is durable; the leader's appends
 * too unless `leaderSendsBeforePersist`. Every proposal resolves only once a majority holds it durably.
 */
async function checkDurabilityOrder(
  leaderSendsBeforePersist: boolean,
  leaderWritesInBackground = false,
): Promise<void> {
  const c = new TestCluster(IDS, { leaderSendsBeforePersist, leaderWritesInBackground });
  const durable = new Map<number, { last: number; term: number; vote: number }>();
  const violations: string[] = [];
  let appendsBeforeDurable = 0;
  for (const id of IDS) {
    const inner = new MemoryStorage();
    RawNode.bootstrap(inner, IDS);
    durable.set(id, { last: inner.lastIndex(), term: 1, vote: 0 });
    const slow = Object.create(inner) as MemoryStorage;
    slow.save = async (u: StorageUpdate, mustSync: boolean) => {
      await inner.save(u, mustSync);
      // A slow fsync: a macrotask later; with background writes the leader's is much slower, so its
      // followers' acknowledgements arrive while its own write is in flight.
      const turns = leaderWritesInBackground && c.nodes.get(id)?.driver.isLeader === true ? 30 : 1;
      for (let t = 0; t < turns; t++) await new Promise((r) => setImmediate(r));
      const d = durable.get(id)!;
      const last = u.entries.at(-1);
      if (last !== undefined) d.last = last.index;
      if (u.hardState !== undefined) Object.assign(d, { term: u.hardState.term, vote: u.hardState.vote });
    };
    await c.start(id, slow);
  }
  c.net.onSend = (from: number, msgs: readonly Message[]) => {
    const d = durable.get(from)!;
    for (const m of msgs) {
      const tag = `${from}→${m.to} type ${m.type} term ${m.term} index ${m.index}`;
      if (m.type === MessageType.AppResp && !m.reject && d.last < m.index)
        violations.push(`${tag}: last ${d.last}`);
      if (m.type === MessageType.VoteResp && !m.reject && (d.vote !== m.to || d.term !== m.term)) {
        violations.push(`${tag}: durable vote ${d.vote} term ${d.term}`);
      }
      const lastSent = m.entries.at(-1);
      if (m.type === MessageType.App && lastSent !== undefined && d.last < lastSent.index) {
        appendsBeforeDurable++;
        if (!leaderSendsBeforePersist)
          violations.push(`${tag}: sent entries up to ${lastSent.index}, durable ${d.last}`);
      }
      const voteMsg = m.type === MessageType.PreVote || m.type === MessageType.PreVoteResp;
      if (m.term > 0 && !voteMsg && d.term < m.term) violations.push(`${tag}: durable term ${d.term}`);
    }
  };
  const leader = await c.waitForLeader();
  const ps = Array.from({ length: 20 }, (_, i) =>
    leader.driver.propose(data(`p${i}`)).then((p) => {
      const holders = IDS.filter((id) => durable.get(id)!.last >= p.index).length;
      if (holders < 2) violations.push(`index ${p.index} resolved with ${holders} durable copies`);
    }),
  );
  const all = await c.settle(Promise.all(ps));
  assert.ok(all.ok);
  assert.deepEqual(violations, []);
  // With the option, the leader's appends did overtake its fsync (the overlap is real).
  assert.equal(appendsBeforeDurable > 0, leaderSendsBeforePersist);
  await c.stopAll();
}

describe('driver', () => {
  it('driver - three nodes elect a leader and commit on every node', async () => {
    const c = await startCluster();
    const leader = await c.waitForLeader();
    const res = await c.settle(leader.driver.propose(data('a')));
    assert.ok(res.ok);
    assert.equal(res.value.term, leader.driver.status().term);
    await c.until(() => IDS.every((id) => c.node(id).sm.applied.includes('a')), 'a applied everywhere');
    for (const id of IDS) assert.deepEqual(c.node(id).sm.applied, ['a']);
    await c.stopAll();
  });

  it('driver - a proposal resolves only after its entry is applied locally, with the apply result', async () => {
    const c = await startCluster();
    const leader = await c.waitForLeader();
    const seen: boolean[] = [];
    const proposals = ['x', 'y', 'z'].map((v) =>
      leader.driver.propose(data(v)).then((p) => {
        seen.push(leader.sm.applied.includes(v) && leader.sm.appliedIndex >= p.index);
        assert.equal(p.result, p.index);
        return p;
      }),
    );
    await c.until(() => seen.length === 3, 'three proposals resolved');
    assert.deepEqual(seen, [true, true, true]);
    const indexes = (await Promise.all(proposals)).map((p) => p.index);
    assert.deepEqual(indexes, [indexes[0]!, indexes[0]! + 1, indexes[0]! + 2]);
    await c.stopAll();
  });

  it('driver - a follower refuses proposals with ErrNotLeader naming the leader', async () => {
    const c = await startCluster();
    const leader = await c.waitForLeader();
    const follower = IDS.map((id) => c.node(id)).find((n) => n.id !== leader.id)!;
    await c.until(() => follower.driver.leader === leader.id, 'follower knows the leader');
    await assert.rejects(follower.driver.propose(data('f')), (e: unknown) => {
      assert.ok(e instanceof ErrNotLeader);
      assert.equal(e.leader, leader.id);
      assert.equal(e.indeterminate, false);
      return true;
    });
    await c.stopAll();
  });

  it('driver - persists a Ready before sending the messages that depend on it', async () => {
    await checkDurabilityOrder(false);
  });

  it('driver - leaderSendsBeforePersist: appends overlap the leader fsync, acks still wait for a durable majority', async () => {
    await checkDurabilityOrder(true);
  });

  it('driver - leaderWritesInBackground: the leader persists in the background; acks still wait for a durable majority', async () => {
    await checkDurabilityOrder(true, true);
  });

  it('driver - proposals arriving during a save are group-committed into the next Ready', async () => {
    const c = new TestCluster(IDS);
    const savesBy = new Map<number, number[]>(IDS.map((id) => [id, []]));
    for (const id of IDS) {
      const inner = c.memoryStorage();
      const slow = Object.create(inner) as MemoryStorage;
      slow.save = async (u: StorageUpdate, mustSync: boolean) => {
        if (u.entries.length > 0) savesBy.get(id)!.push(u.entries.length);
        await inner.save(u, mustSync);
        await new Promise((r) => setImmediate(r));
      };
      await c.start(id, slow);
    }
    const leader = await c.waitForLeader();
    const saves = savesBy.get(leader.id)!;
    saves.length = 0;
    const ps = Array.from({ length: 100 }, (_, i) => leader.driver.propose(data(`g${i}`)));
    await Promise.resolve();
    const more = Array.from({ length: 100 }, (_, i) => leader.driver.propose(data(`h${i}`)));
    assert.ok((await c.settle(Promise.all([...ps, ...more]))).ok);
    // 200 proposals reached the disk in a handful of writes, not 200.
    assert.ok(saves.length <= 4, `saves: ${saves.join(',')}`);
    assert.equal(
      saves.reduce((a, b) => a + b, 0),
      200,
    );
    await c.stopAll();
  });

  it('driver - leader failure: a new leader commits; each in-flight proposal commits once or rejects', async () => {
    const c = await startCluster();
    const old = await c.waitForLeader();
    assert.ok((await c.settle(old.driver.propose(data('before')))).ok);
    // Cut the leader off, then propose on it: it still believes it leads until CheckQuorum deposes it.
    c.net.isolate(old.id, IDS);
    const inFlight = ['lost-1', 'lost-2', 'lost-3'].map((v) => ({
      v,
      p: c.settle(old.driver.propose(data(v))),
    }));
    const next = await c.until(() => {
      const l = [...c.nodes.values()].find((n) => n.id !== old.id && n.driver.isLeader);
      return l && l.driver.status().applied >= l.driver.status().commit ? l : undefined;
    }, 'a new leader among the majority');
    // As many writes as the old leader has in-flight entries, so the majority's log covers all their indexes.
    const after = ['after-1', 'after-2', 'after-3'];
    for (const v of after) assert.ok((await c.settle(next.driver.propose(data(v)))).ok);
    c.net.heal();
    const outcomes = await Promise.all(inFlight.map((x) => x.p));
    await c.until(
      () =>
        IDS.every(
          (id) => c.node(id).sm.applied.includes('after-3') && !c.node(id).driver.status().pendingProposals,
        ),
      'everyone applied the new leader write',
    );
    for (const [i, o] of outcomes.entries()) {
      const v = inFlight[i]!.v;
      const count = c.node(next.id).sm.applied.filter((x) => x === v).length;
      if (o.ok) assert.equal(count, 1, `${v} resolved, so it committed exactly once`);
      else if (o.error instanceof ErrProposalOverwritten) assert.equal(count, 0, `${v} overwritten`);
      else assert.ok(count <= 1, `${v}: ${o.error.name}, at most once`);
    }
    // The isolated leader's entries lost to the majority's: definite rejections, never applied.
    assert.ok(outcomes.every((o) => !o.ok && o.error instanceof ErrProposalOverwritten));
    for (const id of IDS) assert.deepEqual(c.node(id).sm.applied, ['before', ...after]);
    await c.stopAll();
  });

  it('driver - readIndex resolves on a follower once it has applied every earlier write', async () => {
    const c = await startCluster();
    const leader = await c.waitForLeader();
    const follower = c.node(IDS.find((id) => id !== leader.id)!);
    assert.ok((await c.settle(leader.driver.propose(data('w1')))).ok);
    const r = await c.settle(follower.driver.readIndex());
    assert.ok(r.ok);
    assert.ok(follower.sm.applied.includes('w1'));
    assert.ok(follower.driver.status().applied >= r.value);
    await c.stopAll();
  });

  it('driver - transferLeadership hands over and emits events', async () => {
    const c = await startCluster();
    const leader = await c.waitForLeader();
    const target = IDS.find((id) => id !== leader.id)!;
    const events: RaftEvent[] = [];
    const stream = c.node(target).driver.events();
    void (async () => {
      for await (const ev of stream) events.push(ev);
    })();
    await c.until(
      () => c.node(target).driver.status().progress === undefined && c.node(target).driver.leader,
      'known',
    );
    leader.driver.transferLeadership(target);
    await c.until(() => c.node(target).driver.isLeader, 'the target leads');
    await c.until(() => events.some((e) => e.lead === target), 'an event names the new leader');
    stream.close();
    await c.stopAll();
  });

  it('driver - snapshots and compacts every N entries; a lagging follower catches up by snapshot', async () => {
    const c = await startCluster({ snapshotEntries: 20, snapshotCatchUpEntries: 5 });
    const leader = await c.waitForLeader();
    const lagging = IDS.find((id) => id !== leader.id)!;
    c.net.isolate(lagging, IDS);
    for (let i = 0; i < 60; i++) assert.ok((await c.settle(leader.driver.propose(data(`s${i}`)))).ok);
    const st = leader.driver.status();
    assert.ok(st.snapshotIndex >= 40, `snapshot at ${st.snapshotIndex}`);
    assert.ok(leader.storage.firstIndex() > 30, `compacted to ${leader.storage.firstIndex()}`);
    c.net.heal();
    await c.until(() => c.node(lagging).sm.applied.length === 60, 'lagging node caught up');
    assert.deepEqual(c.node(lagging).sm.applied, leader.sm.applied);
    assert.ok(c.node(lagging).driver.status().snapshotIndex >= 40, 'it received a snapshot');
    await c.stopAll();
  });

  it('driver - a Ready that only moves the commit index writes nothing; its hard state rides with the next write', async () => {
    // Every save is recorded per node: a commit-only save has no entries, no snapshot, and mustSync false.
    const saves = new Map<number, { entries: number; commit: number | undefined; sync: boolean }[]>();
    const c = new TestCluster(IDS, { snapshotEntries: 10, snapshotCatchUpEntries: 2 });
    for (const id of IDS) {
      const log: { entries: number; commit: number | undefined; sync: boolean }[] = [];
      saves.set(id, log);
      // A subclass, not Object.create: compaction writes fields that save must see.
      const spy = new (class extends MemoryStorage {
        override save(u: StorageUpdate, mustSync: boolean): Promise<void> {
          log.push({ entries: u.entries.length, commit: u.hardState?.commit, sync: mustSync });
          return super.save(u, mustSync);
        }
        override createSnapshot(index: number, cs: ConfState, d: Uint8Array): Promise<Snapshot> {
          // The commit index on disk covers every snapshot (a restart refuses commit < snapshot index).
          const onDisk = this.initialState().hardState.commit;
          assert.ok(onDisk >= index, `node ${id}: commit on disk ${onDisk} below snapshot ${index}`);
          return super.createSnapshot(index, cs, d);
        }
      })();
      RawNode.bootstrap(spy, IDS);
      await c.start(id, spy);
    }
    const leader = await c.waitForLeader();
    for (let i = 0; i < 25; i++) {
      const res = await c.settle(leader.driver.propose(data(`d${i}`)));
      assert.ok(res.ok, `proposal ${i}: ${res.ok ? '' : String(res.error)}`);
    }
    const commit = leader.driver.status().commit;
    await c.until(() => IDS.every((id) => c.node(id).driver.status().applied === commit), 'all applied');
    for (const id of IDS) {
      const log = saves.get(id)!;
      const commitOnly = log.filter((s) => s.entries === 0 && !s.sync);
      // Only the flushes before a snapshot (every 10 entries) remain; at stop, one more.
      assert.ok(commitOnly.length <= 4, `node ${id}: ${commitOnly.length} commit-only saves`);
      // The commit index still reaches the disk, with the entries written after it.
      assert.ok(
        log.some((s) => s.entries > 0 && s.commit !== undefined && s.commit > 2),
        `node ${id}`,
      );
      const snap = c.node(id).driver.status().snapshotIndex;
      assert.ok(snap >= 20, `node ${id}: snapshot at ${snap}`);
    }
    await c.stopAll();
    // stop() writes the last deferred commit index: a restart starts from it.
    for (const id of IDS) {
      assert.equal(c.node(id).storage.initialState().hardState.commit, commit, `node ${id} commit on disk`);
    }
  });

  it('driver - bounded: proposals beyond maxPendingProposals fail fast with ErrBusy', async () => {
    const c = await startCluster({ maxPendingProposals: 4 });
    const leader = await c.waitForLeader();
    const ps = Array.from({ length: 6 }, (_, i) => c.settle(leader.driver.propose(data(`b${i}`))));
    const outcomes = await Promise.all(ps);
    assert.equal(outcomes.filter((o) => o.ok).length, 4);
    assert.ok(outcomes.slice(4).every((o) => !o.ok && o.error instanceof ErrBusy));
    await c.stopAll();
  });

  it('driver - stop rejects pending work and resolves closed', async () => {
    const c = await startCluster();
    const leader = await c.waitForLeader();
    c.net.isolate(leader.id, IDS);
    const p = leader.driver.propose(data('never'));
    await leader.driver.stop();
    await assert.rejects(p, { name: 'ErrDriverStopped' });
    assert.equal(await leader.driver.closed, undefined);
    await assert.rejects(leader.driver.propose(data('x')), { name: 'ErrDriverStopped' });
    await c.stopAll();
  });
});

describe('driver observability', () => {
  it('driver - a leader tells followers about a commit only after the proposals it settles got their turn', async () => {
    const c = await startCluster();
    const leader = await c.waitForLeader();
    await c.settle(leader.driver.propose(data('warm-up')));
    const log: string[] = [];
    const send = c.net.send.bind(c.net);
    c.net.send = (from, msgs) => {
      for (const m of msgs) {
        if (from === leader.id && m.type === MessageType.App && m.entries.length === 0)
          log.push(`commit ${m.commit}`);
      }
      send(from, msgs);
    };
    const p = leader.driver.propose(data('x')).then((r) => {
      log.push(`resolved ${r.index}`);
      return r;
    });
    const res = await c.settle(p);
    assert.ok(res.ok);
    await c.until(() => log.some((l) => l === `commit ${res.value.index}`), 'commit announced');
    const resolvedAt = log.indexOf(`resolved ${res.value.index}`);
    assert.ok(resolvedAt >= 0 && resolvedAt < log.indexOf(`commit ${res.value.index}`), log.join(', '));
    await c.stopAll();
  });

  it('driver probe - a proposal passes every point in path order on the leader and a follower', async () => {
    const marks = new Map<number, { point: ProbePoint; lo: number; hi: number }[]>();
    const c = new TestCluster(IDS);
    for (const id of IDS) {
      const seen: { point: ProbePoint; lo: number; hi: number }[] = [];
      marks.set(id, seen);
      await c.start(id, undefined, { probe: { mark: (point, lo, hi) => seen.push({ point, lo, hi }) } });
    }
    const leader = await c.waitForLeader();
    const res = await c.settle(leader.driver.propose(data('p')));
    assert.ok(res.ok);
    const index = res.value.index;
    await c.until(() => IDS.every((id) => c.node(id).sm.applied.includes('p')), 'p applied everywhere');
    /** The order in which node `id` first saw `index` at each point. */
    const order = (id: number) => {
      const points: ProbePoint[] = [];
      for (const m of marks.get(id)!) {
        if (m.lo <= index && index <= m.hi && !points.includes(m.point)) points.push(m.point);
      }
      return points;
    };
    // The leader sends before persisting by default, and its write runs in the background: the followers'
    // acknowledgements may arrive before it ends (and then commit before it). The follower keeps persist → send.
    const l = order(leader.id);
    assert.deepEqual(
      l.filter((p) => p !== 'persisted'),
      ['propose', 'ready', 'sendApp', 'recvAppResp', 'commit', 'applied'],
    );
    assert.ok(l.indexOf('persisted') > l.indexOf('sendApp'), l.join(' '));
    for (const id of IDS.filter((i) => i !== leader.id)) {
      assert.deepEqual(order(id).slice(0, 4), ['recvApp', 'ready', 'persisted', 'sendAppResp'], `node ${id}`);
      assert.ok(order(id).includes('applied'), `node ${id} applied`);
    }
    await c.stopAll();
  });

  it('driver observability - metrics land in the given registry and raft.propose spans end on apply', async () => {
    const registry = new Registry();
    const spans: {
      name: string;
      attrs: Record<string, unknown>;
      ended: boolean;
      endedAfterApply?: boolean;
    }[] = [];
    let c: TestCluster | undefined;
    const tracer = {
      startSpan(name: string, opts?: { attributes?: Record<string, unknown> }) {
        const rec = { name, attrs: { ...opts?.attributes }, ended: false } as (typeof spans)[number];
        spans.push(rec);
        return {
          setAttribute(k: string, v: unknown) {
            rec.attrs[k] = v;
          },
          end() {
            rec.ended = true;
            const leader = c?.leader();
            rec.endedAfterApply =
              leader !== undefined && leader.sm.appliedIndex >= Number(rec.attrs['raft.index']);
          },
          recordException() {},
          setStatus() {},
        };
      },
    } as unknown as Tracer;
    const metricsFor = new Map(
      IDS.map((id) => [id, createRaftMetrics({ registry, group: 'obs', nodeId: id })]),
    );
    c = new TestCluster(IDS, { tracer });
    for (const id of IDS) {
      await c.start(id, c.memoryStorage(), { metrics: metricsFor.get(id)! });
    }
    const leader = await c.waitForLeader();
    const res = await c.settle(
      Promise.all([leader.driver.propose(data('m1')), leader.driver.propose(data('m2'))]),
    );
    assert.ok(res.ok);
    assert.equal(spans.length, 2);
    assert.ok(spans.every((s) => s.name === 'raft.propose' && s.ended && s.endedAfterApply));
    const text = await registry.metrics();
    const value = (metric: string) =>
      Number(text.match(new RegExp(`^${metric}\\{group="obs",node="${leader.id}"\\} (\\d+)`, 'm'))?.[1]);
    assert.equal(value('raft_proposals_total'), 2);
    assert.equal(value('raft_is_leader'), 1);
    assert.ok(value('raft_applied_entries_total') >= 3, 'the no-op and both proposals');
    assert.match(text, new RegExp(`raft_commit_latency_ms_count\\{group="obs",node="${leader.id}"\\} 2`));
    assert.ok(value('raft_term') >= 2);
    await c.stopAll();
  });
});
