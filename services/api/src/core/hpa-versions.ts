/**
 * HorizontalPodAutoscaler is stored once, as autoscaling/v2 (the storage version, as in Kubernetes);
 * autoscaling/v1 is served by converting at the edge of the pipeline with api-types' hpaV1ToV2/hpaV2ToV1:
 * v1 bodies become v2 before admission and storage, and every answer (object, list, watch event) goes back
 * to v1. Patches to v1 are applied to the v1 view of the stored object and written back as a v2 update
 * guarded by the read resourceVersion (retried on conflict, as GuaranteedUpdate does). A v1 write keeps what
 * v1 cannot express from the stored object — metrics other than the CPU utilization target, and
 * `behavior` — as Kubernetes does through its conversion annotations.
 */
import {
  type HorizontalPodAutoscaler,
  type HorizontalPodAutoscalerV1,
  hpaV1ToV2,
  hpaV2ToV1,
} from '@kubelab/api-types';
import { PatchError, UnsupportedPatchTypeError, applyPatch } from '@kubelab/patch';
import { checkFields, fieldValidationOf } from './field-validation.js';
import type { ApiRequest, ApiResponse, ApiWatchEvent, RequestUser, WatchStart } from './handler.js';
import { ApiError, type Status } from './status.js';

/** Attempts of a v1 patch that keeps meeting concurrent writers. */
const CONFLICT_RETRIES = 5;

type Handle = (req: ApiRequest, user: RequestUser) => Promise<ApiResponse>;
type Obj = Record<string, unknown>;

/** Whether a request addresses autoscaling/v1 HorizontalPodAutoscalers. */
export function isHpaV1(req: ApiRequest): boolean {
  return req.group === 'autoscaling' && req.version === 'v1' && req.resource === 'horizontalpodautoscalers';
}

const isHpa = (o: unknown): o is Obj =>
  typeof o === 'object' && o !== null && (o as Obj).kind === 'HorizontalPodAutoscaler';

/** A stored (v2) object as v1; anything else (a Status) unchanged. */
function toV1(o: unknown): unknown {
  if (!isHpa(o) || o.apiVersion === 'autoscaling/v1') return o;
  return hpaV2ToV1(o as unknown as HorizontalPodAutoscaler);
}

