/**
 * The Status bodies the HTTP front itself answers with (routing, bodies, authentication, throttling), built
 * with @kubelab/api-types' apimachinery-worded errors so kubectl prints them as it would for kube-apiserver.
 * The pipeline's own errors (NotFound for an object, Conflict, Invalid, …) arrive ready-made in ApiResponse
 * bodies.
 */
import {
  type Status,
  badRequest,
  internal,
  methodNotSupported,
  notFoundPath,
  requestEntityTooLarge,
  serviceUnavailable,
  tooManyRequests,
  unauthorized,
  unsupportedMediaType,
} from '@kubelab/api-types';

export type HttpStatus = Status;

/** The request body limit Kubernetes applies (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** Media types a create/update body may have. */
export const OBJECT_MEDIA_TYPES = [
  'application/json',
  'application/yaml',
  'application/vnd.kubernetes.protobuf',
];
/** Media types a PATCH body may have. */
export const PATCH_MEDIA_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/apply-patch+yaml',
  'application/strategic-merge-patch+json',
];

export const httpErrors = {
  /** An unknown path, group, version, resource or subresource. */
  notFoundPath: (): Status => notFoundPath().status,
  /** A verb the resource (or subresource) does not take. */
  methodNotSupported: (plural: string, group: string, action: string): Status =>
    methodNotSupported(plural, group, action).status,
  badRequest: (message: string): Status => badRequest(message).status,
  unauthorized: (): Status => unauthorized().status,
  tooManyRequests: (retryAfterSeconds: number): Status =>
    tooManyRequests('Too many requests, please try again later.', retryAfterSeconds).status,
  entityTooLarge: (limitBytes: number): Status => requestEntityTooLarge(`limit is ${limitBytes}`).status,
  /** 415 for a body in a format this endpoint does not take. */
  unsupportedMediaType: (accepted: readonly string[]): Status => unsupportedMediaType(accepted).status,
  /** 415 with a custom message (protobuf without a decoder). */
  unsupportedMediaTypeMessage: (message: string): Status => ({
    ...unsupportedMediaType([]).status,
    message,
  }),
  internal: (message: string): Status => internal(message).status,
  serviceUnavailable: (message: string): Status => serviceUnavailable(message).status,
};

/** Whether a value looks like a Status (a handler may answer errors with one). */
export function isStatus(body: unknown): body is Status {
  return typeof body === 'object' && body !== null && (body as { kind?: unknown }).kind === 'Status';
}
