/**
 * The resource registry: every resource kubelab serves, described the way Kubernetes' discovery describes it
 * (group, version, kind, plural, singular, scope, short names, categories, verbs, subresources).
 *
 * Verbs, short names and categories are those a v1.31/1.32 kube-apiserver advertises (checked against a real
 * `/api/v1` discovery response); `kubectl get all` relies on `categories: ['all']` and `kubectl get deploy` on
 * the short names. Proxy subresources and core `bindings`/`componentstatuses` are not served and not listed.
 */

/** An API verb as it appears in discovery. */
export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

/** A group/version/kind triple. The core group is `''`. */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** A subresource (`pods/log`, `deployments/scale`) and the kind its endpoint accepts or returns. */
export interface SubresourceInfo {
  name: string;
  responseKind: GroupVersionKind;
  verbs: readonly Verb[];
}

/** One served resource in one group-version. */
export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  /** The URL segment (`deployments`). */
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: readonly string[];
  categories: readonly string[];
  verbs: readonly Verb[];
  subresources: readonly SubresourceInfo[];
}

/** A served group and its versions, preferred version first. */
export interface GroupInfo {
  name: string;
  versions: readonly string[];
}

/** The verbs of an ordinary resource: full CRUD plus collection delete and watch. */
export const STANDARD_VERBS: readonly Verb[] = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];
const STATUS_VERBS: readonly Verb[] = ['get', 'patch', 'update'];
const SCALE_KIND: GroupVersionKind = { group: 'autoscaling', version: 'v1', kind: 'Scale' };

interface Spec {
  gv: string;
  kind: string;
  plural: string;
  namespaced?: boolean;
  short?: string[];
  all?: boolean;
  verbs?: readonly Verb[];
  /** Subresource name → [kind or 'group/version/Kind' or '' for the resource's own kind, verbs]. */
  sub?: Record<string, [string, readonly Verb[]]>;
}

const status: Record<string, [string, readonly Verb[]]> = { status: ['', STATUS_VERBS] };
const scaleAndStatus: Record<string, [string, readonly Verb[]]> = {
  scale: ['autoscaling/v1/Scale', STATUS_VERBS],
  ...status,
};

