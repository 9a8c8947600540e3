/**
 * What a Service's Endpoints should hold (endpoints_controller.go `syncService`, endpointslice/util and
 * pkg/api/v1/endpoints `RepackSubsets`), as pure functions of the Service and its pods. Shared with the
 * EndpointSlice controller: which pods count, how a service port resolves on a pod, addresses and hostnames.
 */
import {
  type EndpointAddress,
  type EndpointPort,
  type EndpointSubset,
  type Endpoints,
  type Pod,
  type Service,
  type ServicePort,
  canonicalJson,
} from '@kubelab/api-types';
import { isPodReady, isPodTerminal } from '@kubelab/controller-kit';

/** `service.kubernetes.io/headless`: set on the Endpoints (and slices) of a Service without a cluster IP. */
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

/** `ShouldPodBeInEndpoints`: not terminal, has an IP, and not terminating unless `includeTerminating`. */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (!podIPv4(pod)) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return true;
}

/** The pod's IPv4 address (kubelab's services are IPv4 single-stack), or undefined. */
export function podIPv4(pod: Pod): string | undefined {
  const ips = [pod.status?.podIP, ...(pod.status?.podIPs ?? []).map((p) => p.ip)];
  return ips.find((ip): ip is string => typeof ip === 'string' && /^\d+\.\d+\.\d+\.\d+$/.test(ip));
}

/**
 * `podutil.FindPort`: a numeric targetPort is used as is (the service port when unset); a named one is the
 * containerPort of that name and protocol on any container. Undefined when the name is not found.
 */
export function findPort(pod: Pod, port: ServicePort): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = port.protocol ?? 'TCP';
  for (const c of pod.spec.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
    }
  }
  return undefined;
}

/** `ShouldSetHostname`: the pod names a hostname and its subdomain is this Service, in the same namespace. */
export function shouldSetHostname(pod: Pod, svc: Service): boolean {
  return (
    !!pod.spec.hostname &&
    pod.spec.subdomain === svc.metadata.name &&
    pod.metadata.namespace === svc.metadata.namespace
  );
}

/** True when the Service has no cluster IP (headless). */
export function isHeadless(svc: Service): boolean {
  return svc.spec.clusterIP === 'None';
}

/** `podToEndpointAddressForService`: the pod's address with nodeName and a targetRef to the pod. */
export function podEndpointAddress(svc: Service, pod: Pod): EndpointAddress | undefined {
  const ip = podIPv4(pod);
  if (!ip) return undefined;
  const addr: EndpointAddress = {
    ip,
    nodeName: pod.spec.nodeName ?? '',
    targetRef: {
      kind: 'Pod',
      namespace: pod.metadata.namespace ?? 'default',
      name: pod.metadata.name ?? '',
      uid: pod.metadata.uid ?? '',
    },
  };
  if (shouldSetHostname(pod, svc)) addr.hostname = pod.spec.hostname as string;
  return addr;
}

/** `endpointPortFromServicePort`. */
export function endpointPort(port: ServicePort, portNum: number): EndpointPort {
  const out: EndpointPort = { port: portNum, protocol: port.protocol ?? 'TCP' };
  if (port.name) out.name = port.name;
  if (port.appProtocol) out.appProtocol = port.appProtocol;
  return out;
}

/** One (address, ready, ports) row before repacking. */
interface Row {
  readonly addr: EndpointAddress;
  readonly ready: boolean;
  readonly ports: readonly EndpointPort[];
}

/** The subsets of `svc` over `pods` (the pods its selector matches), repacked and sorted. */
export function computeSubsets(svc: Service, pods: readonly Pod[]): EndpointSubset[] {
  const tolerateUnready = svc.spec.publishNotReadyAddresses === true;
  const rows: Row[] = [];
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, tolerateUnready)) continue;
    const addr = podEndpointAddress(svc, pod);
    if (!addr) continue;
    const ready = tolerateUnready || isPodReady(pod);
    const ports = svc.spec.ports ?? [];
    if (ports.length === 0) {
      // A headless Service may have no ports: its addresses are still published, with no ports.
      if (isHeadless(svc)) rows.push({ addr, ready, ports: [] });
      continue;
    }
    for (const sp of ports) {
      const num = findPort(pod, sp);
      if (num !== undefined) rows.push({ addr, ready, ports: [endpointPort(sp, num)] });
    }
  }
  return repack(rows);
}

