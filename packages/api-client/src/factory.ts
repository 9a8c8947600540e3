/**
 * One informer per (resource, namespace, selectors), shared by every controller of a process (client-go
 * `informers.SharedInformerFactory`): the scheduler and the node agent each list and watch pods once, however
 * many handlers they register.
 */
import { setMaxListeners } from 'node:events';
import type { Clock, Rng } from '@kubelab/clock';
import type { Logger } from '@kubelab/telemetry';
import type { BackoffOptions } from './backoff.js';
import type { ApiClient } from './client.js';
import { type SharedInformer, SharedInformerImpl } from './informer.js';
import type { SelectorOptions } from './options.js';
import type { ResourceRef } from './resources.js';
import type { KubeObject } from './types.js';

/** What a factory needs; the tuning applies to every informer it makes. */
export interface SharedInformerFactoryConfig {
  readonly client: ApiClient;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly logger: Logger;
  /** Default resync of handlers; 0 (default) disables it. */
  readonly defaultResyncMs?: number;
  /** Restrict every informer to one namespace (omit for all). */
  readonly namespace?: string;
  readonly pageSize?: number;
  readonly backoff?: Partial<BackoffOptions>;
  readonly minWatchTimeoutSeconds?: number;
  readonly watchHeartbeatMs?: number;
}

/** Which informer: the same answer means the same instance. */
export interface InformerOptions extends SelectorOptions {
  /** Overrides the factory's namespace. */
  readonly namespace?: string;
}

/**
 * Hands out shared informers and runs them.
 *
 * @example
 * const factory = new SharedInformerFactory({ client, clock, rng, logger, defaultResyncMs: 30_000 });
 * const pods = factory.informerFor<Pod>(resources.pods); // the same instance for every caller
 * const nodes = factory.informerFor<Node>(resources.nodes);
 * factory.start(signal);
 * if (!(await factory.waitForCacheSync(signal))) return; // aborted before the caches filled
 */
export class SharedInformerFactory {
  readonly #cfg: SharedInformerFactoryConfig;
  readonly #informers = new Map<string, SharedInformerImpl<KubeObject>>();
  readonly #runs = new Map<string, Promise<void>>();
  #signal: AbortSignal | undefined;

  constructor(cfg: SharedInformerFactoryConfig) {
    this.#cfg = cfg;
  }

  /** The informer for `ref` with these options, created on first use (and started if the factory runs). */
  informerFor<T extends KubeObject>(ref: ResourceRef, opts: InformerOptions = {}): SharedInformer<T> {
    const namespace = ref.namespaced ? (opts.namespace ?? this.#cfg.namespace) : undefined;
    const key = JSON.stringify([
      ref.group,
      ref.version,
      ref.resource,
      namespace,
      opts.labelSelector,
      opts.fieldSelector,
    ]);
    let informer = this.#informers.get(key);
    if (informer === undefined) {
      const { defaultResyncMs, namespace: _factoryNamespace, ...tuning } = this.#cfg;
      informer = new SharedInformerImpl<KubeObject>({
        ...tuning,
        ref,
        resyncPeriodMs: defaultResyncMs ?? 0,
        ...(namespace === undefined ? {} : { namespace }),
        ...(opts.labelSelector === undefined ? {} : { labelSelector: opts.labelSelector }),
        ...(opts.fieldSelector === undefined ? {} : { fieldSelector: opts.fieldSelector }),
      });
      this.#informers.set(key, informer);
      if (this.#signal !== undefined) this.#startOne(key, informer, this.#signal);
    }
    return informer as unknown as SharedInformer<T>;
  }

  /** Runs every informer until `signal` aborts; informers asked for later start at once. Call once. */
  start(signal: AbortSignal): void {
    if (this.#signal !== undefined) return;
    this.#signal = signal;
    // Every informer, its reflector and each pending sleep listen on this one signal: far more than the
    // default of 10 listeners, by design, so Node's leak warning would only be noise.
    setMaxListeners(0, signal);
    for (const [key, informer] of this.#informers) this.#startOne(key, informer, signal);
  }

  /** Resolves true once every informer made so far has synced; false if `signal` aborts first. */
  async waitForCacheSync(signal?: AbortSignal): Promise<boolean> {
    const results = await Promise.all([...this.#informers.values()].map((i) => i.whenSynced(signal)));
    return results.every(Boolean);
  }

  /** Resolves when every started informer has stopped (abort the start signal first). */
  async shutdown(): Promise<void> {
    await Promise.all(this.#runs.values());
  }

  /** The number of informers (one per distinct resource and options). */
  get size(): number {
    return this.#informers.size;
  }

  #startOne(key: string, informer: SharedInformerImpl<KubeObject>, signal: AbortSignal): void {
    if (this.#runs.has(key)) return;
    this.#runs.set(key, informer.run(signal));
  }
}
