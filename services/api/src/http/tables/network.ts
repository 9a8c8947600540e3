/**
 * Networking printers (kubernetes/pkg/printers/internalversion, v1.32): Service, Endpoints, EndpointSlice,
 * Ingress.
 */
import { arr, formatLabels, get, int, isObj, listWithMore, since, str } from './format.js';
import { type Printer, ageColumn, column, nameColumn, wide } from './table.js';

type Obj = Record<string, unknown>;

const name = (o: Obj) => str(get(o, 'metadata', 'name'));
const age = (o: Obj, nowMs: number) => since(get(o, 'metadata', 'creationTimestamp'), nowMs);
const LOAD_BALANCER_WIDTH = 16;

/** `loadBalancerStatusStringer`: sorted unique IPs/hostnames, clipped to 16 characters unless wide. */
function loadBalancerStatus(ingress: unknown, wide: boolean): string {
  const set = new Set<string>();
  for (const i of arr(ingress)) {
    if (!isObj(i)) continue;
    if (str(i.ip) !== '') set.add(str(i.ip));
    else if (str(i.hostname) !== '') set.add(str(i.hostname));
  }
  const r = [...set].sort().join(',');
  return !wide && r.length > LOAD_BALANCER_WIDTH ? `${r.slice(0, LOAD_BALANCER_WIDTH - 3)}...` : r;
}

/** `getServiceExternalIP` (the server prints wide, so load balancer addresses are not clipped). */
function externalIp(svc: Obj): string {
  const externalIPs = arr(get(svc, 'spec', 'externalIPs')).map(String);
  switch (get(svc, 'spec', 'type')) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerStatus(get(svc, 'status', 'loadBalancer', 'ingress'), true);
      if (externalIPs.length > 0) return [...(lb === '' ? [] : lb.split(',')), ...externalIPs].join(',');
      return lb === '' ? '<pending>' : lb;
    }
    case 'ExternalName':
      return str(get(svc, 'spec', 'externalName'));
    default:
      return '<unknown>';
  }
}

/** `makePortString`: `80/TCP`, `80:30080/TCP` with a node port. */
function servicePorts(svc: Obj): string {
  const pieces = arr(get(svc, 'spec', 'ports'))
    .filter(isObj)
    .map((p) => {
      const protocol = str(p.protocol);
      return int(p.nodePort) > 0
        ? `${int(p.port)}:${int(p.nodePort)}/${protocol}`
        : `${int(p.port)}/${protocol}`;
    });
  return pieces.length === 0 ? '<none>' : pieces.join(',');
}

export const servicePrinter: Printer = {
  columns: [
    nameColumn(),
    column('Type', 'type determines how the Service is exposed. Defaults to ClusterIP.'),
    column('Cluster-IP', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    column(
      'External-IP',
      'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.',
    ),
    column('Port(s)', 'The list of ports that are exposed by this service.'),
    ageColumn(),
    wide('Selector', 'Route service traffic to pods with label keys and values matching this selector.'),
  ],
  row(svc, nowMs) {
    const clusterIPs = arr(get(svc, 'spec', 'clusterIPs')).map(String);
    return {
      cells: [
        name(svc),
        str(get(svc, 'spec', 'type')),
        clusterIPs[0] ?? '<none>',
        externalIp(svc),
        servicePorts(svc),
        age(svc, nowMs),
        formatLabels(get(svc, 'spec', 'selector')),
      ],
    };
  },
};

/** `net.JoinHostPort`: brackets around IPv6 literals. */
const joinHostPort = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

/** `formatEndpoints(endpoints, nil)`: up to 3 `ip:port`, then ` + N more...`; `<none>` without subsets. */
export function formatEndpoints(ep: Obj): string {
  const subsets = arr(ep.subsets).filter(isObj);
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  const add = (s: string) => {
    if (list.length === max) more = true;
    else list.push(s);
  };
  for (const ss of subsets) {
    const addresses = arr(ss.addresses).filter(isObj);
    const ports = arr(ss.ports).filter(isObj);
    if (ports.length === 0) {
      count += addresses.length;
      for (const a of addresses) add(str(a.ip));
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) add(joinHostPort(str(a.ip), int(port.port)));
    }
  }
  const joined = list.join(',');
  return more ? `${joined} + ${count - max} more...` : joined;
}

export const endpointsPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Endpoints', 'The set of all endpoints is the union of all subsets.'),
    ageColumn(),
  ],
  row: (ep, nowMs) => ({ cells: [name(ep), formatEndpoints(ep), age(ep, nowMs)] }),
};

function formatSlicePorts(ports: unknown): string {
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const p of arr(ports).filter(isObj)) {
    if (list.length < max)
      list.push(typeof p.port === 'number' ? String(p.port) : typeof p.name === 'string' ? p.name : '*');
    else more = true;
    count++;
  }
  return listWithMore(list, more, count, max, '<unset>');
}

function formatSliceEndpoints(endpoints: unknown): string {
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const e of arr(endpoints).filter(isObj)) {
    for (const address of arr(e.addresses)) {
      if (list.length < max) list.push(String(address));
      else more = true;
      count++;
    }
  }
  return listWithMore(list, more, count, max, '<unset>');
}

export const endpointSlicePrinter: Printer = {
  columns: [
    nameColumn(),
    column('AddressType', 'addressType specifies the type of address carried by this EndpointSlice.'),
    column('Ports', 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
    column('Endpoints', 'endpoints is a list of unique endpoints in this slice.'),
    ageColumn(),
  ],
  row: (s, nowMs) => ({
    cells: [
      name(s),
      str(s.addressType),
      formatSlicePorts(s.ports),
      formatSliceEndpoints(s.endpoints),
      age(s, nowMs),
    ],
  }),
};

/** `formatHosts`: up to 3 hosts, `*` when none. */
function formatHosts(rules: unknown): string {
  const all = arr(rules).filter(isObj);
  const list: string[] = [];
  const max = 3;
  let more = false;
  for (const rule of all) {
    if (list.length === max) more = true;
    if (!more && str(rule.host) !== '') list.push(str(rule.host));
  }
  if (list.length === 0) return '*';
  const joined = list.join(',');
  return more ? `${joined} + ${all.length - max} more...` : joined;
}

export const ingressPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Class', 'The name of the IngressClass resource that should be used for additional configuration'),
    column('Hosts', 'Hosts that incoming requests are matched against before the ingress rule'),
    column('Address', 'Address is a list containing ingress points for the load-balancer'),
    column('Ports', 'Ports of TLS configurations that open'),
    ageColumn(),
  ],
  row(ing, nowMs) {
    const className = get(ing, 'spec', 'ingressClassName');
    return {
      cells: [
        name(ing),
        typeof className === 'string' ? className : '<none>',
        formatHosts(get(ing, 'spec', 'rules')),
        loadBalancerStatus(get(ing, 'status', 'loadBalancer', 'ingress'), true),
        arr(get(ing, 'spec', 'tls')).length !== 0 ? '80, 443' : '80',
        age(ing, nowMs),
      ],
    };
  },
};
