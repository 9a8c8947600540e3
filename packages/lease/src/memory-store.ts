/**
 * An in-memory lease store with the Redis scripts' exact semantics, driven by a {@link Clock}: for unit tests
 * of the elector and for whole-cluster simulations. One backend is one "Redis"; every `store()` is a client.
 * Faults: `wipe()` (restart without persistence), `setUnavailable()` (Redis down: calls reject), and
 * `setLatency()` (replies resolve after a delay on the clock, i.e. a slow network).
 */
import type { Clock } from '@kubelab/clock';
import { LeaseStoreError } from './errors.js';
import { formatLeaseValue, parseLeaseValue } from './lease-value.js';
import type { AcquireRequest, AcquireResult, LeaseRecord, LeaseStore } from './store.js';

export class MemoryLeaseBackend {
  private value: string | undefined;
  private expiresAt = 0;
  private counter: number | undefined;
  private unavailable = false;
  private latencyMs = 0;

  constructor(private readonly clock: Clock) {}

  /** Forgets the key and the counter, like a Redis restart without AOF. */
  wipe(): void {
    this.value = undefined;
    this.counter = undefined;
  }

  /** While true, every call rejects with a LeaseStoreError (after the latency). */
  setUnavailable(unavailable: boolean): void {
    this.unavailable = unavailable;
  }

  /** Each call takes effect after `latencyMs` on the clock, then resolves. */
  setLatency(latencyMs: number): void {
    this.latencyMs = latencyMs;
  }

  /** The raw stored value, if unexpired; for assertions. */
  peek(): string | undefined {
    return this.current();
  }

  /** A client of this backend. */
  store(leaseName = 'memory'): LeaseStore {
    return {
      leaseName,
      tryAcquire: (req) => this.call('acquire', () => this.acquire(req)),
      renew: (value, leaseDurationMs) => this.call('renew', () => this.renew(value, leaseDurationMs)),
      release: (value) => this.call('release', () => this.release(value)),
      get: () => this.call('get', () => this.get()),
      close: async () => {},
    };
  }

  private async call<T>(op: LeaseStoreError['operation'], fn: () => T): Promise<T> {
    if (this.latencyMs > 0) await this.clock.sleep(this.latencyMs);
    if (this.unavailable) throw new LeaseStoreError(op, { cause: new Error('store unavailable') });
    return fn();
  }

  private current(): string | undefined {
    if (this.value !== undefined && this.clock.now() >= this.expiresAt) this.value = undefined;
    return this.value;
  }

  private acquire(req: AcquireRequest): AcquireResult {
    const current = this.current();
    if (current !== undefined && current !== req.replaceValue) {
      return { acquired: false, holder: parseLeaseValue(current), ttlMs: this.expiresAt - this.clock.now() };
    }
    const counterWasMissing = this.counter === undefined;
    const floor = counterWasMissing ? Math.max(req.minToken, req.emptyTokenFloor) : req.minToken;
    const token = Math.max(this.counter ?? 0, Math.floor(floor)) + 1;
    this.counter = token;
    const holder = { identity: req.identity, token };
    this.value = formatLeaseValue(holder);
    this.expiresAt = this.clock.now() + req.leaseDurationMs;
    return { acquired: true, holder, counterWasMissing };
  }

  private renew(value: string, leaseDurationMs: number): boolean {
    if (this.current() !== value) return false;
    this.expiresAt = this.clock.now() + leaseDurationMs;
    return true;
  }

  private release(value: string): boolean {
    if (this.current() !== value) return false;
    this.value = undefined;
    return true;
  }

  private get(): LeaseRecord | undefined {
    const current = this.current();
    if (current === undefined) return undefined;
    return { ...parseLeaseValue(current), ttlMs: this.expiresAt - this.clock.now() };
  }
}
