/**
 * A fake api replica for the client's tests, served over a real NATS server through `@kubelab/bus`: an
 * in-memory object map with a resourceVersion counter and an event history, implementing the bus' API
 * protocol (request endpoint in the `api` queue group; watch streams with seq, heartbeats, END, ERROR,
 * cancel). Semantics follow Kubernetes where the tests look: 404/409 AlreadyExists/409 Conflict Statuses,
 * continue-token pagination, label/field selector equality, selector transitions in watches, 410 for
 * versions older than the kept history.
 *
 * Fault switches: `failNext` (requests answered Unavailable or 503), `expireWatches` (ERROR 410 on every
 * stream), `dropStreams` (streams go silent: no END, no heartbeats), `skipFrame` (a seq gap), `compact`
 * (forget history, so watches and continue tokens from older versions get 410).
 */
import {
  API_QUEUE,
  type ApiRequest,
  type ApiResponse,
  type ApiWatchFrame,
  type ApiWatchRequest,
  type Bus,
  BusError,
  type Responder,
  apiEndpoints,
  apiTopics,
} from '@kubelab/bus';
import { type Obj, mergePatch, parseFieldSelector, parseLabelSelector } from './fake-api-semantics.js';

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface HistoryEntry {
  readonly rv: number;
  readonly type: EventType;
  readonly resource: string;
  readonly obj: Obj;
  readonly prev: Obj | undefined;
}

interface Stream {
  readonly id: string;
  readonly req: ApiWatchRequest;
  seq: number;
  open: boolean;
  heartbeat: ReturnType<typeof setInterval> | undefined;
  timeout: ReturnType<typeof setTimeout> | undefined;
  cancelSub: { unsubscribe(): void } | undefined;
}

const clone = <T>(v: T): T => structuredClone(v);
const statusBody = (code: number, reason: string, message: string, details?: Record<string, unknown>) => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  code,
  reason,
  message,
  ...(details ? { details } : {}),
});
const fail = (
  code: number,
  reason: string,
  message: string,
  details?: Record<string, unknown>,
): ApiResponse => ({
  code,
  body: statusBody(code, reason, message, details),
});

export class FakeApiServer {
  /** Every request and watch request received, in order. */
  readonly requests: ApiRequest[] = [];
  watchRequests = 0;
  cancels = 0;
  heartbeatsSent = 0;
  /** When a watch asks for a version older than the history: an ERROR event (k8s watch cache) or a 410 answer. */
  tooOldAs: 'event' | 'response' = 'event';
  #rv = 1;
  #uid = 0;
  #compactedRv = 1;
  readonly #objects = new Map<string, Obj>();
  readonly #history: HistoryEntry[] = [];
  readonly #streams = new Map<string, Stream>();
  #failures: { n: number; mode: 'unavailable' | '503' } = { n: 0, mode: 'unavailable' };
  #watchRefusals = 0;
  #responders: Responder[] = [];

  private constructor(private readonly bus: Bus) {}

