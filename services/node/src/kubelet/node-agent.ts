/**
 * One node's registration and heartbeats (kubelet `kubelet_node_status.go` + `nodelease`): creates or
 * updates the Node, renews its Lease in `kube-node-lease` every lease period, writes the node status when it
 * changed (or at the status period), and knows the node's pod CIDR (node.spec.podCIDR from the IPAM
 * controller, an override, or a fallback after a wait) and so its pod IPAM.
 */
import { createHash } from 'node:crypto';
import { type ApiClient, isAlreadyExists, isNotFound, resources } from '@kubelab/api-client';
import type { Lease, Node, NodeStatus } from '@kubelab/api-types';
import { type Clock, type Timer, repeat } from '@kubelab/clock';
import { microTime, rfc3339 } from '@kubelab/controller-kit';
import type { Logger } from '@kubelab/telemetry';
import type { ContainerRuntime } from '../runtime/types.js';
import { HostLocalIpam } from './ipam.js';
import {
  type NodeIdentity,
  computeNodeStatus,
  initialNode,
  nodeLabels,
  sameNodeStatus,
} from './node-status.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** Attempts per lease renewal (kubelet's nodelease `maxUpdateRetries`). */
export const LEASE_RENEW_ATTEMPTS = 5;

/** Timing and pod CIDR settings of one node. */
export interface NodeAgentSettings {
  readonly leasePeriodMs: number;
  readonly leaseDurationSeconds: number;
  readonly statusPeriodMs: number;
  readonly statusCheckMs: number;
  readonly podCIDR: string | undefined;
  readonly podCIDRWaitMs: number;
  readonly fallbackPodCIDR: string;
}

export interface NodeAgentDeps {
  readonly client: ApiClient;
  readonly clock: Clock;
  readonly log: Logger;
  readonly id: NodeIdentity;
  readonly runtime: ContainerRuntime;
  readonly settings: NodeAgentSettings;
}

/**
 * @example
 * const agent = new NodeAgent({ client, clock, log, id, runtime, settings });
 * await agent.start(signal); // registered; heartbeats run until signal aborts
 * agent.ipam()?.allocate(podUid);
 */
export class NodeAgent {
  readonly #d: NodeAgentDeps;
  #uid: string | undefined;
  #lease: Lease | undefined;
  #written: NodeStatus | undefined;
  /**
   * The Node's conditions as last seen by the informer. The node lifecycle controller rewrites them (Ready
   * Unknown after a missed grace period): when they differ from what this kubelet wrote, the next sync writes
   * at once instead of waiting for the status period, and transitions are computed from what the api holds.
   */
  #liveConditions: NodeStatus['conditions'] | undefined;
  #writtenAtMs = 0;
  #startedAtMs = 0;
  #ipam: HostLocalIpam | undefined;
  #assignedCIDR: string | undefined;
  #registered = false;
  #warnedWaiting = false;
  readonly #timers: Timer[] = [];
  #busy = { lease: false, status: false };

  constructor(deps: NodeAgentDeps) {
    this.#d = deps;
    if (deps.settings.podCIDR) this.#ipam = new HostLocalIpam(deps.settings.podCIDR);
  }

  get name(): string {
    return this.#d.id.nodeName;
  }

  get registered(): boolean {
    return this.#registered;
  }

  /**
   * The pod IPAM, once a pod CIDR is known: configured (KUBELAB_NODE_POD_CIDR), assigned by the node IPAM
   * controller (node.spec.podCIDR), or, only after `podCIDRWaitMs` without one (0: never), the fallback
   * (outside the cluster CIDR, so it cannot overlap an assigned range), with a warning.
   */
  ipam(): HostLocalIpam | undefined {
    if (this.#ipam !== undefined || !this.#registered) return this.#ipam;
    const waitMs = this.#d.settings.podCIDRWaitMs;
    const waitedMs = this.#d.clock.now() - this.#startedAtMs;
    if (waitMs > 0 && waitedMs >= waitMs) {
      this.#d.log.warn(
        { podCIDR: this.#d.settings.fallbackPodCIDR, waitedMs },
        'no node.spec.podCIDR assigned (is the node IPAM controller running?); using the fallback pod CIDR',
      );
      this.#ipam = new HostLocalIpam(this.#d.settings.fallbackPodCIDR);
    } else if (!this.#warnedWaiting) {
      this.#warnedWaiting = true;
      this.#d.log.warn(
        { fallbackAfterMs: waitMs > 0 ? waitMs : undefined },
        'pods wait for node.spec.podCIDR from the node IPAM controller',
      );
    }
    return this.#ipam;
  }

