/**
 * The bus' expected failures (STYLE.md principle 14): every one is an Error subclass with a stable `name`, a
 * `subject` where one applies, and the underlying error as `cause`. Callers branch on `instanceof` (or on
 * `code` for {@link BusRemoteError}); they never parse messages.
 */

/**
 * Well-known error codes carried by the error envelope. Codes are open strings (a handler may pick any code
 * with {@link BusError}); these are the ones the bus itself produces or that services share.
 */
export const ErrorCode = {
  /** The handler failed with something other than a {@link BusError}: a bug or an unexpected I/O failure. */
  Internal: 'Internal',
  /** The request payload failed to decode or validate on the responder's side. */
  BadRequest: 'BadRequest',
  NotFound: 'NotFound',
  Conflict: 'Conflict',
  /** The responder is overloaded (too many in-flight requests) or shutting down; retry elsewhere or later. */
  Unavailable: 'Unavailable',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The error part of a failed reply, as it travels on the wire. */
export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

/**
 * Thrown by a request handler to choose the code the caller sees. Anything else a handler throws reaches the
 * caller as code `Internal`.
 *
 * @example
 * bus.serve(endpoints.getPod, {}, async ({ name }) => {
 *   const pod = cache.get(name);
 *   if (!pod) throw new BusError('NotFound', `pod ${name} not found`);
 *   return pod;
 * });
 */
export class BusError extends Error {
  override readonly name = 'BusError';
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** No reply arrived within `timeoutMs`: the responder is slow, stuck, or the connection is down. */
export class BusTimeoutError extends Error {
  override readonly name = 'BusTimeoutError';
  constructor(
    readonly subject: string,
    readonly timeoutMs: number,
    options?: ErrorOptions,
  ) {
    super(`request to ${subject} timed out after ${timeoutMs} ms`, options);
  }
}

/** NATS answered 503 at once: nobody subscribes to the subject. Fails fast instead of waiting for a timeout. */
export class BusNoRespondersError extends Error {
  override readonly name = 'BusNoRespondersError';
  constructor(
    readonly subject: string,
    options?: ErrorOptions,
  ) {
    super(`no responders for ${subject}`, options);
  }
}

/**
 * The responder answered with the error envelope: `code`, `message` and `details` are exactly the handler's
 * (so `message` does not repeat the subject; read `subject` for that).
 */
export class BusRemoteError extends Error {
  override readonly name = 'BusRemoteError';
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(
    readonly subject: string,
    body: ErrorBody,
    options?: ErrorOptions,
  ) {
    super(body.message, options);
    this.code = body.code;
    this.details = body.details;
  }
}

/** A payload (request, reply or event) failed to decode or validate; `cause` says why. */
export class BusDecodeError extends Error {
  override readonly name = 'BusDecodeError';
  constructor(
    readonly subject: string,
    readonly what: string,
    options?: ErrorOptions,
  ) {
    const why = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(`invalid ${what} on ${subject}${why}`, options);
  }
}

/** The bus is draining or closed: no new requests, publications or subscriptions. */
export class BusClosedError extends Error {
  override readonly name = 'BusClosedError';
  constructor(
    readonly subject: string,
    options?: ErrorOptions,
  ) {
    super(`bus is closed or draining (subject ${subject})`, options);
  }
}

/** All bus error classes in one object, like nats.js' `errors`. */
export const errors = {
  BusError,
  BusTimeoutError,
  BusNoRespondersError,
  BusRemoteError,
  BusDecodeError,
  BusClosedError,
} as const;

/** Turns whatever a handler threw into the wire error body (`Internal` unless it is a {@link BusError}). */
export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof BusError) {
    return err.details === undefined
      ? { code: err.code, message: err.message }
      : { code: err.code, message: err.message, details: err.details };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: ErrorCode.Internal, message };
}
