/**
 * The Endpoints controller (pkg/controller/endpoint/endpoints_controller.go). Services, their pods and their
 * Endpoints become Service keys; `syncService` computes the Endpoints with {@link desiredEndpoints} and creates
 * or updates it (only when it changed), deletes it when the Service is gone, and leaves Services without a
 * selector alone. Writes carry the cached resourceVersion, so a stale cache ends in a conflict and a retry.
 */
import {
  type Lister,
  RateLimitingQueue,
  deletionHandlingKey,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isNotFound,
  resources,
  splitMetaNamespaceKey,
} from '@kubelab/api-client';
import type { Endpoints, Pod, Service } from '@kubelab/api-types';
import {
  type Controller,
  type ControllerContext,
  enqueueOnChange,
  intSetting,
  runKeyedWorkers,
} from '@kubelab/controller-kit';
import type { Logger } from '@kubelab/telemetry';
import { enqueueServicesOfPods, podsForService } from './service-pods.js';
import { desiredEndpoints } from './subsets.js';

/** Builds the controller; informers start when the manager starts the factory. */
export function newEndpointsController(ctx: ControllerContext): Controller {
  return new EndpointsController(ctx);
}

class EndpointsController implements Controller {
  readonly name = 'endpoints';
  readonly #ctx: ControllerContext;
  readonly #log: Logger;
  readonly #queue: RateLimitingQueue<string>;
  readonly #services: Lister<Service>;
  readonly #pods: Lister<Pod>;
  readonly #endpoints: Lister<Endpoints>;

  constructor(ctx: ControllerContext) {
    this.#ctx = ctx;
    this.#log = ctx.logger.child({ controller: this.name });
    this.#queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: this.name });
    const services = ctx.informers.informerFor<Service>(resources.services);
    const pods = ctx.informers.informerFor<Pod>(resources.pods);
    const endpoints = ctx.informers.informerFor<Endpoints>(resources.endpoints);
    this.#services = services.lister();
    this.#pods = pods.lister();
    this.#endpoints = endpoints.lister();
    const add = (key: string) => this.#queue.add(key);
    enqueueOnChange(services, add);
    enqueueServicesOfPods(pods, this.#services, add);
    // A deleted Endpoints of a live Service is written again.
    endpoints.addEventHandler({ onDelete: (e) => add(deletionHandlingKey(e)) });
  }

  async run(signal: AbortSignal): Promise<void> {
    const workers = intSetting(this.#ctx.settings, 'KUBELAB_CONCURRENT_ENDPOINT_SYNCS', 5);
    const sync = (key: string) => this.syncService(key);
    await runKeyedWorkers(
      this.#ctx,
      { queue: this.#queue, workers: Math.max(1, workers), sync, logger: this.#log },
      signal,
    );
  }

  /** Reconciles the Endpoints of one Service (exposed for tests). */
  async syncService(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const ns = namespace ?? 'default';
    const svc = this.#services.get(ns, name);
    if (!svc) {
      try {
        await this.#ctx.client.delete(resources.endpoints, name, { namespace: ns });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    if (svc.spec.type === 'ExternalName' || !svc.spec.selector) return;
    const current = this.#endpoints.get(ns, name);
    const next = desiredEndpoints(svc, podsForService(this.#pods, svc), current);
    if (!next) return;
    try {
      if (current) await this.#ctx.client.update(resources.endpoints, next, { namespace: ns });
      else await this.#ctx.client.create(resources.endpoints, next, { namespace: ns });
    } catch (err) {
      // A terminating namespace forbids creates; the namespace controller is removing everything anyway.
      if (!current && isForbidden(err)) return;
      // A cache behind the api: the retry sees the newer object.
      if (isConflict(err) || isAlreadyExists(err)) throw err;
      const [reason, message] = current
        ? ['FailedToUpdateEndpoint', `Failed to update endpoint ${ns}/${name}: ${String(err)}`]
        : ['FailedToCreateEndpoint', `Failed to create endpoint for service ${ns}/${name}: ${String(err)}`];
      this.#ctx.recorder.event(next, 'Warning', reason, message);
      throw err;
    }
  }
}
