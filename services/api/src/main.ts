/**
 * The api service. For now it serves health and version over HTTP on KUBELAB_HTTP_PORT and answers health
 * over the bus; the Kubernetes API over raft-node arrives with the api issue.
 */
import { serve } from '@hono/node-server';
import { serviceMain } from '@kubelab/runtime';
import { createApp } from './http/app.js';

await serviceMain('api', process.env, {
  start: async ({ env, logger }) => {
    let listening = false;
    const app = createApp({ ready: () => listening, id: env.id });
    const port = env.httpPort ?? 6443;
    const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => {
      listening = true;
      logger.info({ port }, 'http listening');
    });
    return {
      ready: () => listening,
      stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  },
});
