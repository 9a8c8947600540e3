/**
 * Strategic merge patch directive names, and helpers shared by the map, list and ordering code.
 * Error messages follow apimachinery's `mergepatch` package so that logs read the same.
 */

import { badRequest } from '../errors.js';
import {
  type JsonObject,
  type JsonValue,
  getOwn,
  hasOwn,
  isJsonObject,
  jsonEqual,
  preview,
  setOwn,
} from '../json.js';

/** `{"$patch": "replace" | "delete" | "merge"}` in a map or as a list element. */
export const PATCH_DIRECTIVE = '$patch';
/** `"$retainKeys": [...]`: drop the sibling keys of the original that are not listed. */
export const RETAIN_KEYS_DIRECTIVE = '$retainKeys';
/** `"$setElementOrder/<list>": [...]`: the final order of a merged list. */
export const SET_ELEMENT_ORDER_PREFIX = '$setElementOrder';
/** `"$deleteFromPrimitiveList/<list>": [...]`: values to remove from a merged primitive list. */
export const DELETE_FROM_PRIMITIVE_LIST_PREFIX = '$deleteFromPrimitiveList';

/**
 * `$`-prefixed keys that are data, not directives: JSON-schema keywords stored in CustomResourceDefinition
 * validation schemas (`JSONSchemaProps.$ref`, `.$schema`). Every other unknown `$` key is rejected.
 */
const DATA_DOLLAR_KEYS: ReadonlySet<string> = new Set(['$ref', '$schema']);

/** Throws when `patch` has a `$` key that is neither a known directive nor a known data key. */
export function checkDirectiveKeys(patch: JsonObject): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith('$') || DATA_DOLLAR_KEYS.has(key)) continue;
    if (key === PATCH_DIRECTIVE || key === RETAIN_KEYS_DIRECTIVE) continue;
    if (key.startsWith(SET_ELEMENT_ORDER_PREFIX) || key.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX))
      continue;
    throw badRequest(`unknown strategic merge patch directive ${JSON.stringify(key)}`);
  }
}

/** True for a key that is a list-scoped directive (`$setElementOrder/...`, `$deleteFromPrimitiveList/...`). */
export function isParallelListKey(key: string): boolean {
  return key.startsWith(SET_ELEMENT_ORDER_PREFIX) || key.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX);
}

/** The list name after `<prefix>/`; throws apimachinery's format error when there is none. */
export function extractListKey(key: string, prefix: string): string {
  const slash = key.indexOf('/');
  const field = slash < 0 ? '' : key.slice(slash + 1);
  if (slash < 0 || key.slice(0, slash) !== prefix || field === '') {
    throw badRequest(
      prefix === SET_ELEMENT_ORDER_PREFIX
        ? 'invalid patch format of setElementOrder list'
        : 'invalid patch format of primitive list',
    );
  }
  return field;
}

/** apimachinery's `ErrNoMergeKey`. */
export function noMergeKey(item: JsonValue, mergeKey: string): Error {
  return badRequest(`map: ${preview(item)} does not contain declared merge key: ${mergeKey}`);
}

/** apimachinery's `ErrBadPatchType`. */
export function badPatchType(directive: JsonValue | undefined, item: JsonObject): Error {
  return badRequest(`unknown patch type: ${preview(directive)} in map: ${preview(item)}`);
}

/** True when `value` is an object carrying a `$patch` directive. */
export function hasPatchDirective(value: JsonValue | undefined): value is JsonObject {
  return isJsonObject(value) && hasOwn(value, PATCH_DIRECTIVE);
}

/**
 * The identity of a list item: its merge key value for lists of objects, the item itself for primitives.
 * Throws when an object item lacks the merge key.
 */
export function identityOf(item: JsonValue, mergeKey: string | undefined): JsonValue {
  if (mergeKey === undefined) return item;
  const value = isJsonObject(item) ? getOwn(item, mergeKey) : undefined;
  if (value === undefined) throw noMergeKey(item, mergeKey);
  return value;
}

/** The position of the item with `item`'s identity in `list`, or -1. */
export function indexByIdentity(
  list: readonly JsonValue[],
  item: JsonValue,
  mergeKey: string | undefined,
): number {
  const wanted = identityOf(item, mergeKey);
  return list.findIndex((candidate) => jsonEqual(identityOf(candidate, mergeKey), wanted));
}

/**
 * Removes directive keys (`$patch`, `$retainKeys`, `$setElementOrder/...`, `$deleteFromPrimitiveList/...`)
 * from every object inside `value`, keeping everything else (nulls included). Used for the items of replaced
 * lists, which are stored as sent.
 */
export function stripDirectives(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isJsonObject(value)) return value;
  for (const key of Object.keys(value)) {
    if (key === PATCH_DIRECTIVE || key === RETAIN_KEYS_DIRECTIVE || isParallelListKey(key)) {
      delete value[key];
    } else {
      setOwn(value, key, stripDirectives(value[key] as JsonValue));
    }
  }
  return value;
}
