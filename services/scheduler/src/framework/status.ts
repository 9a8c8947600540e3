/**
 * The outcome of a plugin at one extension point (kube-scheduler framework `Status`). `undefined` means success,
 * as a nil *Status does in Kubernetes, so the hot filter path allocates nothing for a node that fits.
 */

/** Status codes; each comment says what the scheduler does with it. */
export const Code = {
  /** The plugin ran and the pod may go on (never stored: success is `undefined`). */
  Success: 0,
  /** An internal error (api failure, bug); the pod goes to the back-off queue. */
  Error: 1,
  /** The pod does not fit now; preemption of lower-priority pods might help. */
  Unschedulable: 2,
  /** The pod does not fit and removing pods would not change that (taints, affinity, cordon). */
  UnschedulableAndUnresolvable: 3,
} as const;
export type Code = (typeof Code)[keyof typeof Code];

/** A non-success status: the code, the reasons shown to users, and the plugin that returned it. */
export interface Status {
  readonly code: Code;
  /** Per-node reasons as kube-scheduler words them ("Insufficient cpu"); a node may have several. */
  readonly reasons: readonly string[];
  readonly plugin: string;
}

/**
 * A frozen status; plugins build their constant ones once at module load.
 *
 * @example
 * const UNSCHEDULABLE = newStatus(Code.UnschedulableAndUnresolvable, NAME, ErrReasonUnschedulable);
 */
export function newStatus(code: Code, plugin: string, ...reasons: string[]): Status {
  return Object.freeze({ code, plugin, reasons: Object.freeze(reasons) });
}

/** True for Unschedulable and UnschedulableAndUnresolvable (the pod goes to the unschedulable pool). */
export function isRejected(s: Status | undefined): boolean {
  return s !== undefined && (s.code === Code.Unschedulable || s.code === Code.UnschedulableAndUnresolvable);
}
