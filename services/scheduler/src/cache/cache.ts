/**
 * The scheduler's view of the cluster (kube-scheduler internal/cache): one {@link NodeInfo} per node with the pods
 * counted on it. Pods come from the informer (assigned pods) and from the scheduler itself: a pod is *assumed* on
 * its node the moment the scheduling cycle picks it, before the binding is written, so the next cycle already sees
 * the node's resources taken and a burst never overcommits a node. The informer's copy confirms an assumed pod;
 * a failed binding forgets it.
 *
 * Pods on a node the cache does not know yet are kept aside and counted once the node appears.
 */
import type { Node } from '@kubelab/api-types';
import { NodeInfo } from '../framework/node-info.js';
import type { PodInfo } from '../framework/pod-info.js';

interface PodState {
  pi: PodInfo;
  nodeName: string;
  /** Placed by this scheduler and not yet seen bound in the informer. */
  assumed: boolean;
}

export class SchedulerCache {
  readonly #nodes = new Map<string, NodeInfo>();
  readonly #pods = new Map<string, PodState>();
  /** Pods of nodes not (yet) in #nodes, by node name. */
  readonly #orphans = new Map<string, Map<string, PodInfo>>();
  #list: NodeInfo[] | undefined;

  /** Every node, in a stable order (insertion), for the filter's round robin. */
  nodeList(): readonly NodeInfo[] {
    this.#list ??= [...this.#nodes.values()];
    return this.#list;
  }

  get nodeCount(): number {
    return this.#nodes.size;
  }

  node(name: string): NodeInfo | undefined {
    return this.#nodes.get(name);
  }

  /** Adds or updates a node. */
  upsertNode(node: Node): NodeInfo {
    const name = node.metadata.name ?? '';
    let ni = this.#nodes.get(name);
    if (ni) {
      ni.setNode(node);
      return ni;
    }
    ni = new NodeInfo(node);
    this.#nodes.set(name, ni);
    this.#list = undefined;
    const waiting = this.#orphans.get(name);
    if (waiting) {
      for (const pi of waiting.values()) ni.addPod(pi);
      this.#orphans.delete(name);
    }
    return ni;
  }

  removeNode(name: string): void {
    const ni = this.#nodes.get(name);
    if (!ni) return;
    this.#nodes.delete(name);
    this.#list = undefined;
    // Its pods stay known (they may still be running until their deletion arrives).
    if (ni.pods.size > 0) this.#orphans.set(name, new Map(ni.pods));
  }

  #place(pi: PodInfo, nodeName: string): void {
    const ni = this.#nodes.get(nodeName);
    if (ni) {
      ni.addPod(pi);
      return;
    }
    let m = this.#orphans.get(nodeName);
    if (!m) {
      m = new Map();
      this.#orphans.set(nodeName, m);
    }
    m.set(pi.key, pi);
  }

  #unplace(key: string, nodeName: string): void {
    if (this.#nodes.get(nodeName)?.removePod(key)) return;
    const m = this.#orphans.get(nodeName);
    m?.delete(key);
    if (m?.size === 0) this.#orphans.delete(nodeName);
  }

  /** An assigned pod as the informer shows it (add or update); confirms an assumed pod. */
  upsertPod(pi: PodInfo, nodeName: string): void {
    this.#setPod(pi, nodeName, false);
  }

  /** A pod that is gone or terminal no longer counts. */
  removePod(key: string): void {
    const prior = this.#pods.get(key);
    if (!prior) return;
    this.#pods.delete(key);
    this.#unplace(key, prior.nodeName);
  }

  /** Counts `pi` on `nodeName` before its binding is written. */
  assumePod(pi: PodInfo, nodeName: string): void {
    this.#setPod(pi, nodeName, true);
  }

  /** Counts `pi` on `nodeName` only, wherever it was counted before. */
  #setPod(pi: PodInfo, nodeName: string, assumed: boolean): void {
    const prior = this.#pods.get(pi.key);
    if (prior) this.#unplace(pi.key, prior.nodeName);
    this.#pods.set(pi.key, { pi, nodeName, assumed });
    this.#place(pi, nodeName);
  }

  /** Undoes {@link assumePod} after a failed binding, unless the informer has confirmed the pod meanwhile. */
  forgetPod(key: string): void {
    const prior = this.#pods.get(key);
    if (prior?.assumed) this.removePod(key);
  }

  isAssumed(key: string): boolean {
    return this.#pods.get(key)?.assumed === true;
  }

  /** The PodInfo counted for a pod (assumed or confirmed). */
  podInfo(key: string): PodInfo | undefined {
    return this.#pods.get(key)?.pi;
  }

  /** The node a pod is counted on (assumed or confirmed). */
  nodeOf(key: string): string | undefined {
    return this.#pods.get(key)?.nodeName;
  }

  get podCount(): number {
    return this.#pods.size;
  }
}
