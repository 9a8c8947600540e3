/**
 * Controller expectations (controller_utils.go `ControllerExpectations`, `UIDTrackingControllerExpectations`):
 * how many creates and deletes a controller issued that its informer has not shown yet. A controller whose
 * expectations are unsatisfied does not act again for that key, so a slow watch never causes a double create
 * or delete; an expectation older than {@link EXPECTATIONS_TIMEOUT_MS} is treated as satisfied, so a lost
 * watch event can only delay the controller, never stall it.
 */
import type { Clock } from '@kubelab/clock';

/** kube-controller-manager's `ExpectationsTimeout`: 5 minutes. */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60_000;

/** The outstanding adds and deletes of one controller key. Invariant: counts only go negative by races (treated as 0). */
interface Expectation {
  add: number;
  del: number;
  /** Monotonic ms of the last `set` (not of the last observation), as Kubernetes does. */
  timestampMs: number;
}

/**
 * @example
 * const exp = new ControllerExpectations(clock);
 * exp.expectCreations('default/web', 3);
 * exp.satisfiedExpectations('default/web'); // false until three creations are observed
 * exp.creationObserved('default/web');
 */
export class ControllerExpectations {
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #store = new Map<string, Expectation>();

  constructor(clock: Clock, timeoutMs = EXPECTATIONS_TIMEOUT_MS) {
    this.#clock = clock;
    this.#timeoutMs = timeoutMs;
  }

  /** The outstanding counts for `key`, or undefined when none were ever set (or they were deleted). */
  get(key: string): { readonly add: number; readonly del: number } | undefined {
    const e = this.#store.get(key);
    return e ? { add: e.add, del: e.del } : undefined;
  }

  /**
   * True when the controller may act for `key`: no expectations recorded (a new controller or key), every
   * expected create and delete was observed, or the expectations expired.
   */
  satisfiedExpectations(key: string): boolean {
    const e = this.#store.get(key);
    if (e === undefined) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    return this.#clock.now() - e.timestampMs > this.#timeoutMs;
  }

  /** Replaces the expectations of `key`. */
  setExpectations(key: string, add: number, del: number): void {
    this.#store.set(key, { add, del, timestampMs: this.#clock.now() });
  }

  expectCreations(key: string, adds: number): void {
    this.setExpectations(key, adds, 0);
  }

  expectDeletions(key: string, dels: number): void {
    this.setExpectations(key, 0, dels);
  }

  /** Lowers the outstanding counts (an observation, or an action that failed and will never be observed). */
  lowerExpectations(key: string, add: number, del: number): void {
    const e = this.#store.get(key);
    if (e === undefined) return;
    e.add -= add;
    e.del -= del;
  }

  creationObserved(key: string): void {
    this.lowerExpectations(key, 1, 0);
  }

  deletionObserved(key: string): void {
    this.lowerExpectations(key, 0, 1);
  }

  deleteExpectations(key: string): void {
    this.#store.delete(key);
  }
}

/**
 * Expectations that remember *which* pods are expected to go away, so that one deletion seen twice (an update
 * with a deletionTimestamp, then the DELETE event) lowers the count once.
 */
export class UIDTrackingControllerExpectations extends ControllerExpectations {
  /** controller key → pod keys whose deletion is expected and not yet observed. */
  readonly #uids = new Map<string, Set<string>>();

  /** Expects the deletion of exactly these pod keys (`ns/name`). */
  expectDeletionsOf(key: string, podKeys: readonly string[]): void {
    this.#uids.set(key, new Set(podKeys));
    this.expectDeletions(key, podKeys.length);
  }

  /** Records that `podKey` is gone (or going); counts only pods this controller expected to delete. */
  podDeletionObserved(key: string, podKey: string): void {
    const uids = this.#uids.get(key);
    if (uids?.delete(podKey)) this.deletionObserved(key);
  }

  /** Pod keys whose deletion is still expected (tests, logs). */
  expectedDeletions(key: string): readonly string[] {
    return [...(this.#uids.get(key) ?? [])];
  }

  override deleteExpectations(key: string): void {
    super.deleteExpectations(key);
    this.#uids.delete(key);
  }
}
