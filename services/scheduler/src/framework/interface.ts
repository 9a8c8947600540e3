/**
 * The extension points kubelab's scheduler runs (kube-scheduler framework `interface.go`): PreFilter computes once
 * per pod into the {@link CycleState}; Filter says whether one node can take the pod; Score rates a feasible node
 * and NormalizeScore maps the raw scores of every feasible node to 0–{@link MAX_NODE_SCORE}. A scheduling cycle is
 * synchronous (nothing else touches the cache meanwhile), so plugins read NodeInfo directly instead of a snapshot.
 */
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import type { Status } from './status.js';

/** The highest score a score plugin may give after normalization. */
export const MAX_NODE_SCORE = 100;

/** Per-cycle scratch space shared by a pod's plugins (kube-scheduler `CycleState`). */
export class CycleState {
  readonly #data = new Map<string, unknown>();

  write(key: string, value: unknown): void {
    this.#data.set(key, value);
  }

  /** The value written under `key`; plugins assert it is there when their PreFilter always writes it. */
  read<T>(key: string): T | undefined {
    return this.#data.get(key) as T | undefined;
  }

  /**
   * The value written under `key`, computed and written first when there is none (a plugin's PreFilter result,
   * which Filter and Score recompute when PreFilter did not run).
   */
  readOrCompute<T>(key: string, compute: () => T): T {
    let v = this.read<T>(key);
    if (v === undefined) {
      v = compute();
      this.write(key, v);
    }
    return v;
  }
}

/** Every plugin has a name (used in statuses and configuration). */
export interface Plugin {
  readonly name: string;
}

/** Runs once per scheduling cycle before Filter. A non-success status rejects the pod on every node. */
export interface PreFilterPlugin extends Plugin {
  preFilter(state: CycleState, pod: PodInfo): Status | undefined;
}

/** Whether `node` can run `pod`; `undefined` means yes. */
export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Status | undefined;
}

/** Rates feasible nodes; higher is better. */
export interface ScorePlugin extends Plugin {
  /** Optional per-cycle preparation over the feasible nodes. */
  preScore?(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): void;
  score(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  /** Maps `scores` (one per node, in the order given to preScore) to 0–100 in place; absent if already 0–100. */
  normalizeScore?(state: CycleState, pod: PodInfo, scores: Float64Array): void;
}

/** A score plugin with its weight in the final sum. */
export interface WeightedScorer {
  readonly plugin: ScorePlugin;
  readonly weight: number;
}

/** The plugins of one scheduler profile, in the order they run. */
export interface Profile {
  readonly schedulerName: string;
  readonly preFilters: readonly PreFilterPlugin[];
  readonly filters: readonly FilterPlugin[];
  readonly scorers: readonly WeightedScorer[];
}

/**
 * Kubernetes' DefaultNormalizeScore: scales `scores` so the highest becomes 100 (or, `reverse`, so the highest
 * becomes 0 and the lowest 100).
 */
export function defaultNormalizeScore(scores: Float64Array, reverse: boolean): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) scores.fill(MAX_NODE_SCORE);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    const s = Math.floor((MAX_NODE_SCORE * (scores[i] ?? 0)) / max);
    scores[i] = reverse ? MAX_NODE_SCORE - s : s;
  }
}
