/**
 * Kubernetes Status responses for the pipeline's outcomes. An {@link ApiError} carries a Status; the fronts
 * render it (HTTP code = status.code). Messages follow apimachinery's errors.go so kubectl prints them as it
 * would for kube-apiserver.
 */
import { type ResourceInfo, qualifiedResource } from '@kubelab/api-types';
import type { FailureReason } from '../store/types.js';

export interface StatusCause {
  readonly reason: string;
  readonly message: string;
  readonly field?: string;
}

export interface Status {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure' | 'Success';
  readonly message?: string;
  readonly reason?: string;
  readonly details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: readonly StatusCause[];
    retryAfterSeconds?: number;
  };
  readonly code: number;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(readonly status: Status) {
    super(status.message ?? status.reason ?? 'api error');
  }
}

function failure(code: number, reason: string, message: string, details?: Status['details']): ApiError {
  return new ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  });
}

export function successStatus(details?: Status['details']): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    ...(details ? { details } : {}),
    code: 200,
  };
}

type Res = Pick<ResourceInfo, 'plural' | 'group'>;
const detailsOf = (info: Res, name: string) => ({ name, group: info.group, kind: info.plural });

export const errors = {
  notFound: (info: Res, name: string) =>
    failure(
      404,
      'NotFound',
      `${qualifiedResource(info.plural, info.group)} "${name}" not found`,
      detailsOf(info, name),
    ),
  alreadyExists: (info: Res, name: string) =>
    failure(
      409,
      'AlreadyExists',
      `${qualifiedResource(info.plural, info.group)} "${name}" already exists`,
      detailsOf(info, name),
    ),
  conflict: (info: Res, name: string, detail: string) =>
    failure(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualifiedResource(info.plural, info.group)} "${name}": ${detail}`,
      detailsOf(info, name),
    ),
  invalid: (info: Pick<ResourceInfo, 'kind' | 'group'>, name: string, causes: readonly StatusCause[]) => {
    const qualified = info.group ? `${info.kind}.${info.group}` : info.kind;
    const parts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
    const summary = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
    return failure(422, 'Invalid', `${qualified} "${name}" is invalid: ${summary}`, {
      name,
      group: info.group,
      kind: info.kind,
      causes,
    });
  },
  badRequest: (message: string) => failure(400, 'BadRequest', message),
  forbidden: (info: Res, name: string, why: string) =>
    failure(
      403,
      'Forbidden',
      `${qualifiedResource(info.plural, info.group)} "${name}" is forbidden: ${why}`,
      detailsOf(info, name),
    ),
  methodNotSupported: (info: Res, action: string) =>
    failure(
      405,
      'MethodNotAllowed',
      `${action} is not supported on resources of kind "${qualifiedResource(info.plural, info.group)}"`,
      {
        group: info.group,
        kind: info.plural,
      },
    ),
  notFoundPath: () => failure(404, 'NotFound', 'the server could not find the requested resource'),
  expired: (message: string) => failure(410, 'Expired', message),
  timeout: (message: string) => failure(504, 'Timeout', message),
  tooManyRequests: (retryAfterSeconds: number) =>
    failure(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds }),
  internal: (message: string) => failure(500, 'InternalError', `Internal error occurred: ${message}`),
};

/** The Status for a store command that failed. */
export function storeFailure(
  reason: FailureReason,
  message: string,
  info: ResourceInfo,
  name: string,
): ApiError {
  switch (reason) {
    case 'AlreadyExists':
      return errors.alreadyExists(info, name);
    case 'NotFound':
      return /^namespaces "/.test(message)
        ? failure(404, 'NotFound', message, { name: message.split('"')[1] ?? '', kind: 'namespaces' })
        : errors.notFound(info, name);
    case 'Conflict':
      return errors.conflict(info, name, message);
    case 'Forbidden':
      return errors.forbidden(info, name, message);
    case 'NamespaceTerminating':
      return failure(
        403,
        'Forbidden',
        `${qualifiedResource(info.plural, info.group)} "${name}" is forbidden: unable to create new content in namespace ${message.split(' ')[1] ?? ''} because it is being terminated`,
        {
          ...detailsOf(info, name),
          causes: [{ reason: 'NamespaceTerminating', message, field: 'metadata.namespace' }],
        },
      );
    default: {
      const never: never = reason;
      return errors.internal(String(never));
    }
  }
}
