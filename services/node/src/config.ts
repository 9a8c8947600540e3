/**
 * The node agent's configuration: a pure function of the environment (main.ts is the only caller that passes
 * `process.env`). Every duration is in milliseconds and every one can be shortened for tests.
 */
import { parseQuantity } from '@kubelab/api-types';

/** A taint the node registers with (`KUBELAB_NODE_TAINTS="k=v:NoSchedule,k2:NoExecute"`). */
export interface TaintSpec {
  readonly key: string;
  readonly value?: string;
  readonly effect: string;
}

/** The CrashLoopBackOff / ImagePullBackOff timing (kubelet: 10 s doubling to 5 min, reset after 10 min). */
export interface BackoffConfig {
  readonly initialMs: number;
  readonly maxMs: number;
  /** A container that ran at least this long before exiting starts its back-off over. */
  readonly resetMs: number;
}

/** Everything the node agent reads from its environment. */
export interface NodeConfig {
  /** The Node's name (KUBELAB_ID). */
  readonly nodeName: string;
  /** InternalIP: the address NodePorts listen on and pods see as status.hostIP. */
  readonly nodeIP: string;
  readonly capacity: { readonly cpu: string; readonly memory: string; readonly pods: string };
  /** Extra labels merged over the well-known ones. */
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly TaintSpec[];
  /** Lease renewal period (kubelet's nodeLeaseDurationSeconds / 4 … here simply the period). */
  readonly leasePeriodMs: number;
  /** Lease duration written in the Lease (what node lifecycle judges). */
  readonly leaseDurationSeconds: number;
  /** Node status is written at least this often even when nothing changed (kubelet: 5 min). */
  readonly statusPeriodMs: number;
  /** How often node status is compared to the last written one. */
  readonly statusCheckMs: number;
  readonly crashBackoff: BackoffConfig;
  readonly imageBackoff: BackoffConfig;
  /**
   * KUBELAB_NODE_POD_CIDR: the pod CIDR, explicitly (used at once; node.spec.podCIDR is then ignored, as the
   * kubelet's --pod-cidr). The operator guarantees it overlaps no other node's range.
   */
  readonly podCIDR: string | undefined;
  /**
   * KUBELAB_NODE_POD_CIDR_WAIT_MS (default 60 s; 0 = wait for ever): how long pods wait for node.spec.podCIDR
   * from the node IPAM controller before the node falls back to {@link fallbackPodCIDR} (with a warning).
   */
  readonly podCIDRWaitMs: number;
  /**
   * The pod CIDR used when none is assigned in time: this node's /mask (by the index in its name) of
   * KUBELAB_NODE_FALLBACK_CIDR (default: {@link defaultFallbackCIDR}), a range that must lie outside KUBELAB_CLUSTER_CIDR,
   * so that a fallback never overlaps a range the IPAM controller assigns (it only hands out cluster CIDR
   * subnets). Fallback ranges of different nodes differ by their index only.
   */
  readonly fallbackPodCIDR: string;
  /** KUBELAB_NODE_FALLBACK_CIDR, the range fallback pod CIDRs are cut from. */
  readonly fallbackCIDR: string;
  /** KUBELAB_NODE_CIDR_MASK_SIZE: the prefix length of a node's pod CIDR (default 24). */
  readonly nodeCIDRMaskSize: number;
  /** Cluster DNS: the resolver pods use and its search domains. */
  readonly dns: { readonly nameserver: string; readonly port: number; readonly clusterDomain: string };
  /** Hollow mode: this process registers this many lightweight nodes (`<name>-h0…`) besides nothing else. */
  readonly hollowNodes: number;
  /** Pod workers running at once. */
  readonly workers: number;
  /** Periodic pod resync (a level-triggered safety net). */
  readonly podResyncMs: number;
  /** How often per-pod emulated usage is published. */
  readonly usagePeriodMs: number;
  /**
   * KUBELAB_PROBE_TIME_SCALE (default 1; tests only): multiplies every probe's initialDelaySeconds,
   * periodSeconds and timeoutSeconds, so that a scenario written with real durations (a 90 s slow starter
   * behind a 10 s × 30 startupProbe) runs in a tenth of the time at 0.1 (the container's own sleeps are not
   * scaled: write them scaled, e.g. `sleep 9`). Thresholds are counts and are not scaled.
   */
  readonly probeTimeScale: number;
}

