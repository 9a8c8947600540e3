/**
 * Service validation (`ValidateService`, `ValidateServiceUpdate`): ports, selector, type, session affinity,
 * cluster IPs, node ports; plus Endpoints and EndpointSlice, whose port rules are the same family.
 */
import type { EndpointSlice, Endpoints, Service, ServicePort } from '../types/cluster.js';
import { validateDNS1123Label, validatePortNumOrName } from './container.js';
import {
  type Cause,
  GoRepr,
  duplicate,
  forbidden,
  goQuote,
  invalid,
  notSupported,
  required,
} from './field.js';
import { validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import {
  isDNS1123Subdomain,
  isValidIP,
  isValidPortNum,
  nameIsDNS1035Label,
  nameIsDNSSubdomain,
} from './names.js';

const SUPPORTED_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];

/** Options for service validation: the node port range the server's allocator serves. */
export interface ServiceValidationOptions {
  nodePortMin?: number;
  nodePortMax?: number;
}

function clusterIPsOf(svc: Service): string[] {
  const ips = svc.spec?.clusterIPs;
  if (ips && ips.length > 0) return ips;
  return svc.spec?.clusterIP ? [svc.spec.clusterIP] : [];
}

function isHeadless(svc: Service): boolean {
  const ips = clusterIPsOf(svc);
  return ips.length === 1 && ips[0] === 'None';
}

function goTargetPort(v: ServicePort['targetPort']): string {
  if (typeof v === 'string') return `intstr.IntOrString{Type:1, IntVal:0, StrVal:${goQuote(v)}}`;
  return `intstr.IntOrString{Type:0, IntVal:${v ?? 0}, StrVal:""}`;
}

/** `%#v` of the `core.ServicePort{Protocol, Port}` key Kubernetes reports for a duplicate port. */
function goServicePortKey(p: ServicePort): GoRepr {
  return new GoRepr(
    `core.ServicePort{Name:"", Protocol:${goQuote(p.protocol ?? '')}, AppProtocol:(*string)(nil), Port:${p.port}, TargetPort:${goTargetPort(0)}, NodePort:0}`,
  );
}

function validateServicePort(
  sp: ServicePort,
  requireName: boolean,
  names: Set<string>,
  path: string,
): Cause[] {
  const causes: Cause[] = [];
  if (requireName && !sp.name) causes.push(required(`${path}.name`, ''));
  else if (sp.name) {
    causes.push(...validateDNS1123Label(sp.name, `${path}.name`));
    if (names.has(sp.name)) causes.push(duplicate(`${path}.name`, sp.name));
    else names.add(sp.name);
  }
  causes.push(...isValidPortNum(sp.port ?? 0).map((m) => invalid(`${path}.port`, sp.port ?? 0, m)));
  if (!sp.protocol) causes.push(required(`${path}.protocol`, ''));
  else if (!SUPPORTED_PROTOCOLS.includes(sp.protocol)) {
    causes.push(notSupported(`${path}.protocol`, sp.protocol, SUPPORTED_PROTOCOLS));
  }
  causes.push(...validatePortNumOrName(sp.targetPort ?? 0, `${path}.targetPort`));
  return causes;
}

function validateClusterIPs(svc: Service): Cause[] {
  const causes: Cause[] = [];
  const spec = svc.spec ?? {};
  const ips = spec.clusterIPs ?? [];
  if (ips.length > 0 && spec.clusterIP !== undefined && spec.clusterIP !== ips[0]) {
    causes.push(invalid('spec.clusterIPs', ips, 'first value must match `clusterIP`'));
  }
  clusterIPsOf(svc).forEach((ip, i) => {
    if (ip === 'None') {
      if (i > 0 || clusterIPsOf(svc).length > 1) {
        causes.push(invalid(`spec.clusterIPs[${i}]`, ip, "'None' must be the first and only value"));
      }
      return;
    }
    if (ip === '') return;
    causes.push(...isValidIP(ip).map((m) => invalid(`spec.clusterIPs[${i}]`, ip, m)));
  });
  return causes;
}

