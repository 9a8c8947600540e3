/**
 * Pure allocators for Service cluster IPs and node ports, with Kubernetes' error messages. They hold their
 * state in memory; the api server persists it (`snapshot()`/`restore()`) alongside the Services, or rebuilds
 * it from them at start.
 *
 * Allocation is deterministic: a cursor walks the range and hands out the next free value, so a released value
 * is not reused until the range wraps (Kubernetes picks at random; injecting an Rng here bought nothing).
 */
import type { Cause } from './validation/field.js';
import { invalid } from './validation/field.js';

/** Why an allocation failed. */
export type AllocatorErrorCode = 'Full' | 'Allocated' | 'NotInRange';

/** An allocation failure; the message is Kubernetes' (`provided IP is already allocated`). */
export class AllocatorError extends Error {
  override readonly name = 'AllocatorError';
  constructor(
    readonly code: AllocatorErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Parses dotted-quad IPv4 into an unsigned 32-bit number; undefined when malformed. */
export function ipv4ToNumber(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

/** Formats an unsigned 32-bit number as dotted-quad IPv4. */
export function numberToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** A range of integers [first, last] handed out round-robin. */
class RangeBitmap {
  private readonly used = new Set<number>();
  private cursor: number;

  constructor(
    readonly first: number,
    readonly last: number,
    private readonly dynamicFirst: number,
  ) {
    this.cursor = dynamicFirst;
  }

  get size(): number {
    return this.last - this.first + 1;
  }

  get usedCount(): number {
    return this.used.size;
  }

  contains(v: number): boolean {
    return v >= this.first && v <= this.last;
  }

  has(v: number): boolean {
    return this.used.has(v);
  }

  take(v: number): boolean {
    if (this.used.has(v)) return false;
    this.used.add(v);
    return true;
  }

  release(v: number): boolean {
    return this.used.delete(v);
  }

  /** The next free value at or after the cursor, wrapping within [dynamicFirst, last]. */
  next(): number | undefined {
    const span = this.last - this.dynamicFirst + 1;
    for (let i = 0; i < span; i++) {
      const v = this.dynamicFirst + ((this.cursor - this.dynamicFirst + i) % span);
      if (!this.used.has(v)) {
        this.used.add(v);
        this.cursor = v === this.last ? this.dynamicFirst : v + 1;
        return v;
      }
    }
    return undefined;
  }

  values(): number[] {
    return [...this.used].sort((a, b) => a - b);
  }
}

/** Options of a {@link ClusterIPAllocator}. */
export interface ClusterIPAllocatorOptions {
  /**
   * Keep the first usable address out of dynamic allocation; it belongs to the `kubernetes` Service, which
   * claims it with `allocateSpecific`. Default true.
   */
  reserveFirst?: boolean;
}

/**
 * Cluster IPs from an IPv4 service CIDR. The network and broadcast addresses are never handed out, as in
 * Kubernetes' ipallocator.
 *
 * @example
 * const ips = new ClusterIPAllocator('10.96.0.0/12');
 * ips.allocateSpecific(ips.firstAddress()); // 10.96.0.1 for the kubernetes service
 * ips.allocate(); // '10.96.0.2'
 */
export class ClusterIPAllocator {
  readonly cidr: string;
  private readonly range: RangeBitmap;

  constructor(cidr: string, opts: ClusterIPAllocatorOptions = {}) {
    const [base = '', bitsText = ''] = cidr.split('/');
    const network = ipv4ToNumber(base);
    const bits = Number(bitsText);
    if (network === undefined || !/^[0-9]+$/.test(bitsText) || bits < 1 || bits > 30) {
      throw new RangeError(
        `invalid service CIDR ${JSON.stringify(cidr)}: want IPv4 a.b.c.d/n with 1 <= n <= 30`,
      );
    }
    const size = 2 ** (32 - bits);
    const start = network - (network % size);
    this.cidr = `${numberToIpv4(start)}/${bits}`;
    const first = start + 1;
    const last = start + size - 2;
    this.range = new RangeBitmap(
      first,
      last,
      (opts.reserveFirst ?? true) && last > first ? first + 1 : first,
    );
  }

  /** The first usable address (`x.x.x.1`), conventionally the `kubernetes` Service's. */
  firstAddress(): string {
    return numberToIpv4(this.range.first);
  }

  /** How many addresses the range can hand out. */
  get size(): number {
    return this.range.size;
  }

  /** How many are allocated. */
  get used(): number {
    return this.range.usedCount;
  }

  /** Allocates the next free address. Throws AllocatorError `Full` (`range is full`). */
  allocate(): string {
    const v = this.range.next();
    if (v === undefined) throw new AllocatorError('Full', 'range is full');
    return numberToIpv4(v);
  }

  /** Claims a given address. Throws `NotInRange` or `Allocated`. */
  allocateSpecific(ip: string): void {
    const v = ipv4ToNumber(ip);
    if (v === undefined || !this.range.contains(v)) {
      throw new AllocatorError(
        'NotInRange',
        `provided IP is not in the valid range. The range of valid IPs is ${this.cidr}`,
      );
    }
    if (!this.range.take(v)) throw new AllocatorError('Allocated', 'provided IP is already allocated');
  }

  /** Frees an address; returns whether it was allocated. Unknown addresses are ignored. */
  release(ip: string): boolean {
    const v = ipv4ToNumber(ip);
    return v !== undefined && this.range.release(v);
  }

  /** Whether an address is allocated. */
  has(ip: string): boolean {
    const v = ipv4ToNumber(ip);
    return v !== undefined && this.range.has(v);
  }

  /** Whether an address lies in the allocatable range. */
  contains(ip: string): boolean {
    const v = ipv4ToNumber(ip);
    return v !== undefined && this.range.contains(v);
  }

  /** The allocated addresses, in order (for persistence). */
  snapshot(): string[] {
    return this.range.values().map(numberToIpv4);
  }

  /** Marks addresses allocated (for rebuilding state); out-of-range ones are skipped and returned. */
  restore(ips: readonly string[]): string[] {
    const skipped: string[] = [];
    for (const ip of ips) {
      const v = ipv4ToNumber(ip);
      if (v === undefined || !this.range.contains(v)) skipped.push(ip);
      else this.range.take(v);
    }
    return skipped;
  }
}

/** Node ports in [min, max], 30000–32767 by default (`--service-node-port-range`). */
export class NodePortAllocator {
  private readonly range: RangeBitmap;

  constructor(
    readonly min = 30000,
    readonly max = 32767,
  ) {
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max > 65535 || min > max) {
      throw new RangeError(`invalid node port range ${min}-${max}`);
    }
    this.range = new RangeBitmap(min, max, min);
  }

  /** The range as Kubernetes prints it (`30000-32767`). */
  get rangeText(): string {
    return `${this.min}-${this.max}`;
  }

  get used(): number {
    return this.range.usedCount;
  }

  get size(): number {
    return this.range.size;
  }

  /** Allocates the next free port. Throws `Full`. */
  allocate(): number {
    const v = this.range.next();
    if (v === undefined) throw new AllocatorError('Full', 'range is full');
    return v;
  }

  /** Claims a given port. Throws `NotInRange` or `Allocated`. */
  allocateSpecific(port: number): void {
    if (!Number.isInteger(port) || !this.range.contains(port)) {
      throw new AllocatorError(
        'NotInRange',
        `provided port is not in the valid range. The range of valid ports is ${this.rangeText}`,
      );
    }
    if (!this.range.take(port)) throw new AllocatorError('Allocated', 'provided port is already allocated');
  }

  release(port: number): boolean {
    return this.range.release(port);
  }

  has(port: number): boolean {
    return this.range.has(port);
  }

  snapshot(): number[] {
    return this.range.values();
  }

  restore(ports: readonly number[]): number[] {
    const skipped: number[] = [];
    for (const p of ports) {
      if (this.range.contains(p)) this.range.take(p);
      else skipped.push(p);
    }
    return skipped;
  }
}

/**
 * The cause Kubernetes reports when a requested cluster IP cannot be allocated:
 * `spec.clusterIPs: Invalid value: []string{"10.96.0.10"}: failed to allocate IP 10.96.0.10: provided IP is already allocated`.
 */
export function clusterIPAllocationCause(
  clusterIPs: readonly string[],
  ip: string,
  err: AllocatorError,
): Cause {
  return invalid('spec.clusterIPs', [...clusterIPs], `failed to allocate IP ${ip}: ${err.message}`);
}

/** The cause for a node port that cannot be allocated: `spec.ports[0].nodePort: Invalid value: 30080: <err>`. */
export function nodePortAllocationCause(portIndex: number, nodePort: number, err: AllocatorError): Cause {
  return invalid(`spec.ports[${portIndex}].nodePort`, nodePort, err.message);
}
