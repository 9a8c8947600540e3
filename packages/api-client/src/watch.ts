/**
 * One watch stream as an AsyncIterable (STYLE.md principle 11), over the bus' stream protocol
 * (`@kubelab/bus` api-endpoints): subscribe to a fresh stream id, flush, ask a replica to start the watch,
 * then read frames. Frames must arrive with `seq` increasing by one; HEARTBEATs only prove the stream is
 * alive; END ends the iteration; ERROR is yielded (its object is a Status) and ends it. No frame for
 * 3 × heartbeat while we wait, a seq gap, or a subscription that ends early throws {@link WatchLostError}.
 * `break`, `return()` or the abort signal ends it quietly and publishes a cancel so the replica stops.
 */
import { AssertionError } from 'node:assert';
import {
  type ApiRequest,
  type ApiResponse,
  type ApiWatchFrame,
  type ApiWatchRequest,
  type Bus,
  apiEndpoints,
  apiTopics,
} from '@kubelab/bus';
import type { Clock, Timer } from '@kubelab/clock';
import type { Logger } from '@kubelab/telemetry';
import { WatchLostError, errorFromResponse, failureStatus, fromBusError } from './errors.js';
import type { ResourceRef } from './resources.js';
import { type KubeObject, type WatchEvent, isKubeObject, isStatus } from './types.js';

/** The part of a {@link Bus} the client uses (a Bus, or a test double). */
export type ApiBus = Pick<Bus, 'request' | 'subscribe' | 'publish' | 'flush'>;

/** Options of `client.watch`. */
export interface WatchOptions {
  /** Omit for all namespaces (or for a cluster-scoped resource). */
  readonly namespace?: string;
  /**
   * Events after this version. `'0'` or omitted: the current objects first arrive as ADDED events
   * (Kubernetes' "start at most recent"). A version older than the api keeps gives an ERROR event 410.
   */
  readonly resourceVersion?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly allowWatchBookmarks?: boolean;
  /** The replica ends the stream (END) after this long. */
  readonly timeoutSeconds?: number;
  /** Overrides the client's heartbeat interval; the stream is lost after 3 × this without a frame. */
  readonly heartbeatMs?: number;
  /** Ends the iteration quietly (and cancels the stream on the replica). */
  readonly signal?: AbortSignal;
}

/** What the stream needs from its client. */
export interface WatchDeps {
  readonly bus: ApiBus;
  readonly clock: Clock;
  readonly log: Logger;
  readonly heartbeatMs: number;
  readonly requestTimeoutMs: number;
  readonly token: string | undefined;
  /** A stream id unique across every client on the bus (a subject token). */
  nextStreamId(): string;
}

/** Fires `onExpire` once `limitMs` pass without a `kick()`; re-arms lazily so a kick costs no timer. */
class Watchdog {
  #timer: Timer | undefined;
  #deadlineMs = Number.POSITIVE_INFINITY;

  constructor(
    private readonly clock: Clock,
    private readonly limitMs: number,
    private readonly onExpire: () => void,
  ) {}

  kick(): void {
    this.#deadlineMs = this.clock.now() + this.limitMs;
    if (this.#timer === undefined) this.#arm(this.limitMs);
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#deadlineMs = Number.POSITIVE_INFINITY;
  }

  #arm(delayMs: number): void {
    this.#timer = this.clock.setTimer(delayMs, () => {
      this.#timer = undefined;
      const leftMs = this.#deadlineMs - this.clock.now();
      if (leftMs === Number.POSITIVE_INFINITY) return;
      if (leftMs > 0) this.#arm(leftMs);
      else this.onExpire();
    });
  }
}

/** The watch request as Kubernetes' query parameters. */
export function watchRequest(ref: ResourceRef, opts: WatchOptions, token: string | undefined): ApiRequest {
  const query: Record<string, string> = { watch: 'true' };
  if (opts.resourceVersion !== undefined) query.resourceVersion = opts.resourceVersion;
  if (opts.labelSelector !== undefined) query.labelSelector = opts.labelSelector;
  if (opts.fieldSelector !== undefined) query.fieldSelector = opts.fieldSelector;
  if (opts.allowWatchBookmarks) query.allowWatchBookmarks = 'true';
  if (opts.timeoutSeconds !== undefined) query.timeoutSeconds = String(opts.timeoutSeconds);
  return {
    verb: 'watch',
    group: ref.group,
    version: ref.version,
    resource: ref.resource,
    namespace: ref.namespaced ? opts.namespace : undefined,
    query,
    token,
  };
}

