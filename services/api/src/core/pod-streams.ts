/**
 * The streaming pod subresources, `pods/log` and `pods/exec`, on the api's side: find the pod, pick and check
 * the container and the options as kube-apiserver does (`pkg/registry/core/pod/strategy.go` LogLocation,
 * ExecLocation, validateContainer; `ValidatePodLogOptions`), and hand the call to the pod's node over node
 * RPC. The fronts (HTTP, NATS) render the result.
 */
import { type Pod, type Status, badRequest, forbiddenCause, invalid, invalidCause } from '@kubelab/api-types';
import type { NodeExecIO, NodeExecRequest, NodeLogsRequest, NodeRpcClient } from '@kubelab/bus';
import { NodeRpcError } from '@kubelab/bus';
import type { Clock } from '@kubelab/clock';
import type { ApiHandler, ApiResponse, RequestUser } from './handler.js';
import { ApiError } from './status.js';

/** Where a log or exec call goes, or the answer that refuses it. */
export type PodStreamTarget<T> =
  | { readonly ok: true; readonly nodeName: string | undefined; readonly request: T }
  | { readonly ok: false; readonly response: ApiResponse };

export interface PodStreamsOptions {
  readonly handler: ApiHandler;
  readonly nodes: NodeRpcClient;
  /** For `sinceTime`, which the node receives as `sinceSeconds`. */
  readonly clock: Clock;
}

/** The coordinates of a pod subresource request. */
export interface PodRef {
  readonly namespace: string;
  readonly name: string;
}

const TRUE = new Set(['true', '1', 't', 'T', 'TRUE', 'True']);

/** A NodeRpcError (or anything else) as the Status the api answers with. */
export function nodeRpcStatus(err: unknown): Status {
  const e =
    err instanceof NodeRpcError
      ? err
      : new NodeRpcError(500, 'InternalError', err instanceof Error ? err.message : String(err));
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: e.message,
    reason: e.reason as NonNullable<Status['reason']>,
    code: e.code,
  };
}

function refuse(err: ApiError): { ok: false; response: ApiResponse } {
  return { ok: false, response: { code: err.status.code, body: err.status } };
}

/** An integer query parameter; throws 400 for a malformed one (Go's strconv error, shortened). */
function intParam(query: Record<string, string>, name: string): number | undefined {
  const raw = query[name];
  if (raw === undefined || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw))
    throw badRequest(`invalid value for ${name}: ${JSON.stringify(raw)}: not an integer`);
  return Number(raw);
}

