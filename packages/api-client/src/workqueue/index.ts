export type { DelayingQueueMetrics, DelayingQueueOptions } from './delaying.js';
export { DelayingQueue } from './delaying.js';
export type { QueueItem, WorkQueueMetrics, WorkQueueOptions } from './queue.js';
export { DEFAULT_MAX_ITEMS, WorkQueue, WorkQueueFullError } from './queue.js';
export type { ControllerRateLimiterOptions, RateLimiter } from './rate-limiters.js';
export {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  defaultControllerRateLimiter,
} from './rate-limiters.js';
export type { RateLimitingQueueOptions } from './rate-limiting-queue.js';
export { RateLimitingQueue } from './rate-limiting-queue.js';
export type { RunWorkersOptions, SyncFn } from './run-workers.js';
export { processNextWorkItem, runWorkers } from './run-workers.js';
