/**
 * The reflector (client-go tools/cache `reflector.go`): keeps a sink in step with the api by listing every
 * page, replacing the sink's contents, then watching from the list's resourceVersion.
 *
 * | what happened                                  | what the reflector does                               |
 * |------------------------------------------------|-------------------------------------------------------|
 * | the watch ended with END (timeoutSeconds)      | re-watch from the last resourceVersion at once        |
 * | WatchLostError (silence, seq gap), no api, 429 | re-watch from the last resourceVersion after backoff  |
 * | ERROR event 410, or the watch request got 410  | relist (after backoff, like client-go)                |
 * | any other failure (list failed, ERROR 500, …)  | log, back off, relist                                 |
 *
 * Relisting never loses a deletion: objects the cache has and the list lacks come out of the sink's
 * `replace` as tombstones. Backoff is client-go's (800 ms doubling to 30 s, jitter 1.0, reset after 2 min
 * quiet), on the injected Clock and Rng.
 */
import { AssertionError } from 'node:assert';
import type { Clock, Rng } from '@kubelab/clock';
import type { Logger } from '@kubelab/telemetry';
import { Backoff, type BackoffOptions, REFLECTOR_BACKOFF } from './backoff.js';
import type { ApiClient } from './client.js';
import { ApiError, ApiUnavailableError, WatchLostError, isGone, isTooManyRequests } from './errors.js';
import type { SelectorOptions } from './options.js';
import { type ResourceRef, qualifiedResource } from './resources.js';
import type { KubeObject, WatchEvent } from './types.js';

/** Where the reflector puts what it learns (the informer). Calls arrive strictly in event order. */
export interface ReflectorSink<T extends KubeObject> {
  /** A complete list at `resourceVersion`; the watch starts once it returns (or its promise resolves). */
  replace(items: T[], resourceVersion: string): void | Promise<void>;
  /** An ADDED or MODIFIED event. */
  upsert(obj: T, type: 'ADDED' | 'MODIFIED'): void;
  /** A DELETED event; `obj` is the object's final state. */
  delete(obj: T): void;
}

/** Counters, for tests and metrics. */
export interface ReflectorStats {
  lists: number;
  watches: number;
  /** Relists caused by 410 (ERROR event or response). */
  expired: number;
  /** WatchLostErrors (silence, gaps, protocol). */
  lost: number;
  /** Other failures followed by a relist. */
  failures: number;
}

/** What a reflector needs. */
export interface ReflectorConfig<T extends KubeObject> extends SelectorOptions {
  readonly client: ApiClient;
  readonly ref: ResourceRef;
  readonly sink: ReflectorSink<T>;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly logger: Logger;
  /** Omit for all namespaces. */
  readonly namespace?: string;
  /** List page size. Default 500. */
  readonly pageSize?: number;
  readonly backoff?: Partial<BackoffOptions>;
  /** Watches last between this and twice this (the replica ends them), like client-go. Default 300. */
  readonly minWatchTimeoutSeconds?: number;
  /** Overrides the client's watch heartbeat interval. */
  readonly watchHeartbeatMs?: number;
}

/** A watch that ends this fast without a single event is suspicious: wait before the next (client-go). */
const SHORT_WATCH_MS = 1_000;

type WatchOutcome = 'rewatch' | 'relist' | 'stop';

/** See the module comment. */
export class Reflector<T extends KubeObject> {
  readonly stats: ReflectorStats = { lists: 0, watches: 0, expired: 0, lost: 0, failures: 0 };
  readonly #cfg: ReflectorConfig<T>;
  readonly #log: Logger;
  readonly #backoff: Backoff;
  #lastResourceVersion = '';

  constructor(cfg: ReflectorConfig<T>) {
    this.#cfg = cfg;
    this.#log = cfg.logger.child({ component: 'reflector', resource: qualifiedResource(cfg.ref) });
    this.#backoff = new Backoff({ ...REFLECTOR_BACKOFF, ...cfg.backoff }, cfg.clock, cfg.rng);
  }

  /** The resourceVersion of the last list or event applied to the sink (`''` before the first list). */
  get lastSyncResourceVersion(): string {
    return this.#lastResourceVersion;
  }

