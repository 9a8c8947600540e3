/**
 * create, update, patch, delete and deletecollection, plus the pods/binding and pods/eviction
 * subresources. Every write becomes one store command decided by the replicated state machine; updates and
 * patches without a user-supplied resourceVersion retry on conflict (Kubernetes' GuaranteedUpdate).
 */
import {
  GENERATION_KINDS,
  type KubeObject,
  type Service,
  carryOverServiceAllocations,
  generateName,
  prepareForCreate,
} from '@kubelab/api-types';
import { PatchError, UnsupportedPatchTypeError, applyPatch } from '@kubelab/patch';
import type { ReplicatedStore } from '../store/replicated-store.js';
import type { ApplyResult, StoreCommand, StoredObject } from '../store/types.js';
import type { Admission } from './admission.js';
import type { ApiCoreOptions, Resolved } from './api-core.js';
import { checkFields, fieldValidationOf } from './field-validation.js';
import type { ApiResponse } from './handler.js';
import type { ReadPath } from './reads.js';
import { fromScale, toScale } from './scale.js';
import { ApiError, type Status, type StatusCause, errors, storeFailure, successStatus } from './status.js';
import { deleteGracePeriod, mainUpdateScope, resourceKey } from './strategies.js';

/** Attempts of an update/patch that keeps meeting concurrent writers. */
const CONFLICT_RETRIES = 5;

/** A write's answer; `warnings` become `Warning:` headers on HTTP (fieldValidation=Warn). */
type WriteResponse = ApiResponse & { readonly warnings?: readonly string[] };

function withWarnings(res: ApiResponse, warnings: readonly string[]): WriteResponse {
  return warnings.length > 0 ? { ...res, warnings: [...new Set(warnings)] } : res;
}

export class WritePath {
  private readonly store: ReplicatedStore;
  private readonly admission: Admission;
  private commandSeq = 0;

  constructor(
    private readonly o: ApiCoreOptions,
    private readonly reads: ReadPath,
  ) {
    this.store = o.store;
    this.admission = o.admission;
  }

  async create(r: Resolved): Promise<WriteResponse> {
    if (r.req.subresource === 'binding') return this.bind(r);
    if (r.req.subresource === 'eviction') return this.evict(r);
    const warnings: string[] = [];
    return withWarnings(await this.createChecked(r, this.fields(r, this.bodyObject(r), warnings)), warnings);
  }

  private async createChecked(r: Resolved, body: StoredObject): Promise<ApiResponse> {
    if (body.metadata.resourceVersion)
      throw errors.badRequest('resourceVersion should not be set on objects to be created');
    const prefix = body.metadata.generateName as string | undefined;
    const name = body.metadata.name || (prefix ? generateName(prefix, this.o.rng) : '');
    const obj = prepareForCreate(r.info.kind, {
      ...body,
      metadata: { ...body.metadata, name, uid: this.o.newUid(), ...this.nsFields(r) },
    } as unknown as KubeObject) as unknown as StoredObject;
    if (!name)
      throw errors.invalid(r.info, '', [
        {
          reason: 'FieldValueRequired',
          message: 'Required value: name or generateName is required',
          field: 'metadata.name',
        },
      ]);
    const admitted = this.admit(r, obj, undefined);
    if (this.dryRun(r)) {
      return {
        code: 201,
        body: {
          ...admitted,
          metadata: {
            ...admitted.metadata,
            creationTimestamp: this.now(),
            ...(GENERATION_KINDS.has(r.info.kind) ? { generation: 1 } : {}),
          },
        },
      };
    }
    const result = await this.execute({
      ...this.base(r),
      op: 'create',
      object: admitted,
      namespaced: r.info.namespaced,
      tracksGeneration: GENERATION_KINDS.has(r.info.kind),
    });
    return { code: 201, body: this.unwrap(result, r, name) };
  }

  async update(r: Resolved): Promise<WriteResponse> {
    const warnings: string[] = [];
    const body = this.fields(r, this.bodyObject(r), warnings);
    return withWarnings(await this.updateChecked(r, body), warnings);
  }

