/**
 * The typed Kubernetes API client for kubelab's services, over the bus' `api.request` endpoint (any api
 * replica answers). Every verb works on any resource given as a {@link ResourceRef}. Reads (get, list) are
 * idempotent and retry transient failures (no replica, timeout, overload, 429/503) with jittered backoff,
 * a bounded number of times; writes never retry: they surface {@link ApiUnavailableError} and the caller
 * decides (its work queue requeues the key, and the next sync re-reads the cache).
 */
import { randomUUID } from 'node:crypto';
import { type ApiFence, type ApiRequest, type ApiResponse, apiEndpoints } from '@kubelab/bus';
import type { Clock, Rng } from '@kubelab/clock';
import type { Logger } from '@kubelab/telemetry';
import { Backoff, type BackoffOptions } from './backoff.js';
import {
  ApiError,
  ApiUnavailableError,
  errorFromResponse,
  failureStatus,
  fromBusError,
  isGone,
} from './errors.js';
import {
  type CallOptions,
  type CreateOptions,
  type DeleteCollectionOptions,
  type DeleteOptions,
  type GetOptions,
  type ListAllOptions,
  type ListOptions,
  PATCH_CONTENT_TYPES,
  type PatchOptions,
  type WriteOptions,
  deleteBody,
  listQuery,
  nameOf,
  namespaceFor,
  writeQuery,
} from './options.js';
import type { ResourceRef } from './resources.js';
import { type KubeList, type KubeObject, type WatchEvent, isKubeObject, isRecord } from './types.js';
import { type ApiBus, type WatchDeps, type WatchOptions, watchEvents } from './watch.js';

/** How reads retry transient failures. */
export interface ReadRetryOptions {
  /** Total tries, the first included. Default 4. */
  readonly attempts: number;
  /** Default 100 ms, doubling (jittered by up to 100 %), at most `maxMs` (default 2000). */
  readonly initialMs: number;
  readonly maxMs: number;
}

/** Everything the client needs (STYLE.md: one config object, dependencies injected). */
export interface ApiClientConfig {
  readonly bus: ApiBus;
  readonly clock: Clock;
  /** Retry jitter. */
  readonly rng: Rng;
  readonly logger: Logger;
  /** This service's bearer token, sent with every request. */
  readonly token?: string;
  /** The current leader's fencing token, added to every write (STYLE.md principle 8). */
  readonly fence?: () => ApiFence | undefined;
  /** Per-attempt request timeout. Default 10_000. */
  readonly requestTimeoutMs?: number;
  readonly readRetry?: Partial<ReadRetryOptions>;
  /** How often replicas send watch heartbeats; a stream is lost after 3 × this. Default 5_000. */
  readonly watchHeartbeatMs?: number;
  /** Prefix of watch stream ids; must be unique on the bus (default: a random UUID, see `streamIdPrefix`). */
  readonly streamIdPrefix?: string;
}

/** The client's verbs. `T` is the object type the caller expects; the client checks only its envelope. */
export interface ApiClient {
  get<T extends KubeObject = KubeObject>(ref: ResourceRef, name: string, opts?: GetOptions): Promise<T>;
  list<T extends KubeObject = KubeObject>(ref: ResourceRef, opts?: ListOptions): Promise<KubeList<T>>;
  /** Follows `continue` until the last page; the answer holds every item and the last page's metadata. */
  listAll<T extends KubeObject = KubeObject>(ref: ResourceRef, opts?: ListAllOptions): Promise<KubeList<T>>;
  create<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    obj: KubeObject,
    opts?: CreateOptions,
  ): Promise<T>;
  /** Replaces the object; its `metadata.resourceVersion` (if set) must still be current, else 409. */
  update<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: T, opts?: WriteOptions): Promise<T>;
  /** `update` of the `status` subresource. */
  updateStatus<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: T, opts?: WriteOptions): Promise<T>;
  patch<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    name: string,
    patch: unknown,
    opts?: PatchOptions,
  ): Promise<T>;
  /** Resolves with the api's answer: the object (graceful deletion, finalizers) or a Success Status. */
  delete(ref: ResourceRef, name: string, opts?: DeleteOptions): Promise<unknown>;
  deleteCollection(ref: ResourceRef, opts?: DeleteCollectionOptions): Promise<unknown>;
  watch<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    opts?: WatchOptions,
  ): AsyncIterable<WatchEvent<T>>;
}

const DEFAULT_READ_RETRY: ReadRetryOptions = { attempts: 4, initialMs: 100, maxMs: 2_000 };

