/**
 * The EndpointSlice reconciler as a pure plan (pkg/controller/endpointslice/reconciler.go): from a Service,
 * the pods it selects and its existing slices, which slices to create, update and delete. Endpoints are grouped
 * by their resolved port list (pods whose named ports resolve differently land in different slices); each
 * slice holds at most {@link MAX_ENDPOINTS_PER_SLICE}. Existing slices keep the endpoints still wanted (updated
 * in place when they changed), slices left empty are deleted, and new endpoints fill slices already being
 * updated, then slices with room, then new slices. A Service with no endpoints keeps one empty placeholder
 * slice, as Kubernetes does.
 */
import { type Endpoint, type EndpointSlice, type Pod, type Service, canonicalJson } from '@kubelab/api-types';
import { isPodReady, newControllerRef } from '@kubelab/controller-kit';
import {
  HEADLESS_LABEL,
  findPort,
  isHeadless,
  podIPv4,
  shouldPodBeInEndpoints,
  shouldSetHostname,
} from '../endpoints/subsets.js';

/** `kubernetes.io/service-name`: the Service a slice belongs to. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** `endpointslice.kubernetes.io/managed-by`: which controller owns a slice. */
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
/** The value of {@link MANAGED_BY_LABEL} for this controller's slices. */
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
/** `--max-endpoints-per-slice` default. */
export const MAX_ENDPOINTS_PER_SLICE = 100;

/** One port of a slice. */
export type SlicePort = NonNullable<EndpointSlice['ports']>[number];

/** The endpoints wanted for one port list. */
interface PortGroup {
  readonly ports: SlicePort[];
  /** By endpoint key (the pod's uid), in pod order. */
  readonly endpoints: Map<string, Endpoint>;
}

/** What to write. Created slices carry `generateName`; updated ones keep their name and resourceVersion. */
export interface SlicePlan {
  readonly create: EndpointSlice[];
  readonly update: EndpointSlice[];
  readonly delete: EndpointSlice[];
}

/** `podToEndpoint`: the pod's address, conditions (ready/serving/terminating), targetRef, node and hostname. */
export function podToEndpoint(svc: Service, pod: Pod): Endpoint | undefined {
  const ip = podIPv4(pod);
  if (!ip) return undefined;
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata.deletionTimestamp;
  const ep: Endpoint = {
    addresses: [ip],
    conditions: {
      // For compatibility, a terminating pod is never "ready" unless the Service publishes not-ready addresses.
      ready: svc.spec.publishNotReadyAddresses === true || (serving && !terminating),
      serving,
      terminating,
    },
    targetRef: {
      kind: 'Pod',
      namespace: pod.metadata.namespace ?? 'default',
      name: pod.metadata.name ?? '',
      uid: pod.metadata.uid ?? '',
    },
  };
  if (pod.spec.nodeName) ep.nodeName = pod.spec.nodeName;
  if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec.hostname as string;
  return ep;
}

/** `getEndpointPorts`: the service ports that resolve on this pod (name always present, '' when unnamed). */
export function endpointPorts(svc: Service, pod: Pod): SlicePort[] {
  const out: SlicePort[] = [];
  for (const sp of svc.spec.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    const p: SlicePort = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
    if (sp.appProtocol) p.appProtocol = sp.appProtocol;
    out.push(p);
  }
  return out;
}

const portsKey = (ports: readonly SlicePort[] | undefined) => canonicalJson(ports ?? []);
const endpointKey = (ep: Endpoint) => ep.targetRef?.uid || ep.addresses.join(',');

/** The wanted endpoints of `svc` over the pods it selects, grouped by port list. Terminating pods included. */
export function desiredGroups(svc: Service, pods: readonly Pod[]): Map<string, PortGroup> {
  const groups = new Map<string, PortGroup>();
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ep = podToEndpoint(svc, pod);
    if (!ep) continue;
    const ports = endpointPorts(svc, pod);
    const key = portsKey(ports);
    let g = groups.get(key);
    if (!g) {
      g = { ports, endpoints: new Map() };
      groups.set(key, g);
    }
    g.endpoints.set(endpointKey(ep), ep);
  }
  return groups;
}

/** The labels of `svc`'s slices: its own labels, the service name, the manager, and headless when it is. */
export function sliceLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  delete labels[HEADLESS_LABEL];
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
  labels[SERVICE_NAME_LABEL] = svc.metadata.name ?? '';
  labels[MANAGED_BY_LABEL] = CONTROLLER_NAME;
  return labels;
}