const addrKey = (a: EndpointAddress) => `${a.ip}/${a.targetRef?.uid ?? ''}`;
const portKey = (p: EndpointPort) => `${p.name ?? ''}/${p.port}/${p.protocol ?? ''}/${p.appProtocol ?? ''}`;

/**
 * `RepackSubsets`: one subset per distinct set of addresses, with every port those addresses share; an address
 * ready on any port counts as ready. Addresses sorted by IP, ports by name then number, subsets by their first
 * address.
 */
export function repack(rows: readonly Row[]): EndpointSubset[] {
  const addrs = new Map<string, { addr: EndpointAddress; ready: boolean }>();
  const byPort = new Map<string, { port: EndpointPort | undefined; addrs: Set<string> }>();
  for (const r of rows) {
    const ak = addrKey(r.addr);
    const seen = addrs.get(ak);
    addrs.set(ak, { addr: r.addr, ready: (seen?.ready ?? false) || r.ready });
    for (const p of r.ports.length === 0 ? [undefined] : r.ports) {
      const pk = p ? portKey(p) : '-';
      const entry = byPort.get(pk) ?? { port: p, addrs: new Set<string>() };
      entry.addrs.add(ak);
      byPort.set(pk, entry);
    }
  }
  const groups = new Map<string, { addrs: string[]; ports: EndpointPort[] }>();
  for (const { port, addrs: set } of byPort.values()) {
    const members = [...set].sort();
    const gk = members.join(',');
    const g = groups.get(gk) ?? { addrs: members, ports: [] };
    if (port) g.ports.push(port);
    groups.set(gk, g);
  }
  const subsets: EndpointSubset[] = [];
  for (const g of groups.values()) {
    const entries = g.addrs.map((k) => addrs.get(k)).filter((e) => e !== undefined);
    const ready = entries.filter((e) => e.ready).map((e) => e.addr);
    const notReady = entries.filter((e) => !e.ready).map((e) => e.addr);
    const subset: EndpointSubset = {};
    if (ready.length > 0) subset.addresses = sortAddresses(ready);
    if (notReady.length > 0) subset.notReadyAddresses = sortAddresses(notReady);
    if (g.ports.length > 0) subset.ports = g.ports.sort((a, b) => portKey(a).localeCompare(portKey(b)));
    subsets.push(subset);
  }
  return subsets.sort((a, b) => firstIp(a).localeCompare(firstIp(b)));
}

function sortAddresses(addrs: EndpointAddress[]): EndpointAddress[] {
  return addrs.sort((a, b) => compareIp(a.ip, b.ip) || addrKey(a).localeCompare(addrKey(b)));
}

function compareIp(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function firstIp(s: EndpointSubset): string {
  const ip = s.addresses?.[0]?.ip ?? s.notReadyAddresses?.[0]?.ip ?? '';
  return ip
    .split('.')
    .map((o) => o.padStart(3, '0'))
    .join('.');
}

/** The labels the Endpoints carry: the Service's, plus the headless label when it has no cluster IP. */
export function endpointsLabels(svc: Service): Record<string, string> {
  const labels = { ...(svc.metadata.labels ?? {}) };
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
  else delete labels[HEADLESS_LABEL];
  return labels;
}

/**
 * The Endpoints object to write for `svc`, or undefined when `current` already holds it (same subsets and
 * labels). `current` is the cached Endpoints, if any; the result keeps its metadata (resourceVersion).
 */
export function desiredEndpoints(
  svc: Service,
  pods: readonly Pod[],
  current: Endpoints | undefined,
): Endpoints | undefined {
  const subsets = computeSubsets(svc, pods);
  const labels = endpointsLabels(svc);
  if (
    current &&
    canonicalJson(current.subsets ?? []) === canonicalJson(subsets) &&
    canonicalJson(current.metadata.labels ?? {}) === canonicalJson(labels)
  ) {
    return undefined;
  }
  const base: Endpoints = current
    ? structuredClone(current)
    : {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: svc.metadata.name ?? '', namespace: svc.metadata.namespace ?? 'default' },
      };
  base.metadata.labels = labels;
  base.subsets = subsets;
  return base;
}
