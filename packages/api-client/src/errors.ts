/**
 * The client's expected failures (STYLE.md principle 14), in three kinds:
 * - {@link ApiError}: the api answered with an error Status (404, 409, 410, 422, …). Branch with the
 *   predicates (`isNotFound(err)`), never by parsing messages.
 * - {@link ApiUnavailableError}: no api replica answered in time, none is serving, or the replica was
 *   overloaded. Reads retry it inside the client (bounded); writes surface it, because a timed-out write may
 *   or may not have happened and only the caller knows whether repeating it is safe.
 * - {@link WatchLostError}: a watch stream went silent (no frame for 3 × heartbeat), skipped frames, or broke
 *   the protocol; the reflector re-watches from the last resourceVersion it saw.
 */
import { BusNoRespondersError, BusRemoteError, BusTimeoutError, ErrorCode } from '@kubelab/bus';
import { type Status, isStatus } from './types.js';

/** The reason Kubernetes pairs with each error code when the body is not a Status. */
const REASON_BY_CODE: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** A Failure Status with `code` and `message`, for answers whose body is not a Status. */
export function failureStatus(code: number, message: string, reason?: string): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: reason ?? REASON_BY_CODE[code] ?? '',
    code,
  };
}

/**
 * The api refused the request; `status` is its answer exactly as sent.
 *
 * @example
 * try {
 *   await client.update(resources.pods, pod);
 * } catch (err) {
 *   if (isConflict(err)) return queue.addRateLimited(key); // re-read from the cache and try again
 *   throw err;
 * }
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: Status;

  constructor(status: Status, options?: ErrorOptions) {
    super(status.message ?? `api error ${status.code} ${status.reason ?? ''}`.trim(), options);
    this.status = status;
  }

  get code(): number {
    return this.status.code;
  }

  get reason(): string {
    return this.status.reason ?? '';
  }

  get details(): Status['details'] {
    return this.status.details;
  }
}

/** Why the api could not be reached. */
export type UnavailableCause = 'timeout' | 'no-responders' | 'overloaded';

/**
 * No api replica answered: nobody serves the endpoint, the request timed out, or the replica refused it for
 * overload. For a write, the outcome is unknown after a `timeout` (it may have been applied).
 */
export class ApiUnavailableError extends Error {
  override readonly name = 'ApiUnavailableError';
  constructor(
    readonly why: UnavailableCause,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Why a watch stream was given up. */
export type WatchLostReason = 'heartbeat-timeout' | 'gap' | 'closed' | 'protocol';

/**
 * A watch stream is gone without a proper END or ERROR: re-watch from the last resourceVersion seen (every
 * event up to it was delivered in order; nothing after it was).
 */
export class WatchLostError extends Error {
  override readonly name = 'WatchLostError';
  constructor(
    readonly reason: WatchLostReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The Status of an ApiError, or undefined for anything else. */
export function statusOf(err: unknown): Status | undefined {
  return err instanceof ApiError ? err.status : undefined;
}

const hasReasonOrCode = (err: unknown, reason: string, code: number): boolean => {
  const s = statusOf(err);
  if (s === undefined) return false;
  return s.reason === reason || ((s.reason === undefined || s.reason === '') && s.code === code);
};

/** 404 NotFound. */
export const isNotFound = (err: unknown): boolean => hasReasonOrCode(err, 'NotFound', 404);
/** 409 Conflict (a stale resourceVersion or fencing token). AlreadyExists is also a 409 but not a Conflict. */
export const isConflict = (err: unknown): boolean => hasReasonOrCode(err, 'Conflict', 409);
/** 409 AlreadyExists. */
export const isAlreadyExists = (err: unknown): boolean => statusOf(err)?.reason === 'AlreadyExists';
/** 410: Gone or Expired (the resourceVersion or continue token is too old; relist). */
export const isGone = (err: unknown): boolean => {
  const s = statusOf(err);
  return s !== undefined && (s.code === 410 || s.reason === 'Gone' || s.reason === 'Expired');
};
/** 410 Expired, the reason watches and continue tokens fail with. */
export const isResourceExpired = (err: unknown): boolean => statusOf(err)?.reason === 'Expired';
/** 403 Forbidden. */
export const isForbidden = (err: unknown): boolean => hasReasonOrCode(err, 'Forbidden', 403);
/** The server gave up: 504 Timeout or 500 ServerTimeout. */
export const isTimeout = (err: unknown): boolean => {
  const s = statusOf(err);
  return s !== undefined && (s.reason === 'Timeout' || s.reason === 'ServerTimeout' || s.code === 504);
};
/** 422 Invalid; `details.causes` lists the fields. */
export const isInvalid = (err: unknown): boolean => hasReasonOrCode(err, 'Invalid', 422);
/** 429 TooManyRequests. */
export const isTooManyRequests = (err: unknown): boolean => hasReasonOrCode(err, 'TooManyRequests', 429);
/** The api could not be reached (see {@link ApiUnavailableError}). */
export const isUnavailable = (err: unknown): boolean => err instanceof ApiUnavailableError;

/**
 * Maps a bus failure to the client's errors: timeouts, no responders and overload become
 * ApiUnavailableError; a failed handler (`Internal`) or a request the replica could not decode become an
 * ApiError 500 / 400. Anything else (BusClosedError: this process is shutting down; BusDecodeError: a protocol
 * bug) is returned unchanged.
 */
export function fromBusError(err: unknown): unknown {
  if (err instanceof BusTimeoutError) return new ApiUnavailableError('timeout', err.message, { cause: err });
  if (err instanceof BusNoRespondersError) {
    return new ApiUnavailableError('no-responders', err.message, { cause: err });
  }
  if (err instanceof BusRemoteError) {
    if (err.code === ErrorCode.Unavailable) {
      return new ApiUnavailableError('overloaded', err.message, { cause: err });
    }
    const code = err.code === ErrorCode.BadRequest ? 400 : 500;
    return new ApiError(failureStatus(code, err.message), { cause: err });
  }
  return err;
}

/** The ApiError for a non-2xx response; the body is used as the Status when it is one. */
export function errorFromResponse(code: number, body: unknown): ApiError {
  if (isStatus(body)) return new ApiError(body);
  return new ApiError(failureStatus(code, `the server answered ${code}`));
}
