/**
 * The log the api's commands go through. In production it is a raft-node group (three api replicas);
 * {@link LocalLog} is a single-member log that commits at once, for unit tests and a one-replica dev server.
 */

/** Called for each committed entry, in log order, exactly once per replica. Empty data = no command. */
export type ApplyFn = (index: number, data: Uint8Array) => void;

export interface CommandLog {
  /**
   * Proposes `data`; resolves once the entry is committed and applied on this replica (the apply callback
   * has run for it). Rejects with {@link LogUnavailableError} when it cannot be committed now (no leader,
   * leadership lost): the entry may still commit later, so callers retry with the same command id.
   */
  propose(data: Uint8Array): Promise<void>;
  /** Resolves once this replica has applied every entry committed before the call (linearizable reads). */
  readBarrier(): Promise<void>;
  /** Index of the last applied entry. */
  appliedIndex(): number;
}

/** The log cannot take the proposal right now (no leader, lost leadership, stopping). Retry. */
export class LogUnavailableError extends Error {
  override readonly name = 'LogUnavailableError';
}

/** A one-member log: every proposal commits and applies synchronously. */
export class LocalLog implements CommandLog {
  private index = 0;
  private apply: ApplyFn | undefined;

  /** Connects the state machine; entries proposed before this are refused. */
  attach(apply: ApplyFn, startIndex = 0): void {
    this.apply = apply;
    this.index = startIndex;
  }

  async propose(data: Uint8Array): Promise<void> {
    if (!this.apply) throw new LogUnavailableError('no state machine attached');
    this.index++;
    this.apply(this.index, data);
  }

  async readBarrier(): Promise<void> {}

  appliedIndex(): number {
    return this.index;
  }
}
