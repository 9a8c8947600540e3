import {
  RateLimitingQueue,
  type SharedInformer,
  isNotFound,
  resources,
  runWorkers,
} from '@kubelab/api-client';
import type { Lease, Node, Pod, Taint } from '@kubelab/api-types';
/**
 * Node lifecycle (kube-controller-manager's `nodelifecycle` controller with its NoExecute taint manager):
 *
 * - Health: a node is alive while its kubelet renews its Lease in `kube-node-lease` or posts a new Ready
 *   heartbeat. Both are judged only by this process's clock, at the moment the record is seen to change
 *   (STYLE.md principle 8); a node first seen counts from then. After `KUBELAB_NODE_MONITOR_GRACE_MS`
 *   (node-monitor-grace-period, default 40 s) of silence its conditions become Unknown ("Kubelet stopped
 *   posting node status."), a NodeNotReady event is recorded, and its pods are marked Ready=False.
 * - Taints: Ready=Unknown → `node.kubernetes.io/unreachable`, Ready=False → `node.kubernetes.io/not-ready`,
 *   each NoSchedule and NoExecute (timeAdded); cordoned → `node.kubernetes.io/unschedulable`. They go away
 *   when the node is Ready again.
 * - Taint manager: a pod on a node with NoExecute taints is deleted at once if it does not tolerate one, else
 *   after its smallest matching tolerationSeconds (the api's admission gives every pod 300 s for not-ready and
 *   unreachable), counted from the taint's timeAdded (or the pod's creation, when later). Its controller then
 *   makes a replacement elsewhere.
 *
 * Every node is re-examined each `KUBELAB_NODE_MONITOR_PERIOD_MS` (node-monitor-period, default 5 s).
 */
import { repeat } from '@kubelab/clock';
import type { Controller, ControllerContext } from '@kubelab/controller-kit';
import { intSetting, isPodTerminal, parseTime, rfc3339 } from '@kubelab/controller-kit';
import {
  evictionDelay,
  podMarkedNotReady,
  readyStatusOf,
  reconcileTaints,
  unknownConditions,
} from './taints.js';

/** Where kubelets keep their heartbeat Leases. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const BY_NODE = 'nodelifecycle.byNode';

/** What this controller knows of a node's heartbeats; `probeAtMs` is on the local monotonic clock. */
interface Health {
  probeAtMs: number;
  heartbeat: string | undefined;
  renewTime: string | undefined;
}

/** Builds the node lifecycle controller. */
export function newNodeLifecycleController(ctx: ControllerContext): Controller {
  return new NodeLifecycleController(ctx);
}

/** See the module comment. */
export class NodeLifecycleController implements Controller {
  readonly name = 'nodelifecycle';
  readonly #ctx: ControllerContext;
  readonly #queue: RateLimitingQueue<string>;
  readonly #nodes: SharedInformer<Node>;
  readonly #leases: SharedInformer<Lease>;
  readonly #pods: SharedInformer<Pod>;
  readonly #health = new Map<string, Health>();
  /** Nodes this term has announced with a RegisteredNode event (as every new node-controller leader does). */
  readonly #registered = new Set<string>();
  /** node, taint key and value → wall ms first seen, for NoExecute taints without timeAdded. */
  readonly #taintSeen = new Map<string, number>();
  readonly #graceMs: number;
  readonly #periodMs: number;

