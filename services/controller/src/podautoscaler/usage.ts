/**
 * Where the HPA reads pod cpu and memory usage (kubelab's stand-in for `metrics.k8s.io`): a small {@link UsageSource}
 * interface, and the default source reading the annotation the kubelet publishes on each running pod,
 * `kubelab.io/usage` = `{"cpuMilli":250,"memoryBytes":…,"containers":{…},"timestamp":"…Z","windowSeconds":15}`.
 *
 * The kubelet rewrites the annotation only when usage moves (by 10 % or 5 millicores), so the value is a
 * level that holds until replaced: the sample counts as taken at the time it is read, not at its timestamp.
 */
import { type Pod, USAGE_ANNOTATION } from '@kubelab/api-types';
import { parseTime, podRequests } from '@kubelab/controller-kit';
import type { PodSample } from './replica-calculator.js';

export { USAGE_ANNOTATION };

/** A resource the HPA scales on. */
export type ScalableResource = 'cpu' | 'memory';

/** One pod's usage sample: millicores for cpu, bytes for memory. */
export interface UsageSample {
  readonly value: number;
  readonly timestampMs: number;
  readonly windowMs: number;
}

/** Answers a pod's current usage of a resource, or undefined when there is no sample. */
export interface UsageSource {
  podUsage(pod: Pod, resource: ScalableResource, nowWallMs: number): UsageSample | undefined;
}

/** Reads {@link USAGE_ANNOTATION}; a malformed value counts as no sample. */
export const annotationUsageSource: UsageSource = {
  podUsage(pod, resource, nowWallMs) {
    const raw = pod.metadata.annotations?.[USAGE_ANNOTATION];
    if (!raw) return undefined;
    try {
      const v = JSON.parse(raw) as { cpuMilli?: unknown; memoryBytes?: unknown; windowSeconds?: unknown };
      const value = resource === 'cpu' ? v.cpuMilli : v.memoryBytes;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return undefined;
      const windowSeconds = typeof v.windowSeconds === 'number' && v.windowSeconds > 0 ? v.windowSeconds : 15;
      return { value, timestampMs: nowWallMs, windowMs: windowSeconds * 1000 };
    } catch {
      return undefined;
    }
  },
};

/** The calculator's view of a pod for one resource. */
export function podSample(
  pod: Pod,
  source: UsageSource,
  resource: ScalableResource,
  nowWallMs: number,
): PodSample {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const without = (pod.spec?.containers ?? []).find((c) => c.resources?.requests?.[resource] === undefined);
  const requests = podRequests(pod);
  return {
    name: pod.metadata.name ?? '',
    phase: pod.status?.phase,
    deleting: Boolean(pod.metadata.deletionTimestamp),
    ready: ready
      ? { status: ready.status, lastTransitionMs: parseTime(ready.lastTransitionTime) }
      : undefined,
    startMs: parseTime(pod.status?.startTime),
    request: without ? undefined : resource === 'cpu' ? requests.cpuMilli : requests.memoryBytes,
    ...(without ? { containerWithoutRequest: without.name } : {}),
    usage: source.podUsage(pod, resource, nowWallMs),
  };
}
