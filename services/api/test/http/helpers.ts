import { FakeClock } from '@kubelab/testkit';
import { type HttpAppOptions, createHttpApp } from '../../src/http/app.js';
import { ADMIN, FakeHandler, TOKEN } from './fake-handler.js';

/** The Accept kubectl sends for `get` (KUBECTL.md §3). */
export const TABLE_ACCEPT =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
/** The Accept client-go sends for discovery (KUBECTL.md §2). */
export const DISCOVERY_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

/** Wall-clock "now" of the tests: 2026-01-01T12:00:00Z. */
export const NOW_MS = Date.UTC(2026, 0, 1, 12);
/** An RFC 3339 time `ms` before NOW_MS. */
export const ago = (ms: number) => new Date(NOW_MS - ms).toISOString().replace('.000Z', 'Z');

/** An app over a FakeHandler with a FakeClock; `request` adds the admin bearer token. */
export function setup(
  extra: Partial<HttpAppOptions> = {},
  more: (handler: FakeHandler, clock: FakeClock) => Partial<HttpAppOptions> = () => ({}),
) {
  const handler = new FakeHandler();
  const clock = new FakeClock(0, NOW_MS);
  const http = createHttpApp({
    handler,
    clock,
    authenticate: (t) => (t === TOKEN ? ADMIN : t === 'token-bob' ? { name: 'bob', groups: [] } : undefined),
    ready: () => true,
    id: 'api-0',
    ...extra,
    ...more(handler, clock),
  });
  const request = (path: string, init: RequestInit = {}) =>
    http.app.request(path, {
      ...init,
      headers: { authorization: `Bearer ${TOKEN}`, ...(init.headers as Record<string, string> | undefined) },
    });
  return { handler, clock, http, request };
}

/** Reads the JSON body of a response. */
export async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}
