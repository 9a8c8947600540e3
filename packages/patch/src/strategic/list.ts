/**
 * Strategic merge of lists (apimachinery `mergeSliceHandler`/`mergeSlice`). Lists whose schema says `merge`
 * are merged item by item on the merge key (lists of objects) or as sets (primitive lists such as
 * `metadata.finalizers`); every other list is replaced by the patch's list.
 */

import { badRequest, invalid } from '../errors.js';
import {
  type JsonKind,
  type JsonObject,
  type JsonValue,
  hasOwn,
  jsonEqual,
  kindOf,
  preview,
} from '../json.js';
import type { SchemaNode } from '../schema/schema.js';
import {
  PATCH_DIRECTIVE,
  badPatchType,
  hasPatchDirective,
  identityOf,
  indexByIdentity,
  stripDirectives,
} from './directives.js';
import { mergeMap } from './merge.js';
import { orderMergedList } from './order.js';

/**
 * Merges `patch` into `original` under the list's schema `node`. Both lists are owned by the caller (copies)
 * and may be reused in the result.
 */
export function mergeList(original: JsonValue[], patch: JsonValue[], node: SchemaNode): JsonValue[] {
  return node.strategy === 'merge' ? mergeSlice(original, patch, node) : replaceList(patch);
}

/**
 * A non-merging list takes the patch's items as sent, minus list-level `$patch` elements (meaningless in a
 * replaced list) and any directive keys inside the items.
 */
function replaceList(patch: JsonValue[]): JsonValue[] {
  const out: JsonValue[] = [];
  for (const item of patch) {
    if (hasPatchDirective(item)) {
      const directive = item[PATCH_DIRECTIVE];
      if (directive === 'replace' || directive === 'delete') continue;
      throw listDirectiveError(directive, item);
    }
    out.push(stripDirectives(item));
  }
  return out;
}

function listDirectiveError(directive: JsonValue | undefined, item: JsonObject): Error {
  return directive === 'merge'
    ? badRequest('merging lists cannot yet be specified in the patch')
    : badPatchType(directive, item);
}

/** apimachinery `mergeSlice`. */
function mergeSlice(original: JsonValue[], patch: JsonValue[], node: SchemaNode): JsonValue[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind(original, patch);
  if (kind !== 'object') {
    // A primitive merge list is a set: union, deduplicated, then ordered like any merged list.
    return orderMergedList(dedupe([...original, ...patch]), patch, original, undefined);
  }
  const mergeKey = node.mergeKey;
  if (mergeKey === undefined) throw badRequest('cannot merge lists without merge key for type map');
  const { base, items } = applyListDirectives(
    original as JsonObject[],
    patch as JsonObject[],
    mergeKey,
    node,
  );
  const merged = mergeItems(base, items, mergeKey, node);
  return orderMergedList(merged, items, base, mergeKey);
}

/**
 * The common kind of all items of both lists. Lists of lists are refused with 422 (apimachinery
 * `ErrNoListOfLists`); mixed kinds with 400.
 */
function elementKind(original: readonly JsonValue[], patch: readonly JsonValue[]): JsonKind {
  let kind: JsonKind | undefined;
  for (const item of [...original, ...patch]) {
    const itemKind = kindOf(item);
    if (itemKind === 'array') throw invalid('lists of lists are not supported');
    if (kind !== undefined && itemKind !== kind) {
      throw badRequest(`list element types are not identical: ${preview([original, patch])}`);
    }
    kind = itemKind;
  }
  return kind as JsonKind;
}

/** Order-preserving removal of duplicate primitives. */
function dedupe(items: readonly JsonValue[]): JsonValue[] {
  const out: JsonValue[] = [];
  for (const item of items) if (!out.some((seen) => jsonEqual(seen, item))) out.push(item);
  return out;
}

/**
 * apimachinery `mergeSliceWithSpecialElements`: applies `{"$patch":"delete", <key>: v}` items (removing every
 * live item with that key) and `{"$patch":"replace"}` (the non-directive patch items become the whole list).
 * Returns the live items left and the patch items still to merge.
 */
function applyListDirectives(
  original: JsonObject[],
  patch: JsonObject[],
  mergeKey: string,
  node: SchemaNode,
): { base: JsonObject[]; items: JsonObject[] } {
  let base = original;
  let replace = false;
  const items: JsonObject[] = [];
  for (const item of patch) {
    if (!hasOwn(item, PATCH_DIRECTIVE)) {
      items.push(item);
      continue;
    }
    const directive = item[PATCH_DIRECTIVE];
    if (directive === 'delete') {
      const doomed = identityOf(item, mergeKey);
      base = base.filter((live) => !jsonEqual(identityOf(live, mergeKey), doomed));
    } else if (directive === 'replace') {
      replace = true;
    } else {
      throw listDirectiveError(directive, item);
    }
  }
  if (replace) {
    for (const item of items) identityOf(item, mergeKey);
    return { base: items.map((item) => mergeMap({}, item, node)), items: [] };
  }
  return { base, items };
}

/**
 * apimachinery `mergeSliceWithoutSpecialElements`: each patch item merges into the first live item with the
 * same key, or is appended (later patch items may merge into an appended one).
 */
function mergeItems(
  base: JsonObject[],
  items: JsonObject[],
  mergeKey: string,
  node: SchemaNode,
): JsonObject[] {
  const out = [...base];
  for (const item of items) {
    const at = indexByIdentity(out, item, mergeKey);
    if (at >= 0) {
      out[at] = mergeMap(out[at] as JsonObject, item, node);
    } else {
      out.push(mergeMap({}, item, node));
    }
  }
  return out;
}
