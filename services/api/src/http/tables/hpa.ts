/**
 * The HorizontalPodAutoscaler printer (kubernetes/pkg/printers/internalversion, v1.32): Reference, Targets
 * ("cpu: 50%/80%", formatHPAMetrics over the v2 metric specs, or the autoscaling/v1 CPU target), MinPods,
 * MaxPods, Replicas.
 */
import { arr, get, int, isObj, since, str } from './format.js';
import { type Printer, ageColumn, column, nameColumn } from './table.js';

type Obj = Record<string, unknown>;

const name = (o: Obj) => str(get(o, 'metadata', 'name'));
const age = (o: Obj, nowMs: number) => since(get(o, 'metadata', 'creationTimestamp'), nowMs);

/** A resource.Quantity as Go prints it; stored quantities are already canonical strings or numbers. */
const quantity = (v: unknown): string => (v === undefined || v === null ? '0' : String(v));

/** One autoscaling/v2 MetricSpec with its MetricStatus, as formatHPAMetrics prints it. */
function formatMetric(spec: Obj, status: Obj | undefined): string {
  const unknown = '<unknown>';
  const sourceOf = (key: string) => (isObj(spec[key]) ? (spec[key] as Obj) : {});
  const currentOf = (key: string) =>
    status && isObj(status[key]) ? (get(status[key], 'current') as Obj | undefined) : undefined;
  switch (spec.type) {
    case 'External':
    case 'Object': {
      const key = spec.type === 'External' ? 'external' : 'object';
      const target = (get(sourceOf(key), 'target') ?? {}) as Obj;
      const current = currentOf(key);
      if (target.averageValue !== undefined) {
        const cur = current?.averageValue !== undefined ? quantity(current.averageValue) : unknown;
        return `${cur}/${quantity(target.averageValue)} (avg)`;
      }
      const cur = current !== undefined ? quantity(current.value) : unknown;
      return `${cur}/${quantity(target.value)}`;
    }
    case 'Pods': {
      const current = currentOf('pods');
      const cur = current !== undefined ? quantity(current.averageValue) : unknown;
      return `${cur}/${quantity(get(sourceOf('pods'), 'target', 'averageValue'))}`;
    }
    case 'Resource':
    case 'ContainerResource': {
      const key = spec.type === 'Resource' ? 'resource' : 'containerResource';
      const source = sourceOf(key);
      const target = (source.target ?? {}) as Obj;
      const current = currentOf(key);
      if (target.averageValue !== undefined) {
        const cur = current !== undefined ? quantity(current.averageValue) : unknown;
        return `${str(source.name)}: ${cur}/${quantity(target.averageValue)}`;
      }
      const cur =
        typeof current?.averageUtilization === 'number' ? `${current.averageUtilization}%` : unknown;
      const tgt = typeof target.averageUtilization === 'number' ? `${target.averageUtilization}%` : '<auto>';
      return `${str(source.name)}: ${cur}/${tgt}`;
    }
    default:
      return '<unknown type>';
  }
}

/**
 * `formatHPAMetrics` over the internal (v2-shaped) HPA. An autoscaling/v1 object converts to one Resource cpu
 * metric when `targetCPUUtilizationPercentage` is set, with `currentCPUUtilizationPercentage` as its status.
 */
export function formatHpaTargets(hpa: Obj): string {
  let specs = arr(get(hpa, 'spec', 'metrics')).filter(isObj);
  let statuses = arr(get(hpa, 'status', 'currentMetrics')).filter(isObj);
  const v1Target = get(hpa, 'spec', 'targetCPUUtilizationPercentage');
  if (specs.length === 0 && typeof v1Target === 'number') {
    specs = [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: v1Target } },
      },
    ];
    const v1Current = get(hpa, 'status', 'currentCPUUtilizationPercentage');
    statuses =
      typeof v1Current === 'number'
        ? [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: v1Current } } }]
        : [];
  }
  if (specs.length === 0) return '<none>';
  const max = 2;
  const list = specs.map((spec, i) => formatMetric(spec, statuses[i]));
  if (list.length > max) return `${list.slice(0, max).join(', ')} + ${list.length - max} more...`;
  return list.join(', ');
}

export const hpaPrinter: Printer = {
  columns: [
    nameColumn(),
    column(
      'Reference',
      'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.',
    ),
    column(
      'Targets',
      'metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).',
    ),
    column(
      'MinPods',
      'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.',
    ),
    column(
      'MaxPods',
      'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.',
    ),
    column(
      'Replicas',
      'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.',
    ),
    ageColumn(),
  ],
  row(o, nowMs) {
    const min = get(o, 'spec', 'minReplicas');
    return {
      cells: [
        name(o),
        `${str(get(o, 'spec', 'scaleTargetRef', 'kind'))}/${str(get(o, 'spec', 'scaleTargetRef', 'name'))}`,
        formatHpaTargets(o),
        typeof min === 'number' ? String(min) : '<unset>',
        int(get(o, 'spec', 'maxReplicas')),
        int(get(o, 'status', 'currentReplicas')),
        age(o, nowMs),
      ],
    };
  },
};
