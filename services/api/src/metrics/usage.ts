/**
 * The Metrics API objects (`metrics.k8s.io/v1beta1` NodeMetrics and PodMetrics, as metrics-server returns
 * them) computed from the usage the kubelet publishes in each running pod's {@link USAGE_ANNOTATION}. PURE:
 * objects and a wall-clock time in, objects out.
 *
 * Nodes carry no usage annotation. A node's usage is the sum of its pods' usage plus a fixed
 * {@link NODE_SYSTEM_OVERHEAD} (kubelet, runtime and OS, which a real node's cgroup root also counts). The
 * api computes it from the pods bound to the node rather than the kubelet publishing it on the Node: the pods
 * already hold every number, and a per-node annotation would be one more Raft write per node per usage period
 * for a value the api can derive from its own store.
 *
 * Timestamps are the read time: the kubelet re-measures every usage period and rewrites the annotation only
 * when usage moved (by 10 % or 5 millicores), so the value is a level that holds until replaced — the same
 * reading the HorizontalPodAutoscaler makes of it.
 */
import {
  type Node,
  type ObjectMeta,
  type Pod,
  USAGE_ANNOTATION,
  formatBytes,
  formatQuantity,
} from '@kubelab/api-types';

/** The group-version metrics-server serves. */
export const METRICS_API_VERSION = 'metrics.k8s.io/v1beta1';

/** cpu and memory, as a ResourceList of quantity strings. */
export interface MetricsUsage {
  cpu: string;
  memory: string;
}

/** `metrics.k8s.io/v1beta1` ContainerMetrics. */
export interface ContainerMetrics {
  name: string;
  usage: MetricsUsage;
}

/** `metrics.k8s.io/v1beta1` PodMetrics (kind and apiVersion only on a single object, not on list items). */
export interface PodMetrics {
  kind?: 'PodMetrics';
  apiVersion?: typeof METRICS_API_VERSION;
  metadata: Pick<ObjectMeta, 'name' | 'namespace' | 'labels' | 'creationTimestamp'>;
  timestamp: string;
  window: string;
  containers: ContainerMetrics[];
}

/** `metrics.k8s.io/v1beta1` NodeMetrics. */
export interface NodeMetrics {
  kind?: 'NodeMetrics';
  apiVersion?: typeof METRICS_API_VERSION;
  metadata: Pick<ObjectMeta, 'name' | 'labels' | 'creationTimestamp'>;
  timestamp: string;
  window: string;
  usage: MetricsUsage;
}

/** Usage in numbers: millicores and bytes. */
export interface RawUsage {
  readonly cpuMilli: number;
  readonly memoryBytes: number;
}

/** One pod's parsed annotation: per-container usage (in pod spec order) and the measuring window. */
export interface PodUsage {
  readonly containers: readonly (RawUsage & { readonly name: string })[];
  readonly windowSeconds: number;
}

/** What a node uses beyond its pods (kubelet, runtime, OS), added to the sum of its pods' usage. */
export const NODE_SYSTEM_OVERHEAD: RawUsage = { cpuMilli: 20, memoryBytes: 64 * 1024 * 1024 };

/** The kubelet's default usage period (KUBELAB_NODE_USAGE_PERIOD_MS), the window when none is known. */
export const DEFAULT_WINDOW_SECONDS = 15;

const isUsageNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

function rawUsage(v: unknown): RawUsage | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { cpuMilli, memoryBytes } = v as { cpuMilli?: unknown; memoryBytes?: unknown };
  if (!isUsageNumber(cpuMilli) && !isUsageNumber(memoryBytes)) return undefined;
  return {
    cpuMilli: isUsageNumber(cpuMilli) ? cpuMilli : 0,
    memoryBytes: isUsageNumber(memoryBytes) ? memoryBytes : 0,
  };
}

/**
 * Parses a pod's {@link USAGE_ANNOTATION}; undefined when it is missing, malformed or names no container.
 * Containers come in the pod spec's order; an annotation without a `containers` map (only pod totals) counts
 * as the first container's usage.
 *
 * @example
 * podUsage(pod)?.containers; // [{ name: 'app', cpuMilli: 250, memoryBytes: 4194304 }]
 */