function toV2(o: Obj): Obj {
  const withType: Obj = { ...o, apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler' };
  const spec = (withType.spec ?? {}) as Obj;
  const v1 = { ...withType, spec: { scaleTargetRef: {}, maxReplicas: 0, ...spec } };
  return hpaV1ToV2(v1 as unknown as HorizontalPodAutoscalerV1) as unknown as Obj;
}

const isCpuUtilization = (m: Obj) =>
  m.type === 'Resource' &&
  (m.resource as Obj | undefined)?.name === 'cpu' &&
  ((m.resource as Obj).target as Obj | undefined)?.type === 'Utilization';

/** `next` (converted from v1) with the v2-only parts of the stored `current`. */
function keepV2Only(next: Obj, current: Obj | undefined): Obj {
  const cur = (current?.spec ?? {}) as Obj;
  const spec = { ...((next.spec ?? {}) as Obj) };
  const others = ((cur.metrics ?? []) as Obj[]).filter((m) => !isCpuUtilization(m));
  if (others.length > 0) spec.metrics = [...((spec.metrics ?? []) as Obj[]), ...others];
  if (cur.behavior !== undefined && spec.behavior === undefined) spec.behavior = cur.behavior;
  return { ...next, spec };
}

/** An answer's body as v1: one object, or each item of a list. */
function answerV1(res: ApiResponse): ApiResponse {
  const body = res.body as Obj | undefined;
  if (body && Array.isArray(body.items)) {
    const list: Obj = { ...body, items: body.items.map(toV1) };
    if (list.kind === 'HorizontalPodAutoscalerList') list.apiVersion = 'autoscaling/v1';
    return { ...res, body: list };
  }
  return { ...res, body: toV1(body) };
}

const v2 = (req: ApiRequest): ApiRequest => ({ ...req, version: 'v2' });

function failure(err: ApiError): ApiResponse {
  return { code: err.status.code, body: err.status };
}

/** Checks a v1 body against the v1 schema (fieldValidation), then converts it to v2 over `current`. */
function bodyToV2(req: ApiRequest, current: Obj | undefined): { body: Obj; warnings: readonly string[] } {
  const raw = (req.body ?? {}) as Obj;
  const mode = fieldValidationOf(req.query);
  const checked = checkFields('autoscaling', 'v1', 'HorizontalPodAutoscaler', raw, mode);
  return { body: keepV2Only(toV2(checked.object), current), warnings: checked.warnings };
}

/** The stored v2 object an update replaces, if it exists. */
async function currentV2(handle: Handle, req: ApiRequest, user: RequestUser): Promise<Obj | undefined> {
  const get = { ...v2(req), verb: 'get', body: undefined, patchType: undefined, query: {} };
  const res = await handle(get, user);
  return res.code === 200 ? (res.body as Obj) : undefined;
}

function patched(req: ApiRequest, current: Obj | null): Obj {
  const text = typeof req.body === 'string' ? req.body : JSON.stringify(req.body ?? null);
  try {
    return applyPatch(req.patchType ?? 'application/merge-patch+json', current as never, text, {
      group: 'autoscaling',
      kind: 'HorizontalPodAutoscaler',
    }) as Obj;
  } catch (err) {
    if (err instanceof PatchError || err instanceof UnsupportedPatchTypeError) {
      throw new ApiError(err.toStatus() as unknown as Status);
    }
    throw err;
  }
}

/** A v1 patch: read v2, patch the v1 view, write v2 with the read resourceVersion as precondition. */
async function patchV1(handle: Handle, req: ApiRequest, user: RequestUser): Promise<ApiResponse> {
  const isApply = (req.patchType ?? '').startsWith('application/apply-patch');
  for (let attempt = 0; ; attempt++) {
    const current = await handle(
      { ...v2(req), verb: 'get', body: undefined, patchType: undefined, query: {} },
      user,
    );
    if (current.code === 404 && isApply) {
      return handleV1(
        handle,
        { ...req, verb: 'create', body: patched(req, null), patchType: undefined },
        user,
      );
    }
    if (current.code !== 200) return current;
    const view = toV1(current.body) as Obj;
    const next = patched(req, view);
    const pinned = (next.metadata as Obj | undefined)?.resourceVersion;
    const userPinned = pinned !== (view.metadata as Obj | undefined)?.resourceVersion;
    const res = await handleV1(handle, { ...req, verb: 'update', body: next, patchType: undefined }, user);
    if (res.code === 409 && !userPinned && attempt < CONFLICT_RETRIES) continue;
    return res;
  }
}

/**
 * Serves an autoscaling/v1 HPA request through the v2 pipeline.
 *
 * @example
 * if (isHpaV1(req)) return handleV1((r, u) => this.handle(r, u), req, user);
 */
export async function handleV1(
  handle: Handle,
  req: ApiRequest,
  user: RequestUser,
): Promise<ApiResponse & { readonly warnings?: readonly string[] }> {
  try {
    if (req.verb === 'patch') return await patchV1(handle, req, user);
    if ((req.verb === 'create' || req.verb === 'update') && req.body !== undefined) {
      const current = req.verb === 'update' ? await currentV2(handle, req, user) : undefined;
      const { body, warnings } = bodyToV2(req, current);
      const res = answerV1(await handle({ ...v2(req), body }, user));
      return warnings.length > 0 ? { ...res, warnings } : res;
    }
    return answerV1(await handle(v2(req), user));
  } catch (err) {
    if (err instanceof ApiError) return failure(err);
    throw err;
  }
}

/** Watch events of a v2 watch, as v1. */
export function watchV1(start: WatchStart): WatchStart {
  if (!start.ok) return start;
  const events = start.events;
  return {
    ok: true,
    close: start.close,
    events: (async function* () {
      for await (const ev of events) {
        if (ev.type === 'ERROR') yield ev;
        else if (ev.type === 'BOOKMARK')
          yield { ...ev, object: { ...ev.object, apiVersion: 'autoscaling/v1' } };
        else yield { ...ev, object: toV1(ev.object) as Obj } as ApiWatchEvent;
      }
    })(),
  };
}
