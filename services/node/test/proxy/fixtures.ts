/** Small builders of Services and EndpointSlices for the proxy tests. */
import type { Endpoint, EndpointSlice, Service, ServicePort, ServiceSpec } from '@kubelab/api-types';

/** A Service `ns/name` with `spec` (ClusterIP type unless given). */
export function service(
  name: string,
  spec: Partial<ServiceSpec>,
  status?: Service['status'],
  ns = 'default',
): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: { type: 'ClusterIP', ...spec },
    ...(status === undefined ? {} : { status }),
  };
}

/** A TCP service port. */
export function port(p: number, extra: Partial<ServicePort> = {}): ServicePort {
  return { port: p, protocol: 'TCP', ...extra };
}

/** An endpoint at `ip`, ready unless `conditions` say otherwise. */
export function ep(
  ip: string,
  conditions: Endpoint['conditions'] = { ready: true },
  nodeName?: string,
): Endpoint {
  return { addresses: [ip], conditions, ...(nodeName === undefined ? {} : { nodeName }) };
}

/** An IPv4 EndpointSlice of service `svc` with these ports and endpoints. */
export function slice(
  name: string,
  svc: string,
  ports: NonNullable<EndpointSlice['ports']>,
  endpoints: Endpoint[],
  ns = 'default',
): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: ns, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports,
    endpoints,
  };
}
