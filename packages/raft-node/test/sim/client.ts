/**
 * A simulated KV client. It runs one operation at a time: sends it to the node it believes is the leader
 * (or any node), retries on a timeout or a refusal at another node with the same (client, seq) so the
 * state machine's session applies it once, until it gets an answer. A few operations are abandoned at
 * their first timeout instead (the client process "dies" and starts a new session number): their result
 * is unknown and they may still take effect later, which the linearizability checker allows. Every
 * operation goes to the history with its call and return times.
 *
 * Clients retry rather than give up because each operation of unknown result multiplies the checker's
 * search space; the heal phase lets every retried operation finish.
 */
import type { Rng } from '@kubelab/clock';
import type { KvInput, KvOperation, KvOutput } from '@kubelab/testkit';
import type { EventQueue } from './event-queue.js';
import type { ClientRequest, ClientResponse, ReadPath } from './kv.js';
import { chance, pick } from './random.js';

export interface SimClientConfig {
  /** The client's network address and session id. */
  readonly id: number;
  readonly rng: Rng;
  readonly queue: EventQueue;
  readonly keys: readonly string[];
  /** The nodes a request may go to. */
  nodes(): readonly number[];
  send(to: number, req: ClientRequest): void;
  /** Records an operation, with where it took effect when the client knows (ReadIndex reads). */
  record(op: KvOperation, meta: OperationMeta): void;
  /** A strictly increasing timestamp of the current moment (simulated ms plus an event counter fraction). */
  stamp(): number;
  readonly requestTimeoutMs: number;
  /** Probability that an operation is abandoned at its first timeout, leaving its result unknown. */
  readonly abandonRate: number;
  readonly thinkMsMax: number;
  /** Probability that a get is served by ReadIndex rather than through the log. */
  readonly readIndexShare: number;
}

/** What the simulator needs to build a linearization witness for an operation. */
export interface OperationMeta {
  readonly client: number;
  readonly seq: number;
  readonly readPath: ReadPath;
  /** A ReadIndex read's place in the log order (see ClientResponse). */
  readonly position: number | undefined;
}

interface CurrentOp {
  readonly seq: number;
  readonly input: KvInput;
  readonly readPath: ReadPath;
  readonly call: number;
  readonly abandonAtTimeout: boolean;
  attempt: number;
  readonly onDone: ((output: KvOutput | undefined) => void) | undefined;
}

export class SimClient {
  private seq = 0;
  private current: CurrentOp | undefined = undefined;
  private leaderHint = 0;
  private issuing = false;
  /** Values this client last saw per key: CAS expectations that may succeed. */
  private readonly seen = new Map<string, string | undefined>();
  readonly stats = { ops: 0, completed: 0, unknown: 0, retries: 0 };

  constructor(private readonly cfg: SimClientConfig) {}

  /** Whether an operation is in progress. */
  get busy(): boolean {
    return this.current !== undefined;
  }

  /** Issues random operations one after another until {@link stopIssuing}. */
  startIssuing(): void {
    this.issuing = true;
    if (this.current === undefined)
      this.cfg.queue.after(this.cfg.rng.int(0, this.cfg.thinkMsMax), () => this.next());
  }

  /** Lets the operation in progress finish but issues no new one. */
  stopIssuing(): void {
    this.issuing = false;
  }

  /** Runs one given operation to completion (the client must be idle); `onDone` gets the output. */
  submit(input: KvInput, readPath: ReadPath, onDone: (output: KvOutput | undefined) => void): void {
    if (this.current !== undefined) throw new Error(`client ${this.cfg.id} is busy`);
    this.begin(input, readPath, onDone, false);
  }

  private next(): void {
    if (!this.issuing || this.current !== undefined) return;
    const { input, readPath } = this.randomOp();
    this.begin(input, readPath, undefined, chance(this.cfg.rng, this.cfg.abandonRate));
  }

  private randomOp(): { input: KvInput; readPath: ReadPath } {
    const rng = this.cfg.rng;
    const key = pick(rng, this.cfg.keys);
    const value = `c${this.cfg.id}.${this.seq + 1}`;
    const r = rng.next();
    if (r < 0.35) return { input: { kind: 'put', key, value }, readPath: 'log' };
    if (r < 0.75) {
      const readPath = chance(rng, this.cfg.readIndexShare) ? 'readIndex' : 'log';
      return { input: { kind: 'get', key }, readPath };
    }
    const expected = chance(rng, 0.75) ? this.seen.get(key) : undefined;
    return { input: { kind: 'cas', key, expected, value }, readPath: 'log' };
  }

  private begin(
    input: KvInput,
    readPath: ReadPath,
    onDone: CurrentOp['onDone'],
    abandonAtTimeout: boolean,
  ): void {
    this.seq++;
    this.stats.ops++;
    this.current = {
      seq: this.seq,
      input,
      readPath,
      call: this.cfg.stamp(),
      abandonAtTimeout,
      attempt: 0,
      onDone,
    };
    this.attempt(this.leaderHint);
  }

  /** Sends the current operation again, to `target` if given, else to a random node. */
  private attempt(target: number): void {
    const op = this.current!;
    op.attempt++;
    if (op.attempt > 1) this.stats.retries++;
    const nodes = this.cfg.nodes();
    const to =
      target !== 0 && nodes.includes(target) && chance(this.cfg.rng, 0.9)
        ? target
        : pick(this.cfg.rng, nodes);
    const { seq, attempt } = op;
    this.cfg.send(to, { client: this.cfg.id, seq, attempt, input: op.input, readPath: op.readPath });
    this.cfg.queue.after(this.cfg.requestTimeoutMs, () => {
      if (this.current?.seq !== seq || this.current.attempt !== attempt) return;
      if (this.current.abandonAtTimeout) this.finish(undefined);
      else this.attempt(0);
    });
  }

  receive(res: ClientResponse): void {
    const op = this.current;
    if (op === undefined || res.seq !== op.seq) return;
    if (res.ok) {
      this.finish(res.output, res.position);
      return;
    }
    if (res.attempt !== op.attempt) return;
    this.leaderHint = res.leader;
    // Back off a little so a cluster without a leader is not hammered.
    const { seq, attempt } = op;
    this.cfg.queue.after(this.cfg.rng.int(5, 30), () => {
      if (this.current?.seq === seq && this.current.attempt === attempt) this.attempt(res.leader);
    });
  }

  private finish(output: KvOutput | undefined, position?: number): void {
    const op = this.current!;
    this.current = undefined;
    const base = { clientId: this.cfg.id, input: op.input, call: op.call };
    const meta = { client: this.cfg.id, seq: op.seq, readPath: op.readPath, position };
    if (output === undefined) {
      this.stats.unknown++;
      this.cfg.record(base, meta);
    } else {
      this.stats.completed++;
      this.cfg.record({ ...base, output, return: this.cfg.stamp() }, meta);
      this.learn(op.input, output);
    }
    op.onDone?.(output);
    if (this.issuing) this.cfg.queue.after(this.cfg.rng.int(0, this.cfg.thinkMsMax), () => this.next());
  }

  private learn(input: KvInput, output: KvOutput): void {
    if (output.kind === 'get') this.seen.set(input.key, output.value);
    else if (input.kind === 'put' || (input.kind === 'cas' && output.kind === 'cas' && output.ok)) {
      this.seen.set(input.key, input.value);
    }
  }
}
