/**
 * kube-proxy's tables as a pure function of the cache (STYLE.md principle 10): Services and EndpointSlices in,
 * one {@link ProxyRule} per frontend (ClusterIP:port, nodeIP:nodePort, LoadBalancer ingress IP:port, external
 * IP:port) out, each with the backends it spreads over. No I/O here; the {@link Proxier} turns rules into
 * listeners.
 *
 * Kubernetes' semantics (pkg/proxy: servicechangetracker, endpointslicecache, topology.CategorizeEndpoints):
 * - headless (clusterIP None) and ExternalName services get no rules;
 * - a service port's endpoints come from the slices labelled `kubernetes.io/service-name`, matched by port
 *   name and protocol; an endpoint counts by its first address; `ready` unset means ready;
 * - when a service has no ready endpoints, its serving-and-terminating ones are used instead;
 * - `internalTrafficPolicy: Local` restricts the ClusterIP to this node's endpoints, and
 *   `externalTrafficPolicy: Local` does the same for NodePort, LoadBalancer and external IPs;
 * - sessionAffinity ClientIP sticks for `sessionAffinityConfig.clientIP.timeoutSeconds` (10800 by default);
 * - a rule without backends is kept (the proxier refuses its connections, as iptables' REJECT does).
 */
import type { EndpointSlice, Service } from '@kubelab/api-types';

/** The label that ties an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** Kubernetes' default ClientIP affinity timeout (`v1.DefaultClientIPServiceAffinitySeconds`). */
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10_800;

/** The protocols kubelab proxies (SCTP ports are ignored). */
export type ProxyProtocol = 'TCP' | 'UDP';

/** Which address of the service a frontend serves. */
export const FrontendKind = {
  ClusterIP: 'ClusterIP',
  NodePort: 'NodePort',
  LoadBalancer: 'LoadBalancer',
  ExternalIP: 'ExternalIP',
} as const;
export type FrontendKind = (typeof FrontendKind)[keyof typeof FrontendKind];

/** One endpoint a frontend forwards to. */
export interface Backend {
  readonly ip: string;
  readonly port: number;
  /** The node the endpoint runs on, when the slice says. */
  readonly nodeName?: string;
}

/** One listening address and where its traffic goes. */
export interface ProxyRule {
  /** `protocol/ip:port`; unique in a rule set. */
  readonly key: string;
  readonly kind: FrontendKind;
  readonly protocol: ProxyProtocol;
  readonly ip: string;
  readonly port: number;
  /** `namespace/name` of the service. */
  readonly service: string;
  /** The service port's name ('' when unnamed). */
  readonly portName: string;
  /** Sorted by ip then port, without duplicates; empty means connections are refused. */
  readonly backends: readonly Backend[];
  /** Set for sessionAffinity ClientIP. */
  readonly affinityTimeoutMs?: number;
}

/** This node, as the rules see it. */
export interface ProxyNode {
  readonly name: string;
  /** Where NodePorts listen (kube-proxy's `--nodeport-addresses`); usually just the node's IP. */
  readonly nodePortAddresses: readonly string[];
}

/** The key a frontend is known by. */
export function ruleKey(protocol: ProxyProtocol, ip: string, port: number): string {
  return `${protocol}/${ip}:${port}`;
}

/** The key a backend is known by. */
export function backendKey(b: Pick<Backend, 'ip' | 'port'>): string {
  return `${b.ip}:${b.port}`;
}

/**
 * Every frontend this node should serve, sorted by key. When two services claim the same frontend (an external
 * IP or ingress IP given twice), the first service in `namespace/name` order wins, as the first matching
 * iptables rule would.
 *
 * @example
 * const rules = computeProxyRules(services, slices, { name: 'node-0', nodePortAddresses: ['127.0.100.1'] });
 */
export function computeProxyRules(
  services: readonly Service[],
  slices: readonly EndpointSlice[],
  node: ProxyNode,
): ProxyRule[] {
  const slicesByService = groupSlices(slices);
  const byKey = new Map<string, ProxyRule>();
  const sorted = [...services].sort((a, b) => compareStrings(serviceKey(a), serviceKey(b)));
  for (const svc of sorted) {
    for (const rule of serviceRules(svc, slicesByService.get(serviceKey(svc)) ?? [], node)) {
      if (!byKey.has(rule.key)) byKey.set(rule.key, rule);
    }
  }
  return [...byKey.values()].sort((a, b) => compareStrings(a.key, b.key));
}