/** True for failures worth retrying for an idempotent request. */
function isRetryable(err: unknown): boolean {
  if (err instanceof ApiUnavailableError) return true;
  return err instanceof ApiError && (err.code === 429 || err.code === 503);
}

/** The checked body of a single-object answer. */
function expectObject<T>(body: unknown, what: string): T {
  if (!isKubeObject(body)) {
    throw new ApiError(failureStatus(500, `${what}: the answer is not an object`, 'InternalError'));
  }
  return body as T;
}

/** The checked body of a list answer. */
function expectList<T>(body: unknown, what: string): KubeList<T> {
  if (!isRecord(body) || !Array.isArray(body.items) || !isRecord(body.metadata)) {
    throw new ApiError(failureStatus(500, `${what}: the answer is not a list`, 'InternalError'));
  }
  return body as unknown as KubeList<T>;
}

/**
 * The bus-backed client.
 *
 * @example
 * const client = createApiClient({ bus, clock: systemClock, rng: seededRng(seed), logger, token });
 * const pod = await client.get<Pod>(resources.pods, 'web-0', { namespace: 'default' });
 * const copy = structuredClone(pod);
 * copy.metadata.labels = { ...copy.metadata.labels, tier: 'web' };
 * await client.update(resources.pods, copy); // 409 if someone wrote in between: isConflict(err)
 */
export function createApiClient(cfg: ApiClientConfig): ApiClient {
  return new ApiClientImpl(cfg);
}

/** See {@link ApiClient}. */
export class ApiClientImpl implements ApiClient {
  readonly #cfg: ApiClientConfig;
  readonly #log: Logger;
  readonly #retry: ReadRetryOptions;
  readonly #timeoutMs: number;
  readonly #watchDeps: WatchDeps;
  readonly #endpoint = apiEndpoints.request();

