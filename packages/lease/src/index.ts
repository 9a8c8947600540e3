/**
 * @kubelab/lease: leader election over Redis leases with fencing tokens, client-go semantics. See
 * `leader-elector.ts` for the safety argument; STYLE.md principle 8 for how leaders must use the token.
 */
export type { LeaderElectorConfig, LeadingContext, LeaseTiming } from './config.js';
export { LeaseDefaults, resolveConfig } from './config.js';
export {
  LeadershipEndedError,
  LeaseConfigError,
  LeaseEventsOverflowError,
  LeaseStoreError,
  LeaseValueError,
} from './errors.js';
export type { LeaderEvent } from './events.js';
export { StopReason } from './events.js';
export type { LeaderElector } from './leader-elector.js';
export { createLeaderElector } from './leader-elector.js';
export type { LeaseHolder } from './lease-value.js';
export { formatLeaseValue, isValidIdentity, parseLeaseValue } from './lease-value.js';
export { MemoryLeaseBackend } from './memory-store.js';
export type { RedisLeaseStoreOptions } from './redis-store.js';
export { createRedisLeaseStore, leaseKeys } from './redis-store.js';
export type { AcquireRequest, AcquireResult, LeaseRecord, LeaseStore } from './store.js';
