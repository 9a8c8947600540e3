/**
 * Node IPAM, the range allocator (kube-controller-manager's `nodeipam` with `--allocate-node-cidrs`): each
 * Node gets `spec.podCIDR`/`spec.podCIDRs` from the cluster CIDR (`KUBELAB_CLUSTER_CIDR`, default
 * 10.244.0.0/16) cut into `/KUBELAB_NODE_CIDR_MASK_SIZE` (default 24) subnets. Existing assignments are
 * occupied from the informer before anything is handed out (so a restart or a new leader never assigns a
 * subnet twice); a deleted node's subnet is released. The kubelet waits for its podCIDR.
 */
import {
  DeletedFinalStateUnknown,
  RateLimitingQueue,
  type SharedInformer,
  isConflict,
  isNotFound,
  resources,
  runWorkers,
} from '@kubelab/api-client';
import type { Node } from '@kubelab/api-types';
import type { Controller, ControllerContext } from '@kubelab/controller-kit';
import { intSetting } from '@kubelab/controller-kit';
import { CidrSet } from './cidr-set.js';

/** Kubernetes' reason when the range is exhausted. */
export const CIDR_NOT_AVAILABLE = 'CIDRNotAvailable';

/** The pod CIDR a node already has (podCIDRs[0] wins, as the kubelet reads it). */
export function podCidrOf(node: Node): string | undefined {
  return node.spec?.podCIDRs?.[0] ?? node.spec?.podCIDR ?? undefined;
}

/** Builds the IPAM controller from the settings. */
export function newNodeIpamController(ctx: ControllerContext): Controller {
  const cidr = ctx.settings.KUBELAB_CLUSTER_CIDR || '10.244.0.0/16';
  const mask = intSetting(ctx.settings, 'KUBELAB_NODE_CIDR_MASK_SIZE', 24);
  return new NodeIpamController(ctx, new CidrSet(cidr, mask));
}

/** See the module comment. */
export class NodeIpamController implements Controller {
  readonly name = 'nodeipam';
  readonly #ctx: ControllerContext;
  readonly #set: CidrSet;
  readonly #queue: RateLimitingQueue<string>;
  readonly #nodes: SharedInformer<Node>;
  /** node name → the subnet this controller counts as that node's. */
  readonly #assigned = new Map<string, string>();

  constructor(ctx: ControllerContext, set: CidrSet) {
    this.#ctx = ctx;
    this.#set = set;
    this.#queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: 'nodeipam' });
    this.#nodes = ctx.informers.informerFor<Node>(resources.nodes);
    const enqueue = (n: { metadata: { name?: string } }) => {
      if (n.metadata.name) this.#queue.add(n.metadata.name);
    };
    this.#nodes.addEventHandler({
      onAdd: enqueue,
      onUpdate: (_old, n) => enqueue(n),
      onDelete: (n) => enqueue(n instanceof DeletedFinalStateUnknown ? n.obj : n),
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    if (!(await this.#nodes.whenSynced(signal))) return;
    // Occupy every existing assignment before handing out anything (the range allocator's startup pass).
    for (const node of this.#nodes.lister().list()) this.#remember(node);
    await runWorkers(this.#queue, 1, (name) => this.syncNode(name), signal, {
      logger: this.#ctx.logger.child({ controller: this.name }),
    });
  }

  /** Records a node's existing subnet; logs a subnet outside the range or shared with another node. */
  #remember(node: Node): void {
    const name = node.metadata.name ?? '';
    const cidr = podCidrOf(node);
    if (!cidr || this.#assigned.get(name) === cidr) return;
    if (!this.#set.occupy(cidr)) {
      this.#ctx.logger.warn(
        { controller: this.name, node: name, podCIDR: cidr },
        'node podCIDR is outside the cluster CIDR or already assigned to another node',
      );
      return;
    }
    this.#assigned.set(name, cidr);
  }

  /** Assigns a subnet to a node without one; releases a deleted node's. */
  async syncNode(name: string): Promise<void> {
    const node = this.#nodes.lister().get(undefined, name);
    if (!node) {
      const cidr = this.#assigned.get(name);
      if (cidr) {
        this.#set.release(cidr);
        this.#assigned.delete(name);
        // A node that found the range full gets another chance.
        for (const n of this.#nodes.lister().list((n) => !podCidrOf(n)))
          this.#queue.add(n.metadata.name ?? '');
      }
      return;
    }
    if (podCidrOf(node)) {
      this.#remember(node);
      return;
    }
    if (this.#assigned.has(name)) return; // our patch is in flight; the watch will show it
    const cidr = this.#set.allocateNext();
    if (!cidr) {
      this.#ctx.recorder.event(
        node,
        'Normal',
        CIDR_NOT_AVAILABLE,
        `Node ${name} status is now: ${CIDR_NOT_AVAILABLE}`,
      );
      return;
    }
    this.#assigned.set(name, cidr);
    try {
      await this.#ctx.client.patch(
        resources.nodes,
        name,
        {
          metadata: { resourceVersion: node.metadata.resourceVersion },
          spec: { podCIDR: cidr, podCIDRs: [cidr] },
        },
        { patchType: 'merge' },
      );
      this.#ctx.logger.info({ controller: this.name, node: name, podCIDR: cidr }, 'assigned podCIDR');
    } catch (err) {
      this.#set.release(cidr);
      this.#assigned.delete(name);
      if (isNotFound(err)) return;
      if (isConflict(err)) this.#ctx.logger.debug({ node: name }, 'node changed; retrying');
      throw err;
    }
  }
}
