/**
 * An in-memory network of {@link Transport}s for tests and the simulator: every message goes through the
 * binary codec (as on the wire, so no object is shared between nodes) and is delivered asynchronously, on
 * a later microtask. Links can be cut and nodes isolated; like NATS, a message to nobody vanishes silently.
 * `onSend` observes every batch a node sends, before delivery (to check what left when).
 */
import { decodeMessage, encodeMessage } from '../codec.js';
import type { Message } from '../core/types.js';
import type { Transport, TransportReports } from './transport.js';

interface Endpoint {
  readonly onMessage: (m: Message) => void;
  readonly reports: TransportReports | undefined;
}

export class MemoryNetwork {
  private readonly endpoints = new Map<number, Endpoint>();
  /** Directed links `from→to` that drop everything. */
  private readonly cut = new Set<string>();
  /** Called with every batch handed to `send`, synchronously, before delivery. */
  onSend: ((from: number, msgs: readonly Message[]) => void) | undefined;
  /** Messages delivered so far. */
  delivered = 0;

  /** The transport of node `id`. */
  transport(id: number): Transport {
    return new MemoryTransportImpl(this, id);
  }

  /** Drops every message between `id` and anyone else, both ways. */
  isolate(id: number, peers: readonly number[]): void {
    for (const p of peers) {
      if (p === id) continue;
      this.cut.add(`${id}→${p}`);
      this.cut.add(`${p}→${id}`);
    }
  }

  /** Drops messages from `from` to `to`. */
  cutLink(from: number, to: number): void {
    this.cut.add(`${from}→${to}`);
  }

  /** Restores every link. */
  heal(): void {
    this.cut.clear();
  }

  /** @internal */
  attach(id: number, ep: Endpoint | undefined): void {
    if (ep === undefined) this.endpoints.delete(id);
    else this.endpoints.set(id, ep);
  }

  /** @internal */
  send(from: number, msgs: readonly Message[]): void {
    this.onSend?.(from, msgs);
    for (const m of msgs) {
      if (this.cut.has(`${from}→${m.to}`)) continue;
      const bytes = encodeMessage(m);
      void Promise.resolve().then(() => {
        const ep = this.endpoints.get(m.to);
        if (ep === undefined || this.cut.has(`${from}→${m.to}`)) return;
        this.delivered++;
        ep.onMessage(decodeMessage(bytes));
      });
      if (m.snapshot !== undefined) this.endpoints.get(from)?.reports?.snapshotStatus(m.to, true);
    }
  }
}

class MemoryTransportImpl implements Transport {
  private started = false;

  constructor(
    private readonly net: MemoryNetwork,
    private readonly id: number,
  ) {}

  send(msgs: readonly Message[]): void {
    if (this.started) this.net.send(this.id, msgs);
  }

  async start(onMessage: (m: Message) => void, reports?: TransportReports): Promise<void> {
    this.started = true;
    this.net.attach(this.id, { onMessage, reports });
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.net.attach(this.id, undefined);
  }
}
