/**
 * The api service: one replica of the Raft-replicated Kubernetes API. Reads the environment, starts the
 * replica (raft + store + NATS front) and the HTTP front, and stops in order on SIGTERM.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:https';
import { serve } from '@hono/node-server';
import { systemClock } from '@kubelab/clock';
import { ensureClusterPki, verifyToken } from '@kubelab/pki';
import { serviceMain } from '@kubelab/runtime';
import { kubeAdmission } from './core/kube-admission.js';
import { createApp } from './http/app.js';
import { nodeIdOf, startReplica } from './replica.js';

const env = process.env;

await serviceMain('api', env, {
  start: async ({ env: senv, bus, logger, clock, rng }) => {
    const pki = ensureClusterPki(env.KUBELAB_PKI_DIR ?? `${senv.dataDir ?? '.kubelab'}/pki`, {
      wallNowMs: systemClock.wallNow(),
    });
    const authenticate = (token: string | undefined) =>
      token ? verifyToken(pki.tokenSecret, token) : undefined;
    const peers = (env.KUBELAB_API_PEERS ?? senv.id).split(',').map(nodeIdOf);
    const replica = await startReplica({
      nodeId: nodeIdOf(senv.id),
      peers,
      dataDir: senv.dataDir ?? `.kubelab/data/${senv.id}`,
      bus,
      clock,
      rng,
      logger,
      admission: kubeAdmission(),
      newUid: randomUUID,
      authenticate,
    });
    let listening = false;
    const app = createApp({ ready: () => listening && replica.ready(), id: senv.id });
    const port = senv.httpPort ?? 6443;
    const server = serve(
      {
        fetch: app.fetch,
        port,
        hostname: '127.0.0.1',
        createServer,
        serverOptions: { key: pki.serving.keyPem, cert: pki.serving.certPem },
      },
      () => {
        listening = true;
        logger.info({ port }, 'https listening');
      },
    );
    return {
      ready: () => listening && replica.ready(),
      leader: () => replica.isLeader(),
      details: () => replica.details(),
      stop: async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await replica.stop();
      },
    };
  },
});
