/**
 * The api's HTTP surface. So far the unauthenticated endpoints Kubernetes serves for health and version;
 * the resource API arrives with the api issue.
 */
import { Hono } from 'hono';

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

export function createApp(o: AppOptions): Hono {
  const app = new Hono();
  app.get('/livez', (c) => c.text('ok'));
  app.get('/healthz', (c) => c.text('ok'));
  app.get('/readyz', (c) =>
    o.ready() ? c.text('ok') : c.text(`[-]${o.id} not ready\nreadyz check failed`, 500),
  );
  app.get('/version', (c) => c.json(VERSION_INFO));
  return app;
}
