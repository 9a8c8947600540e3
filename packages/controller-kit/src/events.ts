/**
 * The event recorder (client-go `record.EventRecorder` + the correlator's aggregation): `event(obj, type, reason,
 * message)` writes a core/v1 Event about `obj`; the same (object, type, reason, message) again within the
 * aggregation window bumps `count` and `lastTimestamp` of the existing Event instead of creating another, which
 * is what `kubectl describe` shows as "(x3 over 2m)". Writes are fire-and-forget on a bounded queue: a full queue
 * drops the newest event with a log line, as client-go's broadcaster does, so recording never blocks a reconcile.
 */
import { type ApiClient, isAlreadyExists, resources } from '@kubelab/api-client';
import type { Event, KubeObject, ObjectReference } from '@kubelab/api-types';
import type { Clock } from '@kubelab/clock';
import type { Logger } from '@kubelab/telemetry';
import { rfc3339 } from './time.js';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  /** Records an event about `obj` (a Pod, Deployment, Node …). Never throws, never waits. */
  event(obj: KubeObject, type: EventType, reason: string, message: string): void;
  /** Resolves once every queued write is done (tests and shutdown). */
  flush(): Promise<void>;
}

export interface EventRecorderConfig {
  readonly client: ApiClient;
  readonly clock: Clock;
  readonly logger: Logger;
  /** `source.component` / `reportingComponent`, e.g. `default-scheduler`, `deployment-controller`, `kubelet`. */
  readonly component: string;
  /** `source.host` (the kubelet's node name) and `reportingInstance`. */
  readonly host?: string;
  /** Repeats within this window are aggregated. Default 10 minutes (client-go's correlator). */
  readonly aggregateWindowMs?: number;
  /** Pending writes beyond this are dropped. Default 1000. */
  readonly maxQueue?: number;
}

const MAX_SEEN = 4096;

/** Events named in this process so far: keeps names unique within one millisecond. */
let named = 0;

/** client-go's `<object>.<unix nanos in hex>`, the sub-millisecond part a per-process counter. */
function eventName(object: string | undefined, nowMs: number): string {
  const nanos = BigInt(Math.floor(nowMs)) * 1_000_000n + BigInt(named++ % 1_000_000);
  return `${object ?? 'unknown'}.${nanos.toString(16)}`;
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
  lastMs: number;
}

/** Kubernetes' object reference for `involvedObject`. */
export function objectReference(obj: KubeObject): ObjectReference {
  const m = obj.metadata;
  return {
    ...(obj.kind ? { kind: obj.kind } : {}),
    ...(m.namespace ? { namespace: m.namespace } : {}),
    ...(m.name ? { name: m.name } : {}),
    ...(m.uid ? { uid: m.uid } : {}),
    ...(obj.apiVersion ? { apiVersion: obj.apiVersion } : {}),
    ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}),
  };
}

/**
 * @example
 * const recorder = createEventRecorder({ client, clock, logger, component: 'replicaset-controller' });
 * recorder.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
 */
export function createEventRecorder(cfg: EventRecorderConfig): EventRecorder {
  const window = cfg.aggregateWindowMs ?? 10 * 60_000;
  const maxQueue = cfg.maxQueue ?? 1000;
  const seen = new Map<string, Seen>();
  let pending = 0;
  // One chain per aggregation key keeps create-then-patch in order; different keys write concurrently.
  const chains = new Map<string, Promise<void>>();

  const keyOf = (obj: KubeObject, type: EventType, reason: string, message: string) => {
    const m = obj.metadata;
    return JSON.stringify([m.uid ?? '', obj.kind, m.namespace ?? '', m.name, type, reason, message]);
  };

  const write = async (key: string, obj: KubeObject, type: EventType, reason: string, message: string) => {
    const ref = objectReference(obj);
    const namespace = obj.metadata.namespace || 'default';
    const nowMs = cfg.clock.wallNow();
    const now = rfc3339(nowMs);
    const prior = seen.get(key);
    if (prior && nowMs - prior.lastMs < window) {
      prior.count++;
      prior.lastMs = nowMs;
      seen.delete(key); // most recently used last
      seen.set(key, prior);
      try {
        await cfg.client.patch(
          resources.events,
          prior.name,
          { count: prior.count, lastTimestamp: now },
          { namespace: prior.namespace, patchType: 'merge' },
        );
        return;
      } catch (err) {
        cfg.logger.debug({ err, reason }, 'event aggregation patch failed; writing a new event');
      }
    }
    let name = eventName(ref.name, nowMs);
    const event: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: ref,
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: cfg.component, ...(cfg.host ? { host: cfg.host } : {}) },
      reportingComponent: cfg.component,
      reportingInstance: cfg.host ?? '',
    };
    try {
      await cfg.client.create(resources.events, event, { namespace });
    } catch (err) {
      // Another recorder (another process) named an event of the same object in the same instant: rename once.
      if (!isAlreadyExists(err)) throw err;
      name = eventName(ref.name, nowMs);
      await cfg.client.create(resources.events, { ...event, metadata: { name, namespace } }, { namespace });
    }
    seen.set(key, { name, namespace, count: 1, firstTimestamp: now, lastMs: nowMs });
    // A bounded cache, oldest first out (client-go's correlator keeps an LRU of 4096): a Map iterates in
    // insertion order, so evicting its first key is O(1).
    if (seen.size > MAX_SEEN) {
      const oldest = seen.keys().next().value;
      if (oldest !== undefined) seen.delete(oldest);
    }
  };

  return {
    event(obj, type, reason, message) {
      if (pending >= maxQueue) {
        cfg.logger.warn({ reason, object: obj.metadata.name }, 'event queue full; dropping event');
        return;
      }
      pending++;
      const key = keyOf(obj, type, reason, message);
      const next = (chains.get(key) ?? Promise.resolve())
        .then(() => write(key, obj, type, reason, message))
        .catch((err) => cfg.logger.warn({ err, reason, object: obj.metadata.name }, 'could not write event'))
        .finally(() => {
          pending--;
          if (chains.get(key) === next) chains.delete(key);
        });
      chains.set(key, next);
    },
    flush: async () => {
      while (chains.size > 0) await Promise.all([...chains.values()]);
    },
  };
}
