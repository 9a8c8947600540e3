/**
 * The Metrics API (`metrics.k8s.io/v1beta1`) served by the api itself, as metrics-server would serve it
 * behind kube-apiserver: discovery entries, read-only NodeMetrics/PodMetrics routes, and the pure conversion
 * from the kubelet's usage annotation. `kubectl top` works against it.
 */
export {
  METRICS_GROUP,
  METRICS_VERSION,
  metricsApiGroup,
  metricsGroupDiscovery,
  metricsResourceList,
} from './discovery.js';
export { METRICS_PATH, type MetricsRouteOptions, serveMetrics } from './routes.js';
export { MetricsReads } from './reads.js';
export * from './usage.js';
