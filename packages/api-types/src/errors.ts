/**
 * Kubernetes Status errors (`k8s.io/apimachinery/pkg/api/errors`): an {@link ApiError} carries the exact
 * `Status` body the api server answers with, and the constructors build the messages kubectl prints
 * (`Error from server (NotFound): deployments.apps "nope" not found`). The predicates work both on an
 * ApiError and on Status JSON a client received.
 */
import { qualifiedKind, qualifiedResource } from './resources.js';
import type { Status, StatusCause, StatusDetails, StatusReason } from './types/meta.js';
import { type Cause, aggregateCauses } from './validation/field.js';

/** Kubernetes' optimistic-lock message (`OptimisticLockErrorMsg`). */
export const OPTIMISTIC_LOCK_ERROR_MSG =
  'the object has been modified; please apply your changes to the latest version and try again';

/** An expected API failure: throw it from handlers, answer with `status.code` and `status` as the body. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: Status;

  constructor(status: Status, options?: { cause?: unknown }) {
    super(status.message ?? status.reason ?? 'unknown', options);
    this.status = status;
  }

  /** The HTTP status code. */
  get code(): number {
    return this.status.code;
  }

  /** The machine-readable reason (`NotFound`, `Conflict`, …). */
  get reason(): string {
    return this.status.reason ?? '';
  }
}

function failure(code: number, reason: StatusReason, message: string, details?: StatusDetails): ApiError {
  const status: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  };
  if (details !== undefined) {
    // Keep Kubernetes' key order: status, message, reason, details, code.
    const { code: c, ...rest } = status;
    return new ApiError({ ...rest, details, code: c });
  }
  return new ApiError(status);
}

function resourceDetails(resource: string, group: string, name: string): StatusDetails {
  const d: StatusDetails = {};
  if (name !== '') d.name = name;
  if (group !== '') d.group = group;
  d.kind = resource;
  return d;
}

/**
 * 404 NotFound: `deployments.apps "nope" not found` (core: `pods "nope" not found`).
 *
 * @example
 * notFound('deployments', 'apps', 'nope').message; // 'deployments.apps "nope" not found'
 */
export function notFound(resource: string, group: string, name: string): ApiError {
  return failure(
    404,
    'NotFound',
    `${qualifiedResource(resource, group)} "${name}" not found`,
    resourceDetails(resource, group, name),
  );
}

/** 404 for a path no resource serves: `the server could not find the requested resource`. */
export function notFoundPath(): ApiError {
  return failure(404, 'NotFound', 'the server could not find the requested resource', {});
}

/** 409 AlreadyExists: `pods "nginx" already exists`. */
export function alreadyExists(resource: string, group: string, name: string): ApiError {
  return failure(
    409,
    'AlreadyExists',
    `${qualifiedResource(resource, group)} "${name}" already exists`,
    resourceDetails(resource, group, name),
  );
}

/**
 * 409 Conflict: `Operation cannot be fulfilled on deployments.apps "nginx": <detail>`; the detail defaults to
 * the optimistic-lock message.
 */
export function conflict(
  resource: string,
  group: string,
  name: string,
  detail = OPTIMISTIC_LOCK_ERROR_MSG,
): ApiError {
  const target = qualifiedResource(resource, group);
  const message =
    name !== ''
      ? `Operation cannot be fulfilled on ${target} "${name}": ${detail}`
      : `Operation cannot be fulfilled on ${target}: ${detail}`;
  return failure(409, 'Conflict', message, resourceDetails(resource, group, name));
}

/**
 * 422 Invalid: `Deployment.apps "nginx" is invalid: <field>: <message>` (several causes: `[a, b]`), with the
 * causes in details.
 */
