/**
 * One UDP frontend: a datagram socket on the rule's ip:port. Each client address (ip:port) is a flow (a
 * conntrack entry): its first datagram picks a backend, and the flow gets its own upstream socket so the
 * backend's replies find their way back, sent from the frontend address (DNS clients check the source). A flow
 * idle for `idleTimeoutMs` is forgotten.
 *
 * When a backend leaves the rule its flows are dropped at once (kube-proxy clears UDP conntrack entries of
 * stale endpoints), so the client's next datagram goes to a live backend: that is what lets cluster DNS move.
 */
import dgram from 'node:dgram';
import type { Clock, Rng, Timer } from '@kubelab/clock';
import type { Logger } from '@kubelab/telemetry';
import { Balancer } from './balancer.js';
import { type Backend, type ProxyRule, backendKey } from './rules.js';
import type { FrontendStats } from './tcp-frontend.js';

/** What a UDP frontend needs. */
export interface UdpFrontendConfig {
  readonly rule: ProxyRule;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly logger: Logger;
  /** A flow without traffic either way for this long is dropped. */
  readonly idleTimeoutMs: number;
  /** The most flows at once; datagrams opening more are dropped. */
  readonly flowsMax?: number;
}

interface Flow {
  readonly backend: Backend;
  readonly upstream: dgram.Socket;
  lastActiveMs: number;
  timer: Timer;
}

/** A UDP socket forwarding datagrams to the rule's backends. */
export class UdpFrontend {
  readonly #cfg: UdpFrontendConfig;
  readonly #balancer: Balancer;
  readonly #logger: Logger;
  readonly #flows = new Map<string, Flow>();
  #socket: dgram.Socket | undefined;
  readonly stats: FrontendStats = { accepted: 0, active: 0, failed: 0 };

  constructor(cfg: UdpFrontendConfig) {
    this.#cfg = cfg;
    this.#balancer = new Balancer(cfg.clock, cfg.rng);
    this.#balancer.setBackends(cfg.rule.backends, cfg.rule.affinityTimeoutMs);
    this.#logger = cfg.logger.child({ frontend: cfg.rule.key, service: cfg.rule.service });
  }

  /** Binds the socket; rejects with the bind error (EADDRINUSE when another node's proxy holds the address). */
  listen(): Promise<void> {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: false });
    const { ip, port } = this.#cfg.rule;
    return new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => {
        socket.close();
        reject(err);
      };
      socket.once('error', onError);
      socket.on('message', (msg, rinfo) => this.#forward(msg, rinfo));
      socket.bind({ address: ip, port, exclusive: true }, () => {
        socket.off('error', onError);
        socket.on('error', (err) => this.#logger.warn({ err }, 'socket error'));
        this.#socket = socket;
        resolve();
      });
    });
  }

  /** New backends for new flows; flows to backends that left are dropped. */
  update(rule: ProxyRule): void {
    this.#balancer.setBackends(rule.backends, rule.affinityTimeoutMs);
    for (const [client, flow] of this.#flows) {
      if (!this.#balancer.has(flow.backend)) this.#endFlow(client, flow);
    }
  }

  /** Closes the socket and every flow. */
  close(): void {
    this.#socket?.close();
    this.#socket = undefined;
    for (const [client, flow] of this.#flows) this.#endFlow(client, flow);
  }

  /** The same as {@link close} (UDP has no connections to outlive the socket). */
  destroy(): void {
    this.close();
  }

  #forward(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const client = `${rinfo.address}:${rinfo.port}`;
    const flow = this.#flows.get(client) ?? this.#openFlow(client, rinfo);
    if (flow === undefined) return;
    flow.lastActiveMs = this.#cfg.clock.now();
    flow.upstream.send(msg, flow.backend.port, flow.backend.ip);
  }

  #openFlow(client: string, rinfo: dgram.RemoteInfo): Flow | undefined {
    if (this.#flows.size >= (this.#cfg.flowsMax ?? 4096)) {
      this.stats.failed++;
      return undefined;
    }
    const backend = this.#balancer.pick(rinfo.address);
    if (backend === undefined) {
      this.stats.failed++;
      return undefined;
    }
    const upstream = dgram.createSocket('udp4');
    const flow: Flow = {
      backend,
      upstream,
      lastActiveMs: this.#cfg.clock.now(),
      timer: this.#armIdle(client),
    };
    upstream.on('error', (err) => {
      this.#logger.debug({ err, client, backend: backendKey(backend) }, 'udp flow error');
      this.#endFlow(client, flow);
    });
    upstream.on('message', (reply, from) => {
      if (from.address !== backend.ip || from.port !== backend.port) return;
      flow.lastActiveMs = this.#cfg.clock.now();
      this.#socket?.send(reply, rinfo.port, rinfo.address);
    });
    this.#flows.set(client, flow);
    this.stats.accepted++;
    this.stats.active++;
    return flow;
  }

  /** A timer that ends the flow once it has been idle for the timeout (re-armed while it is not). */
  #armIdle(client: string, delayMs = this.#cfg.idleTimeoutMs): Timer {
    return this.#cfg.clock.setTimer(delayMs, () => {
      const flow = this.#flows.get(client);
      if (flow === undefined) return;
      const idleMs = this.#cfg.clock.now() - flow.lastActiveMs;
      if (idleMs >= this.#cfg.idleTimeoutMs) this.#endFlow(client, flow);
      else flow.timer = this.#armIdle(client, this.#cfg.idleTimeoutMs - idleMs);
    });
  }

  #endFlow(client: string, flow: Flow): void {
    if (this.#flows.get(client) !== flow) return;
    this.#flows.delete(client);
    this.stats.active--;
    flow.timer.cancel();
    flow.upstream.close();
  }
}