/** The rules of one service. */
function serviceRules(svc: Service, slices: readonly EndpointSlice[], node: ProxyNode): ProxyRule[] {
  const spec = svc.spec;
  if (spec.type === 'ExternalName' || spec.clusterIP === 'None') return [];
  const affinityTimeoutMs = affinityTimeoutMsOf(svc);
  const rules: ProxyRule[] = [];
  for (const port of spec.ports ?? []) {
    const protocol = port.protocol ?? 'TCP';
    if (!isProxyProtocol(protocol)) continue;
    const portName = port.name ?? '';
    const endpoints = collectEndpoints(slices, portName, protocol);
    const internal = usableBackends(
      endpoints,
      spec.internalTrafficPolicy === 'Local' ? node.name : undefined,
    );
    const external = usableBackends(
      endpoints,
      spec.externalTrafficPolicy === 'Local' ? node.name : undefined,
    );
    const base = {
      protocol,
      service: serviceKey(svc),
      portName,
      ...(affinityTimeoutMs === undefined ? {} : { affinityTimeoutMs }),
    };
    const add = (kind: FrontendKind, ip: string, p: number, backends: readonly Backend[]) =>
      rules.push({ ...base, key: ruleKey(protocol, ip, p), kind, ip, port: p, backends });
    if (isIPv4(spec.clusterIP)) add(FrontendKind.ClusterIP, spec.clusterIP, port.port, internal);
    const hasNodePort = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
    if (hasNodePort && port.nodePort !== undefined && port.nodePort > 0) {
      for (const ip of node.nodePortAddresses) add(FrontendKind.NodePort, ip, port.nodePort, external);
    }
    if (spec.type === 'LoadBalancer') {
      for (const ingress of svc.status?.loadBalancer?.ingress ?? []) {
        if (isIPv4(ingress.ip)) add(FrontendKind.LoadBalancer, ingress.ip, port.port, external);
      }
    }
    for (const ip of spec.externalIPs ?? []) {
      if (isIPv4(ip)) add(FrontendKind.ExternalIP, ip, port.port, external);
    }
  }
  return rules;
}

/** An endpoint of one service port with its conditions resolved. */
interface ResolvedEndpoint extends Backend {
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
}

/** The endpoints of the slices' port named `portName` with `protocol`, deduplicated by address and port. */
function collectEndpoints(
  slices: readonly EndpointSlice[],
  portName: string,
  protocol: ProxyProtocol,
): ResolvedEndpoint[] {
  const byKey = new Map<string, ResolvedEndpoint>();
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4') continue;
    const port = (slice.ports ?? []).find(
      (p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === protocol,
    );
    if (port?.port === undefined) continue;
    for (const ep of slice.endpoints ?? []) {
      const ip = ep.addresses?.[0];
      if (!isIPv4(ip)) continue;
      const ready = ep.conditions?.ready ?? true;
      const resolved: ResolvedEndpoint = {
        ip,
        port: port.port,
        ...(ep.nodeName === undefined ? {} : { nodeName: ep.nodeName }),
        ready,
        serving: ep.conditions?.serving ?? ready,
        terminating: ep.conditions?.terminating ?? false,
      };
      const key = backendKey(resolved);
      const seen = byKey.get(key);
      // A ready copy wins over a stale not-ready one while slices move an endpoint between them.
      if (seen === undefined || (!seen.ready && resolved.ready)) byKey.set(key, resolved);
    }
  }
  return [...byKey.values()];
}

/**
 * The backends traffic may use: the ready endpoints (on `onlyNode` when set), or, when there are none, the
 * serving terminating ones (Kubernetes' ProxyTerminatingEndpoints), sorted.
 */
function usableBackends(endpoints: readonly ResolvedEndpoint[], onlyNode: string | undefined): Backend[] {
  const eligible = onlyNode === undefined ? endpoints : endpoints.filter((e) => e.nodeName === onlyNode);
  let chosen = eligible.filter((e) => e.ready);
  if (chosen.length === 0) chosen = eligible.filter((e) => e.serving && e.terminating);
  return chosen
    .map(
      (e): Backend => ({
        ip: e.ip,
        port: e.port,
        ...(e.nodeName === undefined ? {} : { nodeName: e.nodeName }),
      }),
    )
    .sort((a, b) => compareStrings(a.ip, b.ip) || a.port - b.port);
}

/** The affinity timeout of a ClientIP-affine service, in ms; undefined without affinity. */
function affinityTimeoutMsOf(svc: Service): number | undefined {
  if (svc.spec.sessionAffinity !== 'ClientIP') return undefined;
  const seconds =
    svc.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT_SECONDS;
  return seconds * 1000;
}

/** Slices grouped by the `namespace/name` of the service they belong to. */
function groupSlices(slices: readonly EndpointSlice[]): Map<string, EndpointSlice[]> {
  const out = new Map<string, EndpointSlice[]>();
  for (const slice of slices) {
    const name = slice.metadata.labels?.[SERVICE_NAME_LABEL];
    if (name === undefined) continue;
    const key = `${slice.metadata.namespace ?? ''}/${name}`;
    const list = out.get(key);
    if (list === undefined) out.set(key, [slice]);
    else list.push(slice);
  }
  return out;
}

function isProxyProtocol(p: string): p is ProxyProtocol {
  return p === 'TCP' || p === 'UDP';
}

function serviceKey(svc: Service): string {
  return `${svc.metadata.namespace ?? ''}/${svc.metadata.name ?? ''}`;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** True for a dotted-quad IPv4 address (the only family kubelab's proxy serves). */
export function isIPv4(ip: string | undefined): ip is string {
  return ip !== undefined && IPV4.test(ip);
}
