/**
 * Adoption and release by controller reference (controller_ref_manager.go `BaseControllerRefManager.ClaimObject`,
 * `PodControllerRefManager`, `ReplicaSetControllerRefManager`): a controller owns the objects whose controller
 * reference names its uid and whose labels it selects; it adopts matching orphans and releases owned objects
 * that stopped matching, by patching `metadata.ownerReferences`. The decision is pure ({@link claimDecision});
 * {@link claimObjects} acts on it.
 */
import { type ApiClient, type ResourceRef, isNotFound } from '@kubelab/api-client';
import type { KubeObject, OwnerReference } from '@kubelab/api-types';
import { getControllerOf } from '@kubelab/controller-kit';

/** What to do with one candidate object. */
export type ClaimDecision = 'claimed' | 'ignore' | 'adopt' | 'release';

/** The controller's side of a claim. */
export interface ClaimOwner {
  readonly uid: string;
  readonly namespace: string | undefined;
  readonly deleting: boolean;
}

/**
 * `ClaimObject`'s decision: ours and matching → claimed (even while we are being deleted, since that needs no
 * action); ours and not matching → release (unless we are being deleted); an orphan that matches, is not being
 * deleted and is in our namespace → adopt; anything else (owned by another controller included) → ignore.
 */
export function claimDecision(obj: KubeObject, owner: ClaimOwner, matches: boolean): ClaimDecision {
  const ref = getControllerOf(obj);
  if (ref !== undefined) {
    if (ref.uid !== owner.uid) return 'ignore';
    if (matches) return 'claimed';
    return owner.deleting ? 'ignore' : 'release';
  }
  if (owner.deleting || !matches) return 'ignore';
  if (obj.metadata.deletionTimestamp) return 'ignore';
  if (owner.namespace && owner.namespace !== obj.metadata.namespace) return 'ignore';
  return 'adopt';
}

/** The strategic merge patch that adopts `obj` (Kubernetes' `ownerRefControllerPatch`). */
export function adoptPatch(obj: KubeObject, controllerRef: OwnerReference): unknown {
  return { metadata: { ownerReferences: [controllerRef], uid: obj.metadata.uid } };
}

/** The strategic merge patch that releases `obj` from the controller `ownerUid` (`GenerateDeleteOwnerRefStrategicMergeBytes`). */
export function releasePatch(obj: KubeObject, ownerUid: string): unknown {
  return { metadata: { ownerReferences: [{ $patch: 'delete', uid: ownerUid }], uid: obj.metadata.uid } };
}

/** Everything {@link claimObjects} needs. */
export interface ClaimConfig<T extends KubeObject> {
  readonly client: ApiClient;
  /** The resource of the claimed objects (pods, replicasets). */
  readonly ref: ResourceRef;
  readonly owner: ClaimOwner;
  readonly controllerRef: OwnerReference;
  readonly match: (obj: T) => boolean;
  /**
   * Checked once before the first adoption (`RecheckDeletionTimestamp`): a fresh read of the owner proves it
   * still exists with this uid and is not being deleted; throws otherwise.
   */
  readonly canAdopt: () => Promise<void>;
}

/**
 * Claims `objs`: returns those the owner controls afterwards, and the first error of a failed adoption or
 * release (the caller returns it so the key is retried). Objects that vanished meanwhile are skipped.
 */
export async function claimObjects<T extends KubeObject>(
  objs: readonly T[],
  cfg: ClaimConfig<T>,
): Promise<{ claimed: T[]; error: unknown }> {
  const claimed: T[] = [];
  let error: unknown;
  let adoptable: Promise<void> | undefined;
  for (const obj of objs) {
    const decision = claimDecision(obj, cfg.owner, cfg.match(obj));
    if (decision === 'claimed') claimed.push(obj);
    if (decision !== 'adopt' && decision !== 'release') continue;
    try {
      const ns = obj.metadata.namespace;
      const name = obj.metadata.name ?? '';
      if (decision === 'adopt') {
        adoptable ??= cfg.canAdopt();
        await adoptable;
        const patched = await cfg.client.patch<T>(cfg.ref, name, adoptPatch(obj, cfg.controllerRef), {
          ...(ns ? { namespace: ns } : {}),
          patchType: 'strategic',
        });
        claimed.push(patched);
      } else {
        await cfg.client.patch(cfg.ref, name, releasePatch(obj, cfg.owner.uid), {
          ...(ns ? { namespace: ns } : {}),
          patchType: 'strategic',
        });
      }
    } catch (err) {
      if (!isNotFound(err)) error ??= err;
    }
  }
  return { claimed, error };
}

/**
 * `RecheckDeletionTimestamp`: reads the owner afresh and throws if it is gone, replaced (another uid) or being
 * deleted, so a controller never adopts for an owner the cache still shows but the api no longer has.
 */
export async function recheckOwner(client: ApiClient, ref: ResourceRef, owner: KubeObject): Promise<void> {
  const ns = owner.metadata.namespace;
  const name = owner.metadata.name ?? '';
  const fresh = await client.get(ref, name, ns ? { namespace: ns } : {});
  if (fresh.metadata.uid !== owner.metadata.uid) {
    throw new Error(
      `original ${ns}/${name} is gone: got uid ${fresh.metadata.uid}, wanted ${owner.metadata.uid}`,
    );
  }
  if (fresh.metadata.deletionTimestamp) {
    throw new Error(`${ns}/${name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
  }
}
