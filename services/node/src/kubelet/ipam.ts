/**
 * Host-local IPAM (the CNI `host-local` plugin): hands out pod IPs from the node's podCIDR, never the
 * network address, the gateway (`.1`) or the broadcast address, and never one still held by a live pod.
 * Pure: no I/O; the kubelet releases an address when the pod's sandbox is destroyed.
 */
import { AssertionError } from 'node:assert';
import { intToIp, ipToInt } from '../config.js';

/** Thrown when every address of the range is taken. */
export class IpamExhaustedError extends Error {
  override readonly name = 'IpamExhaustedError';
}

/**
 * One node's pod IP allocator. Allocation is round-robin from the last handed-out address (as host-local
 * does), so a just-released IP is not reused at once and stale connections do not reach a new pod.
 *
 * @example
 * const ipam = new HostLocalIpam('127.128.0.0/24');
 * ipam.allocate('uid-1'); // '127.128.0.2'
 */
export class HostLocalIpam {
  readonly cidr: string;
  readonly #first: number;
  readonly #last: number;
  /** ip (as int) → owner. */
  readonly #used = new Map<number, string>();
  /** owner → ip. Invariant: `#byOwner` and `#used` are inverse maps. */
  readonly #byOwner = new Map<string, number>();
  #next: number;

  constructor(cidr: string) {
    const [base, bitsRaw] = cidr.split('/');
    const bits = Number(bitsRaw);
    if (!Number.isInteger(bits) || bits < 8 || bits > 30) {
      throw new AssertionError({ message: `pod CIDR ${cidr} must be an IPv4 /8…/30` });
    }
    const size = 2 ** (32 - bits);
    const network = ipToInt(base ?? '') - (ipToInt(base ?? '') % size);
    this.cidr = `${intToIp(network)}/${bits}`;
    this.#first = network + 2; // skip the network address and the gateway
    this.#last = network + size - 2; // skip the broadcast address
    this.#next = this.#first;
  }

  /** Number of addresses pods can hold. */
  get capacity(): number {
    return this.#last - this.#first + 1;
  }

  /** The owner's address: the one it already holds, else a fresh one. */
  allocate(owner: string): string {
    const held = this.#byOwner.get(owner);
    if (held !== undefined) return intToIp(held);
    for (let i = 0; i < this.capacity; i++) {
      const candidate = this.#next;
      this.#next = candidate >= this.#last ? this.#first : candidate + 1;
      if (this.#used.has(candidate)) continue;
      this.#used.set(candidate, owner);
      this.#byOwner.set(owner, candidate);
      return intToIp(candidate);
    }
    throw new IpamExhaustedError(`no free address in ${this.cidr}`);
  }

  /** Marks an address as held (a pod already running when the kubelet restarts). False if it is taken or outside. */
  reserve(owner: string, ip: string): boolean {
    const n = ipToInt(ip);
    if (n < this.#first || n > this.#last) return false;
    const holder = this.#used.get(n);
    if (holder !== undefined) return holder === owner;
    if (this.#byOwner.has(owner)) return false;
    this.#used.set(n, owner);
    this.#byOwner.set(owner, n);
    return true;
  }

  /** Frees the owner's address (no-op if it holds none). */
  release(owner: string): void {
    const n = this.#byOwner.get(owner);
    if (n === undefined) return;
    this.#byOwner.delete(owner);
    this.#used.delete(n);
  }

  /** Whether `ip` lies in this range. */
  contains(ip: string): boolean {
    const n = ipToInt(ip);
    return n >= this.#first && n <= this.#last;
  }

  /** Addresses in use. */
  get size(): number {
    return this.#used.size;
  }
}
