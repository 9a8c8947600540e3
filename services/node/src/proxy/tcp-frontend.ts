/**
 * One TCP frontend: a real listener on the rule's ip:port that forwards each accepted connection to a backend
 * chosen by the {@link Balancer}, piping bytes both ways with half-close (a client's FIN reaches the backend,
 * which may still answer). A backend that refuses or does not answer within the connect timeout is skipped and
 * the next one tried, so a just-removed pod does not fail connections while the watch catches up.
 *
 * Established connections belong to the connection, not to the rule: changing the backends or closing the
 * listener never touches them (Kubernetes: conntrack keeps DNATed TCP flows). Only {@link TcpFrontend.destroy}
 * (the proxy stopping) ends them.
 */
import net from 'node:net';
import type { Clock, Rng } from '@kubelab/clock';
import type { Logger } from '@kubelab/telemetry';
import { Balancer } from './balancer.js';
import { FrontendKind, type ProxyRule, backendKey } from './rules.js';

/** What a TCP frontend needs. */
export interface TcpFrontendConfig {
  readonly rule: ProxyRule;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly logger: Logger;
  /** How long a backend may take to accept before the next one is tried. */
  readonly connectTimeoutMs: number;
}

/** Counters of one frontend. */
export interface FrontendStats {
  /** Connections (TCP) or flows (UDP) accepted since start. */
  accepted: number;
  /** Connections (flows) now open. */
  active: number;
  /** Connections refused because every backend failed. */
  failed: number;
}

/** A TCP listener forwarding to the rule's backends. */
export class TcpFrontend {
  readonly #cfg: TcpFrontendConfig;
  readonly #balancer: Balancer;
  readonly #logger: Logger;
  readonly #connections = new Set<net.Socket>();
  #server: net.Server | undefined;
  readonly stats: FrontendStats = { accepted: 0, active: 0, failed: 0 };

  constructor(cfg: TcpFrontendConfig) {
    this.#cfg = cfg;
    this.#balancer = new Balancer(cfg.clock, cfg.rng);
    this.#balancer.setBackends(cfg.rule.backends, cfg.rule.affinityTimeoutMs);
    this.#logger = cfg.logger.child({ frontend: cfg.rule.key, service: cfg.rule.service });
  }

  /** Starts listening; rejects with the listen error (EADDRINUSE when another node's proxy holds the address). */
  listen(): Promise<void> {
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (c) => this.#accept(c));
    const { ip, port } = this.#cfg.rule;
    return new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      server.once('error', onError);
      server.listen({ host: ip, port, exclusive: true }, () => {
        server.off('error', onError);
        server.on('error', (err) => this.#logger.warn({ err }, 'listener error'));
        this.#server = server;
        resolve();
      });
    });
  }

  /** New backends for new connections; open connections keep theirs. */
  update(rule: ProxyRule): void {
    this.#balancer.setBackends(rule.backends, rule.affinityTimeoutMs);
  }

  /** Stops accepting (new connections are refused); open connections carry on. */
  close(): void {
    // The listening socket closes at once; `close`'s callback would wait for the open connections, which
    // outlive the listener on purpose.
    this.#server?.close();
    this.#server = undefined;
  }

  /** Closes the listener and ends every open connection. */
  destroy(): void {
    this.close();
    for (const socket of this.#connections) socket.destroy();
  }

  #accept(client: net.Socket): void {
    this.stats.accepted++;
    this.stats.active++;
    this.#connections.add(client);
    client.on('error', () => {}); // reported through 'close'; an errored client just ends its upstream
    client.once('close', () => {
      this.#connections.delete(client);
      this.stats.active--;
    });
    this.#connect(client, new Set());
  }

  /**
   * Connects `client` to a backend not in `failed`, trying the next one on failure. The upstream socket binds
   * to the source address iptables would leave on the packet (see {@link sourceAddressFor}), so a backend's
   * access log shows the client pod's IP for ClusterIP traffic.
   */
  #connect(client: net.Socket, failed: Set<string>, keepSource = true): void {
    if (client.destroyed) return;
    const backend = this.#balancer.pick(client.remoteAddress ?? '', failed);
    if (backend === undefined) {
      this.stats.failed++;
      this.#logger.warn(
        { client: client.remoteAddress, tried: [...failed] },
        'no backend accepted the connection',
      );
      client.resetAndDestroy();
      return;
    }
    const source = keepSource ? sourceAddressFor(this.#cfg.rule, client.remoteAddress) : undefined;
    const upstream = net.connect({
      host: backend.ip,
      port: backend.port,
      allowHalfOpen: true,
      ...(source === undefined ? {} : { localAddress: source }),
    });
    this.#connections.add(upstream);
    const timer = this.#cfg.clock.setTimer(this.#cfg.connectTimeoutMs, () =>
      upstream.destroy(new Error(`connect timeout after ${this.#cfg.connectTimeoutMs} ms`)),
    );
    const onConnectError = (err: NodeJS.ErrnoException) => {
      timer.cancel();
      this.#connections.delete(upstream);
      if (source !== undefined && (err.code === 'EADDRNOTAVAIL' || err.code === 'EADDRINUSE')) {
        this.#connect(client, failed, false); // the source address is not usable here: let the kernel pick
        return;
      }
      this.#logger.debug({ err, backend: backendKey(backend) }, 'backend connect failed; trying another');
      failed.add(backendKey(backend));
      this.#connect(client, failed);
    };
    upstream.once('error', onConnectError);
    upstream.once('connect', () => {
      timer.cancel();
      upstream.off('error', onConnectError);
      this.#splice(client, upstream);
    });
  }

  /** Pipes both ways; an error or reset on either side destroys the other. */
  #splice(client: net.Socket, upstream: net.Socket): void {
    upstream.on('error', () => {});
    upstream.once('close', (hadError) => {
      this.#connections.delete(upstream);
      if (hadError && !client.destroyed) client.resetAndDestroy();
    });
    client.once('close', (hadError) => {
      if (hadError && !upstream.destroyed) upstream.resetAndDestroy();
    });
    if (client.destroyed) {
      upstream.destroy();
      return;
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}

/**
 * The address to connect to backends from: the client's own for ClusterIP traffic from a loopback address (no
 * SNAT, as in-cluster traffic under iptables), the node address for NodePort traffic (kube-proxy masquerades it
 * to the node), the kernel's choice otherwise.
 */
function sourceAddressFor(rule: ProxyRule, clientAddress: string | undefined): string | undefined {
  if (rule.kind === FrontendKind.NodePort) return rule.ip;
  if (rule.kind !== FrontendKind.ClusterIP || clientAddress === undefined) return undefined;
  return clientAddress.startsWith('127.') ? clientAddress : undefined;
}
