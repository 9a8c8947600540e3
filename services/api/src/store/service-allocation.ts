/**
 * Cluster IPs and node ports for Services, decided inside the replicated state machine so that every
 * replica allocates the same values: the lowest free address of the service CIDR (the first one is kept for
 * the `kubernetes` Service) and the lowest free port of the node-port range, free meaning "not used by any
 * other stored Service". A deleted Service's values are free again at once.
 */
import {
  AllocatorError,
  type Cause,
  clusterIPAllocationCause,
  ipv4ToNumber,
  nodePortAllocationCause,
  numberToIpv4,
} from '@kubelab/api-types';
import type { StoredObject } from './types.js';

export interface ServiceAllocationConfig {
  /** IPv4 CIDR cluster IPs come from, e.g. `10.96.0.0/16`. */
  readonly serviceCidr: string;
  readonly nodePortMin: number;
  readonly nodePortMax: number;
}

export const DEFAULT_SERVICE_ALLOCATION: ServiceAllocationConfig = {
  serviceCidr: '10.96.0.0/16',
  nodePortMin: 30000,
  nodePortMax: 32767,
};

interface ServicePort {
  nodePort?: number;
  [k: string]: unknown;
}
interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ports?: ServicePort[];
  allocateLoadBalancerNodePorts?: boolean;
  [k: string]: unknown;
}

const specOf = (o: StoredObject) => (o.spec ?? {}) as ServiceSpec;

/**
 * The Service with its cluster IP and node ports filled in (keeping values it already has), or the causes
 * why a requested value cannot be had. `others` are every other stored Service.
 */
export function allocateService(
  svc: StoredObject,
  others: readonly StoredObject[],
  cfg: ServiceAllocationConfig,
): { ok: true; object: StoredObject } | { ok: false; causes: Cause[] } {
  const spec: ServiceSpec = structuredClone(specOf(svc));
  const causes: Cause[] = [];
  if (spec.type !== 'ExternalName' && spec.clusterIP !== 'None') {
    const used = new Set(
      others.map((o) => specOf(o).clusterIP).filter((ip): ip is string => !!ip && ip !== 'None'),
    );
    const ip = spec.clusterIP || lowestFreeIp(cfg.serviceCidr, used);
    if (ip === undefined)
      causes.push(clusterIPAllocationCause([], '', new AllocatorError('Full', 'range is full')));
    else if (spec.clusterIP && used.has(ip)) {
      causes.push(
        clusterIPAllocationCause(
          [ip],
          ip,
          new AllocatorError('Allocated', 'provided IP is already allocated'),
        ),
      );
    } else {
      spec.clusterIP = ip;
      spec.clusterIPs = [ip];
    }
  }
  const t = spec.type;
  if (t === 'NodePort' || (t === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false)) {
    const used = new Set(
      others.flatMap((o) => (specOf(o).ports ?? []).map((p) => p.nodePort).filter((n): n is number => !!n)),
    );
    (spec.ports ?? []).forEach((p, i) => {
      if (p.nodePort) {
        if (p.nodePort < cfg.nodePortMin || p.nodePort > cfg.nodePortMax) {
          causes.push(
            nodePortAllocationCause(
              i,
              p.nodePort,
              new AllocatorError(
                'NotInRange',
                `provided port is not in the valid range. The range of valid ports is ${cfg.nodePortMin}-${cfg.nodePortMax}`,
              ),
            ),
          );
        } else if (used.has(p.nodePort)) {
          causes.push(
            nodePortAllocationCause(
              i,
              p.nodePort,
              new AllocatorError('Allocated', 'provided port is already allocated'),
            ),
          );
        }
        used.add(p.nodePort);
        return;
      }
      for (let port = cfg.nodePortMin; port <= cfg.nodePortMax; port++) {
        if (!used.has(port)) {
          p.nodePort = port;
          used.add(port);
          return;
        }
      }
      causes.push(nodePortAllocationCause(i, 0, new AllocatorError('Full', 'range is full')));
    });
  }
  if (causes.length > 0) return { ok: false, causes };
  return { ok: true, object: { ...svc, spec } };
}

/** The lowest address of the CIDR after the reserved first one that is not in `used`. */
function lowestFreeIp(cidr: string, used: ReadonlySet<string>): string | undefined {
  const [base = '', bits = '32'] = cidr.split('/');
  const network = ipv4ToNumber(base);
  if (network === undefined) throw new RangeError(`invalid service CIDR ${cidr}`);
  const size = 2 ** (32 - Number(bits));
  const start = network - (network % size);
  const usedNums = new Set([...used].map((ip) => ipv4ToNumber(ip)));
  for (let n = start + 2; n <= start + size - 2; n++) if (!usedNums.has(n)) return numberToIpv4(n);
  return undefined;
}