export class NodeConfigError extends Error {
  override readonly name = 'NodeConfigError';
}

function str(env: NodeJS.ProcessEnv, key: string): string | undefined {
  const v = env[key];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function num(env: NodeJS.ProcessEnv, key: string, dflt: number, min = 0): number {
  const raw = str(env, key);
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min)
    throw new NodeConfigError(`${key} must be a number ≥ ${min}, got "${raw}"`);
  return n;
}

function positive(env: NodeJS.ProcessEnv, key: string, dflt: number): number {
  const n = num(env, key, dflt);
  if (n <= 0) throw new NodeConfigError(`${key} must be a number > 0, got "${n}"`);
  return n;
}

function quantity(env: NodeJS.ProcessEnv, key: string, dflt: string): string {
  const raw = str(env, key) ?? dflt;
  try {
    parseQuantity(raw);
  } catch {
    throw new NodeConfigError(`${key} must be a quantity such as "4" or "8Gi", got "${raw}"`);
  }
  return raw;
}

/** Parses `k=v,k2=v2` (empty values allowed: `k=`). */
export function parseLabels(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (raw ?? '').split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) throw new NodeConfigError(`KUBELAB_NODE_LABELS: "${item}" is not key=value`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** Parses `k=v:Effect,k:Effect`. */
export function parseTaints(raw: string | undefined): TaintSpec[] {
  const out: TaintSpec[] = [];
  for (const part of (raw ?? '').split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const m = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(item);
    if (!m?.[1]) throw new NodeConfigError(`KUBELAB_NODE_TAINTS: "${item}" is not key[=value]:Effect`);
    out.push({ key: m[1], ...(m[2] === undefined ? {} : { value: m[2] }), effect: m[3] as string });
  }
  return out;
}

/** The index in `node-<i>` (0 when the name has no trailing number). */
export function nodeIndex(name: string): number {
  const m = /-(\d+)$/.exec(name);
  return m ? Number(m[1]) : 0;
}

/** The `index`-th subnet of `/mask` inside `cidr` (IPv4). */
export function subnetOf(cidr: string, mask: number, index: number): string {
  const [base, bitsRaw] = cidr.split('/');
  const bits = Number(bitsRaw);
  const baseInt = ipToInt(base ?? '');
  if (!Number.isInteger(bits) || mask < bits || mask > 30) {
    throw new NodeConfigError(`cannot split ${cidr} into /${mask} subnets`);
  }
  const count = 2 ** (mask - bits);
  const start = baseInt + (index % count) * 2 ** (32 - mask);
  return `${intToIp(start)}/${mask}`;
}

/** Whether two IPv4 CIDRs share an address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const range = (c: string): [number, number] => {
    const [base, bitsRaw] = c.split('/');
    const bits = Number(bitsRaw);
    if (!Number.isInteger(bits) || bits < 0 || bits > 32) throw new NodeConfigError(`"${c}" is not a CIDR`);
    const size = 2 ** (32 - bits);
    const start = ipToInt(base ?? '') - (ipToInt(base ?? '') % size);
    return [start, start + size - 1];
  };
  const [a0, a1] = range(a);
  const [b0, b1] = range(b);
  return a0 <= b1 && b0 <= a1;
}

/** Dotted quad → unsigned 32-bit integer; throws on anything else. */
export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new NodeConfigError(`"${ip}" is not an IPv4 address`);
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (!/^\d{1,3}$/.test(p) || v > 255) throw new NodeConfigError(`"${ip}" is not an IPv4 address`);
    n = n * 256 + v;
  }
  return n;
}

/** Unsigned 32-bit integer → dotted quad. */
export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/**
 * The default range of fallback pod CIDRs: outside the cluster CIDR and distinct per process-cluster network
 * slot (the launcher gives slot s the cluster CIDR 127.(128+4s).0.0/14; its fallbacks are 127.(64+s).0.0/16),
 * so clusters sharing a machine do not collide either; 127.64.0.0/12 for any other cluster CIDR.
 */
export function defaultFallbackCIDR(clusterCIDR: string): string {
  const [a, b] = clusterCIDR.split('.').map(Number);
  if (a === 127 && b !== undefined && b >= 128 && b < 192)
    return `127.${64 + (((b - 128) >> 2) % 16)}.0.0/16`;
  return '127.64.0.0/12';
}

