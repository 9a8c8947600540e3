/**
 * The metric specs the HPA understands (autoscaling/v2 `Resource` metrics on cpu or memory, with a
 * `Utilization` or `AverageValue` target), their names in reasons and messages as Kubernetes writes them, and
 * the `currentMetrics` entries of the status. Pure.
 */
import { type MetricSpec, type MetricStatus, integerValueOf, milliValueOf } from '@kubelab/api-types';
import type { ReplicaCalculation, ResourceTarget } from './replica-calculator.js';
import type { ScalableResource } from './usage.js';

/** What the HPA scales on when spec.metrics is empty: 80 % cpu. */
export const DEFAULT_METRICS: readonly MetricSpec[] = [
  { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
];

/** A metric spec the calculator can use. */
export interface ResourceMetric {
  readonly resource: ScalableResource;
  readonly target: ResourceTarget;
  /** `cpu resource utilization (percentage of request)` or `memory resource`: how Kubernetes names it. */
  readonly name: string;
}

/** Parses one metric spec; an Error (never thrown) says why kubelab cannot use it. */
export function parseResourceMetric(m: MetricSpec): ResourceMetric | Error {
  if (m.type !== 'Resource' || !m.resource) return new Error(`unsupported metric source type "${m.type}"`);
  const resource = m.resource.name;
  if (resource !== 'cpu' && resource !== 'memory') return new Error(`unsupported resource "${resource}"`);
  const t = m.resource.target;
  if (t.type === 'Utilization' && typeof t.averageUtilization === 'number' && t.averageUtilization > 0) {
    return {
      resource,
      target: { kind: 'Utilization', utilization: t.averageUtilization },
      name: `${resource} resource utilization (percentage of request)`,
    };
  }
  if (t.type === 'AverageValue' && t.averageValue !== undefined) {
    const v = resource === 'cpu' ? milliValueOf(t.averageValue) : integerValueOf(t.averageValue);
    if (v > 0)
      return { resource, target: { kind: 'AverageValue', averageValue: v }, name: `${resource} resource` };
  }
  return new Error(`invalid ${resource} target: ${JSON.stringify(t)}`);
}

/** The status entry of a computed metric. */
export function metricStatus(m: ResourceMetric, calc: ReplicaCalculation): MetricStatus {
  const averageValue = m.resource === 'cpu' ? `${calc.averageValue}m` : String(calc.averageValue);
  return {
    type: 'Resource',
    resource: {
      name: m.resource,
      current:
        calc.utilization === undefined
          ? { averageValue }
          : { averageUtilization: calc.utilization, averageValue },
    },
  };
}

/** `failed to get cpu utilization: …` / `failed to get memory usage: …`. */
export function metricFailure(m: ResourceMetric, err: unknown): string {
  const what = m.target.kind === 'Utilization' ? 'utilization' : 'usage';
  return `failed to get ${m.resource} ${what}: ${err instanceof Error ? err.message : String(err)}`;
}
