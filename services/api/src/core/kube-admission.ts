/**
 * The production {@link Admission}: Kubernetes' defaults, validation and selectors from `@kubelab/api-types`,
 * with their errors turned into 400 Status responses.
 */
import {
  type KubeObject,
  applyDefaults,
  compileFieldSelector,
  labelSelectorMatches,
  parseLabelSelector,
  validateCreate,
  validateUpdate,
} from '@kubelab/api-types';
import type { StoredObject } from '../store/types.js';
import type { Admission } from './admission.js';
import { errors } from './status.js';

const asKube = (o: StoredObject) => o as unknown as KubeObject;

export function kubeAdmission(): Admission {
  return {
    defaults: (info, o) => applyDefaults(info.kind, asKube(o), o.apiVersion) as unknown as StoredObject,
    validateCreate: (info, o) => validateCreate(info.kind, asKube(o)),
    validateUpdate: (info, o, old) => validateUpdate(info.kind, asKube(o), asKube(old)),
    labelSelector: (selector) => {
      try {
        const m = parseLabelSelector(selector);
        return (o) => labelSelectorMatches(m, o.metadata.labels ?? {});
      } catch (err) {
        throw errors.badRequest(err instanceof Error ? err.message : String(err));
      }
    },
    fieldSelector: (info, selector) => {
      try {
        return compileFieldSelector(info.kind, selector);
      } catch (err) {
        throw errors.badRequest(err instanceof Error ? err.message : String(err));
      }
    },
  };
}
