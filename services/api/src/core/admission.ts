/**
 * What the pipeline needs from Kubernetes' type knowledge: defaults, validation and selector matching. The
 * implementation comes from `@kubelab/api-types`; tests may pass simpler ones.
 */
import type { ResourceInfo } from '@kubelab/api-types';
import type { StoredObject } from '../store/types.js';
import type { StatusCause } from './status.js';

export interface Admission {
  /** Kubernetes' SetDefaults for the kind; returns a new object. */
  defaults(info: ResourceInfo, o: StoredObject): StoredObject;
  validateCreate(info: ResourceInfo, o: StoredObject): readonly StatusCause[];
  validateUpdate(info: ResourceInfo, o: StoredObject, old: StoredObject): readonly StatusCause[];
  /** A predicate for `labelSelector`; throws ApiError (400) on a malformed selector. */
  labelSelector(selector: string): (o: StoredObject) => boolean;
  /** A predicate for `fieldSelector` on this resource; throws ApiError (400) on unsupported fields. */
  fieldSelector(info: ResourceInfo, selector: string): (o: StoredObject) => boolean;
}