/** Asks a replica to start streaming to `streamId`; throws ApiError or ApiUnavailableError when refused. */
async function openStream(deps: WatchDeps, req: ApiWatchRequest): Promise<void> {
  let res: ApiResponse;
  try {
    res = await deps.bus.request(apiEndpoints.watch(), req, { timeoutMs: deps.requestTimeoutMs });
  } catch (err) {
    throw fromBusError(err);
  }
  if (res.code < 200 || res.code > 299) throw errorFromResponse(res.code, res.body);
}

/** Turns one frame into an event, `'heartbeat'`, `'end'`, or throws for a malformed one. */
function decodeFrame<T>(frame: ApiWatchFrame): WatchEvent<T> | 'heartbeat' | 'end' {
  switch (frame.type) {
    case 'HEARTBEAT':
      return 'heartbeat';
    case 'END':
      return 'end';
    case 'ERROR': {
      const status = isStatus(frame.object)
        ? frame.object
        : failureStatus(500, 'watch ERROR frame without a Status', 'InternalError');
      return { type: 'ERROR', object: status };
    }
    case 'ADDED':
    case 'MODIFIED':
    case 'DELETED':
    case 'BOOKMARK':
      if (!isKubeObject(frame.object)) {
        throw new WatchLostError('protocol', `watch ${frame.type} frame ${frame.seq} carries no object`);
      }
      return { type: frame.type, object: frame.object as T };
    default:
      throw new WatchLostError('protocol', `unknown watch frame type ${JSON.stringify(frame.type)}`);
  }
}

/**
 * Streams the events of one watch. Prefer `client.watch(…)`, which fills in the dependencies.
 *
 * @example
 * for await (const ev of client.watch(resources.pods, { namespace: 'default', resourceVersion: rv })) {
 *   if (ev.type === 'ERROR') throw new ApiError(ev.object); // 410: relist
 *   rv = ev.object.metadata.resourceVersion ?? rv;
 * }
 */
export async function* watchEvents<T extends KubeObject>(
  deps: WatchDeps,
  ref: ResourceRef,
  opts: WatchOptions = {},
): AsyncGenerator<WatchEvent<T>, void, undefined> {
  const heartbeatMs = opts.heartbeatMs ?? deps.heartbeatMs;
  if (!(heartbeatMs > 0))
    throw new AssertionError({ message: `heartbeatMs must be > 0, got ${heartbeatMs}` });
  const signal = opts.signal;
  if (signal?.aborted) return;
  const streamId = deps.nextStreamId();
  const sub = deps.bus.subscribe(apiTopics.stream(streamId));
  let lost: WatchLostError | undefined;
  let finished = false; // END or ERROR seen: the replica has already closed its side
  const watchdog = new Watchdog(deps.clock, 3 * heartbeatMs, () => {
    lost ??= new WatchLostError('heartbeat-timeout', `no frame on watch stream for ${3 * heartbeatMs} ms`);
    sub.unsubscribe();
  });
  const onAbort = () => sub.unsubscribe();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const frames = sub[Symbol.asyncIterator]();
    await deps.bus.flush(); // the server must know the subscription before a replica publishes to it
    await openStream(deps, { ...watchRequest(ref, opts, deps.token), streamId, heartbeatMs });
    let expectedSeq: number | undefined;
    for (;;) {
      watchdog.kick();
      const next = await frames.next();
      watchdog.stop(); // only time spent waiting for frames counts, not time the consumer holds an event
      if (next.done) break;
      const frame = next.value.data;
      if (expectedSeq === undefined ? frame.seq > 1 : frame.seq !== expectedSeq) {
        throw new WatchLostError('gap', `watch frame seq ${frame.seq}, expected ${expectedSeq ?? '0 or 1'}`);
      }
      expectedSeq = frame.seq + 1;
      const ev = decodeFrame<T>(frame);
      if (ev === 'heartbeat') continue;
      if (ev === 'end') {
        finished = true;
        return;
      }
      if (ev.type === 'ERROR') finished = true;
      yield ev;
      if (finished) return;
    }
    if (signal?.aborted) return;
    throw lost ?? new WatchLostError('closed', 'the watch subscription ended without END');
  } finally {
    watchdog.stop();
    signal?.removeEventListener('abort', onAbort);
    sub.unsubscribe();
    if (!finished) cancelStream(deps, streamId);
  }
}

/** Tells the replica to stop streaming; best effort (a closed bus has no replica to tell). */
function cancelStream(deps: WatchDeps, streamId: string): void {
  try {
    deps.bus.publish(apiTopics.cancel(streamId), undefined);
  } catch (err) {
    deps.log.debug({ err, streamId }, 'could not publish watch cancel');
  }
}
