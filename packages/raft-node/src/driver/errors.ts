/**
 * Expected outcomes of the driver's asynchronous calls (STYLE.md principle 14: typed Error subclasses with a
 * `name`). Each says whether the command may still take effect, because that decides what a caller may do:
 * a definite failure can be retried freely; an indeterminate one only with an idempotent command (a request
 * id the state machine deduplicates).
 */

/** Base class: `indeterminate` is true when the proposal may still commit (or already did). */
export class DriverError extends Error {
  /** Whether the command may have taken (or may still take) effect despite the failure. */
  readonly indeterminate: boolean;
  constructor(message: string, indeterminate: boolean, options?: ErrorOptions) {
    super(message, options);
    this.indeterminate = indeterminate;
  }
}

/** This node is not the leader; `leader` is the one to ask instead (0: unknown, an election is going on). */
export class ErrNotLeader extends DriverError {
  override readonly name = 'ErrNotLeader';
  readonly leader: number;
  constructor(leader: number) {
    super(`raft: not the leader${leader === 0 ? ' (no leader known)' : ` (leader is ${leader})`}`, false);
    this.leader = leader;
  }
}

/** Too many proposals or reads are waiting already (a bounded queue is full): back off and retry. */
export class ErrBusy extends DriverError {
  override readonly name = 'ErrBusy';
  constructor(what: string, limit: number) {
    super(`raft: too many pending ${what} (limit ${limit})`, false);
  }
}

/**
 * The entry was replaced in the log by a later leader's entry (its index now holds another term), so it
 * will never commit.
 */
export class ErrProposalOverwritten extends DriverError {
  override readonly name = 'ErrProposalOverwritten';
  constructor(index: number, term: number) {
    super(`raft: proposal at index ${index} (term ${term}) was overwritten by a new leader`, false);
  }
}

/**
 * The outcome of the proposal could not be observed: it timed out, or a snapshot replaced the log where it
 * sat. It may or may not have committed.
 */
export class ErrProposalUnknown extends DriverError {
  override readonly name = 'ErrProposalUnknown';
  constructor(reason: string) {
    super(`raft: proposal outcome unknown: ${reason}`, true);
  }
}

/** A linearizable read got no read index in time (no leader, or leadership changed): retry. */
export class ErrReadTimeout extends DriverError {
  override readonly name = 'ErrReadTimeout';
  constructor(timeoutMs: number) {
    super(`raft: read index not confirmed within ${timeoutMs} ms`, false);
  }
}

/** The driver is stopping or stopped; pending proposals may still commit on another node or after restart. */
export class ErrDriverStopped extends DriverError {
  override readonly name = 'ErrDriverStopped';
  constructor(options?: ErrorOptions) {
    super('raft: driver stopped', true, options);
  }
}
