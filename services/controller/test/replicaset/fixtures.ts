/**
 * Shared fixtures for the ReplicaSet and Deployment controller tests: a FakeApi context with a FakeClock and a
 * seeded rng (the seed is printed), started informers, a way to let watch events reach the caches, a client
 * whose pod watch can be held back (a slow informer), and pod helpers that play the kubelet's part.
 */
import { type ApiClient, SharedInformerFactory, resources } from '@kubelab/api-client';
import type { KubeObject, Pod, ReplicaSet } from '@kubelab/api-types';
import { type ControllerContext, rfc3339 } from '@kubelab/controller-kit';
import { type FakeApi, fakeContext } from '@kubelab/controller-kit/testing';
import { FakeClock } from '@kubelab/testkit';

export const T0 = Date.UTC(2026, 10, 25, 10, 0, 0);

/** Lets pending watch events reach the informers and their handlers (several macrotask turns). */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r));
}

export interface Harness {
  readonly clock: FakeClock;
  readonly ctx: ControllerContext;
  readonly api: FakeApi;
  readonly signal: AbortSignal;
  /** Starts the informers and waits for their first list. */
  start(): Promise<void>;
  stop(): void;
}

/** A fake context; `seed` is printed so a failure can be replayed. */
export function harness(seed: number, wrap?: (api: FakeApi) => ApiClient): Harness {
  console.log(`seed=${seed}`);
  const clock = new FakeClock(0, T0);
  const made = fakeContext({ clock, seed });
  const api = made.api;
  let ctx = made.ctx;
  if (wrap) {
    const client = wrap(api);
    // Informers of a wrapped client need a factory over it.
    const informers = new SharedInformerFactory({ client, clock, rng: ctx.rng, logger: ctx.logger });
    ctx = { ...ctx, client, informers };
  }
  const ac = new AbortController();
  return {
    clock,
    ctx,
    api,
    signal: ac.signal,
    async start() {
      ctx.informers.start(ac.signal);
      await ctx.informers.waitForCacheSync(ac.signal);
    },
    stop: () => ac.abort(),
  };
}

/**
 * A client whose watch of `resource` delivers events only while the gate is open: `hold()` stops delivery,
 * `release()` lets everything held through. Everything else goes straight to the FakeApi.
 */
export function gatedWatch(resource: string): {
  wrap: (api: FakeApi) => ApiClient;
  hold(): void;
  release(): void;
} {
  let open = true;
  let wake: (() => void) | undefined;
  const wrap = (api: FakeApi): ApiClient =>
    new Proxy(api, {
      get(target, prop) {
        if (prop !== 'watch') {
          const v = Reflect.get(target, prop, target);
          return typeof v === 'function' ? v.bind(target) : v;
        }
        return (ref: { resource: string }, opts: unknown) => {
          const inner = target.watch(ref as never, opts as never);
          if (ref.resource !== resource) return inner;
          return {
            async *[Symbol.asyncIterator]() {
              for await (const ev of inner) {
                while (!open)
                  await new Promise<void>((r) => {
                    wake = r;
                  });
                yield ev;
              }
            },
          };
        };
      },
    }) as ApiClient;
  return {
    wrap,
    hold: () => {
      open = false;
    },
    release: () => {
      open = true;
      wake?.();
    },
  };
}

export function replicaSet(
  name: string,
  replicas: number,
  extra: Partial<ReplicaSet['spec']> = {},
): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default', generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] },
      },
      ...extra,
    },
  };
}

/** Plays the scheduler and the kubelet: binds the pod to `node` and marks it Running and Ready now. */
export async function makeReady(api: FakeApi, clock: FakeClock, pod: Pod, node = 'node-0'): Promise<void> {
  const cur = api.object<Pod>(resources.pods, pod.metadata.name ?? '', pod.metadata.namespace);
  if (!cur) return;
  const now = rfc3339(clock.wallNow());
  const next: Pod = structuredClone(cur);
  next.spec = { ...next.spec, nodeName: next.spec?.nodeName ?? node } as Pod['spec'];
  await api.update(resources.pods, next);
  const fresh = api.object<Pod>(resources.pods, pod.metadata.name ?? '', pod.metadata.namespace) as Pod;
  await api.updateStatus(resources.pods, {
    ...fresh,
    status: {
      phase: 'Running',
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
        { type: 'Ready', status: 'True', lastTransitionTime: now },
      ],
    },
  });
}

/** Pods of an owner uid in the FakeApi. */
export function podsOf(api: FakeApi, owner: KubeObject): Pod[] {
  return api
    .objects<Pod>(resources.pods, owner.metadata.namespace)
    .filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid));
}