/** `ValidateService`. Expects a defaulted object; node ports are checked against the configured range. */
export function validateService(svc: Service, opts: ServiceValidationOptions = {}): Cause[] {
  const spec = svc.spec ?? {};
  const ports = spec.ports ?? [];
  const causes = validateObjectMeta(svc.metadata, true, nameIsDNS1035Label);
  const headless = isHeadless(svc);
  if (ports.length === 0 && !headless && spec.type !== 'ExternalName')
    causes.push(required('spec.ports', ''));
  if (spec.type === 'NodePort' && headless) {
    causes.push(invalid('spec.clusterIPs[0]', 'None', "may not be set to 'None' for NodePort services"));
  }
  if (spec.type === 'LoadBalancer' && headless) {
    causes.push(invalid('spec.clusterIPs[0]', 'None', "may not be set to 'None' for LoadBalancer services"));
  }
  if (spec.type === 'ExternalName') {
    if (clusterIPsOf(svc).length > 0)
      causes.push(forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    const cname = (spec.externalName ?? '').replace(/\.$/, '');
    if (cname.length > 0)
      causes.push(...isDNS1123Subdomain(cname).map((m) => invalid('spec.externalName', cname, m)));
    else causes.push(required('spec.externalName', ''));
  }
  const names = new Set<string>();
  ports.forEach((p, i) =>
    causes.push(...validateServicePort(p, ports.length > 1, names, `spec.ports[${i}]`)),
  );
  causes.push(...validateLabels(spec.selector, 'spec.selector'));
  const affinity = spec.sessionAffinity ?? '';
  if (affinity === '') causes.push(required('spec.sessionAffinity', ''));
  else if (affinity !== 'ClientIP' && affinity !== 'None') {
    causes.push(notSupported('spec.sessionAffinity', affinity, ['ClientIP', 'None']));
  }
  if (affinity === 'None' && spec.sessionAffinityConfig) {
    causes.push(forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }
  causes.push(...validateClusterIPs(svc));
  (spec.externalIPs ?? []).forEach((ip, i) => {
    causes.push(...isValidIP(ip).map((m) => invalid(`spec.externalIPs[${i}]`, ip, m)));
  });
  if (!spec.type) causes.push(required('spec.type', ''));
  else if (!SERVICE_TYPES.includes(spec.type))
    causes.push(notSupported('spec.type', spec.type, SERVICE_TYPES));
  causes.push(...validateNodePorts(svc, opts));
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const key = `${p.protocol}/${p.port}`;
    if (seen.has(key)) causes.push(duplicate(`spec.ports[${i}]`, goServicePortKey(p)));
    seen.add(key);
  });
  const itp = spec.internalTrafficPolicy;
  if (itp !== undefined && itp !== null && itp !== 'Cluster' && itp !== 'Local') {
    causes.push(notSupported('spec.internalTrafficPolicy', itp, ['Cluster', 'Local']));
  }
  return causes;
}

function validateNodePorts(svc: Service, opts: ServiceValidationOptions): Cause[] {
  const causes: Cause[] = [];
  const min = opts.nodePortMin ?? 30000;
  const max = opts.nodePortMax ?? 32767;
  const seen = new Set<string>();
  (svc.spec?.ports ?? []).forEach((p, i) => {
    if (!p.nodePort) return;
    const path = `spec.ports[${i}].nodePort`;
    if (svc.spec?.type === 'ClusterIP') {
      causes.push(forbidden(path, "may not be used when `type` is 'ClusterIP'"));
      return;
    }
    if (p.nodePort < min || p.nodePort > max) {
      causes.push(
        invalid(
          path,
          p.nodePort,
          `provided port is not in the valid range. The range of valid ports is ${min}-${max}`,
        ),
      );
    }
    const key = `${p.protocol}/${p.nodePort}`;
    if (seen.has(key)) causes.push(duplicate(path, p.nodePort));
    seen.add(key);
  });
  return causes;
}

/**
 * `ValidateServiceUpdate`: the primary cluster IP may not change (except to or from ExternalName). Call
 * {@link carryOverServiceAllocations} first so an update that omits clusterIP keeps the allocated one.
 */
