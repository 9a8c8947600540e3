/**
 * Version conversion for the one kind served in two versions: HorizontalPodAutoscaler, stored as
 * autoscaling/v2 and also served as autoscaling/v1 (what `kubectl autoscale` posts). v1 only knows a CPU
 * utilization target; other v2 metrics are dropped on the way to v1 (Kubernetes keeps them in annotations;
 * kubelab does not).
 */
import type { HorizontalPodAutoscaler, HorizontalPodAutoscalerV1, MetricSpec } from './types/cluster.js';

function cpuTarget(metrics: MetricSpec[] | undefined): number | undefined {
  const m = (metrics ?? []).find(
    (x) => x.type === 'Resource' && x.resource?.name === 'cpu' && x.resource.target.type === 'Utilization',
  );
  return m?.resource?.target.averageUtilization;
}

/** autoscaling/v1 → autoscaling/v2. */
export function hpaV1ToV2(hpa: HorizontalPodAutoscalerV1): HorizontalPodAutoscaler {
  const { spec, status, ...rest } = structuredClone(hpa);
  const out: HorizontalPodAutoscaler = {
    ...rest,
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    spec: { scaleTargetRef: spec.scaleTargetRef, maxReplicas: spec.maxReplicas },
  };
  if (spec.minReplicas !== undefined) out.spec.minReplicas = spec.minReplicas;
  if (spec.targetCPUUtilizationPercentage !== undefined) {
    out.spec.metrics = [
      {
        type: 'Resource',
        resource: {
          name: 'cpu',
          target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage },
        },
      },
    ];
  }
  if (status !== undefined) {
    const { currentCPUUtilizationPercentage, ...s } = status;
    out.status = { ...s };
    if (currentCPUUtilizationPercentage !== undefined) {
      out.status.currentMetrics = [
        {
          type: 'Resource',
          resource: { name: 'cpu', current: { averageUtilization: currentCPUUtilizationPercentage } },
        },
      ];
    }
  }
  return out;
}

/** autoscaling/v2 → autoscaling/v1 (keeps only the CPU utilization target). */
export function hpaV2ToV1(hpa: HorizontalPodAutoscaler): HorizontalPodAutoscalerV1 {
  const { spec, status, ...rest } = structuredClone(hpa);
  const out: HorizontalPodAutoscalerV1 = {
    ...rest,
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    spec: { scaleTargetRef: spec.scaleTargetRef, maxReplicas: spec.maxReplicas },
  };
  if (spec.minReplicas !== undefined) out.spec.minReplicas = spec.minReplicas;
  const target = cpuTarget(spec.metrics);
  if (target !== undefined) out.spec.targetCPUUtilizationPercentage = target;
  if (status !== undefined) {
    const v1: NonNullable<HorizontalPodAutoscalerV1['status']> = {
      currentReplicas: status.currentReplicas ?? 0,
      desiredReplicas: status.desiredReplicas,
    };
    if (status.observedGeneration !== undefined) v1.observedGeneration = status.observedGeneration;
    if (status.lastScaleTime !== undefined) v1.lastScaleTime = status.lastScaleTime;
    const cur = (status.currentMetrics ?? []).find(
      (m) => m.type === 'Resource' && m.resource?.name === 'cpu',
    );
    const util = cur?.resource?.current.averageUtilization;
    if (util !== undefined) v1.currentCPUUtilizationPercentage = util;
    out.status = v1;
  }
  return out;
}
