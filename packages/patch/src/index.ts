/**
 * @kubelab/patch: the patch engines the api server applies to PATCH requests. Pure: no I/O, no clock, inputs
 * never mutated.
 *
 * - {@link applyPatch}: the dispatcher on Content-Type (JSON patch, merge patch, strategic merge patch,
 *   simplified server-side apply);
 * - {@link applyJsonPatch} (RFC 6902), {@link applyMergePatch} (RFC 7386),
 *   {@link applyStrategicMergePatch} with the per-kind {@link schemaFor} schemas;
 * - {@link PatchError} (400/404/413/422) and {@link UnsupportedPatchTypeError} (415), each with `toStatus()`.
 */

export {
  type ApplyPatchOptions,
  PATCH_CONTENT_TYPES,
  type PatchContentType,
  type PatchTarget,
  applyPatch,
  decodeApplyConfiguration,
  parsePatchContentType,
} from './apply.js';
export {
  INVALID_PATCH_MESSAGE,
  PatchError,
  type PatchErrorReason,
  type PatchStatus,
  UnsupportedPatchTypeError,
} from './errors.js';
export {
  type JsonPatchOperation,
  MAX_JSON_PATCH_OPERATIONS,
  applyJsonPatch,
  parsePointer,
} from './json-patch.js';
export { type JsonObject, type JsonValue, isJsonObject, jsonEqual } from './json.js';
export { applyMergePatch } from './merge-patch.js';
export { EMPTY_SCHEMA, KNOWN_KINDS, schemaFor } from './schema/kinds.js';
export {
  EMPTY_SCHEMA_NODE,
  type FieldPatchMeta,
  type KindSchema,
  type PatchStrategy,
  type SchemaNode,
  type SchemaTable,
  atomic,
  childSchema,
  compileSchema,
  lookupSchema,
  merge,
  mergeRetainKeys,
  nest,
  retainKeys,
} from './schema/schema.js';
export { applyStrategicMergePatch } from './strategic/merge.js';