/** A new slice for `svc` (named by the api from `<service>-`). */
export function newSlice(svc: Service, ports: SlicePort[], endpoints: Endpoint[]): EndpointSlice {
  const slice: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${svc.metadata.name}-`,
      namespace: svc.metadata.namespace ?? 'default',
      labels: sliceLabels(svc),
      ownerReferences: [newControllerRef(svc, 'v1', 'Service')],
    },
    addressType: 'IPv4',
    endpoints,
  };
  if (ports.length > 0) slice.ports = ports;
  return slice;
}

function metaCurrent(svc: Service, slice: EndpointSlice): boolean {
  const owner = slice.metadata.ownerReferences?.find((r) => r.controller);
  return (
    canonicalJson(slice.metadata.labels ?? {}) === canonicalJson(sliceLabels(svc)) &&
    owner?.uid === svc.metadata.uid
  );
}

function withMeta(svc: Service, slice: EndpointSlice, endpoints: Endpoint[]): EndpointSlice {
  const next = structuredClone(slice);
  next.metadata.labels = sliceLabels(svc);
  next.metadata.ownerReferences = [newControllerRef(svc, 'v1', 'Service')];
  next.endpoints = endpoints;
  return next;
}

/** The plan for `svc` (see the file comment). `existing` are the slices this controller manages for it. */
export function planSlices(
  svc: Service,
  pods: readonly Pod[],
  existing: readonly EndpointSlice[],
  maxPerSlice = MAX_ENDPOINTS_PER_SLICE,
): SlicePlan {
  const groups = desiredGroups(svc, pods);
  const sorted = [...existing].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  if (groups.size === 0) return placeholderPlan(svc, sorted);
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  for (const slice of sorted) {
    if (!groups.has(portsKey(slice.ports))) plan.delete.push(slice);
  }
  for (const [key, group] of groups) {
    planGroup(
      svc,
      group,
      sorted.filter((s) => portsKey(s.ports) === key),
      maxPerSlice,
      plan,
    );
  }
  return plan;
}

/** No endpoints at all: keep (or make) one empty placeholder slice and delete the rest. */
function placeholderPlan(svc: Service, sorted: readonly EndpointSlice[]): SlicePlan {
  const isPlaceholder = (s: EndpointSlice) =>
    (s.endpoints ?? []).length === 0 && (s.ports ?? []).length === 0;
  const keep = sorted.find(isPlaceholder);
  const plan: SlicePlan = { create: [], update: [], delete: sorted.filter((s) => s !== keep) };
  if (!keep) plan.create.push(newSlice(svc, [], []));
  else if (!metaCurrent(svc, keep)) plan.update.push(withMeta(svc, keep, []));
  return plan;
}

function planGroup(
  svc: Service,
  group: PortGroup,
  slices: readonly EndpointSlice[],
  maxPerSlice: number,
  plan: SlicePlan,
): void {
  const placed = new Set<string>();
  const updated: EndpointSlice[] = [];
  const unchanged: EndpointSlice[] = [];
  for (const slice of slices) {
    let changed = !metaCurrent(svc, slice);
    const kept: Endpoint[] = [];
    for (const ep of slice.endpoints ?? []) {
      const key = endpointKey(ep);
      const want = group.endpoints.get(key);
      if (!want || placed.has(key) || kept.length >= maxPerSlice) {
        changed = true;
        continue;
      }
      placed.add(key);
      if (canonicalJson(ep) !== canonicalJson(want)) changed = true;
      kept.push(want);
    }
    if (kept.length === 0) plan.delete.push(slice);
    else if (changed) updated.push(withMeta(svc, slice, kept));
    else unchanged.push(slice);
  }
  const remaining = [...group.endpoints].filter(([k]) => !placed.has(k)).map(([, ep]) => ep);
  // Fill slices that are written anyway first, then unchanged ones with room, then new slices.
  for (const slice of updated) fill(slice, remaining, maxPerSlice);
  for (const slice of unchanged) {
    if (remaining.length === 0) break;
    if (slice.endpoints.length >= maxPerSlice) continue;
    const next = withMeta(svc, slice, [...slice.endpoints]);
    fill(next, remaining, maxPerSlice);
    updated.push(next);
  }
  while (remaining.length > 0) plan.create.push(newSlice(svc, group.ports, remaining.splice(0, maxPerSlice)));
  plan.update.push(...updated);
}

function fill(slice: EndpointSlice, remaining: Endpoint[], maxPerSlice: number): void {
  const room = maxPerSlice - slice.endpoints.length;
  if (room > 0) slice.endpoints.push(...remaining.splice(0, room));
}