const SPECS: readonly Spec[] = [
  { gv: 'v1', kind: 'ConfigMap', plural: 'configmaps', short: ['cm'] },
  { gv: 'v1', kind: 'Endpoints', plural: 'endpoints', short: ['ep'] },
  { gv: 'v1', kind: 'Event', plural: 'events', short: ['ev'] },
  {
    gv: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    namespaced: false,
    short: ['ns'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    sub: { finalize: ['', ['update']], ...status },
  },
  { gv: 'v1', kind: 'Node', plural: 'nodes', namespaced: false, short: ['no'], sub: status },
  {
    gv: 'v1',
    kind: 'Pod',
    plural: 'pods',
    short: ['po'],
    all: true,
    sub: {
      attach: ['PodAttachOptions', ['create', 'get']],
      binding: ['Binding', ['create']],
      ephemeralcontainers: ['', STATUS_VERBS],
      eviction: ['policy/v1/Eviction', ['create']],
      exec: ['PodExecOptions', ['create', 'get']],
      log: ['', ['get']],
      portforward: ['PodPortForwardOptions', ['create', 'get']],
      ...status,
    },
  },
  {
    gv: 'v1',
    kind: 'ReplicationController',
    plural: 'replicationcontrollers',
    short: ['rc'],
    all: true,
    sub: scaleAndStatus,
  },
  { gv: 'v1', kind: 'Secret', plural: 'secrets' },
  { gv: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', short: ['sa'] },
  { gv: 'v1', kind: 'Service', plural: 'services', short: ['svc'], all: true, sub: status },
  { gv: 'apps/v1', kind: 'ControllerRevision', plural: 'controllerrevisions' },
  { gv: 'apps/v1', kind: 'DaemonSet', plural: 'daemonsets', short: ['ds'], all: true, sub: status },
  {
    gv: 'apps/v1',
    kind: 'Deployment',
    plural: 'deployments',
    short: ['deploy'],
    all: true,
    sub: scaleAndStatus,
  },
  { gv: 'apps/v1', kind: 'ReplicaSet', plural: 'replicasets', short: ['rs'], all: true, sub: scaleAndStatus },
  {
    gv: 'apps/v1',
    kind: 'StatefulSet',
    plural: 'statefulsets',
    short: ['sts'],
    all: true,
    sub: scaleAndStatus,
  },
  {
    gv: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    plural: 'horizontalpodautoscalers',
    short: ['hpa'],
    all: true,
    sub: status,
  },
  {
    gv: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    plural: 'horizontalpodautoscalers',
    short: ['hpa'],
    all: true,
    sub: status,
  },
  { gv: 'batch/v1', kind: 'Job', plural: 'jobs', all: true, sub: status },
  { gv: 'networking.k8s.io/v1', kind: 'Ingress', plural: 'ingresses', short: ['ing'], sub: status },
  { gv: 'coordination.k8s.io/v1', kind: 'Lease', plural: 'leases' },
  { gv: 'discovery.k8s.io/v1', kind: 'EndpointSlice', plural: 'endpointslices' },
];

/** Served groups in discovery order (Kubernetes' group priority), each with its versions, preferred first. */
export const GROUPS: readonly GroupInfo[] = [
  { name: '', versions: ['v1'] },
  { name: 'apps', versions: ['v1'] },
  { name: 'autoscaling', versions: ['v2', 'v1'] },
  { name: 'batch', versions: ['v1'] },
  { name: 'networking.k8s.io', versions: ['v1'] },
  { name: 'coordination.k8s.io', versions: ['v1'] },
  { name: 'discovery.k8s.io', versions: ['v1'] },
];

/** Splits `apps/v1` into `{group:'apps', version:'v1'}` and `v1` into `{group:'', version:'v1'}`. */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  if (slash < 0) return { group: '', version: apiVersion };
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** Joins group and version into an apiVersion (`apps/v1`, or `v1` for the core group). */
export function formatApiVersion(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

function buildInfo(spec: Spec): ResourceInfo {
  const { group, version } = parseApiVersion(spec.gv);
  const subresources = Object.entries(spec.sub ?? {}).map(([name, [kind, verbs]]): SubresourceInfo => {
    if (kind === '') return { name, responseKind: { group, version, kind: spec.kind }, verbs };
    const slash = kind.lastIndexOf('/');
    if (slash < 0) return { name, responseKind: { group, version, kind }, verbs };
    return {
      name,
      responseKind: { ...parseApiVersion(kind.slice(0, slash)), kind: kind.slice(slash + 1) },
      verbs,
    };
  });
  subresources.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    group,
    version,
    kind: spec.kind,
    listKind: `${spec.kind}List`,
    plural: spec.plural,
    singular: spec.kind.toLowerCase(),
    namespaced: spec.namespaced ?? true,
    shortNames: spec.short ?? [],
    categories: spec.all ? ['all'] : [],
    verbs: spec.verbs ?? STANDARD_VERBS,
    subresources,
  };
}

/** Every served resource, in every served version. Frozen: never mutate. */
export const RESOURCES: readonly ResourceInfo[] = Object.freeze(
  SPECS.map((s) => Object.freeze(buildInfo(s))),
);

function isPreferred(info: ResourceInfo): boolean {
  return GROUPS.find((g) => g.name === info.group)?.versions[0] === info.version;
}

/**
 * Finds a resource by its URL coordinates.
 *
 * @example
 * findResource('apps', 'v1', 'deployments')?.kind; // 'Deployment'
 */
export function findResource(group: string, version: string, plural: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

/**
 * Finds a resource by kind. Without a version the group's preferred version wins (HPA → autoscaling/v2); an
 * `apiVersion` (`autoscaling/v1`) pins it.
 */
export function findByKind(kind: string, apiVersion?: string): ResourceInfo | undefined {
  if (apiVersion !== undefined) {
    const { group, version } = parseApiVersion(apiVersion);
    return RESOURCES.find((r) => r.kind === kind && r.group === group && r.version === version);
  }
  const matches = RESOURCES.filter((r) => r.kind === kind);
  return matches.find(isPreferred) ?? matches[0];
}

/** Finds the preferred-version resource with this short name (`deploy`, `po`, `hpa`). */
export function findByShortName(shortName: string): ResourceInfo | undefined {
  const matches = RESOURCES.filter((r) => r.shortNames.includes(shortName));
  return matches.find(isPreferred) ?? matches[0];
}

/**
 * Resolves what a user may type for a resource, like kubectl's RESTMapper: plural, singular, short name or
 * kind (case-insensitive), optionally qualified with a group (`deployments.apps`, `hpa.autoscaling`).
 */
export function resolveResource(name: string): ResourceInfo | undefined {
  const lower = name.toLowerCase();
  const dot = lower.indexOf('.');
  const base = dot < 0 ? lower : lower.slice(0, dot);
  const group = dot < 0 ? undefined : lower.slice(dot + 1);
  const matches = RESOURCES.filter(
    (r) =>
      (group === undefined || r.group === group) &&
      (r.plural === base ||
        r.singular === base ||
        r.kind.toLowerCase() === base ||
        r.shortNames.includes(base)),
  );
  return matches.find(isPreferred) ?? matches[0];
}

/** The preferred-version resources in a category (`all`), in registry order. */
export function resourcesInCategory(category: string): ResourceInfo[] {
  return RESOURCES.filter((r) => r.categories.includes(category) && isPreferred(r));
}

/** The resources served in one group-version, sorted by plural as discovery lists them. */
export function resourcesIn(group: string, version: string): ResourceInfo[] {
  return RESOURCES.filter((r) => r.group === group && r.version === version).sort((a, b) =>
    a.plural < b.plural ? -1 : a.plural > b.plural ? 1 : 0,
  );
}

/** Finds a subresource of a resource (`findSubresource(pods, 'log')`). */
export function findSubresource(info: ResourceInfo, name: string): SubresourceInfo | undefined {
  return info.subresources.find((s) => s.name === name);
}

/** `group/resource` as Kubernetes prints it in messages: `deployments.apps`, or `pods` for the core group. */
export function qualifiedResource(plural: string, group: string): string {
  return group === '' ? plural : `${plural}.${group}`;
}

/** `Kind.group` as Kubernetes prints it in Invalid messages: `Deployment.apps`, or `Pod` for the core group. */
export function qualifiedKind(kind: string, group: string): string {
  return group === '' ? kind : `${kind}.${group}`;
}

/** The apiVersion string of a resource (`apps/v1`, `v1`). */
export function apiVersionOf(info: ResourceInfo): string {
  return formatApiVersion(info.group, info.version);
}
