import type { IncomingMessage } from 'node:http';
/**
 * The HTTPS listener: @hono/node-server over `https.createServer` with the cluster's serving certificate.
 * kubectl only sends bearer tokens over TLS (KUBECTL.md §0.6), so the api never serves the resource API in
 * the clear.
 */
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';

export interface TlsMaterial {
  /** PEM private key of the serving certificate. */
  readonly key: string;
  /** PEM serving certificate (optionally followed by intermediates). */
  readonly cert: string;
}

export interface HttpsServerOptions {
  readonly app: Pick<Hono, 'fetch'>;
  /** 0 picks a free port (read it back from `port`). */
  readonly port: number;
  readonly host: string;
  readonly tls: TlsMaterial;
  /** Called before connections are cut on close (e.g. `HttpApp.closeWatches`). */
  readonly beforeClose?: () => void;
  /** Protocol upgrades (exec over WebSocket, `HttpApp.upgrade`); without it upgrades are refused. */
  readonly onUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

export interface HttpsServer {
  /** The bound port. */
  readonly port: number;
  /** Stops accepting, ends open streams and connections; resolves when the server is closed. */
  close(): Promise<void>;
}

/**
 * Starts the HTTPS server and resolves once it listens.
 *
 * @example
 * const server = await startHttpsServer({ app, port: 6443, host: '0.0.0.0', tls: { key, cert } });
 * await server.close();
 */
export function startHttpsServer(o: HttpsServerOptions): Promise<HttpsServer> {
  return new Promise((resolve, reject) => {
    const server = serve(
      {
        fetch: o.app.fetch,
        port: o.port,
        hostname: o.host,
        createServer: createHttpsServer,
        serverOptions: { key: o.tls.key, cert: o.tls.cert },
      },
      (info: AddressInfo) => {
        server.off('error', reject);
        resolve({
          port: info.port,
          close: () =>
            new Promise<void>((done) => {
              o.beforeClose?.();
              server.close(() => done());
              const s = server as unknown as { closeAllConnections?: () => void };
              s.closeAllConnections?.();
            }),
        });
      },
    );
    server.once('error', reject);
    if (o.onUpgrade) server.on('upgrade', o.onUpgrade);
  });
}
