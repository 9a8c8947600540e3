/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), the semantics of apimachinery's
 * `strategicpatch.StrategicMergeMapPatch` as the API server runs it (parallel lists merged, unmatched nulls
 * ignored):
 *
 * - maps merge key by key, `null` deletes a key;
 * - lists follow the schema: `merge` lists merge by merge key (or as sets of primitives), others are replaced;
 * - directives: `$patch` (`replace`/`delete` in a map, `replace`/`delete` items in a list), `$retainKeys`,
 *   `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`; unknown `$` keys are refused.
 *
 * Deliberate differences, all towards "no directive ever reaches the stored object": a patch value with no
 * counterpart in the live object is merged into an empty value (so its directives are applied and its nulls
 * dropped) instead of being stored as sent; `$deleteFromPrimitiveList` on a missing list is a no-op (some
 * apimachinery versions store the deletion list); `{"$patch":"merge"}` in a map is accepted as "merge as
 * usual" (apimachinery refuses it); format errors apimachinery reports as 500 are 400 here.
 */

import { badRequest, invalid } from '../errors.js';
import {
  type JsonObject,
  type JsonValue,
  cloneJson,
  deleteOwn,
  getOwn,
  hasOwn,
  isJsonObject,
  kindOf,
  preview,
  setOwn,
} from '../json.js';
import type { KindSchema, SchemaNode } from '../schema/schema.js';
import { childSchema } from '../schema/schema.js';
import {
  DELETE_FROM_PRIMITIVE_LIST_PREFIX,
  PATCH_DIRECTIVE,
  RETAIN_KEYS_DIRECTIVE,
  SET_ELEMENT_ORDER_PREFIX,
  badPatchType,
  checkDirectiveKeys,
  extractListKey,
  isParallelListKey,
} from './directives.js';
import { mergeList } from './list.js';
import { orderMergedList, validateSetElementOrder } from './order.js';

/**
 * Applies a strategic merge patch to a copy of `doc` under `schema` (from `schemaFor`, or a bare node).
 * Inputs are never mutated. Throws {@link PatchError}: `BadRequest` for a malformed patch or directive,
 * `Invalid` for lists of lists and `$retainKeys` violations.
 *
 * @example
 * applyStrategicMergePatch(deployment, {
 *   spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.9.1' }] } } },
 * }, schemaFor('apps', 'Deployment'));
 * // only the image of the container named nginx changes; other containers are kept
 */
export function applyStrategicMergePatch(
  doc: JsonObject,
  patch: JsonObject,
  schema: KindSchema | SchemaNode,
): JsonObject {
  if (!isJsonObject(doc)) throw badRequest('invalid JSON document');
  if (!isJsonObject(patch)) {
    throw badRequest(`json: cannot unmarshal ${kindOf(patch)} into Go value of type map[string]interface {}`);
  }
  const root = 'root' in schema ? schema.root : schema;
  return mergeMap(cloneJson(doc), cloneJson(patch), root);
}

/**
 * apimachinery `mergeMap`: merges `patch` into `original` (both owned by the caller, both mutated) and
 * returns the result, which may be a new object when the patch carries `$patch`.
 */
export function mergeMap(original: JsonObject, patch: JsonObject, schema: SchemaNode): JsonObject {
  if (hasOwn(patch, PATCH_DIRECTIVE)) {
    const directive = patch[PATCH_DIRECTIVE];
    delete patch[PATCH_DIRECTIVE];
    if (directive === 'delete') return {};
    if (directive === 'replace') return mergeMap({}, patch, schema);
    if (directive !== 'merge') throw badPatchType(directive, patch);
  }
  checkDirectiveKeys(patch);
  applyRetainKeys(original, patch);
  applySetElementOrder(original, patch, schema);
  applyDeleteFromPrimitiveLists(original, patch);
  for (const key of Object.keys(patch)) {
    mergeField(original, key, patch[key] as JsonValue, childSchema(schema, key));
  }
  return original;
}

