/**
 * A node with the pods the scheduler counts on it (kube-scheduler `framework.NodeInfo`): allocatable, the sum of
 * the requests (exact and non-zero), the pod count, the host ports in use and pods per controller owner. The node's
 * own facts that every cycle reads (taints by effect, readiness, cordon) are computed once per Node object.
 */
import { type Node, type Taint, integerValueOf, milliValueOf } from '@kubelab/api-types';
import type { HostPort, PodInfo } from './pod-info.js';

/** Mutable resource sums. */
export interface ResourceSums {
  cpuMilli: number;
  memoryBytes: number;
}

/** Allocatable of a node. */
export interface Allocatable {
  readonly cpuMilli: number;
  readonly memoryBytes: number;
  readonly pods: number;
}

/** Facts derived from the Node object alone. */
export interface NodeFacts {
  readonly allocatable: Allocatable;
  readonly labels: Readonly<Record<string, string>>;
  /** NoSchedule and NoExecute taints, in the node's order: what the filter checks. */
  readonly hardTaints: readonly Taint[];
  /** PreferNoSchedule taints: what the score counts. */
  readonly softTaints: readonly Taint[];
  readonly unschedulable: boolean;
  /** The Ready condition's status: 'True', 'False', 'Unknown' or undefined (no condition yet). */
  readonly ready: string | undefined;
}

/** The facts of a Node object. */
export function nodeFacts(node: Node): NodeFacts {
  const alloc = node.status?.allocatable ?? node.status?.capacity ?? {};
  const taints = node.spec?.taints ?? [];
  return {
    allocatable: {
      cpuMilli: milliValueOf(alloc.cpu),
      memoryBytes: integerValueOf(alloc.memory),
      pods: integerValueOf(alloc.pods),
    },
    labels: node.metadata.labels ?? {},
    hardTaints: taints.filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute'),
    softTaints: taints.filter((t) => t.effect === 'PreferNoSchedule'),
    unschedulable: node.spec?.unschedulable === true,
    ready: node.status?.conditions?.find((c) => c.type === 'Ready')?.status,
  };
}

/**
 * Host ports in use, by `protocol/port` then by IP with a count (two pods may not share one, but the count keeps
 * removal exact when the cache is told twice). 0.0.0.0 conflicts with every IP (kube-scheduler HostPortInfo).
 */
export class HostPortSet {
  readonly #byPort = new Map<string, Map<string, number>>();

  get size(): number {
    return this.#byPort.size;
  }

  add(p: HostPort): void {
    const k = `${p.protocol}/${p.port}`;
    let ips = this.#byPort.get(k);
    if (!ips) {
      ips = new Map();
      this.#byPort.set(k, ips);
    }
    ips.set(p.ip, (ips.get(p.ip) ?? 0) + 1);
  }

  remove(p: HostPort): void {
    const k = `${p.protocol}/${p.port}`;
    const ips = this.#byPort.get(k);
    const n = ips?.get(p.ip);
    if (!ips || n === undefined) return;
    if (n > 1) ips.set(p.ip, n - 1);
    else ips.delete(p.ip);
    if (ips.size === 0) this.#byPort.delete(k);
  }

  /** Whether `p` collides with a port in use. */
  conflicts(p: HostPort): boolean {
    const ips = this.#byPort.get(`${p.protocol}/${p.port}`);
    if (!ips) return false;
    if (p.ip === '0.0.0.0') return true;
    return ips.has(p.ip) || ips.has('0.0.0.0');
  }
}

/** A node and what is placed on it; only the scheduler cache mutates it. */
export class NodeInfo {
  readonly name: string;
  node: Node;
  facts: NodeFacts;
  /** Sum of the exact requests of its pods. */
  readonly requested: ResourceSums = { cpuMilli: 0, memoryBytes: 0 };
  /** Sum of the non-zero requests (defaults for containers without requests), for scoring. */
  readonly nonZeroRequested: ResourceSums = { cpuMilli: 0, memoryBytes: 0 };
  readonly pods = new Map<string, PodInfo>();
  readonly usedPorts = new HostPortSet();
  /** Pods per controller owner uid. */
  readonly ownerCounts = new Map<string, number>();
  /** Bumped on every change (tests and debugging). */
  generation = 0;

  constructor(node: Node) {
    this.name = node.metadata.name ?? '';
    this.node = node;
    this.facts = nodeFacts(node);
  }

  setNode(node: Node): void {
    this.node = node;
    this.facts = nodeFacts(node);
    this.generation++;
  }

  /** Adds a pod (replacing a previous version of the same key). */
  addPod(pi: PodInfo): void {
    if (this.pods.has(pi.key)) this.removePod(pi.key);
    this.pods.set(pi.key, pi);
    this.#account(pi, 1);
  }

  /** Removes a pod by key; false if it was not here. */
  removePod(key: string): boolean {
    const pi = this.pods.get(key);
    if (!pi) return false;
    this.pods.delete(key);
    this.#account(pi, -1);
    return true;
  }

  #account(pi: PodInfo, sign: 1 | -1): void {
    this.requested.cpuMilli += sign * pi.requests.cpuMilli;
    this.requested.memoryBytes += sign * pi.requests.memoryBytes;
    this.nonZeroRequested.cpuMilli += sign * pi.nonZeroRequests.cpuMilli;
    this.nonZeroRequested.memoryBytes += sign * pi.nonZeroRequests.memoryBytes;
    for (const p of pi.hostPorts) {
      if (sign > 0) this.usedPorts.add(p);
      else this.usedPorts.remove(p);
    }
    if (pi.ownerUid !== undefined) {
      const n = (this.ownerCounts.get(pi.ownerUid) ?? 0) + sign;
      if (n > 0) this.ownerCounts.set(pi.ownerUid, n);
      else this.ownerCounts.delete(pi.ownerUid);
    }
    this.generation++;
  }
}