export function podUsage(pod: Pod): PodUsage | undefined {
  const raw = pod.metadata.annotations?.[USAGE_ANNOTATION];
  if (!raw) return undefined;
  let v: { containers?: unknown; windowSeconds?: unknown };
  try {
    v = JSON.parse(raw) as typeof v;
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const windowSeconds =
    typeof v.windowSeconds === 'number' && v.windowSeconds > 0 ? v.windowSeconds : DEFAULT_WINDOW_SECONDS;
  const specNames = (pod.spec?.containers ?? []).map((c) => c.name);
  if (typeof v.containers !== 'object' || v.containers === null) {
    const total = rawUsage(v);
    const first = specNames[0];
    return total && first !== undefined
      ? { containers: [{ name: first, ...total }], windowSeconds }
      : undefined;
  }
  const byName = v.containers as Record<string, unknown>;
  const names = [
    ...specNames.filter((n) => n in byName),
    ...Object.keys(byName).filter((n) => !specNames.includes(n)),
  ];
  const containers = names.flatMap((name) => {
    const u = rawUsage(byName[name]);
    return u ? [{ name, ...u }] : [];
  });
  return containers.length > 0 ? { containers, windowSeconds } : undefined;
}

/** Whether metrics-server would report the pod: Running (its usage annotation is checked separately). */
export function isReportedPod(pod: Pod): boolean {
  return pod.status?.phase === 'Running';
}

/** Whether the node's Ready condition is True (a kubelet that answers; metrics-server scrapes only those). */
export function isReportedNode(node: Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** cpu as Kubernetes prints a nanocore quantity: 5 millicores → `5m`, 1.234567 → `1234567n`. */
export function formatCpu(cpuMilli: number): string {
  return formatQuantity({ nanos: BigInt(Math.round(cpuMilli * 1_000_000)), format: 'DecimalSI' });
}

/** A usage as a ResourceList: cpu in (nano)cores, memory in binary SI (`12345Ki`), as metrics-server. */
export function toResourceList(u: RawUsage): MetricsUsage {
  return { cpu: formatCpu(u.cpuMilli), memory: formatBytes(Math.round(u.memoryBytes)) };
}

/**
 * A duration as Go's `time.Duration.String()` prints it (metav1.Duration's JSON): `15s`, `20.5s`, `500ms`,
 * `1m30s`, `1h0m0s`, `0s`. Resolution: microseconds.
 */
export function goDuration(ms: number): string {
  const us = Math.round(ms * 1000);
  if (us === 0) return '0s';
  if (us < 1000) return `${us}µs`;
  if (us < 1_000_000) return `${trimZeros((us / 1000).toFixed(3))}ms`;
  const hours = Math.floor(us / 3_600_000_000);
  const minutes = Math.floor((us % 3_600_000_000) / 60_000_000);
  const seconds = trimZeros(((us % 60_000_000) / 1_000_000).toFixed(6));
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  return minutes > 0 ? `${minutes}m${seconds}s` : `${seconds}s`;
}

function trimZeros(fixed: string): string {
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}

/** RFC 3339 to the second, as metav1.Time marshals. */
export function rfc3339(wallMs: number): string {
  return new Date(wallMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function labelsOf(meta: ObjectMeta): Pick<ObjectMeta, 'labels'> {
  return meta.labels && Object.keys(meta.labels).length > 0 ? { labels: { ...meta.labels } } : {};
}

/**
 * The PodMetrics of a Running pod with a usage annotation, else undefined (metrics-server leaves such pods
 * out of lists and answers NotFound for them).
 */
export function podMetricsOf(pod: Pod, nowWallMs: number): PodMetrics | undefined {
  if (!isReportedPod(pod)) return undefined;
  const usage = podUsage(pod);
  if (!usage) return undefined;
  const now = rfc3339(nowWallMs);
  return {
    metadata: {
      name: pod.metadata.name ?? '',
      namespace: pod.metadata.namespace ?? 'default',
      ...labelsOf(pod.metadata),
      creationTimestamp: now,
    },
    timestamp: now,
    window: goDuration(usage.windowSeconds * 1000),
    containers: usage.containers.map((c) => ({ name: c.name, usage: toResourceList(c) })),
  };
}

/** Sums the usage of the pods metrics-server reports, grouped by node name. */
export function usageByNode(pods: readonly Pod[]): Map<string, { usage: RawUsage; windowSeconds: number }> {
  const out = new Map<string, { usage: RawUsage; windowSeconds: number }>();
  for (const pod of pods) {
    const node = pod.spec?.nodeName;
    if (!node || !isReportedPod(pod)) continue;
    const u = podUsage(pod);
    if (!u) continue;
    const prev = out.get(node) ?? { usage: { cpuMilli: 0, memoryBytes: 0 }, windowSeconds: 0 };
    let { cpuMilli, memoryBytes } = prev.usage;
    for (const c of u.containers) {
      cpuMilli += c.cpuMilli;
      memoryBytes += c.memoryBytes;
    }
    out.set(node, {
      usage: { cpuMilli, memoryBytes },
      windowSeconds: Math.max(prev.windowSeconds, u.windowSeconds),
    });
  }
  return out;
}

/**
 * The NodeMetrics of a Ready node: its pods' summed usage (from {@link usageByNode}) plus
 * {@link NODE_SYSTEM_OVERHEAD}; undefined for a node that is not Ready.
 */
export function nodeMetricsOf(
  node: Node,
  pods: { usage: RawUsage; windowSeconds: number } | undefined,
  nowWallMs: number,
): NodeMetrics | undefined {
  if (!isReportedNode(node)) return undefined;
  const now = rfc3339(nowWallMs);
  const usage = {
    cpuMilli: (pods?.usage.cpuMilli ?? 0) + NODE_SYSTEM_OVERHEAD.cpuMilli,
    memoryBytes: (pods?.usage.memoryBytes ?? 0) + NODE_SYSTEM_OVERHEAD.memoryBytes,
  };
  return {
    metadata: { name: node.metadata.name ?? '', ...labelsOf(node.metadata), creationTimestamp: now },
    timestamp: now,
    window: goDuration((pods?.windowSeconds || DEFAULT_WINDOW_SECONDS) * 1000),
    usage: toResourceList(usage),
  };
}
