/**
 * The api's HTTP surface, the one kubectl talks to: unauthenticated health and version endpoints, then
 * bearer-token authentication, a per-user in-flight cap, discovery, OpenAPI v3, and the resource API
 * (JSON, Tables, watch streams) over an {@link ApiHandler}. See /work/shared/KUBECTL.md for what kubectl
 * 1.32 sends and expects.
 */
import type { Clock } from '@kubelab/clock';
import { decodeKubernetesProtobuf } from '@kubelab/k8s-protobuf';
import { Hono } from 'hono';
import type { ApiHandler } from '../core/handler.js';
import type { PodStreams } from '../core/pod-streams.js';
import { METRICS_PATH, serveMetrics } from '../metrics/index.js';
import { registerDiscovery } from './discovery.js';
import { type UpgradeListener, execUpgrade } from './exec.js';
import { type Authenticate, authn } from './middleware/authn/index.js';
import { inFlight, isWatchRequest } from './middleware/in-flight/index.js';
import { buildOpenApiDocs } from './openapi/index.js';
import type { ProtobufDecoder } from './request-body.js';
import { serveResources } from './resources.js';
import { jsonResponse } from './response.js';
import { MAX_BODY_BYTES, httpErrors } from './status.js';

export interface AppOptions {
  /** Whether the replica is ready to serve (reported on /readyz). */
  readonly ready: () => boolean;
  readonly id: string;
}

/** The version document kubectl (and the gcloud kubectl dispatcher) read from GET /version. */
export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-kubelab',
  gitCommit: '',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'node',
  compiler: 'tsc',
  platform: 'linux/amd64',
} as const;

/** Registers the public endpoints: /livez, /healthz, /readyz (and their `/…` checks), /version. */
function registerHealth(app: Hono, o: AppOptions): void {
  const ok = () => new Response('ok', { headers: { 'content-type': 'text/plain; charset=utf-8' } });
  const readyz = () =>
    o.ready()
      ? ok()
      : new Response(`[-]${o.id} not ready\nreadyz check failed`, {
          status: 500,
          headers: { 'content-type': 'text/plain; charset=utf-8' },
        });
  for (const path of ['/livez', '/healthz']) {
    app.get(path, ok);
    app.get(`${path}/*`, ok);
  }
  app.get('/readyz', readyz);
  app.get('/readyz/*', readyz);
  app.get('/version', () => jsonResponse(200, VERSION_INFO));
}

export interface HttpAppOptions extends AppOptions {
  readonly handler: ApiHandler;
  /** Ages in Tables and watch `timeoutSeconds`. */
  readonly clock: Clock;
  /** Bearer token → user (e.g. `(t) => verifyToken(secret, t)` from @kubelab/pki); undefined refuses. */
  readonly authenticate: Authenticate;
  /** Concurrent non-watch requests per user before 429 (default 400, kube-apiserver's global default). */
  readonly maxInFlightPerUser?: number;
  /** Request body limit in bytes (default 3 MiB, as Kubernetes). */
  readonly maxBodyBytes?: number;
  /** Decodes `application/vnd.kubernetes.protobuf` bodies (default: @kubelab/k8s-protobuf's decoder). */
  readonly decodeProtobuf?: ProtobufDecoder;
  /** Called with unexpected errors (they become 500 Status responses). */
  readonly onError?: (err: unknown) => void;
  /** pods/log and pods/exec through node RPC; without it they answer 503. */
  readonly podStreams?: PodStreams;
}

/** Kubernetes' long-running requests (not counted in flight): watches and the streaming pod subresources. */
const STREAMING_SUBRESOURCE = /^\/api\/v1\/namespaces\/[^/]+\/pods\/[^/]+\/(log|exec|attach|portforward)$/;

/** The app plus a way to end every open watch stream (on shutdown). */
export interface HttpApp {
  readonly app: Hono;
  readonly fetch: Hono['fetch'];
  /** Ends every open watch stream (their clients see a clean EOF and re-watch elsewhere). */
  closeWatches(): void;
  /** The server's `upgrade` listener: `pods/exec` over WebSocket. */
  readonly upgrade: UpgradeListener;
}

/**
 * The api's HTTP app.
 *
 * @example
 * const { app } = createHttpApp({ handler: core, clock: systemClock, authenticate, ready: () => true, id: 'api-0' });
 * const server = await startHttpsServer({ app, port: 6443, host: '0.0.0.0', tls: { key, cert } });
 */
export function createHttpApp(o: HttpAppOptions): HttpApp {
  const app = new Hono();
  const watches = new Set<() => void>();
  const openapi = buildOpenApiDocs();

  app.onError((err) => {
    o.onError?.(err);
    return jsonResponse(500, httpErrors.internal(err instanceof Error ? err.message : String(err)));
  });
  app.notFound(() => jsonResponse(404, httpErrors.notFoundPath()));

  registerHealth(app, o);
  app.use('*', authn({ authenticate: o.authenticate }));
  app.use(
    '*',
    inFlight({
      maxPerUser: o.maxInFlightPerUser ?? 400,
      isLongRunning: (c) => isWatchRequest(c) || STREAMING_SUBRESOURCE.test(c.req.path),
    }),
  );

  registerDiscovery(app);
  app.get('/openapi/v3', () => jsonResponse(200, openapi.index));
  app.get('/openapi/v3/*', (c) => {
    const doc = openapi.document(c.req.path.slice('/openapi/v3/'.length));
    if (!doc) return jsonResponse(404, httpErrors.notFoundPath());
    return new Response(doc.json, {
      headers: {
        'content-type': 'application/json',
        etag: `"${doc.hash}"`,
        'cache-control': 'public, immutable',
      },
    });
  });
  app.all('/openapi/v2', () => jsonResponse(404, httpErrors.notFoundPath()));

  const resources = serveResources({
    handler: o.handler,
    clock: o.clock,
    maxBodyBytes: o.maxBodyBytes ?? MAX_BODY_BYTES,
    decodeProtobuf: o.decodeProtobuf ?? decodeKubernetesProtobuf,
    watches,
    podStreams: o.podStreams,
  });
  app.all(METRICS_PATH, serveMetrics({ handler: o.handler, clock: o.clock }));
  app.all('/api/*', resources);
  app.all('/apis/*', resources);

  const upgrade = execUpgrade({
    authenticate: o.authenticate,
    podStreams: o.podStreams,
    ...(o.onError ? { onError: o.onError } : {}),
  });
  return {
    app,
    fetch: app.fetch,
    upgrade,
    closeWatches() {
      for (const end of [...watches]) end();
    },
  };
}
