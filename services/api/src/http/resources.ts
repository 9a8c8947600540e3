/**
 * The resource API: `/api/v1/…` and `/apis/<g>/<v>/…` requests → ApiRequest → handler → Kubernetes JSON,
 * a Table (when the Accept asks for one), or a watch stream.
 */
import { apiVersionOf, formatApiVersion } from '@kubelab/api-types';
import type { Clock } from '@kubelab/clock';
import type { Context } from 'hono';
import type { ApiHandler, ApiRequest, RequestUser } from '../core/handler.js';
import type { PodStreams } from '../core/pod-streams.js';
import { wantsTable } from './media.js';
import { servePodLog } from './pod-log.js';
import { type ProtobufDecoder, decodeObjectBody, decodePatchBody, readBodyLimited } from './request-body.js';
import { type ResolvedRequest, parseResourcePath, resolveRequest } from './request-path.js';
import { type HttpApiResponse, jsonResponse, renderResponse } from './response.js';
import { httpErrors, isStatus } from './status.js';
import { type TableTarget, includeObjectOf, isList, toTable } from './tables/index.js';
import { watchResponse } from './watch.js';

export interface ResourceRouteOptions {
  readonly handler: ApiHandler;
  readonly clock: Clock;
  readonly maxBodyBytes: number;
  readonly decodeProtobuf?: ProtobufDecoder | undefined;
  /** Registry of open watch streams (closed on shutdown). */
  readonly watches: Set<() => void>;
  /** pods/log and pods/exec through the pod's node; without it they answer 503. */
  readonly podStreams?: PodStreams | undefined;
}

const TRUE_VALUES = new Set(['true', '1', 't', 'T', 'TRUE', 'True']);

/** Query parameters as a record (the first value of a repeated name wins). */
function queryRecord(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of params) if (!(k in out)) out[k] = v;
  return out;
}

/** The body of a write, decoded by method and Content-Type; a Response when it cannot be. */
async function requestBody(
  c: Context,
  verb: string,
  o: ResourceRouteOptions,
): Promise<{ body?: unknown; patchType?: string } | Response> {
  if (!['create', 'update', 'patch', 'delete', 'deletecollection'].includes(verb)) return {};
  const raw = await readBodyLimited(c.req.raw, o.maxBodyBytes);
  if (!raw.ok) return jsonResponse(raw.status.code, raw.status);
  const contentType = c.req.header('content-type') ?? null;
  const decoded =
    verb === 'patch'
      ? decodePatchBody(raw.bytes, contentType)
      : decodeObjectBody(raw.bytes, contentType, {
          required: verb === 'create' || verb === 'update',
          decodeProtobuf: o.decodeProtobuf,
        });
  if (!decoded.ok) return jsonResponse(decoded.status.code, decoded.status);
  return {
    ...(decoded.body !== undefined ? { body: decoded.body } : {}),
    ...(decoded.patchType !== undefined ? { patchType: decoded.patchType } : {}),
  };
}

/** The kind a response of this request prints as, for Tables and for stamping kind/apiVersion. */
function targetOf(r: ResolvedRequest): TableTarget | undefined {
  const { info, path } = r;
  if (path.subresource === undefined || path.subresource === 'status') {
    return { group: info.group, kind: info.kind, apiVersion: apiVersionOf(info) };
  }
  const sub = info.subresources.find((s) => s.name === path.subresource);
  if (!sub || sub.responseKind.kind === info.kind) return undefined;
  const k = sub.responseKind;
  return { group: k.group, kind: k.kind, apiVersion: formatApiVersion(k.group, k.version) };
}

/** Adds kind/apiVersion to a successful object or list body that lacks them (KUBECTL.md §0.7). */
function stampTypeMeta(body: unknown, r: ResolvedRequest): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || isStatus(body)) return body;
  const o = body as Record<string, unknown>;
  if (typeof o.kind === 'string' && typeof o.apiVersion === 'string') return body;
  if (r.verb === 'list' || r.verb === 'deletecollection') {
    if (!isList(body)) return body;
    return { kind: `${r.info.kind}List`, apiVersion: apiVersionOf(r.info), ...o };
  }
  const target = targetOf(r);
  if (!target) return body;
  return { kind: target.kind, apiVersion: target.apiVersion, ...o };
}

function toApiRequest(
  r: ResolvedRequest,
  query: Record<string, string>,
  extra: { body?: unknown; patchType?: string },
): ApiRequest {
  const { path } = r;
  return {
    verb: r.verb,
    group: path.group,
    version: path.version,
    resource: path.resource,
    ...(path.subresource !== undefined ? { subresource: path.subresource } : {}),
    ...(path.namespace !== undefined ? { namespace: path.namespace } : {}),
    ...(path.name !== undefined ? { name: path.name } : {}),
    query,
    ...extra,
  };
}

