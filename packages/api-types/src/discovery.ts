/**
 * Discovery documents, built from the registry as pure JSON values.
 *
 * - Aggregated (`/api`, `/apis`): an `apidiscovery.k8s.io/v2` APIGroupDiscoveryList. client-go only treats the
 *   body as aggregated when the response Content-Type is exactly {@link AGGREGATED_DISCOVERY_CONTENT_TYPE}.
 * - Legacy: `APIVersions` for `/api`, `APIGroupList` for `/apis`, `APIResourceList` for each group-version.
 */
import {
  GROUPS,
  type GroupVersionKind,
  RESOURCES,
  type ResourceInfo,
  type Verb,
  formatApiVersion,
  resourcesIn,
} from './resources.js';

/** The Content-Type an aggregated discovery response must carry. */
export const AGGREGATED_DISCOVERY_CONTENT_TYPE =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

export interface APISubresourceDiscovery {
  subresource: string;
  responseKind: GroupVersionKind;
  verbs: Verb[];
}

export interface APIResourceDiscovery {
  resource: string;
  responseKind: GroupVersionKind;
  scope: 'Namespaced' | 'Cluster';
  singularResource: string;
  verbs: Verb[];
  shortNames?: string[];
  categories?: string[];
  subresources?: APISubresourceDiscovery[];
}

export interface APIVersionDiscovery {
  version: string;
  resources: APIResourceDiscovery[];
  freshness: 'Current' | 'Stale';
}

export interface APIGroupDiscovery {
  metadata: { name: string };
  versions: APIVersionDiscovery[];
}

export interface APIGroupDiscoveryList {
  kind: 'APIGroupDiscoveryList';
  apiVersion: 'apidiscovery.k8s.io/v2';
  metadata: Record<string, never>;
  items: APIGroupDiscovery[];
}

function resourceDiscovery(r: ResourceInfo): APIResourceDiscovery {
  const out: APIResourceDiscovery = {
    resource: r.plural,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: [...r.verbs],
  };
  if (r.shortNames.length > 0) out.shortNames = [...r.shortNames];
  if (r.categories.length > 0) out.categories = [...r.categories];
  if (r.subresources.length > 0) {
    out.subresources = r.subresources.map((s) => ({
      subresource: s.name,
      responseKind: { ...s.responseKind },
      verbs: [...s.verbs],
    }));
  }
  return out;
}

function groupDiscovery(name: string, versions: readonly string[]): APIGroupDiscovery {
  return {
    metadata: { name },
    versions: versions.map((version) => ({
      version,
      resources: resourcesIn(name, version).map(resourceDiscovery),
      freshness: 'Current',
    })),
  };
}

/**
 * The aggregated discovery document for `/api` (only the core group, named `''`) or `/apis` (every other
 * group, in priority order). Serve it with {@link AGGREGATED_DISCOVERY_CONTENT_TYPE}.
 *
 * @example
 * aggregatedDiscovery('apis').items[0].metadata.name; // 'apps'
 */
export function aggregatedDiscovery(path: 'api' | 'apis'): APIGroupDiscoveryList {
  const groups = GROUPS.filter((g) => (path === 'api' ? g.name === '' : g.name !== ''));
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groups.map((g) => groupDiscovery(g.name, g.versions)),
  };
}

export interface APIVersions {
  kind: 'APIVersions';
  versions: string[];
  serverAddressByClientCIDRs: { clientCIDR: string; serverAddress: string }[];
}

/** Legacy `/api`: `{"kind":"APIVersions","versions":["v1"],...}`. `serverAddress` is `host:port`. */
export function apiVersions(serverAddress: string): APIVersions {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export interface GroupVersionForDiscovery {
  groupVersion: string;
  version: string;
}

export interface APIGroup {
  kind?: 'APIGroup';
  apiVersion?: 'v1';
  name: string;
  versions: GroupVersionForDiscovery[];
  preferredVersion: GroupVersionForDiscovery;
}

export interface APIGroupList {
  kind: 'APIGroupList';
  apiVersion: 'v1';
  groups: APIGroup[];
}

function apiGroupEntry(name: string, versions: readonly string[]): APIGroup {
  const gvs = versions.map((version) => ({ groupVersion: formatApiVersion(name, version), version }));
  return { name, versions: gvs, preferredVersion: { ...(gvs[0] as GroupVersionForDiscovery) } };
}

/** Legacy `/apis`: every non-core group with its versions and preferred version. */
export function apiGroupList(): APIGroupList {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: GROUPS.filter((g) => g.name !== '').map((g) => apiGroupEntry(g.name, g.versions)),
  };
}

/** Legacy `/apis/<group>`: one APIGroup, or undefined when the group is not served. */
export function apiGroup(name: string): APIGroup | undefined {
  const g = GROUPS.find((x) => x.name === name && name !== '');
  return g === undefined
    ? undefined
    : { kind: 'APIGroup', apiVersion: 'v1', ...apiGroupEntry(g.name, g.versions) };
}

export interface APIResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  group?: string;
  version?: string;
  kind: string;
  verbs: Verb[];
  shortNames?: string[];
  categories?: string[];
}

export interface APIResourceList {
  kind: 'APIResourceList';
  apiVersion?: 'v1';
  groupVersion: string;
  resources: APIResource[];
}

function legacyEntries(r: ResourceInfo): APIResource[] {
  const main: APIResource = {
    name: r.plural,
    singularName: r.singular,
    namespaced: r.namespaced,
    kind: r.kind,
    verbs: [...r.verbs],
  };
  if (r.shortNames.length > 0) main.shortNames = [...r.shortNames];
  if (r.categories.length > 0) main.categories = [...r.categories];
  const subs = r.subresources.map((s): APIResource => {
    const sameGv = s.responseKind.group === r.group && s.responseKind.version === r.version;
    return {
      name: `${r.plural}/${s.name}`,
      singularName: '',
      namespaced: r.namespaced,
      ...(sameGv ? {} : { group: s.responseKind.group, version: s.responseKind.version }),
      kind: s.responseKind.kind,
      verbs: [...s.verbs],
    };
  });
  return [main, ...subs];
}

/**
 * Legacy `/api/v1` or `/apis/<group>/<version>`: the resources and `<plural>/<sub>` subresource entries, sorted
 * by name. Undefined when the group-version is not served.
 */
export function apiResourceList(group: string, version: string): APIResourceList | undefined {
  const resources = resourcesIn(group, version);
  if (resources.length === 0) return undefined;
  const entries = resources
    .flatMap(legacyEntries)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const list: APIResourceList = {
    kind: 'APIResourceList',
    groupVersion: formatApiVersion(group, version),
    resources: entries,
  };
  // The real server omits apiVersion on /api/v1 and sets it on /apis/<g>/<v>; mirror that.
  return group === ''
    ? list
    : { kind: list.kind, apiVersion: 'v1', groupVersion: list.groupVersion, resources: entries };
}

/** Every served group-version as an apiVersion string (`v1`, `apps/v1`, …), as `kubectl api-versions` lists. */
export function servedApiVersions(): string[] {
  return GROUPS.flatMap((g) => g.versions.map((v) => formatApiVersion(g.name, v)));
}

/** The number of served resources (top-level, all versions); handy for sanity checks. */
export function servedResourceCount(): number {
  return RESOURCES.length;
}
