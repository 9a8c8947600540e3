/**
 * The HorizontalPodAutoscaler controller (kube-controller-manager's `podautoscaler/horizontal.go`), for
 * autoscaling/v2 `Resource` metrics on cpu or memory with `Utilization` or `AverageValue` targets (80 % cpu
 * when none is given; the largest desired count of several metrics wins): every
 * `KUBELAB_HPA_SYNC_PERIOD_MS` (default 15 s) each HPA reads its target's `scale` subresource, computes the
 * desired count from its pods' usage ({@link calculateResourceReplicas}, tolerance `KUBELAB_HPA_TOLERANCE`, 0.1),
 * applies `behavior` (stabilization windows, scale-down default `KUBELAB_HPA_DOWNSCALE_STABILIZATION_MS` =
 * 300 s; rate policies), writes the new count through `scale`, records SuccessfulRescale, and writes status
 * (currentReplicas, desiredReplicas, currentMetrics, lastScaleTime, AbleToScale/ScalingActive/ScalingLimited).
 */
import {
  RateLimitingQueue,
  type ResourceRef,
  type SharedInformer,
  metaNamespaceKey,
  resources,
  runWorkers,
} from '@kubelab/api-client';
import {
  type HorizontalPodAutoscaler,
  type MetricStatus,
  type Pod,
  type Scale,
  findByKind,
  labelSelectorMatches,
  parseApiVersion,
  parseLabelSelector,
  scaleOf,
} from '@kubelab/api-types';
import type { Controller, ControllerContext } from '@kubelab/controller-kit';
import { intSetting, rfc3339 } from '@kubelab/controller-kit';
import {
  DEFAULT_SCALE_DOWN,
  DEFAULT_SCALE_UP,
  type Recommendation,
  type ScaleEvent,
  limitByRate,
  resolveRules,
  stabilize,
} from './behavior.js';
import { DEFAULT_METRICS, metricFailure, metricStatus, parseResourceMetric } from './metrics.js';
import { DEFAULT_TOLERANCE, calculateResourceReplicas } from './replica-calculator.js';
import { type Conditions, type HpaOutcome, computeHpaStatus, setCondition } from './status.js';
import { type UsageSource, annotationUsageSource, podSample } from './usage.js';

/** How Kubernetes names the cpu utilization metric in reasons and messages. */
export const CPU_METRIC_NAME = 'cpu resource utilization (percentage of request)';
/** Older entries than this are dropped from the per-HPA history (the longest window or period it may need). */
const HISTORY_MAX_MS = 60 * 60_000;

/** Sets one status condition (AbleToScale, ScalingActive, ScalingLimited). */
type SetCondition = (type: string, status: string, reason: string, message: string) => void;

/** The api resource of a scaleTargetRef. */
export function targetResource(ref: { apiVersion?: string; kind: string }): ResourceRef | undefined {
  const group = parseApiVersion(ref.apiVersion ?? '').group;
  const info = ref.apiVersion ? findByKind(ref.kind, ref.apiVersion) : findByKind(ref.kind);
  const pick = info ?? findByKind(ref.kind);
  if (!pick || (ref.apiVersion && pick.group !== group)) return undefined;
  return { group: pick.group, version: pick.version, resource: pick.plural, namespaced: pick.namespaced };
}

/** Builds the HPA controller with the kubelet's usage annotation as the metrics source. */
export function newHorizontalController(ctx: ControllerContext): Controller {
  return new HorizontalController(ctx, annotationUsageSource);
}

interface History {
  recommendations: Recommendation[];
  upEvents: ScaleEvent[];
  downEvents: ScaleEvent[];
}

/** See the module comment. */
export class HorizontalController implements Controller {
  readonly name = 'horizontalpodautoscaling';
  readonly #ctx: ControllerContext;
  readonly #usage: UsageSource;
  readonly #queue: RateLimitingQueue<string>;
  readonly #hpas: SharedInformer<HorizontalPodAutoscaler>;
  readonly #pods: SharedInformer<Pod>;
  readonly #history = new Map<string, History>();
  readonly #syncPeriodMs: number;
  readonly #tolerance: number;
  readonly #downWindowSeconds: number;

