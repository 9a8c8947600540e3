/**
 * ControllerRevisions of a StatefulSet (stateful_set_utils.go `getPatch`/`newRevision`/`ApplyRevision` and
 * controller/history): a revision's `data` is the strategic merge patch `{"spec":{"template":{"$patch":
 * "replace",…}}}` with keys sorted as Go's encoder writes a map, its name is `<set>-<hash>` where the hash is
 * FNV-1 over those bytes and the collision count, and `kubectl rollout undo` sends that `data` back verbatim.
 * Pure.
 */
import {
  type ControllerRevision,
  type StatefulSet,
  canonicalJson,
  safeEncodeString,
} from '@kubelab/api-types';
import { newControllerRef } from '@kubelab/controller-kit';

/** A JSON object as revision data holds it. */
export type JsonObject = Record<string, unknown>;

/** `controller.kubernetes.io/hash`: the revision's hash as a label. */
export const REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';

/** FNV-1 (not 1a) 32-bit, Go's `fnv.New32`, which controller/history hashes revisions with. */
export function fnv1(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) {
    h = Math.imul(h, 0x01000193) >>> 0;
    h ^= b;
  }
  return h >>> 0;
}

/**
 * `getPatch`: the set's template as a replace patch. Go decodes the object into a map and re-encodes it, so the
 * keys come out sorted, and an empty creationTimestamp is written as null.
 */
export function revisionData(set: StatefulSet): JsonObject {
  const template = structuredClone(set.spec.template) as unknown as JsonObject;
  const meta = (template.metadata ?? {}) as JsonObject;
  if (!('creationTimestamp' in meta)) meta.creationTimestamp = null;
  template.metadata = meta;
  template.$patch = 'replace';
  return JSON.parse(canonicalJson({ spec: { template } })) as JsonObject;
}

/** `HashControllerRevision`: FNV-1 of the data bytes, then the decimal collision count, safe-encoded. */
export function hashRevisionData(data: unknown, collisionCount: number | undefined): string {
  const text = canonicalJson(data) + (collisionCount === undefined ? '' : String(collisionCount));
  return safeEncodeString(String(fnv1(new TextEncoder().encode(text))));
}

/** `ControllerRevisionName`: `<prefix>-<hash>`, the prefix cut to 223 characters. */
export function revisionName(prefix: string, hash: string): string {
  return `${prefix.length > 223 ? prefix.slice(0, 223) : prefix}-${hash}`;
}

/**
 * `newRevision`: the revision `revision` of `set`'s current template: labels from the template plus the hash,
 * the set's annotations (so a change-cause shows in `rollout history`), controlled by the set.
 */
export function newRevision(set: StatefulSet, revision: number, collisionCount: number): ControllerRevision {
  const data = revisionData(set);
  const hash = hashRevisionData(data, collisionCount);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: revisionName(set.metadata.name ?? '', hash),
      namespace: set.metadata.namespace ?? 'default',
      labels: { ...(set.spec.template.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash },
      annotations: { ...(set.metadata.annotations ?? {}) },
      ownerReferences: [newControllerRef(set, 'apps/v1', 'StatefulSet')],
    },
    data,
    revision,
  };
}

/** `history.EqualRevision`: the same data (hash labels first, as a shortcut when both carry one). */
export function equalRevision(a: ControllerRevision, b: ControllerRevision): boolean {
  return canonicalJson(a.data ?? null) === canonicalJson(b.data ?? null);
}

/** `SortControllerRevisions`: by revision, then creation time, then name. */
export function sortRevisions(revisions: readonly ControllerRevision[]): ControllerRevision[] {
  return [...revisions].sort(
    (a, b) =>
      a.revision - b.revision ||
      String(a.metadata.creationTimestamp ?? '').localeCompare(String(b.metadata.creationTimestamp ?? '')) ||
      (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
  );
}

/** `nextRevision`: one more than the newest (revisions sorted), or 1. */
export function nextRevision(sorted: readonly ControllerRevision[]): number {
  const last = sorted[sorted.length - 1];
  return last ? last.revision + 1 : 1;
}

/**
 * `ApplyRevision`: the set with the revision's template. The data is a strategic merge patch whose only content
 * is `spec.template` with `$patch: replace`, so applying it is replacing the template.
 */
export function applyRevision(set: StatefulSet, revision: ControllerRevision): StatefulSet {
  const out = structuredClone(set);
  const data = revision.data as { spec?: { template?: Record<string, unknown> } } | undefined;
  const template = data?.spec?.template;
  if (template === undefined) return out;
  const { $patch: _directive, ...rest } = structuredClone(template);
  out.spec.template = rest as unknown as StatefulSet['spec']['template'];
  return out;
}

/** What `getStatefulSetRevisions` decides about the update revision. */
export type UpdateRevisionDecision =
  /** The newest revision already has this template. */
  | { readonly kind: 'current'; readonly revision: ControllerRevision }
  /** An older revision has it (a rollback): it becomes the newest by taking revision number `revision`. */
  | { readonly kind: 'bump'; readonly revision: ControllerRevision; readonly to: number }
  /** No revision has it: create `revision`. */
  | { readonly kind: 'create'; readonly revision: ControllerRevision };

/** The decision of `getStatefulSetRevisions` over the set's revisions (sorted). */
export function decideUpdateRevision(
  set: StatefulSet,
  sorted: readonly ControllerRevision[],
  collisionCount: number,
): UpdateRevisionDecision {
  const candidate = newRevision(set, nextRevision(sorted), collisionCount);
  const equal = sorted.filter((r) => equalRevision(r, candidate));
  const lastEqual = equal[equal.length - 1];
  const newest = sorted[sorted.length - 1];
  if (lastEqual && newest && lastEqual.metadata.name === newest.metadata.name) {
    return { kind: 'current', revision: newest };
  }
  if (lastEqual) return { kind: 'bump', revision: lastEqual, to: candidate.revision };
  return { kind: 'create', revision: candidate };
}

/**
 * `truncateHistory`: the revisions to delete so that at most `limit` non-live ones stay, oldest first. Live
 * revisions are the current and update revisions and any a pod still carries.
 */
export function revisionsToTruncate(
  sorted: readonly ControllerRevision[],
  live: ReadonlySet<string>,
  limit: number,
): ControllerRevision[] {
  const history = sorted.filter((r) => !live.has(r.metadata.name ?? ''));
  return history.length <= limit ? [] : history.slice(0, history.length - limit);
}
