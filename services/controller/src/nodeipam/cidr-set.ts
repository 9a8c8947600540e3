/**
 * The node CIDR set (kube-controller-manager's `nodeipam/ipam/cidrset`): the cluster CIDR cut into subnets of
 * one mask size, handed out round-robin (so a just-released subnet is not reused at once), occupied from the
 * nodes' existing assignments on start. IPv4 only. Pure: no I/O, no clock.
 */
import { ipv4ToNumber, numberToIpv4 } from '@kubelab/api-types';

/** An IPv4 CIDR as numbers: `base` is the network address, `bits` the prefix length. */
export interface Cidr {
  readonly base: number;
  readonly bits: number;
}

/** Parses `a.b.c.d/n` (host bits must be zero); undefined when malformed. */
export function parseCidr(s: string): Cidr | undefined {
  const m = /^([0-9.]+)\/([0-9]{1,2})$/.exec(s.trim());
  if (!m) return undefined;
  const base = ipv4ToNumber(m[1] ?? '');
  const bits = Number(m[2]);
  if (base === undefined || bits > 32) return undefined;
  const size = 2 ** (32 - bits);
  if (base % size !== 0) return undefined;
  return { base, bits };
}

/** `a.b.c.d/n`. */
export function formatCidr(c: Cidr): string {
  return `${numberToIpv4(c.base)}/${c.bits}`;
}

/** The error of a bad configuration (the controller refuses to start with it). */
export class CidrConfigError extends Error {
  override readonly name = 'CidrConfigError';
}

/**
 * @example
 * const set = new CidrSet('10.244.0.0/16', 24);
 * set.allocateNext(); // '10.244.0.0/24'
 * set.occupy('10.244.5.0/24'); // true
 */
export class CidrSet {
  readonly cluster: Cidr;
  readonly maskSize: number;
  /** Number of subnets; invariant: every used index is in [0, count). */
  readonly count: number;
  readonly #used = new Set<number>();
  #next = 0;

  constructor(clusterCidr: string, maskSize: number) {
    const cluster = parseCidr(clusterCidr);
    if (!cluster) throw new CidrConfigError(`invalid cluster CIDR "${clusterCidr}"`);
    if (!Number.isInteger(maskSize) || maskSize < cluster.bits || maskSize > 32)
      throw new CidrConfigError(`node CIDR mask size ${maskSize} does not fit in ${clusterCidr}`);
    if (maskSize - cluster.bits > 24)
      throw new CidrConfigError(`${clusterCidr} with /${maskSize} gives more than 2^24 subnets`);
    this.cluster = cluster;
    this.maskSize = maskSize;
    this.count = 2 ** (maskSize - cluster.bits);
  }

  get used(): number {
    return this.#used.size;
  }

  /** The next free subnet, or undefined when every one is taken. */
  allocateNext(): string | undefined {
    for (let i = 0; i < this.count; i++) {
      const idx = (this.#next + i) % this.count;
      if (this.#used.has(idx)) continue;
      this.#used.add(idx);
      this.#next = (idx + 1) % this.count;
      return this.#format(idx);
    }
    return undefined;
  }

  /**
   * Marks an existing assignment used. False when it is outside the cluster CIDR, of another size, or taken.
   */
  occupy(cidr: string): boolean {
    const idx = this.#indexOf(cidr);
    if (idx === undefined || this.#used.has(idx)) return false;
    this.#used.add(idx);
    return true;
  }

  /** Frees a subnet (no-op when it is not ours). */
  release(cidr: string): void {
    const idx = this.#indexOf(cidr);
    if (idx !== undefined) this.#used.delete(idx);
  }

  /** True when `cidr` is one of this set's subnets and is taken. */
  isUsed(cidr: string): boolean {
    const idx = this.#indexOf(cidr);
    return idx !== undefined && this.#used.has(idx);
  }

  #indexOf(cidr: string): number | undefined {
    const c = parseCidr(cidr);
    if (!c || c.bits !== this.maskSize) return undefined;
    const size = 2 ** (32 - this.maskSize);
    const idx = (c.base - this.cluster.base) / size;
    return Number.isInteger(idx) && idx >= 0 && idx < this.count ? idx : undefined;
  }

  #format(idx: number): string {
    return formatCidr({ base: this.cluster.base + idx * 2 ** (32 - this.maskSize), bits: this.maskSize });
  }
}
