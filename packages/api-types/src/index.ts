/**
 * @kubelab/api-types: the pure Kubernetes API model kubelab's api server and controllers share — resource
 * registry and discovery, object types, admission defaults, validation, selectors, Status errors,
 * quantities, allocators and name helpers. No I/O, no clocks, no global randomness.
 */
export type * from './types/index.js';
export * from './resources.js';
export * from './discovery.js';
export * from './errors.js';
export * from './selectors.js';
export * from './field-selectors.js';
export * from './quantity.js';
export * from './names.js';
export * from './usage.js';
export * from './allocators.js';
export * from './conversion.js';
export * from './scale.js';
export * from './strategy.js';
export * from './defaults/index.js';
export * from './validation/index.js';
export {
  GoRepr,
  aggregateCauses,
  causeToString,
  deepEqual,
  duplicate as duplicateCause,
  forbidden as forbiddenCause,
  formatBadValue,
  goQuote,
  goStringMap,
  goStringSlice,
  invalid as invalidCause,
  notFound as notFoundCause,
  notSupported as notSupportedCause,
  required as requiredCause,
  tooLong as tooLongCause,
} from './validation/field.js';
export {
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidIP,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
} from './validation/names.js';
export {
  goLabelSelector,
  validateLabelSelector,
  validateLabels,
  validateObjectMeta,
} from './validation/meta.js';
