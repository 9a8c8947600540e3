/**
 * The namespace controller (kube-controller-manager's `namespace` controller, `namespaced_resources_deleter.go`):
 * a namespace being deleted (deletionTimestamp set, phase Terminating, `kubernetes` in spec.finalizers — or in
 * metadata.finalizers, which is removed with a patch instead) is
 * emptied — every namespaced resource the api serves is deleted with deletecollection — and once nothing is
 * left, the `kubernetes` finalizer is removed through the `namespaces/finalize` subresource so the api can
 * remove the namespace. Pods that terminate gracefully keep the namespace until their kubelet confirms; the
 * namespace is checked again after `KUBELAB_NAMESPACE_RECHECK_MS` (default 2 s).
 *
 * A namespace the api removed outright (without a Terminating phase) is emptied the same way, after checking
 * live that it did not come back: its content must not outlive it.
 */
import {
  DeletedFinalStateUnknown,
  RateLimitingQueue,
  type ResourceRef,
  type SharedInformer,
  isConflict,
  isNotFound,
  resources,
  runWorkers,
} from '@kubelab/api-client';
import { type Condition, GROUPS, type KubeObject, type Namespace, RESOURCES } from '@kubelab/api-types';
import type { Controller, ControllerContext } from '@kubelab/controller-kit';
import { intSetting, rfc3339 } from '@kubelab/controller-kit';

/** The finalizer the api puts in every namespace's spec.finalizers. */
export const KUBERNETES_FINALIZER = 'kubernetes';

/** Every namespaced resource the api serves in its group's preferred version that can be deleted. */
export const NAMESPACED_RESOURCES: readonly ResourceRef[] = RESOURCES.filter(
  (r) =>
    r.namespaced &&
    r.verbs.includes('delete') &&
    GROUPS.find((g) => g.name === r.group)?.versions[0] === r.version,
).map((r) => Object.freeze({ group: r.group, version: r.version, resource: r.plural, namespaced: true }));

/** spec.finalizers without `kubernetes` (what `namespaces/finalize` is sent). */
export function finalizedSpec(ns: Namespace): string[] {
  return (ns.spec?.finalizers ?? []).filter((f) => f !== KUBERNETES_FINALIZER);
}

/** Does the namespace still wait for this controller (`kubernetes` in spec.finalizers or metadata.finalizers)? */
export function holdsKubernetesFinalizer(ns: Namespace): boolean {
  return (
    (ns.spec?.finalizers ?? []).includes(KUBERNETES_FINALIZER) ||
    (ns.metadata.finalizers ?? []).includes(KUBERNETES_FINALIZER)
  );
}

/** What a deletion pass left: object counts per resource, and per finalizer among them. */
export interface RemainingContent {
  readonly byResource: Map<string, number>;
  readonly byFinalizer: Map<string, number>;
}

/**
 * The namespace's deletion conditions as Kubernetes' namespace controller writes them
 * (`NamespaceContentRemaining`, `NamespaceFinalizersRemaining`, …); a condition's lastTransitionTime moves only
 * when its status changes.
 */
export function namespaceConditions(
  existing: readonly Condition[],
  left: RemainingContent,
  nowRfc: string,
): Condition[] {
  const list = (m: Map<string, number>, unit: string) =>
    [...m]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, n]) => `${k} ${unit} ${n} resource instances`)
      .join(', ');
  const want: Omit<Condition, 'lastTransitionTime'>[] = [
    {
      type: 'NamespaceDeletionDiscoveryFailure',
      status: 'False',
      reason: 'ResourcesDiscovered',
      message: 'All resources successfully discovered',
    },
    {
      type: 'NamespaceDeletionGroupVersionParsingFailure',
      status: 'False',
      reason: 'ParsedGroupVersions',
      message: 'All legacy kube types successfully parsed',
    },
    {
      type: 'NamespaceDeletionContentFailure',
      status: 'False',
      reason: 'ContentDeleted',
      message: 'All content successfully deleted, may be waiting on finalization',
    },
    left.byResource.size > 0
      ? {
          type: 'NamespaceContentRemaining',
          status: 'True',
          reason: 'SomeResourcesRemain',
          message: `Some resources are remaining: ${list(left.byResource, 'has')}`,
        }
      : {
          type: 'NamespaceContentRemaining',
          status: 'False',
          reason: 'ContentRemoved',
          message: 'All content successfully removed',
        },
    left.byFinalizer.size > 0
      ? {
          type: 'NamespaceFinalizersRemaining',
          status: 'True',
          reason: 'SomeFinalizersRemain',
          message: `Some content in the namespace has finalizers remaining: ${list(left.byFinalizer, 'in')}`,
        }
      : {
          type: 'NamespaceFinalizersRemaining',
          status: 'False',
          reason: 'ContentHasNoFinalizers',
          message: 'All content-preserving finalizers finished',
        },
  ];
  return want.map((c) => {
    const old = existing.find((e) => e.type === c.type);
    const same = old && old.status === c.status && old.reason === c.reason && old.message === c.message;
    if (same) return old;
    return {
      ...c,
      lastTransitionTime: old && old.status === c.status ? (old.lastTransitionTime ?? nowRfc) : nowRfc,
    };
  });
}

/** Builds the namespace controller. */
export function newNamespaceController(ctx: ControllerContext): Controller {
  return new NamespaceController(ctx);
}