  constructor(ctx: ControllerContext, usage: UsageSource) {
    this.#ctx = ctx;
    this.#usage = usage;
    this.#syncPeriodMs = Math.max(1, intSetting(ctx.settings, 'KUBELAB_HPA_SYNC_PERIOD_MS', 15_000));
    this.#tolerance = intSetting(ctx.settings, 'KUBELAB_HPA_TOLERANCE', DEFAULT_TOLERANCE);
    this.#downWindowSeconds =
      intSetting(
        ctx.settings,
        'KUBELAB_HPA_DOWNSCALE_STABILIZATION_MS',
        DEFAULT_SCALE_DOWN.stabilizationWindowSeconds * 1000,
      ) / 1000;
    this.#queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: 'horizontalpodautoscaler' });
    this.#hpas = ctx.informers.informerFor<HorizontalPodAutoscaler>(resources.horizontalpodautoscalers);
    this.#pods = ctx.informers.informerFor<Pod>(resources.pods);
    this.#hpas.addEventHandler({
      onAdd: (h) => this.#queue.add(metaNamespaceKey(h)),
      // Our own status writes must not make the loop spin: only a spec change syncs before the period.
      onUpdate: (old, h) => {
        if (old.metadata.generation !== h.metadata.generation) this.#queue.add(metaNamespaceKey(h));
      },
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    const synced = await Promise.all([this.#hpas.whenSynced(signal), this.#pods.whenSynced(signal)]);
    if (!synced.every(Boolean)) return;
    await runWorkers(this.#queue, 2, (key) => this.syncHpa(key), signal, {
      logger: this.#ctx.logger.child({ controller: this.name }),
    });
  }

  /** Reconciles one HPA, then schedules its next periodic sync. */
  async syncHpa(key: string): Promise<void> {
    const [namespace = '', name = ''] = key.split('/');
    const hpa = this.#hpas.lister().get(namespace, name);
    if (!hpa) {
      this.#history.delete(key);
      return;
    }
    try {
      await this.#reconcile(key, hpa);
    } finally {
      this.#queue.addAfter(key, this.#syncPeriodMs);
    }
  }

  #historyOf(key: string): History {
    let h = this.#history.get(key);
    if (!h) {
      h = { recommendations: [], upEvents: [], downEvents: [] };
      this.#history.set(key, h);
    }
    const cutoff = this.#ctx.clock.wallNow() - HISTORY_MAX_MS;
    h.recommendations = h.recommendations.filter((r) => r.atMs > cutoff);
    h.upEvents = h.upEvents.filter((e) => e.atMs > cutoff);
    h.downEvents = h.downEvents.filter((e) => e.atMs > cutoff);
    return h;
  }

