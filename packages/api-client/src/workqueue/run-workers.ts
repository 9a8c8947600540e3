/**
 * The controller worker loop (replica_set.go `processNextWorkItem`): get a key, sync it, then `forget` on
 * success or `addRateLimited` on failure (logged with the key and its retry count), and always `done`. An
 * AssertionError from the sync is a bug and is rethrown, not retried (STYLE.md principle 4).
 */
import { AssertionError } from 'node:assert';
import type { Logger } from '@kubelab/telemetry';
import type { RateLimitingQueue } from './rate-limiting-queue.js';

/** Syncs one key; a rejection means "retry later with backoff". */
export type SyncFn<K> = (key: K, signal: AbortSignal) => Promise<void>;

/** Options of {@link runWorkers}. */
export interface RunWorkersOptions {
  readonly logger: Logger;
}

/**
 * Processes one key. Resolves false when the queue is shut down (or `signal` aborted): the worker should stop.
 */
export async function processNextWorkItem<K>(
  queue: RateLimitingQueue<K>,
  sync: SyncFn<K>,
  signal: AbortSignal,
  log: Logger,
): Promise<boolean> {
  const item = await queue.get();
  if (item.shutdown) return false;
  const key = item.key;
  try {
    if (signal.aborted) return false;
    await sync(key, signal);
    queue.forget(key);
  } catch (err) {
    if (err instanceof AssertionError) throw err; // a bug: crash rather than retry (STYLE.md principle 4)
    if (signal.aborted) return false;
    requeue(queue, key, err, log);
  } finally {
    queue.done(key);
  }
  return true;
}

function requeue<K>(queue: RateLimitingQueue<K>, key: K, err: unknown, log: Logger): void {
  try {
    queue.addRateLimited(key);
    log.warn(
      { err, key: String(key), requeues: queue.numRequeues(key) },
      'sync failed; requeued with backoff',
    );
  } catch (full) {
    log.error({ err: full, syncErr: err, key: String(key) }, 'sync failed and the queue refused the retry');
  }
}

/**
 * Runs `workers` concurrent workers over `queue` until `signal` aborts, then shuts the queue down and
 * resolves once every worker has finished its current key. A key is never synced by two workers at once
 * (the queue guarantees it).
 *
 * @example
 * const queue = new RateLimitingQueue<string>({ clock, name: 'endpoints' });
 * await runWorkers(queue, 4, async (key, signal) => syncEndpoints(key, signal), signal, { logger });
 */
export async function runWorkers<K>(
  queue: RateLimitingQueue<K>,
  workers: number,
  sync: SyncFn<K>,
  signal: AbortSignal,
  opts: RunWorkersOptions,
): Promise<void> {
  if (!(Number.isInteger(workers) && workers >= 1)) {
    throw new AssertionError({ message: `workers must be a positive integer, got ${workers}` });
  }
  const log = opts.logger.child({ component: 'workqueue', queue: queue.name });
  const onAbort = () => queue.shutDown();
  if (signal.aborted) queue.shutDown();
  else signal.addEventListener('abort', onAbort, { once: true });
  const worker = async () => {
    while (await processNextWorkItem(queue, sync, signal, log)) {
      // one key per turn
    }
  };
  try {
    await Promise.all(Array.from({ length: workers }, worker));
  } catch (err) {
    queue.shutDown(); // a worker hit a bug: stop the others too before the error ends the process
    throw err;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