export function invalid(kind: string, group: string, name: string, causes: readonly Cause[]): ApiError {
  const agg = aggregateCauses(causes);
  const head = `${qualifiedKind(kind, group)} "${name}" is invalid`;
  const details: StatusDetails = {};
  if (name !== '') details.name = name;
  if (group !== '') details.group = group;
  details.kind = kind;
  details.causes = causes.map((c): StatusCause => ({ reason: c.reason, message: c.message, field: c.field }));
  return failure(422, 'Invalid', agg === '' ? head : `${head}: ${agg}`, details);
}

/** 400 BadRequest with the given message (bad selectors, undecodable bodies, strict-decoding failures). */
export function badRequest(message: string): ApiError {
  return failure(400, 'BadRequest', message);
}

/** 401 Unauthorized (`Unauthorized` unless a message is given). */
export function unauthorized(message = 'Unauthorized'): ApiError {
  return failure(401, 'Unauthorized', message);
}

/**
 * 403 Forbidden: `pods "x" is forbidden: <detail>`, `pods is forbidden: <detail>` without a name, or
 * `forbidden: <detail>` without a resource.
 */
export function forbidden(resource: string, group: string, name: string, detail: string): ApiError {
  let message: string;
  if (resource === '') message = `forbidden: ${detail}`;
  else if (name === '') message = `${qualifiedResource(resource, group)} is forbidden: ${detail}`;
  else message = `${qualifiedResource(resource, group)} "${name}" is forbidden: ${detail}`;
  return failure(403, 'Forbidden', message, resourceDetails(resource, group, name));
}

/** 429 TooManyRequests with a Retry-After hint in details. */
export function tooManyRequests(message: string, retryAfterSeconds: number): ApiError {
  const details: StatusDetails = {};
  if (retryAfterSeconds > 0) details.retryAfterSeconds = retryAfterSeconds;
  return failure(429, 'TooManyRequests', message, details);
}

/** 504 Timeout: `Timeout: <message>`. */
export function timeout(message: string, retryAfterSeconds = 0): ApiError {
  const details: StatusDetails = {};
  if (retryAfterSeconds > 0) details.retryAfterSeconds = retryAfterSeconds;
  return failure(504, 'Timeout', `Timeout: ${message}`, details);
}

/** 500 ServerTimeout: `The <op> operation against <resource> could not be completed at this time, please try again.` */
export function serverTimeout(
  resource: string,
  group: string,
  operation: string,
  retryAfterSeconds = 0,
): ApiError {
  const details: StatusDetails = { ...resourceDetails(resource, group, '') };
  if (retryAfterSeconds > 0) details.retryAfterSeconds = retryAfterSeconds;
  return failure(
    500,
    'ServerTimeout',
    `The ${operation} operation against ${qualifiedResource(resource, group)} could not be completed at this time, please try again.`,
    details,
  );
}

/** 410 Gone. */
export function gone(message: string): ApiError {
  return failure(410, 'Gone', message);
}

/** 410 Expired, what a watch from a compacted resourceVersion gets: `too old resource version: 5 (10)`. */
export function expired(message: string): ApiError {
  return failure(410, 'Expired', message);
}

/** The message Kubernetes uses for a watch from a compacted revision. */
export function tooOldResourceVersionMessage(requested: string | number, oldest: string | number): string {
  return `too old resource version: ${requested} (${oldest})`;
}

/** 405 MethodNotAllowed: `<action> is not supported on resources of kind "<resource>"`. */
export function methodNotSupported(resource: string, group: string, action: string): ApiError {
  return failure(
    405,
    'MethodNotAllowed',
    `${action} is not supported on resources of kind "${qualifiedResource(resource, group)}"`,
    resourceDetails(resource, group, ''),
  );
}

/** 415 UnsupportedMediaType: `the body of the request was in an unknown format - accepted media types include: …`. */
export function unsupportedMediaType(accepted: readonly string[]): ApiError {
  return failure(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );
}

/** 406 NotAcceptable: `only the following media types are accepted: …`. */
export function notAcceptable(accepted: readonly string[]): ApiError {
  return failure(406, 'NotAcceptable', `only the following media types are accepted: ${accepted.join(', ')}`);
}

