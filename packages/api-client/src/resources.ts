/**
 * Which resource a call is about: group, version, plural and scope, as a value. The constants below cover the
 * resources kubelab serves (see `@kubelab/api-types` resources.ts); any other resource is just another
 * {@link ResourceRef} literal.
 */

/** A resource in one group-version. */
export interface ResourceRef {
  /** `''` for the core group. */
  readonly group: string;
  readonly version: string;
  /** Plural, e.g. `pods`. */
  readonly resource: string;
  readonly namespaced: boolean;
}

const ref = (group: string, version: string, resource: string, namespaced = true): ResourceRef =>
  Object.freeze({ group, version, resource, namespaced });

/**
 * The common resources.
 *
 * @example
 * const pod = await client.get(resources.pods, 'web-0', { namespace: 'default' });
 * await client.create(resources.pods, binding, { namespace: 'default', name: 'web-0', subresource: 'binding' });
 */
export const resources = {
  pods: ref('', 'v1', 'pods'),
  nodes: ref('', 'v1', 'nodes', false),
  services: ref('', 'v1', 'services'),
  endpoints: ref('', 'v1', 'endpoints'),
  events: ref('', 'v1', 'events'),
  namespaces: ref('', 'v1', 'namespaces', false),
  configmaps: ref('', 'v1', 'configmaps'),
  secrets: ref('', 'v1', 'secrets'),
  serviceaccounts: ref('', 'v1', 'serviceaccounts'),
  replicationcontrollers: ref('', 'v1', 'replicationcontrollers'),
  leases: ref('coordination.k8s.io', 'v1', 'leases'),
  deployments: ref('apps', 'v1', 'deployments'),
  replicasets: ref('apps', 'v1', 'replicasets'),
  statefulsets: ref('apps', 'v1', 'statefulsets'),
  daemonsets: ref('apps', 'v1', 'daemonsets'),
  controllerrevisions: ref('apps', 'v1', 'controllerrevisions'),
  endpointslices: ref('discovery.k8s.io', 'v1', 'endpointslices'),
  horizontalpodautoscalers: ref('autoscaling', 'v2', 'horizontalpodautoscalers'),
  jobs: ref('batch', 'v1', 'jobs'),
  ingresses: ref('networking.k8s.io', 'v1', 'ingresses'),
} as const satisfies Record<string, ResourceRef>;

/** Well-known subresources, for the `subresource` option. */
export const subresources = {
  status: 'status',
  scale: 'scale',
  binding: 'binding',
  eviction: 'eviction',
} as const;

/** `pods`, `deployments.apps`: how Kubernetes names a resource in messages. */
export function qualifiedResource(r: ResourceRef): string {
  return r.group === '' ? r.resource : `${r.resource}.${r.group}`;
}

/** The apiVersion of a resource's objects: `v1`, `apps/v1`. */
export function apiVersionOf(r: ResourceRef): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}