/** See the module comment. */
export class NamespaceController implements Controller {
  readonly name = 'namespace';
  readonly #ctx: ControllerContext;
  readonly #queue: RateLimitingQueue<string>;
  readonly #namespaces: SharedInformer<Namespace>;
  readonly #recheckMs: number;

  constructor(ctx: ControllerContext) {
    this.#ctx = ctx;
    this.#queue = new RateLimitingQueue<string>({ clock: ctx.clock, name: 'namespace' });
    this.#recheckMs = intSetting(ctx.settings, 'KUBELAB_NAMESPACE_RECHECK_MS', 2_000);
    this.#namespaces = ctx.informers.informerFor<Namespace>(resources.namespaces);
    this.#namespaces.addEventHandler({
      onAdd: (ns) => this.#maybeEnqueue(ns),
      onUpdate: (_old, ns) => this.#maybeEnqueue(ns),
      onDelete: (ns) => {
        const obj = ns instanceof DeletedFinalStateUnknown ? ns.obj : ns;
        if (obj.metadata.name) this.#queue.add(obj.metadata.name);
      },
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    if (!(await this.#namespaces.whenSynced(signal))) return;
    await runWorkers(this.#queue, 2, (name) => this.syncNamespace(name), signal, {
      logger: this.#ctx.logger.child({ controller: this.name }),
    });
  }

  #maybeEnqueue(ns: Namespace): void {
    if (ns.metadata.deletionTimestamp && ns.metadata.name) this.#queue.add(ns.metadata.name);
  }

  /** Empties a terminating (or vanished) namespace, then finalizes it. */
  async syncNamespace(name: string): Promise<void> {
    const cached = this.#namespaces.lister().get(undefined, name);
    if (cached && !cached.metadata.deletionTimestamp) return;
    if (cached && !holdsKubernetesFinalizer(cached)) return;
    if (!cached && (await this.#exists(name))) return; // re-created meanwhile: its content is new
    const log = this.#ctx.logger.child({ controller: this.name, namespace: name });
    const left = await this.deleteContent(name);
    const remaining = [...left.byResource.values()].reduce((a, b) => a + b, 0);
    if (cached) await this.#writeConditions(cached, left);
    if (remaining > 0) {
      log.info({ remaining }, 'namespace content remains; checking again');
      this.#queue.addAfter(name, this.#recheckMs);
      return;
    }
    if (!cached) return;
    await this.#finalize(cached);
    log.info('namespace emptied and finalized');
  }

  /** Deletes every namespaced object in `namespace`; resolves with what is still there. */
  async deleteContent(namespace: string): Promise<RemainingContent> {
    const client = this.#ctx.client;
    const left: RemainingContent = { byResource: new Map(), byFinalizer: new Map() };
    for (const ref of NAMESPACED_RESOURCES) {
      const before = await client.list(ref, { namespace });
      if (before.items.length === 0) continue;
      await client.deleteCollection(ref, { namespace });
      const after = await client.list<KubeObject>(ref, { namespace });
      if (after.items.length === 0) continue;
      const what = ref.group ? `${ref.resource}.${ref.group}` : ref.resource;
      left.byResource.set(what, after.items.length);
      for (const o of after.items) {
        for (const f of o.metadata.finalizers ?? [])
          left.byFinalizer.set(f, (left.byFinalizer.get(f) ?? 0) + 1);
      }
    }
    return left;
  }

  /** Records the deletion's progress in the namespace's conditions (what `kubectl describe ns` shows). */
  async #writeConditions(cached: Namespace, left: RemainingContent): Promise<void> {
    try {
      const live = await this.#ctx.client.get<Namespace>(resources.namespaces, cached.metadata.name ?? '');
      if (live.metadata.uid !== cached.metadata.uid) return;
      const conditions = namespaceConditions(
        live.status?.conditions ?? [],
        left,
        rfc3339(this.#ctx.clock.wallNow()),
      );
      if (JSON.stringify(conditions) === JSON.stringify(live.status?.conditions ?? [])) return;
      await this.#ctx.client.updateStatus(resources.namespaces, {
        ...live,
        status: { ...live.status, conditions },
      });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  async #exists(name: string): Promise<boolean> {
    try {
      await this.#ctx.client.get(resources.namespaces, name);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async #finalize(cached: Namespace): Promise<void> {
    const name = cached.metadata.name ?? '';
    try {
      const live = await this.#ctx.client.get<Namespace>(resources.namespaces, name);
      if (live.metadata.uid !== cached.metadata.uid) return;
      if ((live.spec?.finalizers ?? []).includes(KUBERNETES_FINALIZER)) {
        const next = structuredClone(live);
        next.spec = { ...(next.spec ?? {}), finalizers: finalizedSpec(live) };
        await this.#ctx.client.update(resources.namespaces, next, { subresource: 'finalize' });
        return;
      }
      // An api that keeps the finalizer in metadata.finalizers instead: remove it there.
      const rest = (live.metadata.finalizers ?? []).filter((f) => f !== KUBERNETES_FINALIZER);
      await this.#ctx.client.patch(
        resources.namespaces,
        name,
        {
          metadata: {
            resourceVersion: live.metadata.resourceVersion,
            finalizers: rest.length > 0 ? rest : null,
          },
        },
        { patchType: 'merge' },
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