/**
 * Reads the node configuration.
 *
 * @example
 * const cfg = readNodeConfig({ KUBELAB_ID: 'node-0', KUBELAB_NODE_IP: '127.0.100.1' });
 * cfg.capacity.cpu; // '4'
 */
export function readNodeConfig(env: NodeJS.ProcessEnv): NodeConfig {
  const nodeName = str(env, 'KUBELAB_ID') ?? 'node-0';
  const clusterCIDR = str(env, 'KUBELAB_CLUSTER_CIDR') ?? '127.128.0.0/10';
  const mask = num(env, 'KUBELAB_NODE_CIDR_MASK_SIZE', 24, 1);
  const backoff = (prefix: string): BackoffConfig => ({
    initialMs: num(env, `${prefix}_INITIAL_MS`, 10_000, 1),
    maxMs: num(env, `${prefix}_MAX_MS`, 300_000, 1),
    resetMs: num(env, `${prefix}_RESET_MS`, 600_000, 1),
  });
  const podCIDR = str(env, 'KUBELAB_NODE_POD_CIDR');
  const fallbackCIDR = str(env, 'KUBELAB_NODE_FALLBACK_CIDR') ?? defaultFallbackCIDR(clusterCIDR);
  if (cidrsOverlap(fallbackCIDR, clusterCIDR)) {
    throw new NodeConfigError(
      `KUBELAB_NODE_FALLBACK_CIDR ${fallbackCIDR} overlaps KUBELAB_CLUSTER_CIDR ${clusterCIDR}: a fallback pod CIDR could collide with one the node IPAM controller assigns`,
    );
  }
  return {
    nodeName,
    nodeIP: str(env, 'KUBELAB_NODE_IP') ?? '127.0.0.1',
    capacity: {
      cpu: quantity(env, 'KUBELAB_NODE_CPU', '4'),
      memory: quantity(env, 'KUBELAB_NODE_MEMORY', '8Gi'),
      pods: quantity(env, 'KUBELAB_NODE_PODS', '110'),
    },
    labels: parseLabels(str(env, 'KUBELAB_NODE_LABELS')),
    taints: parseTaints(str(env, 'KUBELAB_NODE_TAINTS')),
    leasePeriodMs: num(env, 'KUBELAB_NODE_LEASE_PERIOD_MS', 10_000, 1),
    leaseDurationSeconds: num(env, 'KUBELAB_NODE_LEASE_DURATION_SECONDS', 40, 1),
    statusPeriodMs: num(env, 'KUBELAB_NODE_STATUS_PERIOD_MS', 300_000, 1),
    statusCheckMs: num(env, 'KUBELAB_NODE_STATUS_CHECK_MS', 10_000, 1),
    crashBackoff: backoff('KUBELAB_CRASH_BACKOFF'),
    imageBackoff: backoff('KUBELAB_IMAGE_BACKOFF'),
    podCIDR,
    podCIDRWaitMs: num(env, 'KUBELAB_NODE_POD_CIDR_WAIT_MS', 60_000),
    fallbackPodCIDR: subnetOf(fallbackCIDR, mask, nodeIndex(nodeName)),
    fallbackCIDR,
    nodeCIDRMaskSize: mask,
    dns: {
      nameserver: str(env, 'KUBELAB_DNS_SERVER') ?? '127.96.0.10',
      port: num(env, 'KUBELAB_DNS_PORT', 53, 1),
      clusterDomain: str(env, 'KUBELAB_CLUSTER_DOMAIN') ?? 'cluster.local',
    },
    hollowNodes: num(env, 'KUBELAB_HOLLOW_NODES', 0),
    // Hollow nodes' pod work is one status write each: more in flight hides the api's write latency
    // (bench:nodes measured bound → Ready p50 11 s with 16 workers, 0.9 s with 64, at 100 nodes).
    workers: num(env, 'KUBELAB_NODE_POD_WORKERS', num(env, 'KUBELAB_HOLLOW_NODES', 0) > 0 ? 64 : 16, 1),
    podResyncMs: num(env, 'KUBELAB_NODE_POD_RESYNC_MS', 60_000, 1),
    usagePeriodMs: num(env, 'KUBELAB_NODE_USAGE_PERIOD_MS', 15_000, 1),
    probeTimeScale: positive(env, 'KUBELAB_PROBE_TIME_SCALE', 1),
  };
}
