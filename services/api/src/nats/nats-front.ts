import * as k8s from '@kubelab/api-types';
/**
 * The api over NATS for kubelab's services: answers `apiEndpoints.request` and opens watch streams for
 * `apiEndpoints.watch` (see `@kubelab/bus` api-endpoints for the protocol). Every replica serves in the
 * `api` queue group, so each request is answered once, by any live replica.
 */
import {
  API_QUEUE,
  type ApiResponse,
  type ApiWatchFrame,
  type ApiWatchRequest,
  type Bus,
  EncodedJson,
  type Responder,
  apiEndpoints,
  apiTopics,
} from '@kubelab/bus';
import { type Clock, repeat } from '@kubelab/clock';
import type { Logger } from '@kubelab/telemetry';
import type { ApiHandler, ApiRequest, RequestUser, WatchStart } from '../core/handler.js';
import { objectJson } from '../core/object-json.js';
import type { PodStreams } from '../core/pod-streams.js';

export interface NatsFrontOptions {
  readonly bus: Bus;
  readonly handler: ApiHandler;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Resolves a bearer token to a user; undefined = not authenticated (401). */
  readonly authenticate: (token: string | undefined) => RequestUser | undefined;
  /** Default heartbeat period of watch streams. */
  readonly heartbeatMs?: number;
  /** Bound on concurrently open watch streams of this replica. */
  readonly maxStreams?: number;
  /** Answers `pods/log` (the whole log, without follow); without it the core answers. */
  readonly podStreams?: PodStreams;
}

/** A `pods/log` read, which the NATS front answers with the node's log as one text body. */
function isPodLog(req: ApiRequest): req is ApiRequest & { namespace: string; name: string } {
  return (
    req.verb === 'get' &&
    req.group === '' &&
    req.resource === 'pods' &&
    req.subresource === 'log' &&
    req.namespace !== undefined &&
    req.name !== undefined
  );
}

const unauthorized = (): ApiResponse => {
  const e = k8s.unauthorized();
  return { code: e.code, body: e.status };
};

/** A stored object's body goes out as the JSON bytes its watch events already have (or will reuse). */
function shareEncoding(res: ApiResponse): ApiResponse {
  const body = res.body;
  if (body === null || typeof body !== 'object' || !Object.isFrozen(body)) return res;
  return { code: res.code, body: new EncodedJson(objectJson.encode(body)) };
}

export interface NatsFront {
  /** Open watch streams. */
  streams(): number;
  stop(): Promise<void>;
}

export async function startNatsFront(o: NatsFrontOptions): Promise<NatsFront> {
  const streams = new Map<string, () => void>();
  const responders: Responder[] = [];
  responders.push(
    await o.bus.serve(
      apiEndpoints.request(),
      async (req) => {
        const user = o.authenticate(req.token);
        if (!user) return unauthorized();
        if (o.podStreams && isPodLog(req)) {
          return o.podStreams.collectLogs(
            { namespace: req.namespace, name: req.name },
            req.query ?? {},
            user,
          );
        }
        return shareEncoding(await o.handler.handle(req, user));
      },
      { queue: API_QUEUE },
    ),
  );
  responders.push(
    await o.bus.serve(
      apiEndpoints.watch(),
      async (req) => {
        const user = o.authenticate(req.token);
        if (!user) return unauthorized();
        if (streams.size >= (o.maxStreams ?? 10_000)) {
          const e = k8s.tooManyRequests('too many watches on this api replica', 1);
          return { code: e.code, body: e.status };
        }
        const start = await o.handler.watch({ ...req, verb: 'watch' }, user);
        if (!start.ok) return start.response;
        const stop = pump(o, req, start, () => streams.delete(req.streamId));
        streams.set(req.streamId, stop);
        return { code: 200, body: {} };
      },
      { queue: API_QUEUE },
    ),
  );
  return {
    streams: () => streams.size,
    stop: async () => {
      for (const stop of [...streams.values()]) stop();
      await Promise.all(responders.map((r) => r.stop()));
    },
  };
}

/** Publishes a watch's events as frames until it ends, the client cancels, or the front stops. */
function pump(
  o: NatsFrontOptions,
  req: ApiWatchRequest,
  start: Extract<WatchStart, { ok: true }>,
  onDone: () => void,
): () => void {
  const topic = apiTopics.stream(req.streamId);
  let seq = 0;
  let finished = false;
  const send = (type: string, object?: unknown) => {
    const frame: ApiWatchFrame = object === undefined ? { seq: seq++, type } : { seq: seq++, type, object };
    o.bus.publish(topic, frame);
  };
  const heartbeat = repeat(o.clock, req.heartbeatMs ?? o.heartbeatMs ?? 5_000, () => send('HEARTBEAT'));
  const cancel = o.bus.subscribe(apiTopics.cancel(req.streamId));
  const stop = () => start.close();
  void (async () => {
    for await (const _ of cancel) {
      stop();
      break;
    }
  })();
  const finish = (err: Error | null) => {
    if (finished) return;
    finished = true;
    try {
      if (err) {
        o.logger.warn({ err, streamId: req.streamId }, 'watch stream failed');
        send('ERROR', k8s.internal(err.message).status);
      } else send('END');
    } catch (e) {
      o.logger.debug({ err: e, streamId: req.streamId }, 'could not send the last watch frame');
    } finally {
      heartbeat.cancel();
      cancel.unsubscribe();
      onDone();
    }
  };
  if (start.listen) {
    // Push mode: frames are published as the store applies each write, so one apply batch goes out in one
    // socket write, and every watcher of an event shares its object's JSON bytes.
    start.listen({
      event: (ev) => {
        if (finished) return;
        try {
          send(ev.type, new EncodedJson(objectJson.encode(ev.object)));
        } catch (err) {
          start.close(); // the bus is closing: this stream cannot continue
          o.logger.debug({ err, streamId: req.streamId }, 'watch frame not sent');
        }
      },
      end: (err) => finish(err),
    });
    return stop;
  }
  void (async () => {
    try {
      for await (const ev of start.events) send(ev.type, new EncodedJson(objectJson.encode(ev.object)));
      finish(null);
    } catch (err) {
      finish(err instanceof Error ? err : new Error(String(err)));
    }
  })();
  return stop;
}
