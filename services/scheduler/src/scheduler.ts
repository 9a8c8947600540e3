/**
 * The scheduler (kube-scheduler `Scheduler` + `scheduleOne`): informers on pods and nodes feed the
 * {@link SchedulerCache} (assigned pods, nodes) and the {@link SchedulingQueue} (pending pods of this scheduler);
 * the loop pops one pod at a time and runs its scheduling cycle synchronously (filter, score, assume), then
 * starts its binding cycle without waiting for it, so many bindings are in flight while the next pods are
 * scheduled. A failed cycle records FailedScheduling and the PodScheduled=False condition and parks the pod;
 * a successful binding records Scheduled.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import {
  type ApiClient,
  DeletedFinalStateUnknown,
  type SharedInformerFactory,
  isConflict,
  isNotFound,
  resources,
} from '@kubelab/api-client';
import type { Node, Pod, PodCondition } from '@kubelab/api-types';
import type { Clock, Rng } from '@kubelab/clock';
import { type EventRecorder, getPodCondition, rfc3339 } from '@kubelab/controller-kit';
import type { Logger } from '@kubelab/telemetry';
import { SchedulerCache } from './cache/cache.js';
import { SchedulingAlgorithm } from './framework/cycle.js';
import type { Profile } from './framework/interface.js';
import { type PodInfo, newPodInfo, podKey } from './framework/pod-info.js';
import { defaultProfile } from './profile.js';
import { type QueueConfig, type QueuedPodInfo, SchedulingQueue } from './queue/scheduling-queue.js';

export interface SchedulerConfig {
  readonly client: ApiClient;
  readonly informers: SharedInformerFactory;
  readonly recorder: EventRecorder;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly logger: Logger;
  readonly profile?: Profile;
  /** 0 (default): Kubernetes' adaptive percentage. */
  readonly percentageOfNodesToScore?: number;
  /** Bindings in flight at most; the loop waits beyond it. Default 500. */
  readonly maxBindsInFlight?: number;
  readonly queue?: Omit<QueueConfig, 'clock'>;
  /** Lets I/O in between cycles; default setImmediate. */
  readonly yieldToEventLoop?: () => Promise<void>;
  /** Called after each successful binding (benchmarks, tests). */
  readonly onBound?: (pod: Pod, nodeName: string) => void;
}

/** Counters since start. */
export interface SchedulerStats {
  attempts: number;
  scheduled: number;
  bound: number;
  unschedulable: number;
  bindErrors: number;
}

const setImmediateYield = async (): Promise<void> => {
  await yieldToEventLoop();
};

function isAssigned(pod: Pod): boolean {
  return Boolean(pod.spec?.nodeName);
}

function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

export class Scheduler {
  readonly cache = new SchedulerCache();
  readonly queue: SchedulingQueue;
  readonly stats: SchedulerStats = { attempts: 0, scheduled: 0, bound: 0, unschedulable: 0, bindErrors: 0 };
  readonly #cfg: SchedulerConfig;
  readonly #profile: Profile;
  readonly #algorithm: SchedulingAlgorithm;
  readonly #log: Logger;
  readonly #pods: ReturnType<SharedInformerFactory['informerFor']>;
  #bindsInFlight = 0;
  #bindSlot: (() => void) | undefined;

