/**
 * The service controller of the emulated cloud (kube-controller-manager's `service-lb-controller`, cloud-provider
 * `controllers/service`): gives LoadBalancer services an ingress IP from KUBELAB_LOADBALANCER_CIDR and clears it
 * when they stop being LoadBalancers. kube-proxy on every node then serves that IP like the ClusterIP.
 *
 * Level-triggered over `namespace/name` keys (STYLE.md principle 6): every service event enqueues its key; a sync
 * reads the cache, asks {@link decideLoadBalancer} and writes the status. One worker, so two services never get
 * the same IP from overlapping syncs; `pending` remembers IPs written but not yet seen in the cache.
 */
import {
  RateLimitingQueue,
  type SharedInformer,
  deletionHandlingKey,
  isConflict,
  isNotFound,
  metaNamespaceKey,
  resources,
  runWorkers,
  splitMetaNamespaceKey,
} from '@kubelab/api-client';
import { ClusterIPAllocator, type Service } from '@kubelab/api-types';
import type { Controller, ControllerContext } from '@kubelab/controller-kit';
import {
  DEFAULT_LOADBALANCER_CIDR,
  type LoadBalancerDecision,
  decideLoadBalancer,
  ingressClaims,
  serviceKey,
  wantsLoadBalancer,
} from './allocation.js';

/** The controller's name (kube-controller-manager's `service-lb-controller`). */
export const SERVICE_LB_CONTROLLER = 'service-lb-controller';

/**
 * Builds the controller; the pool is `settings.KUBELAB_LOADBALANCER_CIDR` (default 127.200.0.0/16).
 *
 * @example
 * export const CONTROLLERS = [newServiceLoadBalancerController];
 */
export function newServiceLoadBalancerController(ctx: ControllerContext): Controller {
  const cidr = ctx.settings.KUBELAB_LOADBALANCER_CIDR || DEFAULT_LOADBALANCER_CIDR;
  new ClusterIPAllocator(cidr); // validates the setting now (throws RangeError with the CIDR)
  const logger = ctx.logger.child({ controller: SERVICE_LB_CONTROLLER });
  const informer = ctx.informers.informerFor<Service>(resources.services);
  const queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: SERVICE_LB_CONTROLLER });
  const syncer = new ServiceLoadBalancerSyncer(ctx, informer, cidr);
  // A freed IP may unblock services waiting on a full pool: enqueue them rather than wait for their backoff.
  const enqueueWaiting = () => {
    for (const svc of informer.lister().list()) {
      if (wantsLoadBalancer(svc) && !svc.status?.loadBalancer?.ingress?.length)
        queue.add(metaNamespaceKey(svc));
    }
  };
  const heldIP = (svc: Service) =>
    wantsLoadBalancer(svc) && Boolean(svc.status?.loadBalancer?.ingress?.length);
  informer.addEventHandler({
    onAdd: (svc) => queue.add(metaNamespaceKey(svc)),
    onUpdate: (old, svc) => {
      queue.add(metaNamespaceKey(svc));
      if (heldIP(old) && !heldIP(svc)) enqueueWaiting();
    },
    onDelete: (svc) => {
      queue.add(deletionHandlingKey(svc));
      enqueueWaiting();
    },
  });
  return {
    name: SERVICE_LB_CONTROLLER,
    async run(signal) {
      if (!(await informer.whenSynced(signal))) return;
      logger.info({ cidr }, 'load balancer pool');
      await runWorkers(queue, 1, (key) => syncer.sync(key), signal, { logger });
    },
  };
}

/** The sync of one key, separate from the queue so tests can call it directly. */
export class ServiceLoadBalancerSyncer {
  readonly #ctx: ControllerContext;
  readonly #informer: SharedInformer<Service>;
  readonly #cidr: string;
  /** Service key → IP written to its status but not yet seen in the cache. */
  readonly #pending = new Map<string, string>();

  constructor(ctx: ControllerContext, informer: SharedInformer<Service>, cidr: string) {
    this.#ctx = ctx;
    this.#informer = informer;
    this.#cidr = cidr;
  }

  /** Reconciles the service `key` (`namespace/name`). Rejects to be retried with backoff. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const lister = this.#informer.lister();
    const svc = lister.get(namespace, name);
    this.#forgetSeen(key, svc);
    if (svc === undefined) return; // deleted: its IP left the cache with it
    const pool = new ClusterIPAllocator(this.#cidr, { reserveFirst: false });
    const claims = ingressClaims(lister.list(), pool, this.#pending);
    const decision = decideLoadBalancer(svc, this.#cidr, claims);
    await this.#act(svc, decision);
  }

  /** Drops the pending entry once the cache shows it (or the service no longer wants one). */
  #forgetSeen(key: string, svc: Service | undefined): void {
    const ip = this.#pending.get(key);
    if (ip === undefined) return;
    if (svc === undefined || !wantsLoadBalancer(svc) || svc.status?.loadBalancer?.ingress?.[0]?.ip === ip) {
      this.#pending.delete(key);
    }
  }

  async #act(svc: Service, decision: LoadBalancerDecision): Promise<void> {
    const { recorder, logger } = this.#ctx;
    switch (decision.action) {
      case 'none':
        return;
      case 'assign':
        recorder.event(svc, 'Normal', 'EnsuringLoadBalancer', 'Ensuring load balancer');
        await this.#writeStatus(svc, { ingress: [{ ip: decision.ip }] });
        this.#pending.set(serviceKey(svc), decision.ip);
        logger.info({ service: serviceKey(svc), ip: decision.ip }, 'load balancer ensured');
        recorder.event(svc, 'Normal', 'EnsuredLoadBalancer', 'Ensured load balancer');
        return;
      case 'release':
        recorder.event(svc, 'Normal', 'DeletingLoadBalancer', 'Deleting load balancer');
        await this.#writeStatus(svc, {});
        logger.info({ service: serviceKey(svc) }, 'load balancer deleted');
        recorder.event(svc, 'Normal', 'DeletedLoadBalancer', 'Deleted load balancer');
        return;
      case 'fail':
        recorder.event(
          svc,
          'Warning',
          'SyncLoadBalancerFailed',
          `Error syncing load balancer: failed to ensure load balancer: ${decision.message}`,
        );
        // Retried with backoff: an IP may free up, or the request may change.
        throw new Error(decision.message);
    }
  }

  /** Writes `status.loadBalancer`; a deleted service is done, a conflict is retried from the newer cache. */
  async #writeStatus(
    svc: Service,
    loadBalancer: NonNullable<NonNullable<Service['status']>['loadBalancer']>,
  ): Promise<void> {
    const next = structuredClone(svc);
    next.status = { ...next.status, loadBalancer };
    try {
      await this.#ctx.client.updateStatus(resources.services, next);
    } catch (err) {
      if (isNotFound(err)) return;
      if (isConflict(err)) throw new Error(`service ${serviceKey(svc)} changed; retrying`, { cause: err });
      throw err;
    }
  }
}
