/**
 * A small in-memory ApiHandler for the HTTP front's tests: objects in a map, merge-patch only, watches fed by
 * `emit()`. It records every request so tests can assert what the front passed through.
 */
import { apiVersionOf, findResource } from '@kubelab/api-types';
import type {
  ApiHandler,
  ApiRequest,
  ApiWatchEvent,
  RequestUser,
  WatchStart,
} from '../../src/core/handler.js';
import type { HttpApiResponse } from '../../src/http/response.js';

type Obj = Record<string, unknown>;

const status = (code: number, reason: string, message: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  code,
});

/** An async queue of watch events that ends on close(). */
class EventQueue implements AsyncIterable<ApiWatchEvent> {
  private readonly buffer: ApiWatchEvent[] = [];
  private wake: (() => void) | undefined;
  closed = false;

  push(ev: ApiWatchEvent): void {
    this.buffer.push(ev);
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ApiWatchEvent> {
    for (;;) {
      const next = this.buffer.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((r) => {
        this.wake = r;
      });
      this.wake = undefined;
    }
  }
}

interface Watcher {
  readonly req: ApiRequest;
  readonly queue: EventQueue;
}

export class FakeHandler implements ApiHandler {
  readonly objects = new Map<string, Obj>();
  readonly calls: { req: ApiRequest; user: RequestUser }[] = [];
  readonly watchers = new Set<Watcher>();
  rv = 100;
  /** When set, the next handle() answers with this instead. */
  next: HttpApiResponse | undefined;
  /** When set, handle() waits for this before answering (for in-flight tests). */
  gate: Promise<void> | undefined;
  /** When set, watch() refuses with this. */
  refuseWatch: HttpApiResponse | undefined;

  private key(resource: string, namespace: string | undefined, name: string) {
    return `${resource}/${namespace ?? ''}/${name}`;
  }

  /** Stores an object directly (kind/apiVersion from the registry when missing). */
  put(resource: string, obj: Obj, group = '', version = 'v1'): Obj {
    const info = findResource(group, version, resource);
    const meta = (obj.metadata ?? {}) as Obj;
    const stored = {
      apiVersion: info ? apiVersionOf(info) : version,
      kind: info?.kind ?? 'Unknown',
      ...obj,
      metadata: { resourceVersion: String(++this.rv), uid: `uid-${meta.name as string}`, ...meta },
    };
    this.objects.set(this.key(resource, meta.namespace as string | undefined, meta.name as string), stored);
    return stored;
  }

  /** Pushes an event to every open watch on this resource. */
  emit(type: ApiWatchEvent['type'], resource: string, object: Obj): void {
    for (const w of this.watchers) if (w.req.resource === resource) w.queue.push({ type, object });
  }

  async handle(req: ApiRequest, user: RequestUser): Promise<HttpApiResponse> {
    this.calls.push({ req, user });
    if (this.gate) await this.gate;
    if (this.next) {
      const n = this.next;
      this.next = undefined;
      return n;
    }
    const info = findResource(req.group, req.version, req.resource);
    if (!info)
      return { code: 404, body: status(404, 'NotFound', 'the server could not find the requested resource') };
    const name = req.name ?? '';
    const key = this.key(req.resource, req.namespace, name);
    switch (req.verb) {
      case 'list': {
        const items = [...this.objects.entries()]
          .filter(([k]) => k.startsWith(`${req.resource}/${req.namespace ?? ''}`))
          .map(([, v]) => {
            const { kind: _k, apiVersion: _a, ...rest } = v;
            return rest;
          });
        return {
          code: 200,
          body: {
            kind: `${info.kind}List`,
            apiVersion: apiVersionOf(info),
            metadata: { resourceVersion: String(this.rv) },
            items,
          },
        };
      }
      case 'get': {
        const o = this.objects.get(key);
        return o
          ? { code: 200, body: o }
          : { code: 404, body: status(404, 'NotFound', `${req.resource} "${name}" not found`) };
      }
      case 'create': {
        const body = req.body as Obj;
        const meta = (body.metadata ?? {}) as Obj;
        const k = this.key(req.resource, req.namespace, meta.name as string);
        if (this.objects.has(k)) {
          return {
            code: 409,
            body: status(409, 'AlreadyExists', `${req.resource} "${meta.name as string}" already exists`),
          };
        }
        const stored = this.put(
          req.resource,
          { ...body, metadata: { ...meta, namespace: req.namespace } },
          req.group,
          req.version,
        );
        this.emit('ADDED', req.resource, stored);
        return { code: 201, body: stored };
      }
      case 'delete': {
        const o = this.objects.get(key);
        if (!o) return { code: 404, body: status(404, 'NotFound', `${req.resource} "${name}" not found`) };
        this.objects.delete(key);
        this.emit('DELETED', req.resource, o);
        return { code: 200, body: o };
      }
      default:
        return { code: 200, body: { echo: req.verb } };
    }
  }

  async watch(req: ApiRequest, _user: RequestUser): Promise<WatchStart> {
    this.calls.push({ req, user: _user });
    if (this.refuseWatch) return { ok: false, response: this.refuseWatch };
    const queue = new EventQueue();
    const watcher: Watcher = { req, queue };
    this.watchers.add(watcher);
    return {
      ok: true,
      events: queue,
      close: () => {
        queue.close();
        this.watchers.delete(watcher);
      },
    };
  }
}

/** The shared test user. */
export const ADMIN: RequestUser = {
  name: 'kubelab-admin',
  groups: ['system:masters', 'system:authenticated'],
};
export const TOKEN = 'test-token';