  async #reconcile(key: string, hpa: HorizontalPodAutoscaler): Promise<void> {
    const conditions: Conditions = structuredClone(hpa.status?.conditions ?? []);
    const nowRfc = rfc3339(this.#ctx.clock.wallNow());
    const cond = (type: string, status: string, reason: string, message: string) =>
      setCondition(conditions, { type, status, reason, message }, nowRfc);
    const ns = hpa.metadata.namespace ?? 'default';
    const target = hpa.spec.scaleTargetRef;
    const ref = targetResource(target);
    let scale: Scale;
    try {
      if (!ref)
        throw new Error(
          `no matches for kind "${target.kind}" in group "${parseApiVersion(target.apiVersion ?? '').group}"`,
        );
      const got = await this.#ctx.client.get(ref, target.name, { namespace: ns, subresource: 'scale' });
      scale = got.kind === 'Scale' ? (got as Scale) : scaleOf(got);
    } catch (err) {
      const msg = `the HPA controller was unable to get the target's current scale: ${errText(err)}`;
      this.#ctx.recorder.event(hpa, 'Warning', 'FailedGetScale', errText(err));
      cond('AbleToScale', 'False', 'FailedGetScale', msg);
      const prev = { current: hpa.status?.currentReplicas ?? 0, desired: hpa.status?.desiredReplicas ?? 0 };
      await this.#writeStatus(hpa, conditions, { ...prev, rescaled: false });
      return;
    }
    cond(
      'AbleToScale',
      'True',
      'SucceededGetScale',
      "the HPA controller was able to get the target's current scale",
    );
    const outcome = await this.#decide(key, hpa, scale, ns, cond);
    // Without metrics the current count is still reported, and the desired one stays what it was.
    const current = scale.spec.replicas ?? 0;
    await this.#writeStatus(
      hpa,
      conditions,
      outcome ?? { current, desired: hpa.status?.desiredReplicas ?? current, rescaled: false },
    );
  }

  /** Computes the desired count and rescales; undefined when the metrics could not be computed. */
  async #decide(
    key: string,
    hpa: HorizontalPodAutoscaler,
    scale: Scale,
    ns: string,
    cond: SetCondition,
  ): Promise<HpaOutcome | undefined> {
    const current = scale.spec.replicas ?? 0;
    const min = hpa.spec.minReplicas ?? 1;
    const max = hpa.spec.maxReplicas;
    let desired: number;
    let reason = '';
    let currentMetrics: MetricStatus[] = [];
    if (current === 0 && min !== 0) {
      cond(
        'ScalingActive',
        'False',
        'ScalingDisabled',
        'scaling is disabled since the replica count of the target is zero',
      );
      return { current, desired: 0, rescaled: false };
    }
    if (current > max) {
      desired = max;
      reason = 'Current number of replicas above Spec.MaxReplicas';
    } else if (current < min) {
      desired = min;
      reason = 'Current number of replicas below Spec.MinReplicas';
    } else {
      const metric = this.#metricsDesired(hpa, scale, ns, current, cond);
      if (metric === undefined) return undefined;
      currentMetrics = metric.statuses;
      desired = this.#normalize(key, hpa, current, metric.replicas, min, max, cond);
      reason = desired > current ? `${metric.name} above target` : 'All metrics below target';
    }
    const rescaled =
      desired !== current ? await this.#rescale(key, hpa, scale, current, desired, reason, cond) : false;
    return { currentMetrics, current, desired, rescaled };
  }

  /**
   * Every metric's desired count; the largest wins (`computeReplicasForMetrics`). Invalid metrics block the
   * HPA unless the valid ones scale up.
   */
  #metricsDesired(
    hpa: HorizontalPodAutoscaler,
    scale: Scale,
    ns: string,
    current: number,
    cond: SetCondition,
  ): { replicas: number; name: string; statuses: MetricStatus[] } | undefined {
    const specs = hpa.spec.metrics && hpa.spec.metrics.length > 0 ? hpa.spec.metrics : DEFAULT_METRICS;
    const nowWall = this.#ctx.clock.wallNow();
    const selectorText = scale.status?.selector;
    const selector = selectorText ? parseLabelSelector(selectorText) : undefined;
    const pods = selector
      ? this.#pods.lister().listNamespace(ns, (p) => labelSelectorMatches(selector, p.metadata.labels))
      : [];
    const statuses: MetricStatus[] = [];
    let best: { replicas: number; name: string } | undefined;
    let firstError: { reason: string; message: string } | undefined;
    for (const spec of specs) {
      const m = parseResourceMetric(spec);
      if (m instanceof Error) {
        firstError ??= { reason: 'InvalidMetricSourceType', message: m.message };
        continue;
      }
      try {
        if (!selector) throw new Error('selector is required');
        const calc = calculateResourceReplicas({
          pods: pods.map((p) => podSample(p, this.#usage, m.resource, nowWall)),
          currentReplicas: current,
          resource: m.resource,
          target: m.target,
          tolerance: this.#tolerance,
          nowMs: nowWall,
        });
        statuses.push(metricStatus(m, calc));
        if (best === undefined || calc.replicas > best.replicas)
          best = { replicas: calc.replicas, name: m.name };
      } catch (err) {
        firstError ??= { reason: 'FailedGetResourceMetric', message: metricFailure(m, err) };
      }
    }
    if (firstError && (best === undefined || best.replicas < current)) {
      cond(
        'ScalingActive',
        'False',
        firstError.reason,
        `the HPA was unable to compute the replica count: ${firstError.message}`,
      );
      this.#ctx.recorder.event(hpa, 'Warning', firstError.reason, firstError.message);
      return undefined;
    }
    if (best === undefined) return undefined; // no metric at all: cannot happen with the default
    cond(
      'ScalingActive',
      'True',
      'ValidMetricFound',
      `the HPA was able to successfully calculate a replica count from ${best.name}`,
    );
    return { ...best, statuses };
  }

  /** Stabilization and rate policies (normalizeDesiredReplicasWithBehaviors). */
  #normalize(
    key: string,
    hpa: HorizontalPodAutoscaler,
    current: number,
    metricDesired: number,
    min: number,
    max: number,
    cond: SetCondition,
  ): number {
    const h = this.#historyOf(key);
    const nowMs = this.#ctx.clock.wallNow();
    const up = resolveRules(hpa.spec.behavior?.scaleUp, DEFAULT_SCALE_UP);
    const down = resolveRules(hpa.spec.behavior?.scaleDown, DEFAULT_SCALE_DOWN, this.#downWindowSeconds);
    const stable = stabilize({
      desired: metricDesired,
      current,
      nowMs,
      up,
      down,
      recommendations: h.recommendations,
    });
    h.recommendations.push({ atMs: nowMs, replicas: metricDesired });
    cond('AbleToScale', 'True', stable.reason, stable.message);
    const limited = limitByRate({
      desired: stable.replicas,
      current,
      minReplicas: min,
      maxReplicas: max,
      nowMs,
      up,
      down,
      upEvents: h.upEvents,
      downEvents: h.downEvents,
    });
    cond(
      'ScalingLimited',
      limited.replicas === stable.replicas ? 'False' : 'True',
      limited.reason,
      limited.message,
    );
    return limited.replicas;
  }

  async #rescale(
    key: string,
    hpa: HorizontalPodAutoscaler,
    scale: Scale,
    current: number,
    desired: number,
    reason: string,
    cond: SetCondition,
  ): Promise<boolean> {
    const ref = targetResource(hpa.spec.scaleTargetRef) as ResourceRef;
    const body: Scale = {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { ...scale.metadata },
      spec: { replicas: desired },
    };
    try {
      await this.#ctx.client.update(ref, body, {
        namespace: scale.metadata.namespace ?? 'default',
        subresource: 'scale',
      });
    } catch (err) {
      cond(
        'AbleToScale',
        'False',
        'FailedUpdateScale',
        `the HPA controller was unable to update the target scale: ${errText(err)}`,
      );
      this.#ctx.recorder.event(
        hpa,
        'Warning',
        'FailedRescale',
        `New size: ${desired}; reason: ${reason}; error: ${errText(err)}`,
      );
      return false;
    }
    cond(
      'AbleToScale',
      'True',
      'SucceededRescale',
      `the HPA controller was able to update the target scale to ${desired}`,
    );
    this.#ctx.recorder.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${reason}`);
    this.#ctx.logger.info(
      { controller: this.name, hpa: key, from: current, to: desired, reason },
      'rescaled',
    );
    const h = this.#historyOf(key);
    const atMs = this.#ctx.clock.wallNow();
    if (desired > current) h.upEvents.push({ atMs, change: desired - current });
    else h.downEvents.push({ atMs, change: current - desired });
    return true;
  }

  async #writeStatus(hpa: HorizontalPodAutoscaler, conditions: Conditions, o: HpaOutcome): Promise<void> {
    const status = computeHpaStatus(hpa, conditions, o, rfc3339(this.#ctx.clock.wallNow()));
    if (JSON.stringify(status) === JSON.stringify(hpa.status)) return;
    await this.#ctx.client.updateStatus(resources.horizontalpodautoscalers, {
      ...structuredClone(hpa),
      status,
    });
  }
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