  /** Lists and watches until `signal` aborts; rejects only for a bug (AssertionError). */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.#listAndWatch(signal);
      } catch (err) {
        if (err instanceof AssertionError) throw err; // a bug: crash (STYLE.md principle 4)
        if (signal.aborted) break;
        this.stats.failures++;
        this.#log.warn({ err }, 'list and watch failed; relisting after backoff');
      }
      if (signal.aborted) break;
      await this.#sleep(this.#backoff.next(), signal);
    }
  }

  /** One list, then watches until one of them calls for a relist. */
  async #listAndWatch(signal: AbortSignal): Promise<void> {
    await this.#list(signal);
    for (;;) {
      const outcome = await this.#watch(signal);
      if (outcome !== 'rewatch') return;
    }
  }

  async #list(signal: AbortSignal): Promise<void> {
    const { client, ref, namespace, labelSelector, fieldSelector, pageSize } = this.#cfg;
    this.stats.lists++;
    const list = await client.listAll<T>(ref, {
      signal,
      ...(namespace === undefined ? {} : { namespace }),
      ...(labelSelector === undefined ? {} : { labelSelector }),
      ...(fieldSelector === undefined ? {} : { fieldSelector }),
      ...(pageSize === undefined ? {} : { pageSize }),
    });
    if (signal.aborted) return;
    const rv = list.metadata.resourceVersion ?? '';
    await this.#cfg.sink.replace(list.items, rv);
    this.#lastResourceVersion = rv;
    this.#log.debug({ items: list.items.length, resourceVersion: rv }, 'listed');
  }

  /** One watch from the last resourceVersion; says what to do next. */
  async #watch(signal: AbortSignal): Promise<WatchOutcome> {
    if (signal.aborted) return 'stop';
    const startedMs = this.#cfg.clock.now();
    let events = 0;
    this.stats.watches++;
    try {
      for await (const ev of this.#cfg.client.watch<T>(this.#cfg.ref, this.#watchOptions(signal))) {
        if (ev.type === 'ERROR') {
          if (ev.object.code !== 410) throw new ApiError(ev.object);
          this.stats.expired++;
          this.#log.info({ resourceVersion: this.#lastResourceVersion }, 'watch expired (410); relisting');
          return 'relist';
        }
        this.#apply(ev);
        events++;
      }
    } catch (err) {
      return this.#watchFailed(err, signal);
    }
    if (signal.aborted) return 'stop';
    if (events === 0 && this.#cfg.clock.now() - startedMs < SHORT_WATCH_MS) {
      this.#log.warn('watch ended at once without events; backing off');
      await this.#sleep(this.#backoff.next(), signal);
    }
    return 'rewatch';
  }

  /** Decides after a failed watch: stop, relist (410), re-watch after backoff (lost stream, 429), or rethrow. */
  async #watchFailed(err: unknown, signal: AbortSignal): Promise<WatchOutcome> {
    if (signal.aborted) return 'stop';
    if (isGone(err)) {
      this.stats.expired++;
      this.#log.info({ resourceVersion: this.#lastResourceVersion }, 'watch refused (410); relisting');
      return 'relist';
    }
    const transient =
      err instanceof WatchLostError || err instanceof ApiUnavailableError || isTooManyRequests(err);
    if (!transient) throw err;
    if (err instanceof WatchLostError) this.stats.lost++;
    const delayMs = this.#backoff.next();
    this.#log.info({ err, resourceVersion: this.#lastResourceVersion, delayMs }, 're-watching after backoff');
    await this.#sleep(delayMs, signal);
    return signal.aborted ? 'stop' : 'rewatch';
  }

  #watchOptions(signal: AbortSignal) {
    const { namespace, labelSelector, fieldSelector, watchHeartbeatMs } = this.#cfg;
    const minS = this.#cfg.minWatchTimeoutSeconds ?? 300;
    return {
      signal,
      resourceVersion: this.#lastResourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: minS + Math.floor(this.#cfg.rng.next() * minS),
      ...(namespace === undefined ? {} : { namespace }),
      ...(labelSelector === undefined ? {} : { labelSelector }),
      ...(fieldSelector === undefined ? {} : { fieldSelector }),
      ...(watchHeartbeatMs === undefined ? {} : { heartbeatMs: watchHeartbeatMs }),
    };
  }

  #apply(ev: WatchEvent<T> & { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' }): void {
    switch (ev.type) {
      case 'ADDED':
      case 'MODIFIED':
        this.#cfg.sink.upsert(ev.object, ev.type);
        break;
      case 'DELETED':
        this.#cfg.sink.delete(ev.object);
        break;
      case 'BOOKMARK':
        break;
    }
    const rv = ev.object.metadata.resourceVersion;
    if (rv !== undefined && rv !== '') this.#lastResourceVersion = rv;
  }

  /** Sleeps, returning early (without throwing) when `signal` aborts. */
  async #sleep(ms: number, signal: AbortSignal): Promise<void> {
    await this.#cfg.clock.sleep(ms, signal).catch(() => undefined);
  }
}
