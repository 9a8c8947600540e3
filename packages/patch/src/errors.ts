/**
 * The patch engines' expected failures (STYLE.md principle 14). Each carries the HTTP code and Status reason
 * the Kubernetes API server uses for the same failure, and renders the exact `Status` body with
 * {@link PatchError.toStatus}, so the api server maps them without string matching.
 */

/** The `meta.k8s.io/v1` Status body Kubernetes sends for a failed request (the subset patch errors use). */
export interface PatchStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: PatchErrorReason | 'UnsupportedMediaType';
  details?: Record<string, never>;
  code: number;
}

/** The Status reasons a {@link PatchError} can carry. */
export type PatchErrorReason = 'BadRequest' | 'Invalid' | 'RequestEntityTooLarge' | 'NotFound';

const codeByReason: Readonly<Record<PatchErrorReason, number>> = {
  BadRequest: 400,
  NotFound: 404,
  RequestEntityTooLarge: 413,
  Invalid: 422,
};

/**
 * The fixed message of the 422 Kubernetes returns when a JSON patch cannot be applied (apiserver answers with
 * `NewGenericServerResponse(422, ...)`, which drops the detail): kubectl prints it as
 * `The request is invalid: the server rejected our request due to an error in our request`.
 */
export const INVALID_PATCH_MESSAGE = 'the server rejected our request due to an error in our request';

/**
 * A patch that cannot be decoded or applied. `reason` decides the HTTP status: `BadRequest` (400) for a
 * malformed body or directive, `Invalid` (422) for a well-formed patch that does not apply to the object
 * (JSON patch on a missing path, failed `test`, lists of lists), `RequestEntityTooLarge` (413), `NotFound`.
 * `detail` always holds the engine's own explanation, e.g.
 * `replace operation does not apply: doc is missing path: /metadata/annotations`.
 */
export class PatchError extends Error {
  override readonly name = 'PatchError';
  /** The HTTP status code the server should answer with. */
  readonly code: number;

  constructor(
    readonly reason: PatchErrorReason,
    /** The engine's explanation; also the Status message unless the reason has a fixed one. */
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(detail, options);
    this.code = codeByReason[reason];
  }

  /**
   * The Status body Kubernetes would send. For `Invalid` the message is the fixed generic one (Kubernetes
   * does not expose the detail); for `RequestEntityTooLarge` it is prefixed like `NewRequestEntityTooLargeError`.
   */
  toStatus(): PatchStatus {
    const base = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure' } as const;
    switch (this.reason) {
      case 'Invalid':
        return { ...base, message: INVALID_PATCH_MESSAGE, reason: 'Invalid', details: {}, code: this.code };
      case 'RequestEntityTooLarge':
        return {
          ...base,
          message: `Request entity too large: ${this.detail}`,
          reason: this.reason,
          code: this.code,
        };
      default:
        return { ...base, message: this.detail, reason: this.reason, code: this.code };
    }
  }
}

/** The request's Content-Type is not a patch type the server accepts for this kind (HTTP 415). */
export class UnsupportedPatchTypeError extends Error {
  override readonly name = 'UnsupportedPatchTypeError';
  readonly code = 415;

  constructor(
    /** The Content-Type as received (may be empty). */
    readonly contentType: string,
    /** The patch media types accepted for the target kind, in Kubernetes' order. */
    readonly accepted: readonly string[],
  ) {
    super(
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    );
  }

  /** The Status body Kubernetes sends (`negotiation.NewUnsupportedMediaTypeError`). */
  toStatus(): PatchStatus {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: 'UnsupportedMediaType',
      code: this.code,
    };
  }
}

/** A 400 BadRequest {@link PatchError}. */
export function badRequest(detail: string, options?: ErrorOptions): PatchError {
  return new PatchError('BadRequest', detail, options);
}

/** A 422 Invalid {@link PatchError}. */
export function invalid(detail: string, options?: ErrorOptions): PatchError {
  return new PatchError('Invalid', detail, options);
}