  constructor(ctx: ControllerContext) {
    this.#ctx = ctx;
    this.#graceMs = intSetting(ctx.settings, 'KUBELAB_NODE_MONITOR_GRACE_MS', 40_000);
    this.#periodMs = Math.max(1, intSetting(ctx.settings, 'KUBELAB_NODE_MONITOR_PERIOD_MS', 5_000));
    this.#queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: 'nodelifecycle' });
    this.#nodes = ctx.informers.informerFor<Node>(resources.nodes);
    this.#leases = ctx.informers.informerFor<Lease>(resources.leases, { namespace: NODE_LEASE_NAMESPACE });
    this.#pods = ctx.informers.informerFor<Pod>(resources.pods);
    this.#pods.addIndexer(BY_NODE, (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
    this.#nodes.addEventHandler({
      onAdd: (n) => this.#observeNode(n),
      onUpdate: (_o, n) => this.#observeNode(n),
      onDelete: (n) => {
        const name = 'metadata' in n ? n.metadata.name : n.obj.metadata.name;
        if (name) this.#health.delete(name);
      },
    });
    this.#leases.addEventHandler({
      onAdd: (l) => this.#observeLease(l),
      onUpdate: (_o, l) => this.#observeLease(l),
    });
    this.#pods.addEventHandler({
      onAdd: (p) => this.#observePod(p),
      onUpdate: (_o, p) => this.#observePod(p),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    const synced = await Promise.all(
      [this.#nodes, this.#leases, this.#pods].map((i) => i.whenSynced(signal)),
    );
    if (!synced.every(Boolean)) return;
    const timer = repeat(this.#ctx.clock, this.#periodMs, () => {
      for (const n of this.#nodes.lister().list()) this.#queue.add(n.metadata.name ?? '');
    });
    try {
      await runWorkers(this.#queue, 2, (name) => this.syncNode(name), signal, {
        logger: this.#ctx.logger.child({ controller: this.name }),
      });
    } finally {
      timer.cancel();
    }
  }

  #healthOf(name: string): Health {
    let h = this.#health.get(name);
    if (!h) {
      h = { probeAtMs: this.#ctx.clock.now(), heartbeat: undefined, renewTime: undefined };
      this.#health.set(name, h);
    }
    return h;
  }

  /** A new Ready heartbeat from the kubelet counts as a sign of life. */
  #observeNode(node: Node): void {
    const name = node.metadata.name ?? '';
    const h = this.#healthOf(name);
    const hb = node.status?.conditions?.find((c) => c.type === 'Ready')?.lastHeartbeatTime;
    if (hb !== h.heartbeat) {
      h.heartbeat = hb;
      h.probeAtMs = this.#ctx.clock.now();
    }
    this.#queue.add(name);
  }

  /** A renewed Lease counts as a sign of life (the lease is named after its node). */
  #observeLease(lease: Lease): void {
    const name = lease.metadata.name ?? '';
    const h = this.#healthOf(name);
    const renew = lease.spec?.renewTime;
    if (renew !== h.renewTime) {
      h.renewTime = renew;
      h.probeAtMs = this.#ctx.clock.now();
    }
  }

  /** A pod that lands on a node with NoExecute taints needs the taint manager's look. */
  #observePod(pod: Pod): void {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) return;
    const node = this.#nodes.lister().get(undefined, nodeName);
    if (node?.spec?.taints?.some((t) => t.effect === 'NoExecute')) this.#queue.add(nodeName);
  }

  /** Health, taints, pod readiness and evictions of one node. */
  async syncNode(name: string): Promise<void> {
    let node = this.#nodes.lister().get(undefined, name);
    if (!node) {
      this.#registered.delete(name);
      for (const k of this.#taintSeen.keys()) if (k.startsWith(`${name}\u0000`)) this.#taintSeen.delete(k);
      return;
    }
    if (!this.#registered.has(name)) {
      this.#registered.add(name);
      this.#ctx.recorder.event(
        node,
        'Normal',
        'RegisteredNode',
        `Node ${name} event: Registered Node ${name} in Controller`,
      );
    }
    node = await this.#maybeMarkUnknown(node);
    node = await this.#maybeTaint(node);
    if (readyStatusOf(node) === 'Unknown') await this.#markPodsNotReady(node);
    await this.#evictPods(node);
  }

  #nowRfc(): string {
    return rfc3339(this.#ctx.clock.wallNow());
  }

  async #maybeMarkUnknown(node: Node): Promise<Node> {
    const name = node.metadata.name ?? '';
    const h = this.#healthOf(name);
    if (this.#ctx.clock.now() - h.probeAtMs <= this.#graceMs) return node;
    const conditions = unknownConditions(node, this.#nowRfc());
    if (!conditions) return node;
    const wasReady = readyStatusOf(node) === 'True';
    const next = structuredClone(node) as Node;
    next.status = { ...(next.status ?? {}), conditions };
    const written = await this.#ctx.client.updateStatus<Node>(resources.nodes, next);
    this.#ctx.logger.info(
      { controller: this.name, node: name },
      'node stopped posting status; conditions Unknown',
    );
    if (wasReady)
      this.#ctx.recorder.event(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
    return written;
  }

  async #maybeTaint(node: Node): Promise<Node> {
    const taints = reconcileTaints(node, this.#nowRfc());
    if (!taints) return node;
    const patched = await this.#ctx.client.patch<Node>(
      resources.nodes,
      node.metadata.name ?? '',
      {
        metadata: { resourceVersion: node.metadata.resourceVersion },
        spec: { taints: taints.length > 0 ? taints : null },
      },
      { patchType: 'merge' },
    );
    this.#ctx.logger.info(
      { controller: this.name, node: node.metadata.name, taints: taints.map((t) => `${t.key}:${t.effect}`) },
      'node taints updated',
    );
    return patched;
  }

  /** When this term first saw a taint that carries no timeAdded (a user's `kubectl taint … :NoExecute`). */
  #firstSeen(node: Node, t: Taint, nowWall: number): number {
    const key = `${node.metadata.name}\u0000${t.key}\u0000${t.value ?? ''}`;
    let at = this.#taintSeen.get(key);
    if (at === undefined) {
      at = nowWall;
      this.#taintSeen.set(key, at);
    }
    return at;
  }

  #podsOn(node: Node): Pod[] {
    return this.#pods.lister().byIndex(BY_NODE, node.metadata.name ?? '');
  }

  async #markPodsNotReady(node: Node): Promise<void> {
    for (const pod of this.#podsOn(node)) {
      const next = podMarkedNotReady(pod, this.#nowRfc());
      if (!next) continue;
      try {
        await this.#ctx.client.updateStatus(resources.pods, next);
        this.#ctx.recorder.event(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  /** Deletes pods whose toleration of the node's NoExecute taints ran out; re-queues the node for the next. */
  async #evictPods(node: Node): Promise<void> {
    const taints = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
    if (taints.length === 0) return;
    const nowWall = this.#ctx.clock.wallNow();
    const taintedAt = Math.max(
      ...taints.map((t) => parseTime(t.timeAdded) ?? this.#firstSeen(node, t, nowWall)),
    );
    let nextDueWall: number | undefined;
    for (const pod of this.#podsOn(node)) {
      if (pod.metadata.deletionTimestamp || isPodTerminal(pod)) continue;
      const delay = evictionDelay(pod.spec?.tolerations ?? [], taints);
      if (delay.kind === 'never') continue;
      const start = Math.max(taintedAt, parseTime(pod.metadata.creationTimestamp) ?? taintedAt);
      const due = delay.kind === 'now' ? nowWall : start + delay.seconds * 1000;
      if (due <= nowWall) await this.#evict(pod, taints);
      else nextDueWall = nextDueWall === undefined ? due : Math.min(nextDueWall, due);
    }
    if (nextDueWall !== undefined) this.#queue.addAfter(node.metadata.name ?? '', nextDueWall - nowWall);
  }

  async #evict(pod: Pod, taints: readonly Taint[]): Promise<void> {
    const ns = pod.metadata.namespace ?? 'default';
    try {
      await this.#ctx.client.delete(resources.pods, pod.metadata.name ?? '', {
        namespace: ns,
        ...(pod.metadata.uid ? { preconditions: { uid: pod.metadata.uid } } : {}),
      });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    this.#ctx.logger.info(
      { controller: this.name, pod: `${ns}/${pod.metadata.name}`, taints: taints.map((t) => t.key) },
      'evicted pod from tainted node',
    );
    this.#ctx.recorder.event(
      pod,
      'Normal',
      'TaintManagerEviction',
      `Marking for deletion Pod ${ns}/${pod.metadata.name}`,
    );
  }
}
