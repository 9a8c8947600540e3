import { type Container, type Pod, integerValueOf, milliValueOf } from '@kubelab/api-types';
/**
 * What the scheduler needs to know about a pod, computed once per pod object (kube-scheduler `framework.PodInfo`):
 * its requests (exact, and "non-zero" with Kubernetes' defaults for containers that request nothing, which the
 * scoring uses), host ports, controller owner and priority.
 */
import { getControllerOf } from '@kubelab/controller-kit';

/** Kubernetes' defaults for a container without a cpu / memory request, for scoring only (schedutil). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST_BYTES = 200 * 1024 * 1024;

/** One host port a pod asks for: `hostIP` defaults to 0.0.0.0 (every address), protocol to TCP. */
export interface HostPort {
  readonly ip: string;
  readonly protocol: string;
  readonly port: number;
}

/** cpu in millicores and memory in bytes. */
export interface Resources {
  readonly cpuMilli: number;
  readonly memoryBytes: number;
}

/** A pod with its scheduling facts. Immutable: a changed pod gets a new PodInfo. */
export interface PodInfo {
  readonly pod: Pod;
  /** `namespace/name`. */
  readonly key: string;
  readonly uid: string;
  readonly requests: Resources;
  readonly nonZeroRequests: Resources;
  readonly hostPorts: readonly HostPort[];
  /** The uid of its controller (ReplicaSet, StatefulSet …), for spreading; undefined for bare pods. */
  readonly ownerUid: string | undefined;
  readonly priority: number;
}

function containerRequests(c: Container): { cpu: number; mem: number; nzCpu: number; nzMem: number } {
  const req = c.resources?.requests;
  const cpu = milliValueOf(req?.cpu);
  const mem = integerValueOf(req?.memory);
  return {
    cpu,
    mem,
    nzCpu: req?.cpu === undefined ? DEFAULT_MILLI_CPU_REQUEST : cpu,
    nzMem: req?.memory === undefined ? DEFAULT_MEMORY_REQUEST_BYTES : mem,
  };
}

function hostPortsOf(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  const hostNetwork = pod.spec?.hostNetwork === true;
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      const port = p.hostPort ?? (hostNetwork ? p.containerPort : 0);
      if (!port || port <= 0) continue;
      out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port });
    }
  }
  return out;
}

/** `namespace/name` of a pod. */
export function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name ?? ''}`;
}

/**
 * The scheduling facts of `pod`: sum over app containers, at least the largest init container, plus overhead
 * (resourcehelper.PodRequests), once exact and once with the non-zero defaults.
 */
export function newPodInfo(pod: Pod): PodInfo {
  let cpu = 0;
  let mem = 0;
  let nzCpu = 0;
  let nzMem = 0;
  for (const c of pod.spec?.containers ?? []) {
    const r = containerRequests(c);
    cpu += r.cpu;
    mem += r.mem;
    nzCpu += r.nzCpu;
    nzMem += r.nzMem;
  }
  for (const c of pod.spec?.initContainers ?? []) {
    const r = containerRequests(c);
    cpu = Math.max(cpu, r.cpu);
    mem = Math.max(mem, r.mem);
    nzCpu = Math.max(nzCpu, r.nzCpu);
    nzMem = Math.max(nzMem, r.nzMem);
  }
  const overhead = pod.spec?.overhead;
  const ohCpu = milliValueOf(overhead?.cpu);
  const ohMem = integerValueOf(overhead?.memory);
  return {
    pod,
    key: podKey(pod),
    uid: pod.metadata.uid ?? '',
    requests: { cpuMilli: cpu + ohCpu, memoryBytes: mem + ohMem },
    nonZeroRequests: { cpuMilli: nzCpu + ohCpu, memoryBytes: nzMem + ohMem },
    hostPorts: hostPortsOf(pod),
    ownerUid: getControllerOf(pod)?.uid,
    priority: pod.spec?.priority ?? 0,
  };
}