/** `a container name must be specified …` / `container x is not valid for pod y` (validateContainer). */
export function pickContainer(pod: Pod, container: string | undefined): string {
  const spec = pod.spec;
  const all = [
    ...(spec?.initContainers ?? []),
    ...(spec?.containers ?? []),
    ...((spec as { ephemeralContainers?: { name: string }[] } | undefined)?.ephemeralContainers ?? []),
  ].map((c) => c.name);
  const name = pod.metadata.name ?? '';
  if (container === undefined || container === '') {
    const containers = spec?.containers ?? [];
    if (containers.length === 1 && containers[0]) return containers[0].name;
    if (containers.length === 0) throw badRequest(`a container name must be specified for pod ${name}`);
    throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${all.join(' ')}]`);
  }
  if (!all.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  return container;
}

/** PodLogOptions from the query, validated as ValidatePodLogOptions does (422 Invalid). */
function logOptions(
  query: Record<string, string>,
  ref: PodRef,
  nowMs: number,
): Omit<NodeLogsRequest, 'namespace' | 'pod' | 'container'> {
  const tailLines = intParam(query, 'tailLines');
  const limitBytes = intParam(query, 'limitBytes');
  let sinceSeconds = intParam(query, 'sinceSeconds');
  const sinceTime = query.sinceTime;
  const causes = [];
  if (tailLines !== undefined && tailLines < 0)
    causes.push(invalidCause('tailLines', tailLines, 'must be greater than or equal to 0'));
  if (limitBytes !== undefined && limitBytes < 1)
    causes.push(invalidCause('limitBytes', limitBytes, 'must be greater than 0'));
  if (sinceSeconds !== undefined && sinceTime !== undefined && sinceTime !== '')
    causes.push(forbiddenCause('', 'at most one of `sinceTime` or `sinceSeconds` may be specified'));
  else if (sinceSeconds !== undefined && sinceSeconds < 1)
    causes.push(invalidCause('sinceSeconds', sinceSeconds, 'must be greater than 0'));
  if (causes.length > 0) throw invalid('PodLogOptions', '', ref.name, causes);
  if (sinceSeconds === undefined && sinceTime !== undefined && sinceTime !== '') {
    const t = Date.parse(sinceTime);
    if (Number.isNaN(t)) throw badRequest(`invalid value for sinceTime: ${JSON.stringify(sinceTime)}`);
    sinceSeconds = Math.max(1, Math.ceil((nowMs - t) / 1000));
  }
  return {
    ...(TRUE.has(query.follow ?? '') ? { follow: true } : {}),
    ...(TRUE.has(query.previous ?? '') ? { previous: true } : {}),
    ...(TRUE.has(query.timestamps ?? '') ? { timestamps: true } : {}),
    ...(tailLines !== undefined ? { tailLines } : {}),
    ...(limitBytes !== undefined ? { limitBytes } : {}),
    ...(sinceSeconds !== undefined ? { sinceSeconds } : {}),
  };
}

/**
 * Resolves and starts pod log and exec calls.
 *
 * @example
 * const streams = new PodStreams({ handler: core, nodes: nodeRpcClient(bus), clock });
 * const target = await streams.resolveLogs({ namespace: 'default', name: 'web' }, query, user);
 * if (target.ok && target.nodeName) for await (const chunk of streams.logs(target.nodeName, target.request, signal)) …
 */
export class PodStreams {
  constructor(private readonly o: PodStreamsOptions) {}

  private async getPod(ref: PodRef, user: RequestUser): Promise<Pod | ApiResponse> {
    const res = await this.o.handler.handle(
      { verb: 'get', group: '', version: 'v1', resource: 'pods', namespace: ref.namespace, name: ref.name },
      user,
    );
    if (res.code !== 200) return res;
    return res.body as Pod;
  }

  /**
   * The node and options of `GET pods/{name}/log`. An unscheduled pod has no node (`nodeName` undefined):
   * kube-apiserver answers such a request with an empty log.
   */
  async resolveLogs(
    ref: PodRef,
    query: Record<string, string>,
    user: RequestUser,
  ): Promise<PodStreamTarget<NodeLogsRequest>> {
    const pod = await this.getPod(ref, user);
    if (!('metadata' in pod)) return { ok: false, response: pod };
    try {
      const container = pickContainer(pod, query.container);
      const options = logOptions(query, ref, this.o.clock.wallNow());
      const nodeName = pod.spec?.nodeName || undefined;
      return {
        ok: true,
        nodeName,
        request: { namespace: ref.namespace, pod: ref.name, container, ...options },
      };
    } catch (err) {
      if (err instanceof ApiError) return refuse(err);
      throw err;
    }
  }

  /** The node and command of `pods/{name}/exec` (a pod without a node is a 400, as in ExecLocation). */
  async resolveExec(
    ref: PodRef,
    opts: { container?: string | undefined; command: readonly string[]; tty?: boolean },
    user: RequestUser,
  ): Promise<PodStreamTarget<NodeExecRequest>> {
    const pod = await this.getPod(ref, user);
    if (!('metadata' in pod)) return { ok: false, response: pod };
    try {
      const container = pickContainer(pod, opts.container);
      if (opts.command.length === 0) throw badRequest('you must specify at least 1 command');
      const nodeName = pod.spec?.nodeName || undefined;
      if (nodeName === undefined) throw badRequest(`pod ${ref.name} does not have a host assigned`);
      return {
        ok: true,
        nodeName,
        request: {
          namespace: ref.namespace,
          pod: ref.name,
          container,
          command: opts.command,
          ...(opts.tty ? { tty: true } : {}),
        },
      };
    } catch (err) {
      if (err instanceof ApiError) return refuse(err);
      throw err;
    }
  }

  /** The log stream from the node (rejects on the first `next()` when the node refuses). */
  logs(nodeName: string, req: NodeLogsRequest, signal?: AbortSignal): AsyncIterable<string> {
    return this.o.nodes.logs(nodeName, req, signal);
  }

  /** Runs an exec call on the node. */
  exec(
    nodeName: string,
    req: NodeExecRequest,
    io: NodeExecIO,
    signal?: AbortSignal,
  ): Promise<{ exitCode: number }> {
    return this.o.nodes.exec(nodeName, req, io, signal);
  }

  /**
   * The whole log as one text answer, for fronts that cannot stream (the NATS front). `follow` is ignored:
   * the answer holds what the node has now.
   */
  async collectLogs(ref: PodRef, query: Record<string, string>, user: RequestUser): Promise<ApiResponse> {
    const target = await this.resolveLogs(ref, query, user);
    if (!target.ok) return target.response;
    if (target.nodeName === undefined) return { code: 200, body: '' };
    const { follow: _follow, ...request } = target.request;
    let text = '';
    try {
      for await (const chunk of this.logs(target.nodeName, request)) text += chunk;
    } catch (err) {
      const status = nodeRpcStatus(err);
      if (text === '') return { code: status.code, body: status };
    }
    return { code: 200, body: text };
  }
}