/** Merges one member of the patch into `original`. */
function mergeField(original: JsonObject, key: string, value: JsonValue, node: SchemaNode): void {
  if (value === null) {
    deleteOwn(original, key);
    return;
  }
  const current = getOwn(original, key);
  if (current === undefined || kindOf(current) !== kindOf(value)) {
    setOwn(original, key, materialize(value, node));
    return;
  }
  if (isJsonObject(current) && isJsonObject(value)) {
    setOwn(
      original,
      key,
      node.strategy === 'replace' ? materialize(value, node) : mergeMap(current, value, node),
    );
  } else if (Array.isArray(current) && Array.isArray(value)) {
    setOwn(original, key, mergeList(current, value, node));
  } else {
    setOwn(original, key, value);
  }
}

/** A patch value with nothing to merge into: merged into an empty value so that its directives apply. */
function materialize(value: JsonValue, node: SchemaNode): JsonValue {
  if (isJsonObject(value)) return mergeMap({}, value, node);
  if (Array.isArray(value)) return mergeList([], value, node);
  return value;
}

/**
 * `$retainKeys: [...]`: every non-null patch member must be listed (422 otherwise), and members of the
 * original that are not listed are dropped, e.g. `rollingUpdate` when a Deployment switches to `Recreate`.
 */
function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!hasOwn(patch, RETAIN_KEYS_DIRECTIVE)) return;
  const list = patch[RETAIN_KEYS_DIRECTIVE];
  delete patch[RETAIN_KEYS_DIRECTIVE];
  if (!Array.isArray(list)) throw badRequest('invalid patch format of retainKeys');
  const retained = new Set(list.filter((key): key is string => typeof key === 'string'));
  for (const key of Object.keys(patch)) {
    if (patch[key] === null || isParallelListKey(key) || key === PATCH_DIRECTIVE) continue;
    if (!retained.has(key)) throw invalid("patch content doesn't match retainKeys list");
  }
  for (const key of Object.keys(original)) {
    if (!retained.has(key)) delete original[key];
  }
}

/** A list-valued member, or undefined when absent; throws when present but not a list. */
function listMember(obj: JsonObject, key: string): JsonValue[] | undefined {
  const value = getOwn(obj, key);
  if (value === undefined || Array.isArray(value)) return value;
  throw badRequest(`expected a list for ${JSON.stringify(key)}, but received ${preview(value)}`);
}

/**
 * apimachinery `mergePatchIntoOriginal`: for each `$setElementOrder/<list>`, merges that list now and orders
 * the result by the directive, then removes both from the patch.
 */
function applySetElementOrder(original: JsonObject, patch: JsonObject, schema: SchemaNode): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
    const order = patch[key];
    delete patch[key];
    const field = extractListKey(key, SET_ELEMENT_ORDER_PREFIX);
    if (!Array.isArray(order)) throw badRequest('invalid patch format of setElementOrder list');
    const node = childSchema(schema, field);
    const live = listMember(original, field);
    const patchList = listMember(patch, field);
    if (live === undefined && patchList === undefined) continue;
    deleteOwn(patch, field);
    const mergeKey = node.strategy === 'merge' ? node.mergeKey : undefined;
    if (node.strategy === 'merge' && patchList !== undefined) {
      validateSetElementOrder(patchList, order, mergeKey);
    }
    const merged = patchList === undefined ? (live as JsonValue[]) : mergeList(live ?? [], patchList, node);
    // Only merging lists can be reordered: a replaced list is exactly the patch's list.
    const ordered =
      node.strategy === 'merge' && merged.length > 0
        ? orderMergedList(merged, order, live ?? [], mergeKey)
        : merged;
    setOwn(original, field, ordered);
  }
}

/** `$deleteFromPrimitiveList/<list>: [...]`: removes those values from the live primitive list. */
function applyDeleteFromPrimitiveLists(original: JsonObject, patch: JsonObject): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX)) continue;
    const doomed = patch[key];
    delete patch[key];
    const field = extractListKey(key, DELETE_FROM_PRIMITIVE_LIST_PREFIX);
    if (!Array.isArray(doomed) || doomed.some((value) => typeof value === 'object' && value !== null)) {
      throw badRequest('invalid patch format of primitive list');
    }
    const live = getOwn(original, field);
    if (!Array.isArray(live)) continue;
    setOwn(
      original,
      field,
      live.filter((value) => !doomed.includes(value)),
    );
  }
}
