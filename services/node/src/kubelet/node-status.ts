/**
 * The Node object the kubelet registers and the status it reports (kubelet `kubelet_node_status.go` and
 * `nodestatus/setters.go`), pure. Heartbeat times aside, a status equal to the last one written is not
 * written again before the status period.
 */
import type { Node, NodeCondition, NodeStatus, Taint } from '@kubelab/api-types';
import type { NodeConfig } from '../config.js';
import { canonicalJson } from './pod-status.js';

/** Who the node is and what it offers. */
export interface NodeIdentity
  extends Pick<NodeConfig, 'nodeName' | 'nodeIP' | 'capacity' | 'labels' | 'taints'> {
  /** `amd64`, `arm64` (Go's GOARCH names). */
  readonly arch: string;
  readonly kernelVersion: string;
  /** Stable per node: machineID/systemUUID. */
  readonly machineID: string;
  /** New per kubelet start. */
  readonly bootID: string;
}

export const KUBELET_VERSION = 'v1.32.0-kubelab';
export const KUBELET_PORT = 10250;

/** Node's Go arch name for a Node.js `process.arch`. */
export function goArch(nodeArch: string): string {
  return nodeArch === 'x64' ? 'amd64' : nodeArch === 'ia32' ? '386' : nodeArch;
}

/** The labels the kubelet sets (well-known ones first, then the configured extras over them). */
export function nodeLabels(id: NodeIdentity): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': id.arch,
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': id.arch,
    'kubernetes.io/hostname': id.nodeName,
    'kubernetes.io/os': 'linux',
    ...id.labels,
  };
}

/** The Node to create on registration. */
export function initialNode(id: NodeIdentity, status: NodeStatus): Node {
  const taints: Taint[] = id.taints.map((t) => ({
    key: t.key,
    ...(t.value === undefined ? {} : { value: t.value }),
    effect: t.effect,
  }));
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: id.nodeName,
      labels: nodeLabels(id),
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: taints.length > 0 ? { taints } : {},
    status,
  };
}

/** What the status depends on besides the identity. */
export interface NodeStatusInput {
  readonly id: NodeIdentity;
  /** The pod CIDR in use (assigned or fallback); the node is NotReady without one (no pod network). */
  readonly podCIDR: string | undefined;
  readonly images: readonly { readonly names: readonly string[]; readonly sizeBytes: number }[];
  readonly previous: readonly NodeCondition[];
  /** RFC 3339 now: every condition's heartbeat, and the transition time of changed ones. */
  readonly now: string;
}

function cond(
  prev: readonly NodeCondition[],
  type: string,
  status: boolean,
  reason: string,
  message: string,
  now: string,
): NodeCondition {
  const s = status ? 'True' : 'False';
  const old = prev.find((c) => c.type === type);
  return {
    type,
    status: s,
    lastHeartbeatTime: now,
    lastTransitionTime: old?.status === s && old.lastTransitionTime ? old.lastTransitionTime : now,
    reason,
    message,
  };
}

/** The node status (capacity, allocatable, conditions, addresses, nodeInfo, images). */
export function computeNodeStatus(input: NodeStatusInput): NodeStatus {
  const { id, previous: p, now } = input;
  const net = input.podCIDR !== undefined;
  const capacity = { ...id.capacity, 'ephemeral-storage': '100Gi', 'hugepages-2Mi': '0' };
  return {
    capacity,
    allocatable: capacity,
    conditions: [
      cond(
        p,
        'NetworkUnavailable',
        !net,
        net ? 'RouteCreated' : 'NoRouteCreated',
        net ? 'RouteController created a route' : 'Node created without a route',
        now,
      ),
      cond(
        p,
        'MemoryPressure',
        false,
        'KubeletHasSufficientMemory',
        'kubelet has sufficient memory available',
        now,
      ),
      cond(p, 'DiskPressure', false, 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure', now),
      cond(p, 'PIDPressure', false, 'KubeletHasSufficientPID', 'kubelet has sufficient PID available', now),
      net
        ? cond(p, 'Ready', true, 'KubeletReady', 'kubelet is posting ready status', now)
        : cond(
            p,
            'Ready',
            false,
            'KubeletNotReady',
            'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: no pod CIDR assigned yet',
            now,
          ),
    ],
    addresses: [
      { type: 'InternalIP', address: id.nodeIP },
      { type: 'Hostname', address: id.nodeName },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: KUBELET_PORT } },
    nodeInfo: {
      machineID: id.machineID,
      systemUUID: id.machineID,
      bootID: id.bootID,
      kernelVersion: id.kernelVersion,
      osImage: 'kubelab emulated node',
      containerRuntimeVersion: 'kubelab://0.1.0',
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: 'linux',
      architecture: id.arch,
    },
    images: input.images.slice(0, 50).map((i) => ({ names: [...i.names], sizeBytes: i.sizeBytes })),
  };
}

/** Equality ignoring heartbeat times: whether a write is needed before the status period. */
export function sameNodeStatus(a: NodeStatus | undefined, b: NodeStatus): boolean {
  if (a === undefined) return false;
  const strip = (s: NodeStatus) => ({
    ...s,
    conditions: (s.conditions ?? []).map(({ lastHeartbeatTime: _h, ...c }) => c),
  });
  return canonicalJson(strip(a)) === canonicalJson(strip(b));
}
