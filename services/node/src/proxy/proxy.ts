/**
 * kube-proxy: watches Services and EndpointSlices through shared informers and keeps this node's listeners
 * equal to {@link computeProxyRules} of the cache. Every change marks the tables dirty; one sync runs at most
 * every `minSyncPeriodMs` (kube-proxy's `--iptables-min-sync-period`), and a full sync every `syncPeriodMs`
 * re-applies the rules even without events. Syncs start once both caches are synced, so a half-filled cache
 * never closes a listener.
 */
import { type KubeObject, type ResourceRef, type SharedInformer, resources } from '@kubelab/api-client';
import type { EndpointSlice, Service } from '@kubelab/api-types';
import { type Clock, type Rng, type Timer, repeat } from '@kubelab/clock';
import type { Logger } from '@kubelab/telemetry';
import { type ListenerStatus, Proxier } from './proxier.js';
import { type ProxyRule, computeProxyRules } from './rules.js';

/** The part of an informer the proxy uses (a `SharedInformer` has it). */
export type ProxyInformer<T extends KubeObject> = Pick<
  SharedInformer<T>,
  'hasSynced' | 'whenSynced' | 'addEventHandler' | 'lister'
>;

/** Where the proxy gets its informers: `SharedInformerFactory` (or a fake in tests). */
export interface ProxyInformerSource {
  informerFor<T extends KubeObject>(ref: ResourceRef): ProxyInformer<T>;
}

/** What {@link startProxy} needs. */
export interface ProxyConfig {
  /** The node agent's shared informers; the proxy asks for services and endpointslices (start the factory). */
  readonly informers: ProxyInformerSource;
  readonly nodeName: string;
  /** The node's address: NodePorts listen here. */
  readonly nodeIP: string;
  /** Extra addresses for NodePorts (kube-proxy's `--nodeport-addresses`); default none. */
  readonly extraNodePortAddresses?: readonly string[];
  readonly clock: Clock;
  readonly rng: Rng;
  readonly logger: Logger;
  /** The least time between two syncs (default 100). */
  readonly minSyncPeriodMs?: number;
  /** A full sync at least this often (default 30000). */
  readonly syncPeriodMs?: number;
  /** Retry period of frontends another process holds (default 2000). */
  readonly bindRetryMs?: number;
  readonly connectTimeoutMs?: number;
  readonly udpIdleTimeoutMs?: number;
}

/** A running proxy. */
export interface ProxyHandle {
  /** True once both caches synced and the first sync ran (kube-proxy's healthz). */
  ready(): boolean;
  /** Closes every listener and connection; stops syncing. */
  stop(): Promise<void>;
  /** The rules of the last sync. */
  rules(): readonly ProxyRule[];
  /** The listeners and their states. */
  listeners(): ListenerStatus[];
  /** Syncs now (tests); resolves when the bind attempts it started have settled. */
  syncNow(): Promise<void>;
}

/**
 * Starts kube-proxy for one node.
 *
 * @example
 * const informers = new SharedInformerFactory({ client, clock, rng, logger });
 * const proxy = startProxy({ informers, nodeName: 'node-0', nodeIP: '127.0.100.1', clock, rng, logger });
 * informers.start(signal);
 * // … later
 * await proxy.stop();
 */
export function startProxy(cfg: ProxyConfig): ProxyHandle {
  const logger = cfg.logger.child({ component: 'kube-proxy' });
  const services = cfg.informers.informerFor<Service>(resources.services);
  const slices = cfg.informers.informerFor<EndpointSlice>(resources.endpointslices);
  const proxier = new Proxier({
    clock: cfg.clock,
    rng: cfg.rng,
    logger,
    ...(cfg.bindRetryMs === undefined ? {} : { bindRetryMs: cfg.bindRetryMs }),
    ...(cfg.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: cfg.connectTimeoutMs }),
    ...(cfg.udpIdleTimeoutMs === undefined ? {} : { udpIdleTimeoutMs: cfg.udpIdleTimeoutMs }),
  });
  const node = { name: cfg.nodeName, nodePortAddresses: [cfg.nodeIP, ...(cfg.extraNodePortAddresses ?? [])] };
  const minSyncPeriodMs = cfg.minSyncPeriodMs ?? 100;
  let rules: readonly ProxyRule[] = [];
  let synced = false;
  let stopped = false;
  let pending: Timer | undefined;
  let lastSyncMs = Number.NEGATIVE_INFINITY;

  const sync = (): void => {
    pending = undefined;
    if (stopped || !services.hasSynced() || !slices.hasSynced()) return;
    lastSyncMs = cfg.clock.now();
    rules = computeProxyRules(services.lister().list(), slices.lister().list(), node);
    proxier.apply(rules);
    synced = true;
  };
  const schedule = (): void => {
    if (pending !== undefined || stopped) return;
    const waitMs = Math.max(0, lastSyncMs + minSyncPeriodMs - cfg.clock.now());
    pending = cfg.clock.setTimer(waitMs, sync);
  };
  const handler = { onAdd: schedule, onUpdate: schedule, onDelete: schedule };
  const registrations = [services.addEventHandler(handler), slices.addEventHandler(handler)];
  const abort = new AbortController();
  void Promise.all([services.whenSynced(abort.signal), slices.whenSynced(abort.signal)]).then(schedule);
  const periodic = repeat(cfg.clock, cfg.syncPeriodMs ?? 30_000, schedule);

  return {
    ready: () => synced,
    rules: () => rules,
    listeners: () => proxier.listeners(),
    async syncNow() {
      pending?.cancel();
      sync();
      await proxier.settled();
    },
    async stop() {
      stopped = true;
      abort.abort();
      pending?.cancel();
      periodic.cancel();
      for (const r of registrations) r.remove();
      proxier.stop();
    },
  };
}
