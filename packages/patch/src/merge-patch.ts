/**
 * RFC 7386 JSON Merge Patch (`application/merge-patch+json`), used by `kubectl label`, `annotate` and `scale`.
 */

import { type JsonObject, type JsonValue, cloneJson, getOwn, isJsonObject, setOwn } from './json.js';

/**
 * Applies a JSON merge patch to a copy of `doc`: object members merge recursively, `null` deletes a member,
 * and any non-object patch (arrays included) replaces the target wholesale. Inputs are never mutated.
 *
 * @example
 * applyMergePatch({ metadata: { labels: { a: '1', b: '2' } } }, { metadata: { labels: { b: null, c: '3' } } });
 * // => { metadata: { labels: { a: '1', c: '3' } } }
 */
export function applyMergePatch(doc: JsonValue, patch: JsonValue): JsonValue {
  return mergeInto(cloneJson(doc), cloneJson(patch));
}

/** RFC 7386 `MergePatch(Target, Patch)` on values the caller owns (both may be mutated and reused). */
function mergeInto(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return patch;
  const result: JsonObject = isJsonObject(target) ? target : {};
  for (const key of Object.keys(patch)) {
    const value = patch[key] as JsonValue;
    if (value === null) {
      delete result[key];
    } else {
      setOwn(result, key, mergeInto(getOwn(result, key), value));
    }
  }
  return result;
}