  constructor(cfg: ApiClientConfig) {
    this.#cfg = cfg;
    this.#log = cfg.logger.child({ component: 'api-client' });
    this.#retry = { ...DEFAULT_READ_RETRY, ...cfg.readRetry };
    this.#timeoutMs = cfg.requestTimeoutMs ?? 10_000;
    const prefix = cfg.streamIdPrefix ?? randomUUID();
    let streams = 0;
    this.#watchDeps = {
      bus: cfg.bus,
      clock: cfg.clock,
      log: this.#log,
      heartbeatMs: cfg.watchHeartbeatMs ?? 5_000,
      requestTimeoutMs: this.#timeoutMs,
      token: cfg.token,
      nextStreamId: () => `${prefix}-${++streams}`,
    };
  }

  async get<T extends KubeObject>(ref: ResourceRef, name: string, opts: GetOptions = {}): Promise<T> {
    const query: Record<string, string> = {};
    if (opts.resourceVersion !== undefined) query.resourceVersion = opts.resourceVersion;
    const namespace = namespaceFor(ref, opts.namespace);
    const req = this.#request(ref, 'get', { namespace, name, subresource: opts.subresource, query });
    return expectObject<T>(await this.#read(req, opts), `get ${ref.resource}/${name}`);
  }

  async list<T extends KubeObject>(ref: ResourceRef, opts: ListOptions = {}): Promise<KubeList<T>> {
    const namespace = ref.namespaced ? opts.namespace : undefined;
    const req = this.#request(ref, 'list', { namespace, query: listQuery(opts) });
    return expectList<T>(await this.#read(req, opts), `list ${ref.resource}`);
  }

  async listAll<T extends KubeObject>(ref: ResourceRef, opts: ListAllOptions = {}): Promise<KubeList<T>> {
    const { pageSize = 500, maxPages = 10_000, fullListIfExpired = true, ...rest } = opts;
    const items: T[] = [];
    let cont: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      let list: KubeList<T>;
      try {
        list = await this.list<T>(ref, { ...rest, limit: pageSize, ...(cont ? { continue: cont } : {}) });
      } catch (err) {
        if (cont === undefined || !fullListIfExpired || !isGone(err)) throw err;
        this.#log.info({ resource: ref.resource }, 'continue token expired; listing in one request');
        return this.list<T>(ref, rest);
      }
      items.push(...list.items);
      cont = list.metadata.continue;
      if (cont === undefined || cont === '') return { ...list, metadata: { ...list.metadata }, items };
    }
    throw new ApiError(
      failureStatus(500, `list ${ref.resource}: more than ${maxPages} pages`, 'InternalError'),
    );
  }

  async create<T extends KubeObject>(
    ref: ResourceRef,
    obj: KubeObject,
    opts: CreateOptions = {},
  ): Promise<T> {
    const namespace = namespaceFor(ref, opts.namespace, obj);
    const where = { namespace, name: opts.name, subresource: opts.subresource, query: writeQuery(opts) };
    const body = await this.#write(this.#request(ref, 'create', { ...where, body: obj }), opts);
    return expectObject<T>(body, `create ${ref.resource}`);
  }

  async update<T extends KubeObject>(ref: ResourceRef, obj: T, opts: WriteOptions = {}): Promise<T> {
    const name = nameOf(obj, ref);
    const namespace = namespaceFor(ref, opts.namespace, obj);
    const where = { namespace, name, subresource: opts.subresource, query: writeQuery(opts) };
    const body = await this.#write(this.#request(ref, 'update', { ...where, body: obj }), opts);
    return expectObject<T>(body, `update ${ref.resource}/${name}`);
  }

  updateStatus<T extends KubeObject>(ref: ResourceRef, obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.update(ref, obj, { ...opts, subresource: 'status' });
  }

  async patch<T extends KubeObject>(
    ref: ResourceRef,
    name: string,
    patch: unknown,
    opts: PatchOptions = {},
  ): Promise<T> {
    const patchType = PATCH_CONTENT_TYPES[opts.patchType ?? 'merge'];
    const where = {
      namespace: namespaceFor(ref, opts.namespace),
      name,
      subresource: opts.subresource,
      query: writeQuery(opts),
    };
    const req = this.#request(ref, 'patch', { ...where, body: patch, patchType });
    return expectObject<T>(await this.#write(req, opts), `patch ${ref.resource}/${name}`);
  }

  delete(ref: ResourceRef, name: string, opts: DeleteOptions = {}): Promise<unknown> {
    const where = { namespace: namespaceFor(ref, opts.namespace), name, body: deleteBody(opts) };
    return this.#write(this.#request(ref, 'delete', where), opts);
  }

  deleteCollection(ref: ResourceRef, opts: DeleteCollectionOptions = {}): Promise<unknown> {
    const namespace = ref.namespaced ? opts.namespace : undefined;
    const where = { namespace, query: listQuery(opts), body: deleteBody(opts) };
    return this.#write(this.#request(ref, 'deletecollection', where), opts);
  }

  watch<T extends KubeObject>(ref: ResourceRef, opts: WatchOptions = {}): AsyncIterable<WatchEvent<T>> {
    return watchEvents<T>(this.#watchDeps, ref, opts);
  }

  /** Builds the wire request; the fencing token goes on writes only. */
  #request(
    ref: ResourceRef,
    verb: string,
    parts: Omit<ApiRequest, 'verb' | 'group' | 'version' | 'resource' | 'token' | 'fence'>,
  ): ApiRequest {
    const isWrite = verb !== 'get' && verb !== 'list';
    const query = parts.query && Object.keys(parts.query).length > 0 ? parts.query : undefined;
    return {
      ...parts,
      query,
      verb,
      group: ref.group,
      version: ref.version,
      resource: ref.resource,
      token: this.#cfg.token,
      fence: isWrite ? this.#cfg.fence?.() : undefined,
    };
  }

  /** One attempt: the body of a 2xx answer, or the typed error. */
  async #once(req: ApiRequest, opts: CallOptions): Promise<unknown> {
    let res: ApiResponse;
    try {
      res = await this.#cfg.bus.request(this.#endpoint, req, {
        timeoutMs: opts.timeoutMs ?? this.#timeoutMs,
      });
    } catch (err) {
      throw fromBusError(err);
    }
    if (res.code >= 200 && res.code <= 299) return res.body;
    throw errorFromResponse(res.code, res.body);
  }

  /** A read: retried on transient failures, at most `attempts` tries, stopping early when aborted. */
  async #read(req: ApiRequest, opts: CallOptions): Promise<unknown> {
    const backoff = new Backoff(this.#readBackoff(), this.#cfg.clock, this.#cfg.rng);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#once(req, opts);
      } catch (err) {
        if (!isRetryable(err) || attempt >= this.#retry.attempts || opts.signal?.aborted) throw err;
        const delayMs = backoff.next();
        this.#log.debug({ err, verb: req.verb, resource: req.resource, attempt, delayMs }, 'retrying read');
        await this.#cfg.clock.sleep(delayMs, opts.signal);
      }
    }
  }

  /** A write: one attempt (see the module comment). */
  #write(req: ApiRequest, opts: CallOptions): Promise<unknown> {
    return this.#once(req, opts);
  }

  #readBackoff(): BackoffOptions {
    const { initialMs, maxMs } = this.#retry;
    return { initialMs, maxMs, factor: 2, jitter: 1, resetAfterMs: Number.POSITIVE_INFINITY };
  }
}