/** 413 RequestEntityTooLarge: `Request entity too large: <message>`. */
export function requestEntityTooLarge(message: string): ApiError {
  return failure(413, 'RequestEntityTooLarge', `Request entity too large: ${message}`);
}

/** 500 InternalError: `Internal error occurred: <message>`, with the message as the only cause. */
export function internal(message: string, cause?: unknown): ApiError {
  const err = failure(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
  return cause === undefined ? err : new ApiError(err.status, { cause });
}

/** 503 ServiceUnavailable. */
export function serviceUnavailable(message: string): ApiError {
  return failure(503, 'ServiceUnavailable', message);
}

/** A 200 Success Status (returned e.g. by DELETE of a collection or by exec). */
export function successStatus(details?: StatusDetails): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 };
  return details === undefined
    ? s
    : { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details, code: 200 };
}

const KNOWN_REASONS = new Set<string>([
  'Unauthorized',
  'Forbidden',
  'NotFound',
  'AlreadyExists',
  'Conflict',
  'Gone',
  'Invalid',
  'ServerTimeout',
  'StoreReadError',
  'Timeout',
  'TooManyRequests',
  'BadRequest',
  'MethodNotAllowed',
  'NotAcceptable',
  'RequestEntityTooLarge',
  'UnsupportedMediaType',
  'InternalError',
  'Expired',
  'ServiceUnavailable',
]);

function reasonAndCode(err: unknown): { reason: string; code: number } | undefined {
  const s = err instanceof ApiError ? err.status : err;
  if (s === null || typeof s !== 'object') return undefined;
  const o = s as Record<string, unknown>;
  const inner = o.status !== null && typeof o.status === 'object' ? (o.status as Record<string, unknown>) : o;
  return {
    reason: typeof inner.reason === 'string' ? inner.reason : '',
    code: typeof inner.code === 'number' ? inner.code : 0,
  };
}

function has(err: unknown, reason: string, code: number): boolean {
  const rc = reasonAndCode(err);
  if (rc === undefined) return false;
  if (rc.reason === reason) return true;
  return !KNOWN_REASONS.has(rc.reason) && rc.code === code;
}

/** Whether an ApiError or Status JSON is a NotFound (by reason, or by code 404 when the reason is unknown). */
export function isNotFound(err: unknown): boolean {
  return has(err, 'NotFound', 404);
}

/** Whether an ApiError or Status JSON is a Conflict (409 with reason Conflict). */
export function isConflict(err: unknown): boolean {
  return has(err, 'Conflict', 409);
}

/** Whether an ApiError or Status JSON is an AlreadyExists. */
export function isAlreadyExists(err: unknown): boolean {
  const rc = reasonAndCode(err);
  return rc?.reason === 'AlreadyExists';
}

/** Whether an ApiError or Status JSON is an Invalid (422). */
export function isInvalid(err: unknown): boolean {
  return has(err, 'Invalid', 422);
}

/** Whether an ApiError or Status JSON is a Gone or Expired (410). */
export function isResourceExpired(err: unknown): boolean {
  const rc = reasonAndCode(err);
  return (
    rc?.reason === 'Expired' ||
    rc?.reason === 'Gone' ||
    (rc !== undefined && !KNOWN_REASONS.has(rc.reason) && rc.code === 410)
  );
}

/** Whether an ApiError or Status JSON is a TooManyRequests (429). */
export function isTooManyRequests(err: unknown): boolean {
  return has(err, 'TooManyRequests', 429);
}

/** Whether a value is a Status object (kind `Status`). */
export function isStatus(value: unknown): value is Status {
  return value !== null && typeof value === 'object' && (value as Record<string, unknown>).kind === 'Status';
}

/** Wraps received Status JSON in an ApiError (for clients). */
export function fromStatus(status: Status): ApiError {
  return new ApiError(status);
}