  private async updateChecked(r: Resolved, body: StoredObject): Promise<ApiResponse> {
    const name = r.req.name ?? '';
    if (body.metadata.name && body.metadata.name !== name) {
      throw errors.badRequest(
        `the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    return this.guaranteedUpdate(r, body.metadata.resourceVersion, (old) => {
      if (r.req.subresource === 'scale') return fromScale(old, body as unknown as Record<string, unknown>);
      return { ...body, metadata: { ...body.metadata, name, ...this.nsFields(r) } };
    });
  }

  async patch(r: Resolved): Promise<WriteResponse> {
    const raw = r.req.body;
    const text = typeof raw === 'string' ? raw : JSON.stringify(raw ?? null);
    const patchType = r.req.patchType ?? 'application/merge-patch+json';
    const name = r.req.name ?? '';
    if (patchType.startsWith('application/apply-patch')) {
      const exists = await this.store.read((s) => s.get(resourceKey(r.info), r.req.namespace, name));
      if (!exists)
        return this.create({ ...r, req: { ...r.req, verb: 'create', body: this.applied(r, text, null) } });
    }
    const warnings: string[] = [];
    const res = await this.guaranteedUpdate(r, undefined, (old) => {
      warnings.length = 0; // a retry checks the new result afresh
      const view = r.req.subresource === 'scale' ? toScale(old) : old;
      const patched = this.fields(r, this.applied(r, text, view), warnings);
      return r.req.subresource === 'scale' ? fromScale(old, patched) : (patched as StoredObject);
    });
    return withWarnings(res, warnings);
  }

  /**
   * Applies the request's fieldValidation directive to a request object (the main kind, its status, or a
   * Scale); collects Warn's warnings into `warnings`.
   */
  private fields<T>(r: Resolved, obj: T, warnings: string[]): T {
    const mode = fieldValidationOf(r.req.query);
    const sub = r.req.subresource;
    if (mode === undefined || (sub !== undefined && sub !== 'status' && sub !== 'scale')) return obj;
    const checked =
      sub === 'scale'
        ? checkFields('autoscaling', 'v1', 'Scale', obj, mode)
        : checkFields(r.info.group, r.info.version, r.info.kind, obj, mode);
    warnings.push(...checked.warnings);
    return checked.object;
  }

  async delete(r: Resolved): Promise<ApiResponse> {
    const name = r.req.name ?? '';
    const opts = deleteOptions(r);
    const old = await this.reads.current(r, name);
    if (this.dryRun(r) || opts.dryRun) return { code: 200, body: old };
    const result = await this.execute({
      ...this.base(r),
      op: 'delete',
      namespace: r.req.namespace,
      name,
      gracePeriodSeconds: deleteGracePeriod(r.info, old, opts.gracePeriodSeconds),
      propagationPolicy: opts.propagationPolicy ?? 'Background',
      ...(opts.preconditions ? { preconditions: opts.preconditions } : {}),
    });
    return { code: 200, body: this.unwrap(result, r, name) };
  }

  async deleteCollection(r: Resolved): Promise<ApiResponse> {
    const { items, revision } = await this.reads.select(r);
    const deleted: StoredObject[] = [];
    for (const item of items) {
      const res = await this.delete({
        ...r,
        req: { ...r.req, verb: 'delete', name: item.metadata.name, namespace: item.metadata.namespace },
      }).catch((err: unknown) => {
        if (err instanceof ApiError && err.status.code === 404) return undefined;
        throw err;
      });
      if (res) deleted.push(res.body as StoredObject);
    }
    return {
      code: 200,
      body: {
        kind: r.info.listKind,
        apiVersion: r.info.group ? `${r.info.group}/${r.info.version}` : r.info.version,
        metadata: { resourceVersion: String(revision) },
        items: deleted,
      },
    };
  }

  /** pods/binding: assigns the pod to a node, once (the scheduler's write). */
  private async bind(r: Resolved): Promise<ApiResponse> {
    const body = (r.req.body ?? {}) as { target?: { name?: string; kind?: string } };
    const node = body.target?.name;
    if (!node)
      throw errors.invalid({ kind: 'Binding', group: '' }, r.req.name ?? '', [
        { reason: 'FieldValueRequired', message: 'Required value', field: 'target.name' },
      ]);
    await this.guaranteedUpdate(
      { ...r, req: { ...r.req, subresource: undefined } },
      undefined,
      (old) => {
        const assigned = (old.spec as { nodeName?: string } | undefined)?.nodeName;
        if (assigned)
          throw errors.conflict(
            { plural: 'pods/binding', group: '' },
            old.metadata.name,
            `pod ${old.metadata.name} is already assigned to node "${assigned}"`,
          );
        // As kube-apiserver's assignPod: the binding also records PodScheduled=True, so the scheduler needs no
        // second write.
        const status = (old.status ?? {}) as { conditions?: { type: string; status: string }[] };
        const conditions = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
        const scheduled = {
          type: 'PodScheduled',
          status: 'True',
          lastProbeTime: null,
          lastTransitionTime: this.now(),
        };
        return {
          ...old,
          spec: { ...(old.spec as object), nodeName: node },
          status: { ...status, conditions: [...conditions, scheduled] },
        };
      },
      'system',
    );
    return { code: 201, body: successStatus() };
  }

  /** pods/eviction: a delete that honours the eviction's DeleteOptions. */
  private async evict(r: Resolved): Promise<ApiResponse> {
    const body = (r.req.body ?? {}) as { deleteOptions?: Record<string, unknown> };
    await this.delete({
      ...r,
      req: { ...r.req, verb: 'delete', subresource: undefined, body: body.deleteOptions ?? {} },
    });
    return { code: 201, body: successStatus() };
  }

  /**
   * Reads the current object, computes the new one, admits it and writes it with the read resourceVersion
   * as precondition; on conflict starts over, unless the user pinned a resourceVersion.
   *
   * As Kubernetes' GuaranteedUpdate starts from its watch cache, the first attempt reads this replica's
   * state without a read barrier (a Raft round trip through the leader): the resourceVersion precondition
   * makes the state machine refuse a write computed from a stale object (Conflict, and the retry reads
   * consistently), and an outcome the read alone decides — not found, a refused mutation or admission — is
   * decided again from a consistent read before it is answered. Dry runs read consistently.
   */
  private async guaranteedUpdate(
    r: Resolved,
    userRv: string | undefined,
    mutate: (old: StoredObject) => StoredObject,
    /** `system`: a server-side write (binding) that bypasses user validation and writes the whole object. */
    mode?: 'system',
  ): Promise<ApiResponse> {
    const name = r.req.name ?? '';
    let consistent = this.dryRun(r);
    for (let attempt = 0; ; attempt++) {
      let prepared: { admitted: StoredObject; pinned: string | undefined };
      try {
        prepared = await this.prepareUpdate(r, name, userRv, mutate, mode, consistent);
      } catch (err) {
        if (consistent) throw err;
        consistent = true; // decide it again from a consistent read
        attempt--;
        continue;
      }
      consistent = true; // a retry after a Conflict reads consistently
      const { admitted, pinned } = prepared;
      const scope =
        mode === 'system' ? 'all' : r.req.subresource === 'status' ? 'status' : mainUpdateScope(r.info);
      if (this.dryRun(r))
        return { code: 200, body: r.req.subresource === 'scale' ? toScale(admitted) : admitted };
      const result = await this.execute({
        ...this.base(r),
        op: 'update',
        object: admitted,
        scope,
        tracksGeneration: GENERATION_KINDS.has(r.info.kind),
      });
      if (!result.ok && result.reason === 'Conflict' && pinned === undefined && attempt < CONFLICT_RETRIES)
        continue;
      const obj = this.unwrap(result, r, name);
      return { code: 200, body: r.req.subresource === 'scale' ? toScale(obj) : obj };
    }
  }

  /** One attempt's read, mutation and admission: the object to write and the user's precondition, if any. */
  private async prepareUpdate(
    r: Resolved,
    name: string,
    userRv: string | undefined,
    mutate: (old: StoredObject) => StoredObject,
    mode: 'system' | undefined,
    consistent: boolean,
  ): Promise<{ admitted: StoredObject; pinned: string | undefined }> {
    const old = await this.reads.current(r, name, consistent);
    const mutated = keepSystemMetadata(mutate(old), old);
    // An update that omits the allocated cluster IP or node ports keeps them (kubectl apply, replace).
    const next =
      r.info.group === '' && r.info.plural === 'services'
        ? (carryOverServiceAllocations(
            mutated as unknown as Service,
            old as unknown as Service,
          ) as unknown as StoredObject)
        : mutated;
    const pinned =
      userRv ??
      (next.metadata.resourceVersion !== old.metadata.resourceVersion
        ? next.metadata.resourceVersion
        : undefined);
    const candidate = {
      ...next,
      metadata: { ...next.metadata, resourceVersion: pinned ?? old.metadata.resourceVersion ?? '' },
    };
    const admitted = mode === 'system' ? candidate : this.admit(r, candidate, old);
    return { admitted, pinned };
  }

  /** Defaults and validation; a create when `old` is undefined. */
  private admit(r: Resolved, obj: StoredObject, old: StoredObject | undefined): StoredObject {
    const defaulted = this.admission.defaults(r.info, obj);
    const causes = old
      ? this.admission.validateUpdate(r.info, defaulted, old)
      : this.admission.validateCreate(r.info, defaulted);
    if (causes.length > 0) throw errors.invalid(r.info, obj.metadata.name, causes);
    return defaulted;
  }

  private applied(r: Resolved, text: string, doc: unknown): Record<string, unknown> {
    try {
      return applyPatch(r.req.patchType ?? 'application/merge-patch+json', doc as never, text, {
        group: r.info.group,
        kind: r.info.kind,
      }) as Record<string, unknown>;
    } catch (err) {
      if (err instanceof PatchError || err instanceof UnsupportedPatchTypeError) {
        throw new ApiError(err.toStatus() as unknown as Status);
      }
      throw err;
    }
  }

  private async execute(cmd: StoreCommand): Promise<ApplyResult> {
    return this.store.execute(cmd);
  }

  private unwrap(result: ApplyResult, r: Resolved, name: string): StoredObject {
    if (result.ok) return result.object;
    throw storeFailure(result.reason, result.message, r.info, name, (result.causes ?? []) as StatusCause[]);
  }

  private base(r: Resolved) {
    return {
      id: `${this.o.newUid()}-${++this.commandSeq}`,
      now: this.now(),
      resource: resourceKey(r.info),
      ...(r.req.fence ? { fence: r.req.fence } : {}),
    };
  }

  private now(): string {
    return new Date(this.o.clock.wallNow()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  /** `{namespace}` for a namespaced resource (which must have one in the URL), `{}` otherwise. */
  private nsFields(r: Resolved): { namespace?: string } {
    if (!r.info.namespaced) return {};
    if (!r.req.namespace) throw errors.notFoundPath();
    return { namespace: r.req.namespace };
  }

  private dryRun(r: Resolved): boolean {
    return r.req.query?.dryRun === 'All';
  }

  /** The request body as an object of this resource's kind, or a 400. */
  private bodyObject(r: Resolved): StoredObject {
    const body = r.req.body;
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw errors.badRequest('the request body must be a JSON object');
    const o = body as Partial<StoredObject>;
    const expectKind = r.req.subresource === 'scale' ? 'Scale' : r.info.kind;
    if (o.kind !== undefined && o.kind !== expectKind) {
      throw errors.badRequest(
        `${expectKind} in version "${r.info.version}" cannot be handled as a ${expectKind}: the object has kind "${o.kind}"`,
      );
    }
    const metadata = (o.metadata ?? {}) as StoredObject['metadata'];
    if (
      r.info.namespaced &&
      metadata.namespace &&
      r.req.namespace &&
      metadata.namespace !== r.req.namespace
    ) {
      throw errors.badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    const apiVersion = r.info.group ? `${r.info.group}/${r.info.version}` : r.info.version;
    return { ...o, apiVersion: o.apiVersion ?? apiVersion, kind: expectKind, metadata } as StoredObject;
  }
}

/**
 * Kubernetes' rest.BeforeUpdate: an update cannot change the system fields of metadata, so they are taken
 * from the stored object (a client that round-trips an object, or sends one without them, is not refused).
 */
function keepSystemMetadata(next: StoredObject, old: StoredObject): StoredObject {
  const m = { ...next.metadata };
  const uid = m.uid || old.metadata.uid;
  if (uid) m.uid = uid;
  for (const k of [
    'creationTimestamp',
    'generation',
    'deletionTimestamp',
    'deletionGracePeriodSeconds',
  ] as const) {
    if (old.metadata[k] === undefined) delete m[k];
    else m[k] = old.metadata[k] as never;
  }
  return { ...next, metadata: m };
}

interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

/** DeleteOptions from the body (kubectl) or the query (curl-style), body first. */
function deleteOptions(r: Resolved): DeleteOptions {
  const b = (r.req.body && typeof r.req.body === 'object' ? r.req.body : {}) as Record<string, unknown>;
  const q = r.req.query ?? {};
  const grace =
    b.gracePeriodSeconds ?? (q.gracePeriodSeconds === undefined ? undefined : Number(q.gracePeriodSeconds));
  let policy = (b.propagationPolicy ?? q.propagationPolicy) as DeleteOptions['propagationPolicy'] | undefined;
  if (policy === undefined && (b.orphanDependents === true || q.orphanDependents === 'true'))
    policy = 'Orphan';
  if (policy !== undefined && !['Background', 'Foreground', 'Orphan'].includes(policy)) {
    throw errors.badRequest(
      `invalid propagationPolicy "${policy}": must be Background, Foreground or Orphan`,
    );
  }
  if (grace !== undefined && !(typeof grace === 'number' && Number.isInteger(grace) && grace >= 0)) {
    throw errors.badRequest('gracePeriodSeconds must be a non-negative integer');
  }
  const dry = Array.isArray(b.dryRun) ? (b.dryRun as string[]).includes('All') : q.dryRun === 'All';
  return {
    ...(grace === undefined ? {} : { gracePeriodSeconds: grace as number }),
    ...(policy ? { propagationPolicy: policy } : {}),
    ...(b.preconditions ? { preconditions: b.preconditions as DeleteOptions['preconditions'] & object } : {}),
    dryRun: dry,
  };
}