  static async start(bus: Bus): Promise<FakeApiServer> {
    const srv = new FakeApiServer(bus);
    srv.#responders = [
      await bus.serve(apiEndpoints.request(), (req) => srv.#handle(req), { queue: API_QUEUE }),
      await bus.serve(apiEndpoints.watch(), (req) => srv.#watch(req), { queue: API_QUEUE }),
    ];
    return srv;
  }

  get resourceVersion(): string {
    return String(this.#rv);
  }

  /** Streams currently open (not ended, cancelled or dropped). */
  get activeStreams(): number {
    return [...this.#streams.values()].filter((s) => s.open).length;
  }

  /** The next `n` requests (not watches) fail: Unavailable on the bus, or a 503 Status. */
  failNext(n: number, mode: 'unavailable' | '503' = 'unavailable'): void {
    this.#failures = { n, mode };
  }

  /** The next `n` watch requests are refused with 429 TooManyRequests (as the front does at its stream bound). */
  refuseNextWatches(n: number): void {
    this.#watchRefusals = n;
  }

  /** Every open stream gets ERROR 410 Expired and ends. */
  expireWatches(): void {
    for (const s of this.#openStreams()) {
      this.#send(s, { type: 'ERROR', object: statusBody(410, 'Expired', 'too old resource version') });
      this.#close(s);
    }
  }

  /** Every open stream goes silent: no END, no heartbeats (a replica that died). */
  dropStreams(): void {
    for (const s of this.#openStreams()) this.#close(s);
  }

  /** Every open stream ends with END (as at timeoutSeconds). */
  endStreams(): void {
    for (const s of this.#openStreams()) {
      this.#send(s, { type: 'END' });
      this.#close(s);
    }
  }

  /** The next frame on every open stream skips a seq number. */
  skipFrame(): void {
    for (const s of this.#openStreams()) s.seq++;
  }

  /** Forgets the history: watches and continue tokens from before now get 410. */
  compact(): void {
    this.#compactedRv = this.#rv;
    this.#history.length = 0;
  }

  /** Writes an object directly (as another client would); returns the stored copy. */
  put(resource: string, obj: Obj): Obj {
    const key = this.#key(resource, obj.metadata.namespace, obj.metadata.name ?? '');
    const prev = this.#objects.get(key);
    const stored = this.#stamp(clone(obj), prev);
    this.#objects.set(key, stored);
    this.#record(prev ? 'MODIFIED' : 'ADDED', resource, stored, prev);
    return clone(stored);
  }

  /** Deletes an object directly; returns whether it existed. */
  remove(resource: string, namespace: string | undefined, name: string): boolean {
    const key = this.#key(resource, namespace, name);
    const prev = this.#objects.get(key);
    if (!prev) return false;
    this.#objects.delete(key);
    const gone = clone(prev);
    gone.metadata.resourceVersion = String(++this.#rv);
    this.#record('DELETED', resource, gone, prev);
    return true;
  }

  async stop(): Promise<void> {
    for (const s of this.#streams.values()) this.#close(s);
    await Promise.all(this.#responders.map((r) => r.stop()));
  }

  #key(resource: string, ns: string | undefined, name: string): string {
    return `${resource}|${ns ?? ''}|${name}`;
  }

  #stamp(obj: Obj, prev: Obj | undefined): Obj {
    obj.metadata.uid = prev?.metadata.uid ?? `uid-${++this.#uid}`;
    obj.metadata.creationTimestamp = prev?.metadata.creationTimestamp ?? new Date().toISOString();
    obj.metadata.resourceVersion = String(++this.#rv);
    return obj;
  }

  #record(type: EventType, resource: string, obj: Obj, prev: Obj | undefined): void {
    const entry: HistoryEntry = { rv: this.#rv, type, resource, obj: clone(obj), prev };
    this.#history.push(entry);
    for (const s of this.#openStreams()) this.#deliver(s, entry);
  }

  #openStreams(): Stream[] {
    return [...this.#streams.values()].filter((s) => s.open);
  }

  #matches(req: ApiRequest, resource: string, obj: Obj | undefined): boolean {
    if (obj === undefined || resource !== req.resource) return false;
    if (req.namespace !== undefined && obj.metadata.namespace !== req.namespace) return false;
    const labels = (obj.metadata.labels ?? {}) as Record<string, string>;
    return (
      parseLabelSelector(req.query?.labelSelector)(labels) &&
      parseFieldSelector(req.query?.fieldSelector)(obj)
    );
  }

  /** Sends a history entry to a stream as the watcher sees it (selector transitions included). */
  #deliver(s: Stream, e: HistoryEntry): void {
    const was = e.prev !== undefined && this.#matches(s.req, e.resource, e.prev);
    const is = e.type !== 'DELETED' && this.#matches(s.req, e.resource, e.obj);
    let type: EventType | undefined;
    if (e.type === 'DELETED') type = was ? 'DELETED' : undefined;
    else if (is) type = was ? 'MODIFIED' : 'ADDED';
    else if (was) type = 'DELETED';
    if (type) this.#send(s, { type, object: clone(e.obj) });
  }

  #send(s: Stream, frame: Omit<ApiWatchFrame, 'seq'>): void {
    if (!s.open) return;
    if (frame.type === 'HEARTBEAT') this.heartbeatsSent++;
    this.bus.publish(apiTopics.stream(s.id), { seq: s.seq++, ...frame }); // from 0, like the api's NATS front
  }

  #close(s: Stream): void {
    s.open = false;
    clearInterval(s.heartbeat);
    clearTimeout(s.timeout);
    s.cancelSub?.unsubscribe();
  }

  #watch(req: ApiWatchRequest): ApiResponse {
    this.watchRequests++;
    this.requests.push(req);
    if (this.#watchRefusals > 0) {
      this.#watchRefusals--;
      return fail(429, 'TooManyRequests', 'too many watches');
    }
    const rvParam = req.query?.resourceVersion;
    const fromRv = rvParam === undefined || rvParam === '' || rvParam === '0' ? undefined : Number(rvParam);
    const tooOld = fromRv !== undefined && fromRv < this.#compactedRv;
    if (tooOld && this.tooOldAs === 'response')
      return fail(410, 'Expired', `too old resource version: ${fromRv}`);
    const s: Stream = {
      id: req.streamId,
      req,
      seq: 0,
      open: true,
      heartbeat: undefined,
      timeout: undefined,
      cancelSub: undefined,
    };
    this.#streams.set(s.id, s);
    this.#listenForCancel(s);
    s.heartbeat = setInterval(() => this.#send(s, { type: 'HEARTBEAT' }), req.heartbeatMs ?? 1_000);
    const timeoutS = Number(req.query?.timeoutSeconds ?? 0);
    if (timeoutS > 0) s.timeout = setTimeout(() => this.#endStream(s), timeoutS * 1_000);
    if (tooOld) {
      this.#send(s, {
        type: 'ERROR',
        object: statusBody(410, 'Expired', `too old resource version: ${fromRv}`),
      });
      this.#close(s);
    } else if (fromRv === undefined) {
      for (const [key, obj] of this.#objects) {
        const resource = key.slice(0, key.indexOf('|'));
        if (this.#matches(req, resource, obj)) this.#send(s, { type: 'ADDED', object: clone(obj) });
      }
    } else {
      for (const e of this.#history) if (e.rv > fromRv) this.#deliver(s, e);
    }
    return { code: 200, body: {} };
  }

  #endStream(s: Stream): void {
    this.#send(s, { type: 'END' });
    this.#close(s);
  }

  #listenForCancel(s: Stream): void {
    const sub = this.bus.subscribe(apiTopics.cancel(s.id));
    s.cancelSub = sub;
    void (async () => {
      for await (const _ of sub) {
        this.cancels++;
        this.#close(s);
        break;
      }
    })();
  }

  #handle(req: ApiRequest): ApiResponse {
    this.requests.push(req);
    if (this.#failures.n > 0) {
      this.#failures.n--;
      if (this.#failures.mode === 'unavailable') throw new BusError('Unavailable', 'fake api is overloaded');
      return fail(503, 'ServiceUnavailable', 'fake api is unavailable');
    }
    switch (req.verb) {
      case 'get':
        return this.#get(req);
      case 'list':
        return this.#list(req);
      case 'create':
        return req.subresource === 'binding' ? this.#bind(req) : this.#create(req);
      case 'update':
        return this.#update(req);
      case 'patch':
        return this.#patch(req);
      case 'delete':
        return this.#delete(req);
      case 'deletecollection':
        return this.#deleteCollection(req);
      default:
        return fail(405, 'MethodNotAllowed', `verb ${req.verb} is not supported`);
    }
  }

  #notFound(req: ApiRequest, name: string): ApiResponse {
    return fail(404, 'NotFound', `${req.resource} "${name}" not found`, { name, kind: req.resource });
  }

  #get(req: ApiRequest): ApiResponse {
    const obj = this.#objects.get(this.#key(req.resource, req.namespace, req.name ?? ''));
    return obj ? { code: 200, body: clone(obj) } : this.#notFound(req, req.name ?? '');
  }

  #list(req: ApiRequest): ApiResponse {
    const limit = Number(req.query?.limit ?? 0);
    let listRv = this.#rv;
    let after = '';
    const cont = req.query?.continue;
    if (cont) {
      const token = JSON.parse(Buffer.from(cont, 'base64').toString()) as { rv: number; after: string };
      if (token.rv < this.#compactedRv) return fail(410, 'Expired', 'the continue token has expired');
      listRv = token.rv;
      after = token.after;
    }
    const matching = [...this.#objects.entries()]
      .filter(([k, o]) => k > after && this.#matches(req, k.slice(0, k.indexOf('|')), o))
      .sort(([a], [b]) => (a < b ? -1 : 1));
    const page = limit > 0 ? matching.slice(0, limit) : matching;
    const more = limit > 0 && matching.length > limit;
    const last = page[page.length - 1]?.[0] ?? after;
    const metadata: Record<string, unknown> = { resourceVersion: String(listRv) };
    if (more) metadata.continue = Buffer.from(JSON.stringify({ rv: listRv, after: last })).toString('base64');
    return {
      code: 200,
      body: { kind: 'List', apiVersion: 'v1', metadata, items: page.map(([, o]) => clone(o)) },
    };
  }

  #create(req: ApiRequest): ApiResponse {
    const obj = clone(req.body) as Obj;
    if (!obj.metadata.name && typeof obj.metadata.generateName === 'string') {
      obj.metadata.name = `${obj.metadata.generateName}${this.#uid + 1}`;
    }
    const name = obj.metadata.name ?? '';
    if (req.namespace !== undefined) obj.metadata.namespace = req.namespace;
    if (this.#objects.has(this.#key(req.resource, req.namespace, name))) {
      return fail(409, 'AlreadyExists', `${req.resource} "${name}" already exists`, {
        name,
        kind: req.resource,
      });
    }
    if (req.query?.dryRun === 'All') return { code: 201, body: obj };
    return { code: 201, body: this.put(req.resource, obj) };
  }

  #bind(req: ApiRequest): ApiResponse {
    const key = this.#key(req.resource, req.namespace, req.name ?? '');
    const pod = this.#objects.get(key);
    if (!pod) return this.#notFound(req, req.name ?? '');
    const target = (req.body as { target?: { name?: string } }).target?.name;
    const next = clone(pod);
    next.spec = { ...(next.spec as object), nodeName: target };
    this.put(req.resource, next);
    return {
      code: 201,
      body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 },
    };
  }