  /** The Node changed (informer): picks up an assigned pod CIDR. */
  observeNode(node: Node): void {
    this.#liveConditions = node.status?.conditions;
    const cidr = node.spec?.podCIDR;
    if (!cidr || cidr === this.#assignedCIDR || this.#d.settings.podCIDR) return;
    this.#assignedCIDR = cidr;
    if (this.#ipam?.cidr !== cidr) {
      this.#d.log.info({ podCIDR: cidr }, 'pod CIDR assigned');
      this.#ipam = new HostLocalIpam(cidr);
    }
  }

  /** Registers the node (retrying until it works or `signal` aborts), then starts heartbeats. */
  async start(signal: AbortSignal): Promise<void> {
    this.#startedAtMs = this.#d.clock.now();
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        await this.#register();
        break;
      } catch (err) {
        this.#d.log.warn({ err, attempt }, 'node registration failed; retrying');
        await this.#d.clock.sleep(Math.min(1_000 * 2 ** attempt, 10_000), signal).catch(() => undefined);
      }
    }
    if (signal.aborted) return;
    this.#registered = true;
    void this.renewLease();
    const { leasePeriodMs, statusCheckMs } = this.#d.settings;
    const phase = heartbeatPhase(this.name);
    const clock = this.#d.clock;
    this.#timers.push(
      repeatFrom(clock, Math.floor(phase * leasePeriodMs), leasePeriodMs, () => void this.renewLease()),
    );
    this.#timers.push(
      repeatFrom(clock, Math.floor(phase * statusCheckMs), statusCheckMs, () => void this.syncStatus()),
    );
    signal.addEventListener('abort', () => this.stop(), { once: true });
  }

  stop(): void {
    for (const t of this.#timers.splice(0)) t.cancel();
  }

  #status(): NodeStatus {
    return computeNodeStatus({
      id: this.#d.id,
      podCIDR: this.ipam()?.cidr,
      images: this.#d.runtime.cachedImages(),
      previous: this.#liveConditions ?? this.#written?.conditions ?? [],
      now: rfc3339(this.#d.clock.wallNow()),
    });
  }

  async #register(): Promise<void> {
    const status = this.#status();
    let node: Node;
    try {
      node = await this.#d.client.create<Node>(resources.nodes, initialNode(this.#d.id, status));
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      node = await this.#d.client.patch<Node>(resources.nodes, this.name, {
        metadata: { labels: nodeLabels(this.#d.id) },
      });
    }
    this.#uid = node.metadata.uid;
    this.observeNode(node);
    await this.#writeStatus(this.#status());
    this.#d.log.info({ node: this.name, uid: this.#uid }, 'node registered');
  }

  async #writeStatus(status: NodeStatus): Promise<void> {
    await this.#d.client.patch(
      resources.nodes,
      this.name,
      { status },
      { subresource: 'status', patchType: 'merge' },
    );
    this.#written = status;
    this.#liveConditions = status.conditions;
    this.#writtenAtMs = this.#d.clock.now();
  }

  /** Writes the node status if it changed, or if the status period passed since the last write. */
  async syncStatus(): Promise<void> {
    if (this.#busy.status) return;
    this.#busy.status = true;
    try {
      const status = this.#status();
      const due = this.#d.clock.now() - this.#writtenAtMs >= this.#d.settings.statusPeriodMs;
      const liveDiffers = readyOf(this.#liveConditions) !== readyOf(status.conditions);
      if (due || liveDiffers || !sameNodeStatus(this.#written, status)) await this.#writeStatus(status);
    } catch (err) {
      this.#d.log.warn({ err }, 'node status update failed');
    } finally {
      this.#busy.status = false;
    }
  }

  /**
   * Renews (or creates) the node's Lease, retrying at once up to {@link LEASE_RENEW_ATTEMPTS} times (kubelet's
   * `maxUpdateRetries`): a renewal that timed out on a stalled api replica or lost a conflict is retried
   * (any replica may answer, and a conflict re-reads the Lease) instead of waiting a whole lease period,
   * which under load turned one failure into a 20 s heartbeat gap (half the node lifecycle grace period).
   */
  async renewLease(): Promise<void> {
    if (this.#busy.lease) return;
    this.#busy.lease = true;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.#renew();
          return;
        } catch (err) {
          this.#lease = undefined; // the next attempt reads it again
          if (attempt >= LEASE_RENEW_ATTEMPTS) {
            this.#d.log.warn({ err, attempts: attempt }, 'node lease renewal failed');
            return;
          }
          this.#d.log.debug({ err, attempt }, 'node lease renewal failed; retrying');
        }
      }
    } finally {
      this.#busy.lease = false;
    }
  }

  async #renew(): Promise<void> {
    const renewTime = microTime(this.#d.clock.wallNow());
    const c = this.#d.client;
    const opts = { namespace: NODE_LEASE_NAMESPACE };
    let lease = this.#lease;
    if (lease === undefined) {
      try {
        lease = await c.get<Lease>(resources.leases, this.name, opts);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.#lease = await c.create<Lease>(resources.leases, this.#newLease(renewTime), opts);
        return;
      }
    }
    const next: Lease = structuredClone(lease);
    next.spec = {
      ...next.spec,
      holderIdentity: this.name,
      leaseDurationSeconds: this.#d.settings.leaseDurationSeconds,
      renewTime,
    };
    this.#lease = await c.update<Lease>(resources.leases, next, opts);
  }

  #newLease(renewTime: string): Lease {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.name,
        namespace: NODE_LEASE_NAMESPACE,
        ...(this.#uid
          ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.name, uid: this.#uid }] }
          : {}),
      },
      spec: {
        holderIdentity: this.name,
        leaseDurationSeconds: this.#d.settings.leaseDurationSeconds,
        renewTime,
      },
    };
  }
}

