/**
 * The HTTP side of the Metrics API, read-only as metrics-server serves it:
 *
 *   GET /apis/metrics.k8s.io/v1beta1/nodes[/<name>]
 *   GET /apis/metrics.k8s.io/v1beta1/pods                                   (all namespaces)
 *   GET /apis/metrics.k8s.io/v1beta1/namespaces/<ns>/pods[/<name>]
 *
 * `labelSelector` and `fieldSelector` pass on to the pods or nodes read. Always JSON: `kubectl top` asks
 * with the metrics clientset (Accept `application/json` plus a wildcard), never for a Table. Other verbs
 * (watch, writes) answer 405, unknown paths 404.
 */
import type { Clock } from '@kubelab/clock';
import type { Context } from 'hono';
import type { ApiHandler } from '../core/handler.js';
import { parseResourcePath, verbOf } from '../http/request-path.js';
import { jsonResponse, renderResponse } from '../http/response.js';
import { httpErrors } from '../http/status.js';
import { METRICS_GROUP, METRICS_VERSION, NODE_METRICS, POD_METRICS } from './discovery.js';
import { MetricsReads } from './reads.js';

export interface MetricsRouteOptions {
  readonly handler: ApiHandler;
  readonly clock: Clock;
}

/** The path prefix the route serves (register it before the generic `/apis/*` resource route). */
export const METRICS_PATH = `/apis/${METRICS_GROUP}/${METRICS_VERSION}/*`;

const WATCH_VALUES = new Set(['true', '1', 't', 'T', 'TRUE', 'True']);

/**
 * The handler of every path under {@link METRICS_PATH}.
 *
 * @example
 * app.get('/apis/metrics.k8s.io/v1beta1/*', serveMetrics({ handler, clock }));
 */
export function serveMetrics(o: MetricsRouteOptions) {
  const reads = new MetricsReads(o);
  return async function metricsRoute(c: Context): Promise<Response> {
    const url = new URL(c.req.url);
    const path = parseResourcePath(url.pathname);
    const target =
      path?.resource === 'nodes' ? NODE_METRICS : path?.resource === 'pods' ? POD_METRICS : undefined;
    if (!path || !target || path.subresource !== undefined)
      return jsonResponse(404, httpErrors.notFoundPath());
    if (
      target.namespaced
        ? path.name !== undefined && path.namespace === undefined
        : path.namespace !== undefined
    )
      return jsonResponse(404, httpErrors.notFoundPath());
    const watch = WATCH_VALUES.has(url.searchParams.get('watch') ?? '');
    const verb = verbOf(c.req.method, path.name !== undefined, watch) ?? c.req.method.toLowerCase();
    if (verb !== 'get' && verb !== 'list')
      return jsonResponse(405, httpErrors.methodNotSupported(target.plural, METRICS_GROUP, verb));
    const user = c.get('user');
    const query = {
      labelSelector: url.searchParams.get('labelSelector') ?? undefined,
      fieldSelector: url.searchParams.get('fieldSelector') ?? undefined,
    };
    if (target === NODE_METRICS) {
      return renderResponse(
        path.name === undefined ? await reads.listNodes(user, query) : await reads.getNode(user, path.name),
      );
    }
    return renderResponse(
      path.name === undefined
        ? await reads.listPods(user, path.namespace, query)
        : await reads.getPod(user, path.namespace ?? '', path.name),
    );
  };
}
