/**
 * The NATS transport (@kubelab/bus createNatsRaftTransport) on a real nats-server: frames (batches and
 * chunked big messages) round-trip intact, and three drivers over FileStorage commit and survive a
 * node restart.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { seededRng, systemClock } from '@kubelab/clock';
import {
  type Entry,
  EntryType,
  FileStorage,
  type Message,
  MessageType,
  NodeDriver,
  type Snapshot,
  type StateMachine,
  type Transport,
  bootstrapSnapshot,
} from '@kubelab/raft-node';
import { silentLogger } from '@kubelab/telemetry';
import { killAll, startNatsServer, waitFor } from '@kubelab/testkit';
import { type Bus, connectBus, createNatsRaftTransport } from '../src/index.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const data = (s: string): Uint8Array => enc.encode(s);

/** Records applied commands (non-empty normal entries) as strings; results are the entry indexes. */
class RecordingStateMachine implements StateMachine<number> {
  applied: string[] = [];
  apply(entries: readonly Entry[]): readonly number[] {
    for (const e of entries)
      if (e.type === EntryType.Normal && e.data.byteLength > 0) this.applied.push(dec.decode(e.data));
    return entries.map((e) => e.index);
  }
  snapshot(): Uint8Array {
    return enc.encode(JSON.stringify(this.applied));
  }
  restore(s: Snapshot): void {
    this.applied = s.data.byteLength === 0 ? [] : (JSON.parse(dec.decode(s.data)) as string[]);
  }
}

const IDS = [1, 2, 3];
let nats: Awaited<ReturnType<typeof startNatsServer>>;
let root: string;
const buses: Bus[] = [];

async function bus(name: string): Promise<Bus> {
  const b = await connectBus({ servers: nats.url, name, logger: silentLogger() });
  buses.push(b);
  return b;
}

function message(init: Partial<Message> & Pick<Message, 'type' | 'to' | 'from'>): Message {
  return {
    term: 3,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    ...init,
  };
}

before(async () => {
  nats = await startNatsServer();
  root = await mkdtemp(join(tmpdir(), 'raft-nats-'));
});

after(async () => {
  await Promise.all(buses.map((b) => b.close()));
  await killAll();
  await rm(root, { recursive: true, force: true });
});

describe('nats transport', () => {
  it('nats transport - batches and chunked snapshots arrive intact and in order', async () => {
    const group = 'frames';
    const a = createNatsRaftTransport(await bus('a'), { group, nodeId: 1, maxFrameBytes: 4096 });
    const b = createNatsRaftTransport(await bus('b'), { group, nodeId: 2, maxFrameBytes: 4096 });
    const got: Message[] = [];
    const snapReports: boolean[] = [];
    await a.start(() => {}, { unreachable: () => {}, snapshotStatus: (_id, ok) => snapReports.push(ok) });
    await b.start((m) => got.push(m));
    const entries: Entry[] = Array.from({ length: 40 }, (_, i) => ({
      term: 3,
      index: 10 + i,
      type: 0,
      data: new Uint8Array(200).fill(i),
    }));
    const snapData = new Uint8Array(50_000).map((_, i) => i % 251);
    const sent = [
      message({ type: MessageType.App, to: 2, from: 1, index: 9, logTerm: 3, entries, commit: 9 }),
      message({ type: MessageType.Heartbeat, to: 2, from: 1, commit: 9 }),
      message({
        type: MessageType.Snap,
        to: 2,
        from: 1,
        snapshot: {
          metadata: {
            index: 100,
            term: 3,
            confState: { voters: IDS, learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false },
          },
          data: snapData,
        },
      }),
      message({ type: MessageType.Heartbeat, to: 2, from: 1, commit: 10 }),
    ];
    a.send(sent);
    await waitFor(() => got.length === 4, { timeoutMs: 5_000, what: 'four messages' });
    const types = got.map((m) => m.type);
    // Small messages share one frame; the big snapshot travels in chunks on the same subject.
    assert.deepEqual(types.slice().sort(), sent.map((m) => m.type).sort());
    const app = got.find((m) => m.type === MessageType.App)!;
    assert.deepEqual(
      app.entries.map((e) => [e.index, e.data[0], e.data.byteLength]),
      entries.map((e) => [e.index, e.data[0], 200]),
    );
    const snap = got.find((m) => m.type === MessageType.Snap)!;
    assert.deepEqual(snap.snapshot?.data, snapData);
    assert.deepEqual(snapReports, [true]);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('nats transport - three drivers commit, and a restarted node catches up', async () => {
    const group = 'drivers';
    const nodes = new Map<
      number,
      { driver: NodeDriver<number>; storage: FileStorage; sm: RecordingStateMachine; transport: Transport }
    >();
    const start = async (id: number) => {
      const storage = await FileStorage.open({ dir: join(root, `n${id}`), log: () => {} });
      if (storage.lastIndex() === 0) {
        await storage.save(
          { snapshot: bootstrapSnapshot(IDS), hardState: { term: 1, vote: 0, commit: 1 }, entries: [] },
          true,
        );
      }
      const transport = createNatsRaftTransport(await bus(`n${id}`), { group, nodeId: id });
      const sm = new RecordingStateMachine();
      const driver = new NodeDriver<number>({
        id,
        storage,
        transport,
        stateMachine: sm,
        clock: systemClock,
        rng: seededRng(id),
        tickMs: 20,
      });
      await driver.start();
      nodes.set(id, { driver, storage, sm, transport });
    };
    const stop = async (id: number) => {
      const n = nodes.get(id)!;
      await n.driver.stop();
      await n.storage.close();
      nodes.delete(id);
    };
    const leader = () => [...nodes.values()].find((n) => n.driver.isLeader);
    const proposeUntilOk = async (v: string) => {
      await waitFor(
        async () => {
          const l = leader();
          if (l === undefined) return false;
          return l.driver.propose(data(v)).then(
            () => true,
            () => false,
          );
        },
        { timeoutMs: 10_000, what: `commit of ${v}` },
      );
    };

    for (const id of IDS) await start(id);
    for (let i = 0; i < 20; i++) await proposeUntilOk(`a${i}`);
    const victim = IDS.find((id) => !nodes.get(id)!.driver.isLeader)!;
    await stop(victim);
    for (let i = 0; i < 20; i++) await proposeUntilOk(`b${i}`);
    await start(victim);
    await proposeUntilOk('c');
    await waitFor(() => IDS.every((id) => nodes.get(id)!.sm.applied.includes('c')), {
      timeoutMs: 10_000,
      what: 'every node applied c',
    });
    const expected = [
      ...Array.from({ length: 20 }, (_, i) => `a${i}`),
      ...Array.from({ length: 20 }, (_, i) => `b${i}`),
      'c',
    ];
    for (const id of IDS) assert.deepEqual(nodes.get(id)!.sm.applied, expected, `node ${id}`);
    for (const id of IDS) await stop(id);
  });
});