/** A watch: the item form (`…/pods/x?watch=true`) becomes a collection watch on `metadata.name=x`. */
async function serveWatch(
  c: Context,
  req: ApiRequest,
  r: ResolvedRequest,
  user: RequestUser,
  o: ResourceRouteOptions,
) {
  let watchReq = req;
  if (req.name !== undefined) {
    const byName = `metadata.name=${req.name}`;
    const fieldSelector = req.query?.fieldSelector ? `${byName},${req.query.fieldSelector}` : byName;
    const { name: _drop, ...rest } = req;
    watchReq = { ...rest, query: { ...req.query, fieldSelector } };
  }
  const started = await o.handler.watch(watchReq, user);
  if (!started.ok) return renderResponse(started.response);
  const tableVersion = wantsTable(c.req.header('accept'));
  const target = targetOf(r);
  const timeoutSeconds = Number(req.query?.timeoutSeconds ?? Number.NaN);
  const registered: { end?: () => void } = {};
  const { response, end } = watchResponse({
    events: started.events,
    close: started.close,
    clock: o.clock,
    timeoutMs: Number.isFinite(timeoutSeconds) && timeoutSeconds > 0 ? timeoutSeconds * 1000 : undefined,
    bookmarks: req.query?.allowWatchBookmarks === 'true',
    table:
      tableVersion && target
        ? {
            target,
            options: { version: tableVersion, includeObject: includeObjectOf(req.query?.includeObject) },
          }
        : undefined,
    onEnd: () => {
      if (registered.end) o.watches.delete(registered.end);
    },
  });
  registered.end = end;
  o.watches.add(end);
  return response;
}

/** Renders a handler answer: stamped kind/apiVersion, or a Table for get/list when asked. */
function renderAnswer(
  c: Context,
  answer: HttpApiResponse,
  r: ResolvedRequest,
  query: Record<string, string>,
  o: ResourceRouteOptions,
) {
  const ok = answer.code >= 200 && answer.code < 300 && !isStatus(answer.body);
  if (!ok) return renderResponse(answer);
  const tableVersion = wantsTable(c.req.header('accept'));
  const target = targetOf(r);
  if (tableVersion && target && (r.verb === 'get' || r.verb === 'list')) {
    const table = toTable(answer.body, target, {
      version: tableVersion,
      includeObject: includeObjectOf(query.includeObject),
      nowMs: o.clock.wallNow(),
    });
    return renderResponse({ ...answer, body: table });
  }
  return renderResponse({ ...answer, body: stampTypeMeta(answer.body, r) });
}

/** pods/log (streamed from the node) and pods/exec without a protocol upgrade; undefined for others. */
function podStreamRoute(
  c: Context,
  r: ResolvedRequest,
  query: Record<string, string>,
  user: RequestUser,
  o: ResourceRouteOptions,
): Promise<Response> | undefined {
  const { path } = r;
  if (path.group !== '' || path.resource !== 'pods' || path.namespace === undefined) return undefined;
  if (path.name === undefined) return undefined;
  const sub = path.subresource;
  if (sub !== 'log' && sub !== 'exec' && sub !== 'attach' && sub !== 'portforward') return undefined;
  if (!o.podStreams) {
    const s = httpErrors.serviceUnavailable('this api replica cannot reach nodes');
    return Promise.resolve(jsonResponse(s.code, s));
  }
  const ref = { namespace: path.namespace, name: path.name };
  if (sub === 'log') return servePodLog(o.podStreams, ref, query, user, c.req.raw.signal);
  // exec, attach and port-forward arrive as protocol upgrades (server.ts); a plain request cannot stream.
  return Promise.resolve(jsonResponse(400, httpErrors.badRequest('Upgrade request required')));
}

/**
 * The handler of every `/api/*` and `/apis/*` path that is not discovery.
 *
 * @example
 * app.all('/api/*', serveResources(opts)); app.all('/apis/*', serveResources(opts));
 */
export function serveResources(o: ResourceRouteOptions) {
  return async function resourceRoute(c: Context): Promise<Response> {
    const url = new URL(c.req.url);
    const path = parseResourcePath(url.pathname);
    if (!path) return jsonResponse(404, httpErrors.notFoundPath());
    const query = queryRecord(url.searchParams);
    const watch = TRUE_VALUES.has(query.watch ?? '');
    const resolution = resolveRequest(path, c.req.method, watch);
    if (!resolution.ok) {
      if (resolution.code === 404) return jsonResponse(404, httpErrors.notFoundPath());
      const s = httpErrors.methodNotSupported(resolution.info.plural, resolution.info.group, resolution.verb);
      return jsonResponse(405, s);
    }
    const r = resolution.request;
    const body = await requestBody(c, r.verb, o);
    if (body instanceof Response) return body;
    const req = toApiRequest(r, query, body);
    const user = c.get('user');
    if (r.verb === 'watch') return serveWatch(c, req, r, user, o);
    const streaming = podStreamRoute(c, r, query, user, o);
    if (streaming) return streaming;
    const answer: HttpApiResponse = await o.handler.handle(req, user);
    return renderAnswer(c, answer, r, query, o);
  };
}
