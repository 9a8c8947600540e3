/**
 * The EndpointSlice controller (pkg/controller/endpointslice). Services, their pods and this controller's
 * slices become Service keys; `syncService` plans with {@link planSlices} and performs the writes. Because
 * new slices get api-generated names, a cache that has not yet seen this controller's own writes could make it
 * create a second slice for the same endpoints; like Kubernetes' endpointSliceTracker, it remembers the
 * resourceVersion of each write and postpones a Service whose slices the cache does not show at least that new.
 * When a Service is deleted its slices are deleted too (the garbage collector would, through the ownerReference;
 * doing it here keeps kube-proxy's view short-lived either way).
 */
import {
  type Lister,
  RateLimitingQueue,
  isNotFound,
  resources,
  splitMetaNamespaceKey,
} from '@kubelab/api-client';
import type { EndpointSlice, Pod, Service } from '@kubelab/api-types';
import {
  type Controller,
  type ControllerContext,
  enqueueOnChange,
  intSetting,
  runKeyedWorkers,
} from '@kubelab/controller-kit';
import type { Logger } from '@kubelab/telemetry';
import { enqueueServicesOfPods, podsForService } from '../endpoints/service-pods.js';
import {
  CONTROLLER_NAME,
  MANAGED_BY_LABEL,
  MAX_ENDPOINTS_PER_SLICE,
  SERVICE_NAME_LABEL,
  planSlices,
} from './reconcile.js';

/** How long to wait before looking again at a Service whose slices the cache has not caught up with. */
const STALE_RETRY_MS = 100;

/** Builds the controller; informers start when the manager starts the factory. */
export function newEndpointSliceController(ctx: ControllerContext): Controller {
  return new EndpointSliceController(ctx);
}

/**
 * Past this, a write the cache never showed is forgotten (someone else deleted or rewrote the slice meanwhile,
 * which the cache then shows instead).
 */
const WRITE_MEMORY_MS = 5_000;

/** What this controller last wrote to one slice: its resourceVersion, or that it deleted it; and when. */
type Written = ({ readonly rv: string } | { readonly deleted: true }) & { readonly atMs: number };

class EndpointSliceController implements Controller {
  readonly name = 'endpointslice';
  readonly #ctx: ControllerContext;
  readonly #log: Logger;
  readonly #queue: RateLimitingQueue<string>;
  readonly #services: Lister<Service>;
  readonly #pods: Lister<Pod>;
  readonly #slices: Lister<EndpointSlice>;
  /** Service key → slice name → the last write, until the cache shows it. */
  readonly #written = new Map<string, Map<string, Written>>();
  readonly #maxPerSlice: number;

  constructor(ctx: ControllerContext) {
    this.#ctx = ctx;
    this.#log = ctx.logger.child({ controller: this.name });
    this.#queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: this.name });
    this.#maxPerSlice = intSetting(ctx.settings, 'KUBELAB_MAX_ENDPOINTS_PER_SLICE', MAX_ENDPOINTS_PER_SLICE);
    const services = ctx.informers.informerFor<Service>(resources.services);
    const pods = ctx.informers.informerFor<Pod>(resources.pods);
    const slices = ctx.informers.informerFor<EndpointSlice>(resources.endpointslices, {
      labelSelector: `${MANAGED_BY_LABEL}=${CONTROLLER_NAME}`,
    });
    this.#services = services.lister();
    this.#pods = pods.lister();
    this.#slices = slices.lister();
    const add = (key: string) => this.#queue.add(key);
    enqueueOnChange(services, add);
    enqueueServicesOfPods(pods, this.#services, add);
    const forSlice = (s: EndpointSlice) => {
      const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
      if (svc) add(`${s.metadata.namespace ?? 'default'}/${svc}`);
    };
    slices.addEventHandler({
      onAdd: forSlice,
      onUpdate: (_old, s) => forSlice(s),
      onDelete: (s) => forSlice('metadata' in s ? s : s.obj),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    const workers = intSetting(this.#ctx.settings, 'KUBELAB_CONCURRENT_ENDPOINTSLICE_SYNCS', 5);
    const sync = (key: string) => this.syncService(key);
    await runKeyedWorkers(
      this.#ctx,
      { queue: this.#queue, workers: Math.max(1, workers), sync, logger: this.#log },
      signal,
    );
  }

  /** The slices this controller manages for a Service, from the cache. */
  #slicesOf(namespace: string, service: string): EndpointSlice[] {
    return this.#slices.listNamespace(namespace, (s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === service);
  }

  /** Reconciles the slices of one Service (exposed for tests). */
  async syncService(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const ns = namespace ?? 'default';
    const existing = this.#slicesOf(ns, name);
    if (this.#cacheBehind(key, existing)) {
      this.#queue.addAfter(key, STALE_RETRY_MS);
      return;
    }
    const svc = this.#services.get(ns, name);
    if (!svc || svc.spec.type === 'ExternalName' || !svc.spec.selector) {
      // Gone, or not ours to fill: remove what this controller made for it.
      for (const s of existing) await this.#delete(key, s);
      if (!svc) this.#written.delete(key);
      return;
    }
    const plan = planSlices(svc, podsForService(this.#pods, svc), existing, this.#maxPerSlice);
    // Kubernetes' order: creates, then updates, then deletes, so traffic never has fewer endpoints mid-way.
    for (const s of plan.create) {
      const made = await this.#ctx.client.create<EndpointSlice>(resources.endpointslices, s, {
        namespace: ns,
      });
      this.#remember(key, made.metadata.name ?? '', { rv: made.metadata.resourceVersion ?? '' });
    }
    for (const s of plan.update) {
      const put = await this.#ctx.client.update<EndpointSlice>(resources.endpointslices, s, {
        namespace: ns,
      });
      this.#remember(key, put.metadata.name ?? '', { rv: put.metadata.resourceVersion ?? '' });
    }
    for (const s of plan.delete) await this.#delete(key, s);
  }

  async #delete(key: string, slice: EndpointSlice): Promise<void> {
    try {
      await this.#ctx.client.delete(resources.endpointslices, slice.metadata.name ?? '', {
        namespace: slice.metadata.namespace ?? 'default',
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.#remember(key, slice.metadata.name ?? '', { deleted: true });
  }

  #remember(key: string, slice: string, what: { rv: string } | { deleted: true }): void {
    const w: Written = { ...what, atMs: this.#ctx.clock.now() };
    let m = this.#written.get(key);
    if (!m) {
      m = new Map();
      this.#written.set(key, m);
    }
    m.set(slice, w);
  }

  /** True while some write of ours is not yet in the cache; forgets the writes it shows. */
  #cacheBehind(key: string, cached: readonly EndpointSlice[]): boolean {
    const m = this.#written.get(key);
    if (!m) return false;
    const byName = new Map(cached.map((s) => [s.metadata.name ?? '', s]));
    for (const [name, w] of m) {
      const have = byName.get(name);
      const seen = 'deleted' in w ? have === undefined : have !== undefined && rvAtLeast(have, w.rv);
      if (seen || this.#ctx.clock.now() - w.atMs > WRITE_MEMORY_MS) m.delete(name);
    }
    if (m.size === 0) this.#written.delete(key);
    return m.size > 0;
  }
}

/** resourceVersions are the api's Raft index: numeric, so order compares. */
function rvAtLeast(slice: EndpointSlice, rv: string): boolean {
  const have = slice.metadata.resourceVersion ?? '';
  if (/^\d+$/.test(have) && /^\d+$/.test(rv)) return BigInt(have) >= BigInt(rv);
  return have === rv;
}
