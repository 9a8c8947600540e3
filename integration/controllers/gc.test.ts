/**
 * The garbage collector and the namespace controller on a real process cluster (api ×3, scheduler, controller
 * manager; no nodes), driven by the real kubectl:
 * - cascading delete through ownerReferences on objects no other controller manages (ConfigMaps owning
 *   ConfigMaps): background (`kubectl delete`), `--cascade=orphan` (dependents stay, without the reference),
 *   `--cascade=foreground` (the owner waits for a dependent with blockOwnerDeletion that holds a finalizer);
 * - a Deployment's ReplicaSet and pods go with `kubectl delete deployment`, and stay with `--cascade=orphan`;
 * - `kubectl delete namespace` turns it Terminating (new content refused), the namespace controller empties it
 *   and finalizes it, and it is gone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ConfigMap, KubeObject, OwnerReference, Pod, ReplicaSet } from '@kubelab/api-types';
import { waitFor } from '@kubelab/testkit';
import { TestCluster, kubectl, kubectlOk } from '../api/helpers.js';
import { createObject, getJson as getJsonOf } from '../cluster-helpers.js';

const cluster = new TestCluster('gc');

const getJson = <T>(args: string[]) => getJsonOf<T>(cluster, args);

const create = (obj: unknown) => createObject(cluster, obj);

async function uidOf(args: string[]): Promise<string> {
  return (await getJson<KubeObject>(args)).metadata.uid ?? '';
}

async function exists(args: string[]): Promise<boolean> {
  const r = await kubectl(cluster, ['get', ...args, '-o', 'name']);
  return r.code === 0;
}

function cm(name: string, owners: OwnerReference[] = [], extra: Record<string, unknown> = {}): ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, labels: { gc: 'test' }, ownerReferences: owners, ...extra },
    data: { k: 'v' },
  } as ConfigMap;
}

async function ownerRefTo(name: string, block = true): Promise<OwnerReference> {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    name,
    uid: await uidOf(['get', 'cm', name]),
    blockOwnerDeletion: block,
  };
}

describe('garbage collector and namespace controller (process cluster, kubectl)', () => {
  before(async () => {
    await cluster.up(0);
  });

  after(async () => {
    await cluster.down();
  });

  it('background: deleting an owner deletes its dependents', async () => {
    await create(cm('bg-owner'));
    const ref = await ownerRefTo('bg-owner');
    await create(cm('bg-child-1', [ref]));
    await create(cm('bg-child-2', [ref]));
    await create(cm('bg-free'));
    await kubectlOk(cluster, ['delete', 'cm', 'bg-owner']);
    await waitFor(
      async () => !(await exists(['cm', 'bg-child-1'])) && !(await exists(['cm', 'bg-child-2'])),
      {
        timeoutMs: 20_000,
        what: 'dependents deleted',
      },
    );
    assert.ok(await exists(['cm', 'bg-free']));
  });

  it('orphan: dependents stay and lose the reference', async () => {
    await create(cm('or-owner'));
    const ref = await ownerRefTo('or-owner');
    await create(cm('or-child', [ref]));
    await kubectlOk(cluster, ['delete', 'cm', 'or-owner', '--cascade=orphan'], { timeoutMs: 30_000 });
    await waitFor(async () => !(await exists(['cm', 'or-owner'])), { timeoutMs: 20_000, what: 'owner gone' });
    const child = await getJson<ConfigMap>(['get', 'cm', 'or-child']);
    assert.equal(child.metadata.ownerReferences, undefined);
  });

  it('foreground: the owner is held until its blocking dependents are gone', async () => {
    await create(cm('fg-owner'));
    const ref = await ownerRefTo('fg-owner');
    await create(cm('fg-child', [ref], { finalizers: ['example.com/hold'] }));
    await create(cm('fg-loose', [{ ...ref, blockOwnerDeletion: false }]));
    await kubectlOk(cluster, ['delete', 'cm', 'fg-owner', '--cascade=foreground', '--wait=false']);
    await waitFor(
      async () => (await getJson<ConfigMap>(['get', 'cm', 'fg-child'])).metadata.deletionTimestamp,
      { timeoutMs: 20_000, what: 'blocking dependent being deleted' },
    );
    const owner = await getJson<ConfigMap>(['get', 'cm', 'fg-owner']);
    assert.ok(owner.metadata.deletionTimestamp);
    assert.deepEqual(owner.metadata.finalizers, ['foregroundDeletion']);
    await kubectlOk(cluster, [
      'patch',
      'cm',
      'fg-child',
      '--type=merge',
      '-p',
      '{"metadata":{"finalizers":null}}',
    ]);
    await waitFor(async () => !(await exists(['cm', 'fg-owner'])), {
      timeoutMs: 20_000,
      what: 'owner removed',
    });
    assert.equal(await exists(['cm', 'fg-child']), false);
    await waitFor(async () => !(await exists(['cm', 'fg-loose'])), {
      timeoutMs: 20_000,
      what: 'loose dependent',
    });
  });

  it('a Deployment takes its ReplicaSet and pods along; --cascade=orphan keeps them', async () => {
    for (const name of ['gone', 'kept']) {
      await kubectlOk(cluster, ['create', 'deployment', name, '--image=nginx', '--replicas=2']);
    }
    const owned = async (app: string) => {
      const rs = (await getJson<{ items: ReplicaSet[] }>(['get', 'rs', '-l', `app=${app}`])).items;
      const pods = (await getJson<{ items: Pod[] }>(['get', 'pods', '-l', `app=${app}`])).items;
      return { rs, pods };
    };
    for (const app of ['gone', 'kept']) {
      await waitFor(async () => (await owned(app)).pods.length === 2, {
        timeoutMs: 60_000,
        what: `${app}: ReplicaSet and 2 pods from the deployment and replicaset controllers`,
      });
    }
    await kubectlOk(cluster, ['delete', 'deployment', 'gone'], { timeoutMs: 60_000 });
    await waitFor(
      async () => {
        const o = await owned('gone');
        return o.rs.length === 0 && o.pods.length === 0;
      },
      { timeoutMs: 30_000, what: 'ReplicaSet and pods of the deleted deployment gone' },
    );
    await kubectlOk(cluster, ['delete', 'deployment', 'kept', '--cascade=orphan'], { timeoutMs: 60_000 });
    await waitFor(async () => !(await exists(['deployment', 'kept'])), {
      timeoutMs: 30_000,
      what: 'deployment gone',
    });
    const o = await owned('kept');
    assert.equal(o.rs.length, 1);
    assert.equal(o.rs[0]?.metadata.ownerReferences, undefined, 'orphaned ReplicaSet has no owner');
    assert.equal(o.pods.length, 2);
  });

  it('deleting a namespace: Terminating while content remains, then emptied and removed', async () => {
    await kubectlOk(cluster, ['create', 'namespace', 'doomed']);
    await kubectlOk(cluster, ['create', 'configmap', 'a', '-n', 'doomed', '--from-literal=k=v']);
    await kubectlOk(cluster, ['create', 'secret', 'generic', 's', '-n', 'doomed', '--from-literal=k=v']);
    await kubectlOk(cluster, ['run', 'p', '-n', 'doomed', '--image=nginx']);
    await kubectlOk(cluster, ['create', 'deployment', 'd', '-n', 'doomed', '--image=nginx']);
    await create({
      ...cm('held', [], { finalizers: ['example.com/hold'] }),
      metadata: { name: 'held', namespace: 'doomed', finalizers: ['example.com/hold'] },
    });
    await kubectlOk(cluster, ['delete', 'namespace', 'doomed', '--wait=false']);
    await waitFor(
      async () => {
        const left = await kubectlOk(cluster, [
          'get',
          'configmaps,secrets,pods,deployments',
          '-n',
          'doomed',
          '-o',
          'name',
        ]);
        return left.trim() === 'configmap/held';
      },
      { timeoutMs: 30_000, what: 'content but the held configmap deleted' },
    );
    const ns = await getJson<{ status?: { phase?: string }; spec?: { finalizers?: string[] } }>([
      'get',
      'ns',
      'doomed',
    ]);
    assert.equal(ns.status?.phase, 'Terminating');
    assert.deepEqual(ns.spec?.finalizers, ['kubernetes']);
    assert.match(await kubectlOk(cluster, ['get', 'ns', 'doomed']), /doomed\s+Terminating/);
    await waitFor(
      async () =>
        /NamespaceFinalizersRemaining\s+True\s+.*SomeFinalizersRemain/.test(
          await kubectlOk(cluster, ['describe', 'ns', 'doomed']),
        ),
      { timeoutMs: 20_000, what: 'describe ns shows the remaining finalizer' },
    ).catch(async (err: unknown) => {
      console.log(await kubectlOk(cluster, ['describe', 'ns', 'doomed']));
      throw err;
    });
    const refused = await kubectl(cluster, ['create', 'configmap', 'late', '-n', 'doomed']);
    assert.notEqual(refused.code, 0, 'no new content in a terminating namespace');
    await kubectlOk(cluster, [
      'patch',
      'cm',
      'held',
      '-n',
      'doomed',
      '--type=merge',
      '-p',
      '{"metadata":{"finalizers":null}}',
    ]);
    await waitFor(async () => !(await exists(['namespace', 'doomed'])), {
      timeoutMs: 30_000,
      what: 'namespace finalized and gone',
    });
    const left = await kubectlOk(cluster, [
      'get',
      'configmaps,secrets,pods',
      '-A',
      '--field-selector=metadata.namespace=doomed',
      '-o',
      'name',
    ]);
    assert.equal(left.trim(), '');
  });
});
