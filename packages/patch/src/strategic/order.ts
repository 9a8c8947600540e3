/**
 * The order of merged lists, following apimachinery's `normalizeElementOrder`/`mergeSortedSlice`: items named
 * by the patch (or by `$setElementOrder`) take the patch's order, items only on the server keep the live
 * order, and the two runs are interleaved so that each server item stays before the first patch item that
 * followed it in the live list. Precedence: `$setElementOrder` > order in the patch list > live order.
 */

import { badRequest } from '../errors.js';
import { type JsonValue, getOwn, isJsonObject, preview } from '../json.js';
import { PATCH_DIRECTIVE, identityOf, indexByIdentity } from './directives.js';

/**
 * Orders `merged`: its items present in `patchOrder` first sorted by `patchOrder`, the others by
 * `serverOrder`, then interleaved. `mergeKey` is undefined for primitive lists.
 */
export function orderMergedList(
  merged: readonly JsonValue[],
  patchOrder: readonly JsonValue[],
  serverOrder: readonly JsonValue[],
  mergeKey: string | undefined,
): JsonValue[] {
  if (mergeKey !== undefined) {
    // apimachinery validates the merge key on every item and order entry before sorting.
    for (const item of [...merged, ...patchOrder, ...serverOrder]) identityOf(item, mergeKey);
  }
  const patchItems: JsonValue[] = [];
  const serverOnly: JsonValue[] = [];
  for (const item of merged) {
    (indexByIdentity(patchOrder, item, mergeKey) >= 0 ? patchItems : serverOnly).push(item);
  }
  return mergeSorted(
    sortByOrder(serverOnly, serverOrder, mergeKey),
    sortByOrder(patchItems, patchOrder, mergeKey),
    serverOrder,
    mergeKey,
  );
}

/**
 * Stable sort of `items` by their position in `order`; items absent from `order` keep their relative order
 * after the others (apimachinery's comparator is not a strict order for them; callers never produce any).
 */
function sortByOrder(
  items: readonly JsonValue[],
  order: readonly JsonValue[],
  mergeKey: string | undefined,
): JsonValue[] {
  const ranked = items.map((item) => {
    const rank = indexByIdentity(order, item, mergeKey);
    return { item, rank: rank < 0 ? Number.POSITIVE_INFINITY : rank };
  });
  ranked.sort((a, b) => (a.rank === b.rank ? 0 : a.rank < b.rank ? -1 : 1));
  return ranked.map(({ item }) => item);
}

/**
 * apimachinery's `mergeSortedSlice(left=serverOnly, right=patchItems)`: take the server item first only
 * when both items appear in the live list and the server item came first there.
 */
function mergeSorted(
  serverOnly: readonly JsonValue[],
  patchItems: readonly JsonValue[],
  serverOrder: readonly JsonValue[],
  mergeKey: string | undefined,
): JsonValue[] {
  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < patchItems.length) {
    const left = serverOnly[i];
    const right = patchItems[j];
    if (left === undefined) {
      out.push(right as JsonValue);
      j++;
    } else if (right === undefined) {
      out.push(left);
      i++;
    } else {
      const li = indexByIdentity(serverOrder, left, mergeKey);
      const ri = indexByIdentity(serverOrder, right, mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) {
        out.push(left);
        i++;
      } else {
        out.push(right);
        j++;
      }
    }
  }
  return out;
}

/**
 * apimachinery's `validatePatchWithSetOrderList`: the patch items (deletions and directive items aside)
 * must appear in `$setElementOrder` in the same relative order.
 */
export function validateSetElementOrder(
  patchList: readonly JsonValue[],
  order: readonly JsonValue[],
  mergeKey: string | undefined,
): void {
  if (order.length === 0 || patchList.length === 0) return;
  const items =
    mergeKey === undefined
      ? patchList
      : patchList.filter((item) => !(isJsonObject(item) && getOwn(item, PATCH_DIRECTIVE) === 'delete'));
  let p = 0;
  let o = 0;
  while (p < items.length && o < order.length) {
    const item = items[p] as JsonValue;
    if (isJsonObject(item) && getOwn(item, PATCH_DIRECTIVE) !== undefined) {
      p++;
      continue;
    }
    if (indexByIdentity([order[o] as JsonValue], item, mergeKey) === 0) p++;
    o++;
  }
  if (p < items.length) {
    throw badRequest(
      `The order in patch list:\n${preview(patchList)}\n doesn't match $setElementOrder list:\n${preview(order)}`,
    );
  }
}
