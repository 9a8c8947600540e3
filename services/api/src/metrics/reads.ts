/**
 * The Metrics API's reads (get and list of NodeMetrics and PodMetrics), answered from this replica's store
 * as it is: the pods and nodes are read through the {@link ApiHandler} with `resourceVersion=0` (no read
 * barrier, no Raft round), the way metrics-server answers from its informer caches. Errors come back as
 * metrics-server's: a missing pod or node is the core NotFound (`pods "x" not found`), a pod or node without
 * usage `podmetrics.metrics.k8s.io "default/x" not found` / `nodemetrics.metrics.k8s.io "x" not found`.
 */
import { type Node, type Pod, notFound } from '@kubelab/api-types';
import type { Clock } from '@kubelab/clock';
import type { ApiHandler, ApiRequest, ApiResponse, RequestUser } from '../core/handler.js';
import { METRICS_GROUP, type MetricsResource, NODE_METRICS, POD_METRICS } from './discovery.js';
import { METRICS_API_VERSION, nodeMetricsOf, podMetricsOf, usageByNode } from './usage.js';

export interface MetricsReadsOptions {
  readonly handler: ApiHandler;
  /** The wall clock stamps `timestamp` and `creationTimestamp`. */
  readonly clock: Clock;
}

/** The selectors a metrics list passes on to the pods or nodes it reads. */
export interface MetricsListQuery {
  readonly labelSelector?: string | undefined;
  readonly fieldSelector?: string | undefined;
}

type Items<T> = { ok: true; items: T[] } | { ok: false; response: ApiResponse };

function selectors(q: MetricsListQuery): Record<string, string> {
  return {
    resourceVersion: '0',
    ...(q.labelSelector ? { labelSelector: q.labelSelector } : {}),
    ...(q.fieldSelector ? { fieldSelector: q.fieldSelector } : {}),
  };
}

function missing(r: MetricsResource, name: string): ApiResponse {
  const s = notFound(r.errorResource, METRICS_GROUP, name).status;
  return { code: s.code, body: s };
}

export class MetricsReads {
  constructor(private readonly o: MetricsReadsOptions) {}

  /** PodMetricsList of the Running pods with usage in `namespace` (all namespaces when undefined). */
  async listPods(
    user: RequestUser,
    namespace: string | undefined,
    q: MetricsListQuery,
  ): Promise<ApiResponse> {
    const pods = await this.#list<Pod>(user, 'pods', namespace, selectors(q));
    if (!pods.ok) return pods.response;
    const now = this.o.clock.wallNow();
    const items = pods.items.flatMap((p) => podMetricsOf(p, now) ?? []);
    return { code: 200, body: list(POD_METRICS, items) };
  }

  /** One pod's PodMetrics. */
  async getPod(user: RequestUser, namespace: string, name: string): Promise<ApiResponse> {
    const got = await this.#get(user, { resource: 'pods', namespace, name });
    if (got.code !== 200) return got;
    const m = podMetricsOf(got.body as Pod, this.o.clock.wallNow());
    if (!m) return missing(POD_METRICS, `${namespace}/${name}`);
    return { code: 200, body: { kind: POD_METRICS.kind, apiVersion: METRICS_API_VERSION, ...m } };
  }

  /** NodeMetricsList of the Ready nodes matching the selectors. */
  async listNodes(user: RequestUser, q: MetricsListQuery): Promise<ApiResponse> {
    const nodes = await this.#list<Node>(user, 'nodes', undefined, selectors(q));
    if (!nodes.ok) return nodes.response;
    const pods = await this.#list<Pod>(user, 'pods', undefined, { resourceVersion: '0' });
    if (!pods.ok) return pods.response;
    const byNode = usageByNode(pods.items);
    const now = this.o.clock.wallNow();
    const items = nodes.items.flatMap((n) => nodeMetricsOf(n, byNode.get(n.metadata.name ?? ''), now) ?? []);
    return { code: 200, body: list(NODE_METRICS, items) };
  }

  /** One node's NodeMetrics. */
  async getNode(user: RequestUser, name: string): Promise<ApiResponse> {
    const got = await this.#get(user, { resource: 'nodes', name });
    if (got.code !== 200) return got;
    const pods = await this.#list<Pod>(user, 'pods', undefined, {
      resourceVersion: '0',
      fieldSelector: `spec.nodeName=${name}`,
    });
    if (!pods.ok) return pods.response;
    const m = nodeMetricsOf(got.body as Node, usageByNode(pods.items).get(name), this.o.clock.wallNow());
    if (!m) return missing(NODE_METRICS, name);
    return { code: 200, body: { kind: NODE_METRICS.kind, apiVersion: METRICS_API_VERSION, ...m } };
  }

  async #list<T>(
    user: RequestUser,
    resource: 'pods' | 'nodes',
    namespace: string | undefined,
    query: Record<string, string>,
  ): Promise<Items<T>> {
    const req: ApiRequest = {
      verb: 'list',
      group: '',
      version: 'v1',
      resource,
      ...(namespace !== undefined ? { namespace } : {}),
      query,
    };
    const res = await this.o.handler.handle(req, user);
    if (res.code !== 200) return { ok: false, response: res };
    return { ok: true, items: ((res.body as { items?: T[] }).items ?? []) as T[] };
  }

  #get(
    user: RequestUser,
    target: { resource: 'pods' | 'nodes'; namespace?: string; name: string },
  ): Promise<ApiResponse> {
    const req: ApiRequest = {
      verb: 'get',
      group: '',
      version: 'v1',
      ...target,
      query: { resourceVersion: '0' },
    };
    return this.o.handler.handle(req, user);
  }
}

function list(r: MetricsResource, items: unknown[]) {
  return { kind: `${r.kind}List`, apiVersion: METRICS_API_VERSION, metadata: {}, items };
}