  #update(req: ApiRequest): ApiResponse {
    const obj = clone(req.body) as Obj;
    const name = req.name ?? '';
    const current = this.#objects.get(this.#key(req.resource, req.namespace, name));
    if (!current) return this.#notFound(req, name);
    const rv = obj.metadata.resourceVersion;
    if (rv !== undefined && rv !== current.metadata.resourceVersion) {
      return fail(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${req.resource} "${name}": the object has been modified`,
        {
          name,
          kind: req.resource,
        },
      );
    }
    const next =
      req.subresource === 'status'
        ? { ...clone(current), status: obj.status }
        : { ...obj, status: current.status };
    if (next.status === undefined) delete next.status;
    return { code: 200, body: this.put(req.resource, next) };
  }

  #patch(req: ApiRequest): ApiResponse {
    const name = req.name ?? '';
    const current = this.#objects.get(this.#key(req.resource, req.namespace, name));
    if (!current) return this.#notFound(req, name);
    if (req.patchType !== 'application/merge-patch+json') {
      return fail(415, 'UnsupportedMediaType', `patch type ${req.patchType} is not supported`);
    }
    return { code: 200, body: this.put(req.resource, mergePatch(current, req.body) as Obj) };
  }

  #delete(req: ApiRequest): ApiResponse {
    const name = req.name ?? '';
    const current = this.#objects.get(this.#key(req.resource, req.namespace, name));
    if (!current) return this.#notFound(req, name);
    const pre = (req.body as { preconditions?: { uid?: string; resourceVersion?: string } } | undefined)
      ?.preconditions;
    if (
      (pre?.uid !== undefined && pre.uid !== current.metadata.uid) ||
      (pre?.resourceVersion !== undefined && pre.resourceVersion !== current.metadata.resourceVersion)
    ) {
      return fail(409, 'Conflict', `Precondition failed for ${req.resource} "${name}"`, {
        name,
        kind: req.resource,
      });
    }
    this.remove(req.resource, req.namespace, name);
    return { code: 200, body: clone(current) };
  }

  #deleteCollection(req: ApiRequest): ApiResponse {
    const doomed = [...this.#objects.entries()].filter(([k, o]) =>
      this.#matches(req, k.slice(0, k.indexOf('|')), o),
    );
    for (const [, o] of doomed) this.remove(req.resource, o.metadata.namespace, o.metadata.name ?? '');
    return {
      code: 200,
      body: { kind: 'List', apiVersion: 'v1', metadata: {}, items: doomed.map(([, o]) => o) },
    };
  }
}
