/**
 * The api service: one replica of the Raft-replicated Kubernetes API. Reads the environment, starts the
 * replica (raft + store + NATS front) and the HTTP front, and stops in order on SIGTERM.
 */
import { randomUUID } from 'node:crypto';
import { systemClock } from '@kubelab/clock';
import { ensureClusterPki, verifyToken } from '@kubelab/pki';
import { serviceMain } from '@kubelab/runtime';
import { kubeAdmission } from './core/kube-admission.js';
import { createHttpApp } from './http/app.js';
import { startHttpsServer } from './http/server.js';
import { nodeIdOf, startReplica } from './replica.js';
import { DEFAULT_SERVICE_ALLOCATION } from './store/service-allocation.js';

const env = process.env;

/** Bound of the remembered verified tokens (one per service replica and user; cleared when full). */
const VERIFIED_TOKENS_MAX = 1024;

await serviceMain('api', env, {
  start: async ({ env: senv, bus, logger, clock, rng }) => {
    const pki = ensureClusterPki(env.KUBELAB_PKI_DIR ?? `${senv.dataDir ?? '.kubelab'}/pki`, {
      wallNowMs: systemClock.wallNow(),
    });
    // A token's identity depends only on the token and the cluster's secret, so verified tokens are
    // remembered (a few services send the same token with every request; the MAC check was per request).
    const verified = new Map<string, ReturnType<typeof verifyToken>>();
    const authenticate = (token: string | undefined) => {
      if (!token) return undefined;
      const known = verified.get(token);
      if (known) return known;
      const user = verifyToken(pki.tokenSecret, token);
      if (user) {
        if (verified.size >= VERIFIED_TOKENS_MAX) verified.clear();
        verified.set(token, user);
      }
      return user;
    };
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
      serviceAllocation: {
        ...DEFAULT_SERVICE_ALLOCATION,
        ...(env.KUBELAB_SERVICE_CIDR ? { serviceCidr: env.KUBELAB_SERVICE_CIDR } : {}),
      },
      ...(env.KUBELAB_RAFT_SNAPSHOT_ENTRIES
        ? { snapshotEntries: Number(env.KUBELAB_RAFT_SNAPSHOT_ENTRIES) }
        : {}),
    });
    const http = createHttpApp({
      handler: replica.core,
      clock,
      authenticate: (token) => authenticate(token),
      ready: () => replica.ready(),
      id: senv.id,
      onError: (err) => logger.error({ err }, 'unexpected error in a request'),
      podStreams: replica.podStreams,
    });
    const server = await startHttpsServer({
      app: http.app,
      port: senv.httpPort ?? 6443,
      host: env.KUBELAB_HTTP_HOST ?? '127.0.0.1',
      tls: { key: pki.serving.keyPem, cert: pki.serving.certPem },
      beforeClose: () => http.closeWatches(),
      onUpgrade: http.upgrade,
    });
    logger.info({ port: server.port }, 'https listening');
    return {
      ready: () => replica.ready(),
      leader: () => replica.isLeader(),
      details: () => replica.details(),
      stop: async () => {
        await server.close();
        await replica.stop();
      },
    };
  },
});