  constructor(cfg: SchedulerConfig) {
    this.#cfg = cfg;
    this.#profile = cfg.profile ?? defaultProfile;
    this.#algorithm = new SchedulingAlgorithm(this.#profile, cfg.rng, cfg.percentageOfNodesToScore ?? 0);
    this.#log = cfg.logger.child({ component: 'scheduler' });
    this.queue = new SchedulingQueue({ clock: cfg.clock, ...cfg.queue });
    this.#pods = cfg.informers.informerFor<Pod>(resources.pods);
    this.#pods.addEventHandler({
      onAdd: (pod) => this.#onPod(undefined, pod as Pod),
      onUpdate: (old, pod) => this.#onPod(old as Pod, pod as Pod),
      onDelete: (obj) => this.#onPodDelete((obj instanceof DeletedFinalStateUnknown ? obj.obj : obj) as Pod),
    });
    const nodes = cfg.informers.informerFor<Node>(resources.nodes);
    nodes.addEventHandler({
      onAdd: (node) => {
        this.cache.upsertNode(node);
        this.queue.moveAllToActiveOrBackoff('NodeAdd');
      },
      onUpdate: (old, node) => {
        this.cache.upsertNode(node);
        if (old !== node && nodeSchedulingPropertiesChanged(old, node))
          this.queue.moveAllToActiveOrBackoff('NodeUpdate');
      },
      onDelete: (obj) => {
        const node = (obj instanceof DeletedFinalStateUnknown ? obj.obj : obj) as Node;
        this.cache.removeNode(node.metadata.name ?? '');
      },
    });
  }

  /** Starts the informers, waits for their caches, then schedules until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    this.#cfg.informers.start(signal);
    this.queue.run(signal);
    if (!(await this.#cfg.informers.waitForCacheSync(signal))) return;
    this.#log.info({ nodes: this.cache.nodeCount, ...this.queue.stats() }, 'caches synced; scheduling');
    const yieldNow = this.#cfg.yieldToEventLoop ?? setImmediateYield;
    const maxInFlight = this.#cfg.maxBindsInFlight ?? 500;
    while (!signal.aborted) {
      const qp = await this.queue.pop(signal);
      if (qp === undefined) break;
      this.scheduleOne(qp, this.queue.schedulingCycle);
      while (this.#bindsInFlight >= maxInFlight && !signal.aborted) {
        await new Promise<void>((resolve) => {
          this.#bindSlot = resolve;
        });
      }
      await yieldNow();
    }
  }

  /** One scheduling cycle for a popped pod; its binding continues asynchronously. */
  scheduleOne(qp: QueuedPodInfo, cycle: number): void {
    const pi = qp.podInfo;
    const current = this.#pods.lister().getByKey(pi.key) as Pod | undefined;
    // Deleted, bound by someone, or being deleted meanwhile: nothing to do (skipPodSchedule).
    if (!current || isAssigned(current) || current.metadata.deletionTimestamp) {
      this.queue.done(pi.key);
      return;
    }
    this.stats.attempts++;
    const result = this.#algorithm.schedule(pi, this.cache.nodeList());
    if (!result.ok) {
      this.stats.unschedulable++;
      this.#recordFailure(current, 'Unschedulable', result.message);
      this.queue.addUnschedulable(qp, cycle);
      return;
    }
    this.stats.scheduled++;
    const nodeName = result.node.name;
    this.cache.assumePod(pi, nodeName);
    this.#bindsInFlight++;
    void this.#bind(qp, nodeName).finally(() => {
      this.#bindsInFlight--;
      const slot = this.#bindSlot;
      this.#bindSlot = undefined;
      slot?.();
    });
  }

  /** The binding cycle: POST pods/<name>/binding, then the Scheduled event. */
  async #bind(qp: QueuedPodInfo, nodeName: string): Promise<void> {
    const pod = qp.podInfo.pod;
    const { name = '', namespace = 'default', uid } = pod.metadata;
    const binding = {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name, namespace, ...(uid ? { uid } : {}) },
      target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
    };
    try {
      await this.#cfg.client.create(resources.pods, binding, { namespace, name, subresource: 'binding' });
    } catch (err) {
      this.cache.forgetPod(qp.podInfo.key);
      this.stats.bindErrors++;
      if (isNotFound(err) || isConflict(err)) {
        // Deleted meanwhile, or bound by someone else: this pod is no longer ours to schedule.
        this.queue.done(qp.podInfo.key);
        return;
      }
      this.#log.warn({ err, pod: qp.podInfo.key, node: nodeName }, 'binding failed');
      this.#recordFailure(pod, 'SchedulerError', `Binding rejected: ${(err as Error).message}`);
      // The assumed pod's resources are free again.
      this.queue.moveAllToActiveOrBackoff('AssignedPodDelete');
      this.queue.addBackoff(qp);
      return;
    }
    this.stats.bound++;
    this.queue.done(qp.podInfo.key);
    this.#cfg.recorder.event(
      pod,
      'Normal',
      'Scheduled',
      `Successfully assigned ${namespace}/${name} to ${nodeName}`,
    );
    this.#cfg.onBound?.(pod, nodeName);
  }

  #onPod(old: Pod | undefined, pod: Pod): void {
    const key = podKey(pod);
    if (isAssigned(pod)) {
      this.queue.delete(key);
      if (isTerminal(pod)) {
        if (this.cache.nodeOf(key) !== undefined) {
          this.cache.removePod(key);
          this.queue.moveAllToActiveOrBackoff('AssignedPodDelete');
        }
        return;
      }
      this.cache.upsertPod(this.#podInfoOf(pod), pod.spec?.nodeName ?? '');
      return;
    }
    if (!this.#responsibleFor(pod)) {
      this.queue.delete(key);
      return;
    }
    // Assumed and being bound: the informer has not caught up with our binding yet.
    if (this.cache.isAssumed(key)) return;
    if (old === undefined || !this.queue.has(key)) this.queue.add(newPodInfo(pod));
    else if (old !== pod) this.queue.update(newPodInfo(pod), isPodUpdated(old, pod));
  }

  /**
   * The PodInfo of an assigned pod. Requests, ports and owner of a placed pod do not change (they are immutable
   * in the pod spec), so the one already counted is reused with the new object: a pod brings several
   * updates (the binding, the condition) and re-parsing quantities for each is measurable at 10,000 pods.
   */
  #podInfoOf(pod: Pod): PodInfo {
    const prior = this.cache.podInfo(podKey(pod));
    if (prior !== undefined && prior.uid === (pod.metadata.uid ?? '')) return { ...prior, pod };
    return newPodInfo(pod);
  }

  #onPodDelete(pod: Pod): void {
    const key = podKey(pod);
    this.queue.delete(key);
    if (this.cache.nodeOf(key) !== undefined) {
      this.cache.removePod(key);
      this.queue.moveAllToActiveOrBackoff('AssignedPodDelete');
    }
  }

  #responsibleFor(pod: Pod): boolean {
    return (
      (pod.spec?.schedulerName ?? this.#profile.schedulerName) === this.#profile.schedulerName &&
      !pod.metadata.deletionTimestamp &&
      !isTerminal(pod) &&
      (pod.spec?.schedulingGates?.length ?? 0) === 0
    );
  }

  /** FailedScheduling event plus PodScheduled=False (only written when the condition changes). */
  #recordFailure(pod: Pod, reason: 'Unschedulable' | 'SchedulerError', message: string): void {
    this.#cfg.recorder.event(pod, 'Warning', 'FailedScheduling', message);
    const prior = getPodCondition(pod, 'PodScheduled');
    if (prior?.status === 'False' && prior.reason === reason && prior.message === message) return;
    this.#patchCondition(pod, { type: 'PodScheduled', status: 'False', reason, message });
  }

  #patchCondition(pod: Pod, cond: Omit<PodCondition, 'lastTransitionTime' | 'lastProbeTime'>): void {
    const { name = '', namespace = 'default' } = pod.metadata;
    const patch = {
      status: {
        conditions: [
          // Strategic merge by `type`: null clears a previous failure's reason and message.
          {
            reason: null,
            message: null,
            ...cond,
            lastProbeTime: null,
            lastTransitionTime: rfc3339(this.#cfg.clock.wallNow()),
          },
        ],
      },
    };
    this.#cfg.client
      .patch(resources.pods, name, patch, { namespace, subresource: 'status', patchType: 'strategic' })
      .catch((err: unknown) => {
        if (!isNotFound(err))
          this.#log.warn({ err, pod: `${namespace}/${name}` }, 'could not update PodScheduled');
      });
  }
}

/** Whether more than status, resourceVersion or managed fields changed (kube-scheduler isPodUpdated). */
export function isPodUpdated(old: Pod, cur: Pod): boolean {
  const strip = (p: Pod) => {
    const { resourceVersion: _rv, generation: _g, managedFields: _m, finalizers: _f, ...meta } = p.metadata;
    return JSON.stringify([meta, p.spec]);
  };
  return strip(old) !== strip(cur);
}

/** Whether a node change could make a pending pod fit (kube-scheduler nodeSchedulingPropertiesChange). */
export function nodeSchedulingPropertiesChanged(old: Node, cur: Node): boolean {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const ready = (n: Node) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return (
    (old.spec?.unschedulable ?? false) !== (cur.spec?.unschedulable ?? false) ||
    !same(old.status?.allocatable, cur.status?.allocatable) ||
    !same(old.metadata.labels, cur.metadata.labels) ||
    !same(old.spec?.taints, cur.spec?.taints) ||
    ready(old) !== ready(cur)
  );
}

export type { PodInfo };