export function validateServiceUpdate(n: Service, o: Service, opts: ServiceValidationOptions = {}): Cause[] {
  const causes = validateObjectMetaUpdate(n.metadata, o.metadata);
  if (n.spec?.type !== 'ExternalName' && o.spec?.type !== 'ExternalName') {
    const ni = clusterIPsOf(n);
    const oi = clusterIPsOf(o);
    if (oi.length > 0 && ni.length > 0 && oi[0] !== ni[0]) {
      causes.push(invalid('spec.clusterIPs[0]', ni, 'may not change once set'));
    }
  }
  causes.push(...validateService(n, opts).filter((c) => !c.field.startsWith('metadata.')));
  return causes;
}

/** `ValidateEndpoints`: address IPs and port names/numbers/protocols. */
export function validateEndpoints(ep: Endpoints): Cause[] {
  const causes = validateObjectMeta(ep.metadata, true, nameIsDNSSubdomain);
  (ep.subsets ?? []).forEach((ss, i) => {
    const p = `subsets[${i}]`;
    for (const key of ['addresses', 'notReadyAddresses'] as const) {
      (ss[key] ?? []).forEach((a, j) => {
        causes.push(...isValidIP(a.ip ?? '').map((m) => invalid(`${p}.${key}[${j}].ip`, a.ip ?? '', m)));
      });
    }
    const ports = ss.ports ?? [];
    const names = new Set<string>();
    ports.forEach((port, j) => {
      const pp = `${p}.ports[${j}]`;
      if (ports.length > 1 && !port.name) causes.push(required(`${pp}.name`, ''));
      else if (port.name) {
        causes.push(...validateDNS1123Label(port.name, `${pp}.name`));
        if (names.has(port.name)) causes.push(duplicate(`${pp}.name`, port.name));
        names.add(port.name);
      }
      causes.push(...isValidPortNum(port.port ?? 0).map((m) => invalid(`${pp}.port`, port.port ?? 0, m)));
      if (!port.protocol) causes.push(required(`${pp}.protocol`, ''));
      else if (!SUPPORTED_PROTOCOLS.includes(port.protocol)) {
        causes.push(notSupported(`${pp}.protocol`, port.protocol, SUPPORTED_PROTOCOLS));
      }
    });
  });
  return causes;
}

/** `ValidateEndpointSlice`: address type, 1–100 addresses per endpoint, port protocols. */
export function validateEndpointSlice(slice: EndpointSlice): Cause[] {
  const causes = validateObjectMeta(slice.metadata, true, nameIsDNSSubdomain);
  const types = ['FQDN', 'IPv4', 'IPv6'];
  if (!slice.addressType) causes.push(required('addressType', ''));
  else if (!types.includes(slice.addressType))
    causes.push(notSupported('addressType', slice.addressType, types));
  (slice.endpoints ?? []).forEach((e, i) => {
    const addrs = e.addresses ?? [];
    if (addrs.length === 0)
      causes.push(required(`endpoints[${i}].addresses`, 'must contain at least 1 address'));
    if (addrs.length > 100)
      causes.push(invalid(`endpoints[${i}].addresses`, addrs.length, 'must have at most 100 items'));
    if (slice.addressType === 'IPv4' || slice.addressType === 'IPv6') {
      addrs.forEach((a, j) => {
        causes.push(...isValidIP(a).map((m) => invalid(`endpoints[${i}].addresses[${j}]`, a, m)));
      });
    }
  });
  (slice.ports ?? []).forEach((p, i) => {
    if (p.protocol && !SUPPORTED_PROTOCOLS.includes(p.protocol)) {
      causes.push(notSupported(`ports[${i}].protocol`, p.protocol, SUPPORTED_PROTOCOLS));
    }
  });
  return causes;
}

/** EndpointSlice updates: addressType is immutable. */
export function validateEndpointSliceUpdate(n: EndpointSlice, o: EndpointSlice): Cause[] {
  const causes = validateObjectMetaUpdate(n.metadata, o.metadata);
  causes.push(...validateEndpointSlice(n).filter((c) => !c.field.startsWith('metadata.')));
  if (n.addressType !== o.addressType)
    causes.push(invalid('addressType', n.addressType, 'field is immutable'));
  return causes;
}
