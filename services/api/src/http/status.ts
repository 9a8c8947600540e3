/**
 * The Status bodies the HTTP front itself answers with (routing, bodies, authentication, throttling), in
 * apimachinery's wording so kubectl prints them as it would for kube-apiserver. The pipeline's own errors
 * (NotFound for an object, Conflict, Invalid, …) arrive ready-made in ApiResponse bodies.
 */
import { qualifiedResource } from '@kubelab/api-types';

export interface HttpStatus {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure';
  readonly message: string;
  readonly reason: string;
  readonly details?: { group?: string; kind?: string; retryAfterSeconds?: number };
  readonly code: number;
}

function failure(code: number, reason: string, message: string, details?: HttpStatus['details']): HttpStatus {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

/** The request body limit Kubernetes applies (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export const httpErrors = {
  /** An unknown path, group, version, resource or subresource. */
  notFoundPath: () => failure(404, 'NotFound', 'the server could not find the requested resource'),
  /** A verb the resource (or subresource) does not take. */
  methodNotSupported: (plural: string, group: string, action: string) =>
    failure(
      405,
      'MethodNotAllowed',
      `${action} is not supported on resources of kind "${qualifiedResource(plural, group)}"`,
      { group, kind: plural },
    ),
  badRequest: (message: string) => failure(400, 'BadRequest', message),
  unauthorized: () => failure(401, 'Unauthorized', 'Unauthorized'),
  tooManyRequests: (retryAfterSeconds: number) =>
    failure(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds }),
  entityTooLarge: (limitBytes: number) =>
    failure(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limitBytes}`),
  unsupportedMediaType: (message: string) => failure(415, 'UnsupportedMediaType', message),
  internal: (message: string) => failure(500, 'InternalError', `Internal error occurred: ${message}`),
};

/** Whether a value looks like a Status (a handler may answer errors with one). */
export function isStatus(body: unknown): body is { kind: 'Status'; code?: number } {
  return typeof body === 'object' && body !== null && (body as { kind?: unknown }).kind === 'Status';
}
