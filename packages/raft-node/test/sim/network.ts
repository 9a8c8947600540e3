/**
 * A simulated network (TigerBeetle VOPR's packet simulator, FoundationDB's sim2 network): every packet is an
 * event on the {@link EventQueue} delivered after a random delay. Faults, all drawn from the seeded Rng:
 * loss, duplication, delay, reordering (independent delays plus occasional very slow packets), and
 * partitions, symmetric or one-way, which the fault schedule changes over time.
 */
import type { Rng } from '@kubelab/clock';
import type { EventQueue } from './event-queue.js';
import { between, chance } from './random.js';

/** The tunable fault rates; the simulator changes them while a run goes on. */
export interface NetworkFaults {
  /** Probability that a packet is lost. */
  lossRate: number;
  /** Probability that a packet is delivered twice (the copy with its own delay). */
  duplicateRate: number;
  /** Normal one-way delay range. */
  delayMsMin: number;
  delayMsMax: number;
  /** Probability that a packet is very slow instead, arriving long after later ones (reordering). */
  slowRate: number;
  slowDelayMsMax: number;
}

/** A network with no faults and a small delay: the heal phase. */
export const CALM_NETWORK: NetworkFaults = {
  lossRate: 0,
  duplicateRate: 0,
  delayMsMin: 1,
  delayMsMax: 5,
  slowRate: 0,
  slowDelayMsMax: 0,
};

export interface NetworkStats {
  sent: number;
  delivered: number;
  lost: number;
  cut: number;
  duplicated: number;
}

/** What happened to a packet, for senders that want to know (snapshot status, unreachable reports). */
export type PacketFate = 'delivered' | 'lost';

/**
 * Delivers packets of type `P` between numeric addresses. Partitions are sets of blocked directed links,
 * applied when a packet is sent; packets already in flight still arrive. `deliver` is called at arrival.
 */
export class SimNetwork<P> {
  faults: NetworkFaults = { ...CALM_NETWORK };
  readonly stats: NetworkStats = { sent: 0, delivered: 0, lost: 0, cut: 0, duplicated: 0 };
  /** Blocked directed links, as `from>to`. */
  private readonly blocked = new Set<string>();
  /** Addresses exempt from partitions (clients outside the cluster); still subject to loss and delay. */
  private readonly unpartitioned = new Set<number>();

  constructor(
    private readonly rng: Rng,
    private readonly queue: EventQueue,
    private readonly deliver: (from: number, to: number, packet: P) => void,
  ) {}

  /** Exempts `address` from partitions. */
  exemptFromPartitions(address: number): void {
    this.unpartitioned.add(address);
  }

  /**
   * Sends a packet. `onFate`, if given, learns at arrival time whether the packet arrived (the first copy)
   * or was lost; a cut link counts as lost at send time plus the mean delay.
   */
  send(from: number, to: number, packet: P, onFate?: (fate: PacketFate) => void): void {
    this.stats.sent++;
    if (this.isBlocked(from, to)) {
      this.stats.cut++;
      if (onFate !== undefined) this.queue.after(this.faults.delayMsMax, () => onFate('lost'));
      return;
    }
    if (chance(this.rng, this.faults.lossRate)) {
      this.stats.lost++;
      if (onFate !== undefined) this.queue.after(this.delayMs(), () => onFate('lost'));
      return;
    }
    this.queue.after(this.delayMs(), () => {
      this.stats.delivered++;
      onFate?.('delivered');
      this.deliver(from, to, packet);
    });
    if (chance(this.rng, this.faults.duplicateRate)) {
      this.stats.duplicated++;
      this.queue.after(this.delayMs(), () => this.deliver(from, to, packet));
    }
  }

  private delayMs(): number {
    const f = this.faults;
    if (chance(this.rng, f.slowRate))
      return between(this.rng, f.delayMsMax, Math.max(f.delayMsMax, f.slowDelayMsMax));
    return between(this.rng, f.delayMsMin, f.delayMsMax);
  }

  isBlocked(from: number, to: number): boolean {
    if (this.unpartitioned.has(from) || this.unpartitioned.has(to)) return false;
    return this.blocked.has(`${from}>${to}`);
  }

  /** Blocks every link between different groups, both ways (a symmetric partition). */
  partition(groups: readonly (readonly number[])[]): void {
    for (const [gi, g] of groups.entries()) {
      for (const [hi, h] of groups.entries()) {
        if (gi === hi) continue;
        for (const a of g) for (const b of h) this.blocked.add(`${a}>${b}`);
      }
    }
  }

  /** Blocks packets from `from` to `to` only (an asymmetric partition: `to` still reaches `from`). */
  blockOneWay(from: number, to: number): void {
    this.blocked.add(`${from}>${to}`);
  }

  /** Removes every partition. */
  heal(): void {
    this.blocked.clear();
  }

  /** The blocked links, for logs: `1>2 2>1`. */
  describePartitions(): string {
    return [...this.blocked].sort().join(' ');
  }
}
