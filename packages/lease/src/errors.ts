/**
 * The lease package's expected failures (STYLE.md principle 14): Error subclasses with a stable `name` and
 * the underlying error as `cause`. Callers branch on `instanceof`, never on messages.
 */

/** A {@link LeaderElectorConfig} or store option breaks an invariant; thrown at construction. */
export class LeaseConfigError extends Error {
  override readonly name = 'LeaseConfigError';
  constructor(
    /** The offending option, e.g. `renewDeadlineMs`. */
    readonly option: string,
    message: string,
  ) {
    super(message);
  }
}

/** A stored lease value did not have the `<token> <identity>` shape: the key was written by someone else. */
export class LeaseValueError extends Error {
  override readonly name = 'LeaseValueError';
  constructor(
    readonly value: string,
    options?: ErrorOptions,
  ) {
    super(`malformed lease value ${JSON.stringify(value)}; expected "<token> <identity>"`, options);
  }
}

/**
 * The store (Redis) could not answer: disconnected, timed out, or failed. Transient: the elector retries
 * every `retryPeriodMs` and never treats it as "still leading".
 */
export class LeaseStoreError extends Error {
  override readonly name = 'LeaseStoreError';
  constructor(
    readonly operation: 'acquire' | 'renew' | 'release' | 'get',
    options?: ErrorOptions,
  ) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(`lease ${operation} failed${cause}`, options);
  }
}

/** An `events()` consumer fell more than its buffer behind; its iteration ends with this error. */
export class LeaseEventsOverflowError extends Error {
  override readonly name = 'LeaseEventsOverflowError';
  constructor(readonly bufferSize: number) {
    super(`lease event consumer fell ${bufferSize} events behind`);
  }
}

/** The reason an elector's term AbortSignal carries: this replica's leadership of that term is over. */
export class LeadershipEndedError extends Error {
  override readonly name = 'LeadershipEndedError';
  constructor(
    readonly token: number,
    readonly reason: string,
  ) {
    super(`leadership of term ${token} ended: ${reason}`);
  }
}
