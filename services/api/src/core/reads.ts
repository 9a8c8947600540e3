/**
 * get, list and watch. Reads are linearizable by default (a read barrier through the log first); a
 * `resourceVersion=0` read may be served from this replica's state as it is, as Kubernetes serves it from
 * its watch cache.
 */
import { type ResourceInfo, apiVersionOf } from '@kubelab/api-types';
import { type Clock, repeat } from '@kubelab/clock';
import type { ReplicatedStore } from '../store/replicated-store.js';
import type { StoredObject } from '../store/types.js';
import { WatchExpiredError, type Watcher } from '../store/watch-cache.js';
import type { Admission } from './admission.js';
import type { Resolved } from './api-core.js';
import type { ApiResponse, ApiWatchEvent, ApiWatchSink, WatchStart } from './handler.js';
import { toScale } from './scale.js';
import { errors } from './status.js';
import { resourceKey } from './strategies.js';

export interface ReadPathOptions {
  readonly store: ReplicatedStore;
  readonly admission: Admission;
  readonly clock: Clock;
  readonly bookmarkIntervalMs?: number;
}

interface ContinueToken {
  readonly rv: number;
  /** The last key returned: `<namespace>/<name>`. */
  readonly after: string;
}

const keyOf = (o: StoredObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export class ReadPath {
  constructor(private readonly o: ReadPathOptions) {}

  /** The stored object or 404; `consistent` unless the request says resourceVersion=0. */
  async current(r: Resolved, name: string, consistent = true): Promise<StoredObject> {
    const obj = await this.o.store.read((s) => s.get(resourceKey(r.info), r.req.namespace, name), consistent);
    if (!obj) throw errors.notFound(r.info, name);
    return obj;
  }

  async get(r: Resolved): Promise<ApiResponse> {
    const name = r.req.name ?? '';
    const obj = await this.current(r, name, r.req.query?.resourceVersion !== '0');
    switch (r.req.subresource) {
      case undefined:
      case 'status':
        return { code: 200, body: obj };
      case 'scale':
        return { code: 200, body: toScale(obj) };
      default:
        throw errors.methodNotSupported(r.info, `get ${r.req.subresource}`);
    }
  }

  /** The predicate for a request's namespace, labelSelector and fieldSelector. */
  filter(r: Resolved): (o: StoredObject) => boolean {
    const q = r.req.query ?? {};
    const labels = q.labelSelector ? this.o.admission.labelSelector(q.labelSelector) : undefined;
    const fields = q.fieldSelector ? this.o.admission.fieldSelector(r.info, q.fieldSelector) : undefined;
    return (o) => (labels?.(o) ?? true) && (fields?.(o) ?? true);
  }

  /** Matching objects, sorted by namespace/name, and the revision they were read at. */
  async select(r: Resolved, consistent = true): Promise<{ items: StoredObject[]; revision: number }> {
    const match = this.filter(r);
    return this.o.store.read(
      (s) => ({ items: s.list(resourceKey(r.info), r.req.namespace).filter(match), revision: s.revision }),
      consistent,
    );
  }

  async list(r: Resolved): Promise<ApiResponse> {
    const q = r.req.query ?? {};
    const token = q.continue ? decodeContinue(q.continue) : undefined;
    const { items, revision } = await this.select(r, q.resourceVersion !== '0');
    const start = token ? items.findIndex((o) => keyOf(o) > token.after) : 0;
    const rest = start < 0 ? [] : items.slice(start);
    const limit = q.limit ? Number(q.limit) : 0;
    if (q.limit && !(Number.isInteger(limit) && limit >= 0))
      throw errors.badRequest(`invalid limit: "${q.limit}"`);
    const page = limit > 0 ? rest.slice(0, limit) : rest;
    const more = limit > 0 && rest.length > limit;
    const last = page[page.length - 1];
    const metadata: Record<string, unknown> = { resourceVersion: String(token?.rv ?? revision) };
    if (more && last) {
      metadata.continue = encodeContinue({ rv: token?.rv ?? revision, after: keyOf(last) });
      metadata.remainingItemCount = rest.length - page.length;
    }
    return {
      code: 200,
      body: { kind: r.info.listKind, apiVersion: apiVersionOf(r.info), metadata, items: page },
    };
  }

  async watch(r: Resolved): Promise<WatchStart> {
    const q = r.req.query ?? {};
    const rv = q.resourceVersion;
    if (rv !== undefined && rv !== '' && !/^\d+$/.test(rv))
      throw errors.badRequest(`invalid resource version: "${rv}"`);
    const match = this.filter(r);
    const store = this.o.store;
    // Listing and registering happen in one synchronous step, so no event falls between them.
    let initial: StoredObject[] = [];
    let from = Number(rv);
    if (rv === undefined || rv === '' || rv === '0') {
      initial = store.store.list(resourceKey(r.info), r.req.namespace).filter(match);
      from = store.store.revision;
    }
    let watcher: Watcher;
    try {
      watcher = store.watchCache.watch({
        resource: resourceKey(r.info),
        namespace: r.req.namespace,
        fromRevision: from,
        filter: match,
      });
    } catch (err) {
      if (err instanceof WatchExpiredError) throw errors.expired(err.message);
      throw err;
    }
    const o = {
      bookmarks: q.allowWatchBookmarks === 'true',
      timeoutMs: q.timeoutSeconds ? Number(q.timeoutSeconds) * 1000 : undefined,
      from,
    };
    // Both are lazy: nothing starts (no timers) until the consumer iterates `events` or calls `listen`.
    const events = this.stream(r.info, watcher, initial, o);
    const listen = (sink: ApiWatchSink) => this.listen(r.info, watcher, initial, o, sink);
    return { ok: true, events, close: () => watcher.close(), listen };
  }

  /** The push-mode twin of {@link ReadPath.stream}: the same events, bookmarks and timeout, delivered synchronously. */
  private listen(
    info: ResourceInfo,
    watcher: Watcher,
    initial: readonly StoredObject[],
    o: { bookmarks: boolean; timeoutMs: number | undefined; from: number },
    sink: ApiWatchSink,
  ): void {
    const clock = this.o.clock;
    let last = o.from;
    const timeout =
      o.timeoutMs === undefined ? undefined : clock.setTimer(o.timeoutMs, () => watcher.close());
    // Every event up to the store's revision has already been handed to the sink when a tick fires.
    const tick = o.bookmarks
      ? repeat(clock, this.o.bookmarkIntervalMs ?? 60_000, () => {
          last = Math.max(last, this.o.store.store.revision);
          sink.event(bookmarkEvent(info, last));
        })
      : undefined;
    for (const obj of initial) sink.event({ type: 'ADDED', object: obj as Record<string, unknown> });
    watcher.listen({
      event: (ev) => {
        last = ev.revision;
        sink.event({ type: ev.type, object: ev.object as Record<string, unknown> });
      },
      end: (err) => {
        timeout?.cancel();
        tick?.cancel();
        sink.end(err);
      },
    });
  }

  private async *stream(
    info: ResourceInfo,
    watcher: Watcher,
    initial: readonly StoredObject[],
    o: { bookmarks: boolean; timeoutMs: number | undefined; from: number },
  ): AsyncGenerator<ApiWatchEvent> {
    const clock = this.o.clock;
    const timeout =
      o.timeoutMs === undefined ? undefined : clock.setTimer(o.timeoutMs, () => watcher.close());
    let last = o.from;
    const bookmarkEvery = this.o.bookmarkIntervalMs ?? 60_000;
    const bookmark = () => bookmarkEvent(info, last);
    const tick = o.bookmarks ? repeat(clock, bookmarkEvery, () => watcher.interrupt()) : undefined;
    try {
      for (const obj of initial) yield { type: 'ADDED', object: obj as Record<string, unknown> };
      for (;;) {
        const ev = await watcher.next();
        if (ev === undefined) return;
        if (ev === 'interrupted') {
          // Every event up to the store's revision has been offered to this watcher and the queue is empty.
          last = Math.max(last, this.o.store.store.revision);
          yield bookmark();
          continue;
        }
        last = ev.revision;
        yield { type: ev.type, object: ev.object as Record<string, unknown> };
      }
    } finally {
      timeout?.cancel();
      tick?.cancel();
      watcher.close();
    }
  }
}

function bookmarkEvent(info: ResourceInfo, revision: number): ApiWatchEvent {
  return {
    type: 'BOOKMARK',
    object: {
      kind: info.kind,
      apiVersion: apiVersionOf(info),
      metadata: { resourceVersion: String(revision) },
    },
  };
}

function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify(t)).toString('base64url');
}

function decodeContinue(s: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as ContinueToken;
    if (typeof t.rv === 'number' && typeof t.after === 'string') return t;
  } catch {
    // fall through
  }
  throw errors.badRequest(
    'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
  );
}
