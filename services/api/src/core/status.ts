/**
 * Status errors for the pipeline: `@kubelab/api-types`' constructors (Kubernetes' messages byte for byte),
 * adapted to take a resource's registry entry, plus the mapping of failed store commands.
 */
import * as k8s from '@kubelab/api-types';
import { ApiError, type ResourceInfo, type Status } from '@kubelab/api-types';
import type { FailureReason } from '../store/types.js';

export { ApiError, type Status };
export type StatusCause = k8s.Cause;

type Res = Pick<ResourceInfo, 'plural' | 'group'>;

export const errors = {
  notFound: (info: Res, name: string) => k8s.notFound(info.plural, info.group, name),
  alreadyExists: (info: Res, name: string) => k8s.alreadyExists(info.plural, info.group, name),
  conflict: (info: Res, name: string, detail?: string) => k8s.conflict(info.plural, info.group, name, detail),
  invalid: (info: Pick<ResourceInfo, 'kind' | 'group'>, name: string, causes: readonly StatusCause[]) =>
    k8s.invalid(info.kind, info.group, name, causes),
  badRequest: (message: string) => k8s.badRequest(message),
  forbidden: (info: Res, name: string, why: string) => k8s.forbidden(info.plural, info.group, name, why),
  methodNotSupported: (info: Res, action: string) => k8s.methodNotSupported(info.plural, info.group, action),
  notFoundPath: () => k8s.notFoundPath(),
  expired: (message: string) => k8s.expired(message),
  timeout: (message: string) => k8s.timeout(message),
  internal: (message: string) => k8s.internal(message),
};

export const successStatus = k8s.successStatus;

/** The Status for a store command that failed. */
export function storeFailure(
  reason: FailureReason,
  message: string,
  info: ResourceInfo,
  name: string,
  causes: readonly StatusCause[] = [],
): ApiError {
  switch (reason) {
    case 'Invalid':
      return errors.invalid(info, name, causes);
    case 'AlreadyExists':
      return errors.alreadyExists(info, name);
    case 'NotFound': {
      // A create into a missing namespace reports the namespace, as Kubernetes does.
      const ns = /^namespaces "([^"]*)" not found$/.exec(message);
      return ns ? k8s.notFound('namespaces', '', ns[1] ?? '') : errors.notFound(info, name);
    }
    case 'Conflict':
      return errors.conflict(info, name, message);
    case 'Forbidden':
      return errors.forbidden(info, name, message);
    case 'NamespaceTerminating':
      return errors.forbidden(
        info,
        name,
        `unable to create new content in namespace ${message.split(' ')[1] ?? ''} because it is being terminated`,
      );
    default: {
      const never: never = reason;
      return errors.internal(String(never));
    }
  }
}
