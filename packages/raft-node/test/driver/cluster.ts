/**
 * A cluster of NodeDrivers for tests: a FakeClock moved tick by tick, a MemoryNetwork, and per node a
 * WritableStorage and a recording state machine. `until(cond)` advances one tick at a time, letting the
 * event loop run in between, until `cond()` holds.
 */
import { seededRng } from '@kubelab/clock';
import { FakeClock } from '@kubelab/testkit';
import {
  type Entry,
  EntryType,
  MemoryNetwork,
  MemoryStorage,
  NodeDriver,
  type NodeDriverConfig,
  RawNode,
  type Snapshot,
  type StateMachine,
  StateType,
  type WritableStorage,
} from '../../src/index.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Records applied commands (non-empty normal entries) as strings; results are the entry indexes. */
export class RecordingStateMachine implements StateMachine<number> {
  applied: string[] = [];
  appliedIndex = 0;

  apply(entries: readonly Entry[]): readonly number[] {
    for (const e of entries) {
      if (e.type === EntryType.Normal && e.data.byteLength > 0) this.applied.push(dec.decode(e.data));
      this.appliedIndex = e.index;
    }
    return entries.map((e) => e.index);
  }

  snapshot(): Uint8Array {
    return enc.encode(JSON.stringify(this.applied));
  }

  restore(s: Snapshot): void {
    this.applied = s.data.byteLength === 0 ? [] : (JSON.parse(dec.decode(s.data)) as string[]);
    this.appliedIndex = s.metadata.index;
  }
}

export interface TestNode {
  readonly id: number;
  driver: NodeDriver<number>;
  storage: WritableStorage;
  sm: RecordingStateMachine;
}

export type DriverOptions = Partial<
  Omit<NodeDriverConfig<number>, 'id' | 'storage' | 'transport' | 'stateMachine' | 'clock' | 'rng'>
>;

export const TICK_MS = 10;

export class TestCluster {
  readonly clock = new FakeClock();
  readonly net = new MemoryNetwork();
  readonly nodes = new Map<number, TestNode>();
  /** Real milliseconds to wait between ticks (0: one macrotask). Non-zero when storage does real I/O. */
  ioWaitMs = 0;

  constructor(
    readonly ids: readonly number[],
    private readonly opts: DriverOptions = {},
  ) {}

  /** A bootstrapped MemoryStorage for a founding member. */
  memoryStorage(): MemoryStorage {
    const s = new MemoryStorage();
    RawNode.bootstrap(s, this.ids);
    return s;
  }

  /** Starts (or restarts) node `id` on `storage` with a fresh state machine. */
  async start(
    id: number,
    storage: WritableStorage = this.memoryStorage(),
    extra: DriverOptions = {},
  ): Promise<TestNode> {
    const sm = new RecordingStateMachine();
    const driver = new NodeDriver<number>({
      tickMs: TICK_MS,
      ...this.opts,
      ...extra,
      id,
      storage,
      transport: this.net.transport(id),
      stateMachine: sm,
      clock: this.clock,
      rng: seededRng(id * 7919),
    });
    const node: TestNode = { id, driver, storage, sm };
    this.nodes.set(id, node);
    await driver.start();
    return node;
  }

  node(id: number): TestNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  /** The live node that is leader, if exactly one is. */
  leader(): TestNode | undefined {
    const leaders = [...this.nodes.values()].filter((n) => n.driver.isLeader);
    return leaders.length === 1 ? leaders[0] : undefined;
  }

  /** One tick, then let the event loop run (promises, I/O). */
  async step(): Promise<void> {
    this.clock.advance(TICK_MS);
    await yieldToEventLoop(this.ioWaitMs);
  }

  /** Steps until `cond()` is truthy; throws after `maxTicks`. */
  async until<T>(cond: () => T, what: string, maxTicks = 2_000): Promise<NonNullable<T>> {
    for (let i = 0; i < maxTicks; i++) {
      const v = cond();
      if (v) return v as NonNullable<T>;
      await this.step();
    }
    throw new Error(`not reached after ${maxTicks} ticks: ${what}`);
  }

  /** Steps until `p` settles (so a proposal can commit while time moves), returning its outcome. */
  async settle<T>(
    p: Promise<T>,
    maxTicks = 2_000,
  ): Promise<{ ok: true; value: T } | { ok: false; error: Error }> {
    let outcome: { ok: true; value: T } | { ok: false; error: Error } | undefined;
    p.then(
      (value) => {
        outcome = { ok: true, value };
      },
      (error: Error) => {
        outcome = { ok: false, error };
      },
    );
    return this.until(() => outcome, 'a promise to settle', maxTicks);
  }

  async waitForLeader(): Promise<TestNode> {
    return this.until(() => {
      const l = this.leader();
      // A leader that has committed its no-op has its term's first entry applied: proposals go through.
      return l !== undefined && l.driver.status().applied >= l.driver.status().commit ? l : undefined;
    }, 'a leader');
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((n) => n.driver.stop()));
  }
}

export function yieldToEventLoop(ms = 0): Promise<void> {
  return new Promise((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)));
}

export const data = (s: string): Uint8Array => enc.encode(s);
export { StateType };
