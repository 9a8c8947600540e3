/**
 * The api's request pipeline (transport-agnostic): resolves the resource, authorizes nothing yet beyond
 * authentication done by the front, runs admission (defaults, validation), turns writes into store commands
 * and reads into consistent store reads, and answers with Kubernetes objects or Status errors.
 */
import { type ResourceInfo, findResource, findSubresource } from '@kubelab/api-types';
import type { Clock, Rng } from '@kubelab/clock';
import { LogUnavailableError } from '../store/command-log.js';
import { type ReplicatedStore, WriteTimeoutError } from '../store/replicated-store.js';
import type { Admission } from './admission.js';
import type { ApiHandler, ApiRequest, ApiResponse, RequestUser, WatchStart } from './handler.js';
import { handleV1, isHpaV1, watchV1 } from './hpa-versions.js';
import { ReadPath } from './reads.js';
import { ApiError, errors } from './status.js';
import { WritePath } from './writes.js';

export interface ApiCoreOptions {
  readonly store: ReplicatedStore;
  readonly admission: Admission;
  readonly clock: Clock;
  readonly rng: Rng;
  /** A new object uid (crypto.randomUUID in production). */
  readonly newUid: () => string;
  /** Interval of BOOKMARK events for watches that ask for them. */
  readonly bookmarkIntervalMs?: number;
}

/** A resolved request: the resource it targets and the verb as Kubernetes names it. */
export interface Resolved {
  readonly req: ApiRequest;
  readonly info: ResourceInfo;
  readonly user: RequestUser;
}

export class ApiCore implements ApiHandler {
  private readonly reads: ReadPath;
  private readonly writes: WritePath;

  constructor(o: ApiCoreOptions) {
    this.reads = new ReadPath(o);
    this.writes = new WritePath(o, this.reads);
  }

  async handle(req: ApiRequest, user: RequestUser): Promise<ApiResponse> {
    // autoscaling/v1 HPAs are served by conversion from the stored autoscaling/v2 objects.
    if (isHpaV1(req)) return handleV1((r, u) => this.handle(r, u), req, user);
    try {
      const r = this.resolve(req, user);
      switch (req.verb) {
        case 'get':
          return await this.reads.get(r);
        case 'list':
          return await this.reads.list(r);
        case 'create':
          return await this.writes.create(r);
        case 'update':
          return await this.writes.update(r);
        case 'patch':
          return await this.writes.patch(r);
        case 'delete':
          return await this.writes.delete(r);
        case 'deletecollection':
          return await this.writes.deleteCollection(r);
        default:
          throw errors.badRequest(`unsupported verb "${req.verb}"`);
      }
    } catch (err) {
      return toResponse(err);
    }
  }

  async watch(req: ApiRequest, user: RequestUser): Promise<WatchStart> {
    if (isHpaV1(req)) return watchV1(await this.watch({ ...req, version: 'v2' }, user));
    try {
      return await this.reads.watch(this.resolve({ ...req, verb: 'watch' }, user));
    } catch (err) {
      return { ok: false, response: toResponse(err) };
    }
  }

  /** Finds the resource and checks that it, its scope and its subresource take this verb. */
  private resolve(req: ApiRequest, user: RequestUser): Resolved {
    const info = findResource(req.group, req.version, req.resource);
    if (!info) throw errors.notFoundPath();
    if (!info.namespaced && req.namespace !== undefined) throw errors.notFoundPath();
    const verbs = req.subresource ? findSubresource(info, req.subresource)?.verbs : info.verbs;
    if (!verbs) throw errors.notFoundPath();
    const verb =
      req.verb === 'deletecollection' || req.verb === 'watch' || req.verb === 'list' ? req.verb : req.verb;
    const extra = req.subresource === 'binding' || req.subresource === 'eviction' ? ['create'] : [];
    if (!(verbs as readonly string[]).includes(verb) && !extra.includes(verb))
      throw errors.methodNotSupported(info, verb);
    if (req.name === undefined && ['get', 'update', 'patch', 'delete'].includes(req.verb))
      throw errors.notFoundPath();
    return { req, info, user };
  }
}

/** Any failure as an ApiResponse: ApiErrors carry their Status; anything else is a 500. */
export function toResponse(err: unknown): ApiResponse {
  if (err instanceof ApiError) return { code: err.status.code, body: err.status };
  if (err instanceof WriteTimeoutError || err instanceof LogUnavailableError) {
    const t = errors.timeout(`Timeout: request did not complete within requested timeout - ${err.message}`);
    return { code: t.status.code, body: t.status };
  }
  const e = errors.internal(err instanceof Error ? err.message : String(err));
  return { code: 500, body: e.status };
}
