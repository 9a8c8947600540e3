/**
 * The wiring most keyed control loops repeat (client-go's `enqueue` handlers and `Run`): a handler that puts an
 * object's `namespace/name` key on the queue for every add, update and delete, and a run that waits for the
 * caches and then drains the queue with N workers.
 */
import {
  type HandlerRegistration,
  type KubeObject,
  type RateLimitingQueue,
  type SharedInformer,
  deletionHandlingKey,
  metaNamespaceKey,
  runWorkers,
} from '@kubelab/api-client';
import type { Logger } from '@kubelab/telemetry';
import type { ControllerContext } from './controller.js';

/**
 * Registers a handler on `informer` that calls `add` with the object's `namespace/name` key on every add and
 * update, and with the tombstone's key on a delete.
 */
export function enqueueOnChange<T extends KubeObject>(
  informer: SharedInformer<T>,
  add: (key: string) => void,
): HandlerRegistration {
  return informer.addEventHandler({
    onAdd: (obj) => add(metaNamespaceKey(obj)),
    onUpdate: (_old, obj) => add(metaNamespaceKey(obj)),
    onDelete: (obj) => add(deletionHandlingKey(obj)),
  });
}

/** What {@link runKeyedWorkers} runs. */
export interface KeyedWorkersConfig {
  readonly queue: RateLimitingQueue<string>;
  /** How many keys sync at once (a positive integer). */
  readonly workers: number;
  /** The sync of one key; a rejection requeues the key rate-limited. */
  readonly sync: (key: string) => Promise<void>;
  readonly logger: Logger;
}

/** Waits for every informer of the context to sync, then runs the workers until `signal` aborts. */
export async function runKeyedWorkers(
  ctx: ControllerContext,
  cfg: KeyedWorkersConfig,
  signal: AbortSignal,
): Promise<void> {
  if (!(await ctx.informers.waitForCacheSync(signal))) return;
  await runWorkers(cfg.queue, cfg.workers, cfg.sync, signal, { logger: cfg.logger });
}
