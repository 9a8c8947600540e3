/**
 * @kubelab/api-client: how kubelab's services (scheduler, controller manager, node agent, dns) use the
 * Kubernetes API over the bus, in client-go's shapes:
 * - {@link createApiClient}: get/list/listAll/create/update/updateStatus/patch/delete/deleteCollection/watch
 *   on any {@link ResourceRef}, typed errors ({@link ApiError} + `isNotFound`/`isConflict`/…,
 *   {@link ApiUnavailableError}), the fencing token on every write;
 * - {@link SharedInformerFactory} / {@link newSharedInformer}: list + watch into a frozen, indexed cache with
 *   add/update/delete handlers, relist on 410, re-watch on a lost stream, resync;
 * - {@link RateLimitingQueue} + {@link runWorkers}: the controller's key queue and worker loop.
 *
 * @example
 * const client = createApiClient({ bus, clock, rng, logger, token, fence: () => elector.fence() });
 * const factory = new SharedInformerFactory({ client, clock, rng, logger, defaultResyncMs: 30_000 });
 * const rsInformer = factory.informerFor<ReplicaSet>(resources.replicasets);
 * const queue = new RateLimitingQueue<string>({ clock, name: 'replicaset' });
 * rsInformer.addEventHandler({
 *   onAdd: (rs) => queue.add(metaNamespaceKey(rs)),
 *   onUpdate: (_old, rs) => queue.add(metaNamespaceKey(rs)),
 *   onDelete: (rs) => queue.add(deletionHandlingKey(rs)),
 * });
 * factory.start(signal);
 * if (await factory.waitForCacheSync(signal)) await runWorkers(queue, 2, syncReplicaSet, signal, { logger });
 */
export type { BackoffOptions } from './backoff.js';
export { Backoff, REFLECTOR_BACKOFF } from './backoff.js';
export type { ApiClient, ApiClientConfig, ReadRetryOptions } from './client.js';
export { ApiClientImpl, createApiClient } from './client.js';
export type { UnavailableCause, WatchLostReason } from './errors.js';
export {
  ApiError,
  ApiUnavailableError,
  WatchLostError,
  errorFromResponse,
  failureStatus,
  fromBusError,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isGone,
  isInvalid,
  isNotFound,
  isResourceExpired,
  isTimeout,
  isTooManyRequests,
  isUnavailable,
  statusOf,
} from './errors.js';
export type { InformerOptions, SharedInformerFactoryConfig } from './factory.js';
export { SharedInformerFactory } from './factory.js';
export type {
  EventHandler,
  HandlerOptions,
  HandlerRegistration,
  SharedInformer,
  SharedInformerConfig,
} from './informer.js';
export { SharedInformerImpl, newSharedInformer, waitForCacheSync } from './informer.js';
export type {
  CallOptions,
  CreateOptions,
  DeleteCollectionOptions,
  DeleteOptions,
  GetOptions,
  ListAllOptions,
  ListOptions,
  PatchOptions,
  PatchType,
  Preconditions,
  SelectorOptions,
  WriteOptions,
} from './options.js';
export { PATCH_CONTENT_TYPES } from './options.js';
export type { ReflectorConfig, ReflectorSink, ReflectorStats } from './reflector.js';
export { Reflector } from './reflector.js';
export type { ResourceRef } from './resources.js';
export { apiVersionOf, qualifiedResource, resources, subresources } from './resources.js';
export type { IndexFunc, Lister, ReplaceDiff } from './store.js';
export {
  DeletedFinalStateUnknown,
  Indexer,
  NAMESPACE_INDEX,
  deepFreeze,
  deletionHandlingKey,
  metaNamespaceKey,
  splitMetaNamespaceKey,
} from './store.js';
export type {
  KubeList,
  KubeObject,
  ListMeta,
  ObjectMeta,
  Status,
  StatusCause,
  StatusDetails,
  WatchEvent,
  WatchEventType,
} from './types.js';
export { isKubeObject, isStatus } from './types.js';
export type { ApiBus, WatchOptions } from './watch.js';
export { watchEvents } from './watch.js';
export * from './workqueue/index.js';
