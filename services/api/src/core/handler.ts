/**
 * The seam between the api's fronts (HTTP for kubectl, NATS for kubelab's services) and its request
 * pipeline. A front turns its wire request into an {@link ApiRequest} (the same shape for both fronts; see
 * `@kubelab/bus` api-endpoints), calls the handler, and renders the answer in its wire format (JSON, Table,
 * watch lines). Authentication happens in the front; the handler gets the resolved user.
 */
import type { ApiRequest, ApiResponse } from '@kubelab/bus';

export type { ApiRequest, ApiResponse };

/** Who is calling, as authenticated by the front. */
export interface RequestUser {
  /** e.g. `kubelab-admin`, `system:kube-scheduler`, `system:node:node-0`. */
  readonly name: string;
  readonly groups: readonly string[];
}

/** One watch event as the pipeline produces it (objects carry kind and apiVersion). */
export interface ApiWatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: Record<string, unknown>;
}

/** Push-mode consumer of a started watch: called synchronously, in order, as the store applies writes. */
export interface ApiWatchSink {
  /** One event; must not throw. */
  event(ev: ApiWatchEvent): void;
  /** The watch ended, cleanly (`null`) or with the error iterating `events` would have thrown. Called once. */
  end(err: Error | null): void;
}

/**
 * A started watch, or the error that refused it. Consume it either by iterating `events` or, when present,
 * through `listen` (push mode, no promise hop per event); not both.
 */
export type WatchStart =
  | {
      readonly ok: true;
      readonly events: AsyncIterable<ApiWatchEvent>;
      readonly close: () => void;
      readonly listen?: ((sink: ApiWatchSink) => void) | undefined;
    }
  | { readonly ok: false; readonly response: ApiResponse };

export interface ApiHandler {
  /** get, list, create, update, patch, delete, deletecollection on a resource or subresource. */
  handle(req: ApiRequest, user: RequestUser): Promise<ApiResponse>;
  /**
   * Starts a watch (`req.verb === 'watch'`, query as Kubernetes: resourceVersion, labelSelector,
   * fieldSelector, allowWatchBookmarks, timeoutSeconds). With resourceVersion "0" or absent the current
   * objects arrive first as ADDED events (Kubernetes' "Get State and Start at Most Recent"); bookmarks come
   * every `bookmarkIntervalMs` when asked for. Events end when `close()` is called or the timeout passes.
   */
  watch(req: ApiRequest, user: RequestUser): Promise<WatchStart>;
}
