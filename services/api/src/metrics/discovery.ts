/**
 * Discovery entries of the `metrics.k8s.io` group, shaped as kube-apiserver publishes metrics-server's
 * APIService: aggregated (`/apis`), legacy APIGroupList / APIGroup (`/apis`, `/apis/metrics.k8s.io`) and the
 * APIResourceList of `/apis/metrics.k8s.io/v1beta1`. kubectl top checks the group in `ServerGroups()` before
 * it asks for metrics ("Metrics API not available" otherwise). PURE.
 *
 * The group is not in @kubelab/api-types' resource registry on purpose: its resources are read-only views
 * computed from pods and nodes, not stored objects, so nothing else there (storage, OpenAPI, Tables) applies.
 */
import type { APIGroup, APIGroupDiscovery, APIResourceList } from '@kubelab/api-types';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';

/** One metrics resource: its plural, kind, scope and singular name (metrics-server's GetSingularName). */
export interface MetricsResource {
  readonly plural: 'nodes' | 'pods';
  readonly kind: 'NodeMetrics' | 'PodMetrics';
  readonly namespaced: boolean;
  readonly singular: string;
  /** The resource Status messages name (`podmetrics.metrics.k8s.io "default/x" not found`). */
  readonly errorResource: 'nodemetrics' | 'podmetrics';
}

export const NODE_METRICS: MetricsResource = {
  plural: 'nodes',
  kind: 'NodeMetrics',
  namespaced: false,
  singular: 'node',
  errorResource: 'nodemetrics',
};
export const POD_METRICS: MetricsResource = {
  plural: 'pods',
  kind: 'PodMetrics',
  namespaced: true,
  singular: '',
  errorResource: 'podmetrics',
};
const RESOURCES = [NODE_METRICS, POD_METRICS] as const;
const VERBS: ['get', 'list'] = ['get', 'list'];
const GROUP_VERSION = { groupVersion: `${METRICS_GROUP}/${METRICS_VERSION}`, version: METRICS_VERSION };

/** The group's entry in the aggregated `/apis` document. */
export function metricsGroupDiscovery(): APIGroupDiscovery {
  return {
    metadata: { name: METRICS_GROUP },
    versions: [
      {
        version: METRICS_VERSION,
        resources: RESOURCES.map((r) => ({
          resource: r.plural,
          responseKind: { group: METRICS_GROUP, version: METRICS_VERSION, kind: r.kind },
          scope: r.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: r.singular,
          verbs: [...VERBS],
        })),
        freshness: 'Current',
      },
    ],
  };
}

/** The group's entry in the legacy APIGroupList (kind/apiVersion are set only on `/apis/metrics.k8s.io`). */
export function metricsApiGroup(): APIGroup {
  return { name: METRICS_GROUP, versions: [{ ...GROUP_VERSION }], preferredVersion: { ...GROUP_VERSION } };
}

/** `/apis/metrics.k8s.io/v1beta1`. */
export function metricsResourceList(): APIResourceList {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: GROUP_VERSION.groupVersion,
    resources: RESOURCES.map((r) => ({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: [...VERBS],
    })),
  };
}