/**
 * Where in each heartbeat period a node's renewals fall, in [0, 1): a hash of its name. Nodes that register
 * together (a node process hosting 1,000 hollow nodes, a cluster restart) would otherwise all renew in the
 * same instant every period, a burst of writes on the api's Raft log that delays pod writes and, under
 * load, the renewals themselves; spread by name, the renewals of N nodes arrive at a steady N per period.
 * Kubernetes' lease controller jitters each period instead (JitterUntil, factor 0.04), which spreads
 * nodes that start at different times but barely separates nodes that start together.
 */
export function heartbeatPhase(nodeName: string): number {
  return createHash('sha256').update(nodeName).digest().readUInt32BE(0) / 2 ** 32;
}

/** Calls `fn` after `offsetMs`, then every `periodMs`, until cancelled. */
function repeatFrom(clock: Clock, offsetMs: number, periodMs: number, fn: () => void): Timer {
  let cancelled = false;
  let every: Timer | undefined;
  const first = clock.setTimer(offsetMs, () => {
    if (cancelled) return;
    fn();
    if (!cancelled) every = repeat(clock, periodMs, fn);
  });
  return {
    cancel: () => {
      cancelled = true;
      first.cancel();
      every?.cancel();
    },
  };
}

/** The status of the Ready condition ('True', 'False', 'Unknown') or undefined. */
function readyOf(conditions: NodeStatus['conditions']): string | undefined {
  return conditions?.find((c) => c.type === 'Ready')?.status;
}
