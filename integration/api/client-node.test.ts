/**
 * Acceptance: @kubernetes/client-node 1.x against a kubelab process cluster, with nothing but the kubeconfig
 * `kubelab up` wrote: CoreV1Api CRUD with its typed errors, and an informer (makeInformer: list, then watch
 * from the list's resourceVersion) that must see every change to 50 configmaps exactly once, in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '@kubelab/testkit';
import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  type V1ConfigMap,
  makeInformer,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { TestCluster, pool } from './helpers.js';

const cluster = new TestCluster('client-node');
let core: CoreV1Api;
let kc: KubeConfig;

/** The Status body of an ApiException (client-node keeps it as a string or a parsed object). */
function statusOf(err: unknown): { code: number; reason?: string; message?: string } {
  assert.ok(err instanceof ApiException, `an ApiException, got ${String(err)}`);
  const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
  return { code: err.code, reason: body?.reason, message: body?.message };
}

async function rejectsWith(p: Promise<unknown>, code: number, reason: string): Promise<string> {
  try {
    await p;
  } catch (err) {
    const s = statusOf(err);
    assert.equal(s.code, code, `HTTP ${code}: ${s.message}`);
    assert.equal(s.reason, reason);
    return s.message ?? '';
  }
  assert.fail(`expected ${code} ${reason}`);
}

const rv = (o: { metadata?: { resourceVersion?: string } }) => Number(o.metadata?.resourceVersion);

describe('@kubernetes/client-node against kubelab', { timeout: 180_000 }, () => {
  before(async () => {
    await cluster.up(0);
    kc = new KubeConfig();
    kc.loadFromFile(cluster.kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
    await waitFor(async () => (await core.readNamespace({ name: 'default' })).metadata?.name === 'default', {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: 'the default namespace',
    });
  });

  after(async () => {
    await cluster.down();
  });

  it('loads the kubeconfig: one https server, the cluster CA and the admin token', () => {
    const c = kc.getCurrentCluster();
    assert.match(c?.server ?? '', /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(c?.caData, 'CA data');
    assert.match(kc.getCurrentUser()?.token ?? '', /\S+/);
  });

  it('CoreV1Api: create, read, list, patch, delete a configmap', async () => {
    await core.createNamespace({ body: { metadata: { name: 'crud' } } });
    const ns = 'crud';
    const created = await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'one', labels: { suite: 'crud' } }, data: { a: '1' } },
    });
    assert.equal(created.kind, 'ConfigMap');
    assert.equal(created.apiVersion, 'v1');
    assert.equal(created.metadata?.namespace, ns);
    assert.match(created.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.ok(rv(created) > 0);
    assert.ok(created.metadata?.creationTimestamp instanceof Date, 'creationTimestamp parses as a date');

    await rejectsWith(
      core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'one' } } }),
      409,
      'AlreadyExists',
    );

    const read = await core.readNamespacedConfigMap({ name: 'one', namespace: ns });
    assert.deepEqual(read.data, { a: '1' });
    assert.equal(read.metadata?.resourceVersion, created.metadata?.resourceVersion);

    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'two', labels: { suite: 'other' } }, data: { b: '2' } },
    });
    const all = await core.listNamespacedConfigMap({ namespace: ns });
    assert.deepEqual(
      all.items.map((i) => i.metadata?.name),
      ['one', 'two'],
    );
    assert.ok(rv(all) >= rv(created), 'the list resourceVersion is at least the newest write');
    const selected = await core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'suite=crud' });
    assert.deepEqual(
      selected.items.map((i) => i.metadata?.name),
      ['one'],
    );
    const byField = await core.listNamespacedConfigMap({ namespace: ns, fieldSelector: 'metadata.name=two' });
    assert.deepEqual(
      byField.items.map((i) => i.metadata?.name),
      ['two'],
    );

    const jsonPatched = await core.patchNamespacedConfigMap({
      name: 'one',
      namespace: ns,
      body: [{ op: 'add', path: '/data/c', value: '3' }],
    });
    assert.deepEqual(jsonPatched.data, { a: '1', c: '3' });
    const mergePatched = await core.patchNamespacedConfigMap(
      { name: 'one', namespace: ns, body: { data: { a: null, d: '4' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    assert.deepEqual(mergePatched.data, { c: '3', d: '4' });
    assert.ok(rv(mergePatched) > rv(jsonPatched), 'each patch moves the resourceVersion on');

    await core.deleteNamespacedConfigMap({ name: 'one', namespace: ns });
    const notFound = await rejectsWith(
      core.readNamespacedConfigMap({ name: 'one', namespace: ns }),
      404,
      'NotFound',
    );
    assert.equal(notFound, 'configmaps "one" not found');
    await rejectsWith(core.deleteNamespacedConfigMap({ name: 'one', namespace: ns }), 404, 'NotFound');
    await rejectsWith(
      core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'Not_Valid' } } }),
      422,
      'Invalid',
    );
    await rejectsWith(
      core.createNamespacedConfigMap({ namespace: 'no-such-ns', body: { metadata: { name: 'x' } } }),
      404,
      'NotFound',
    );
  });

  it('CoreV1Api: replace of an object read back through client-node, and a stale replace is a Conflict', async () => {
    // client-node turns metadata.creationTimestamp into a Date and sends it back as toISOString()
    // ("…T10:00:00.000Z"): the same instant; kube-apiserver ignores creationTimestamp on update anyway.
    const ns = 'crud';
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'rep' }, data: { a: '1' } },
    });
    const read = await core.readNamespacedConfigMap({ name: 'rep', namespace: ns });
    const replaced = await core.replaceNamespacedConfigMap({
      name: 'rep',
      namespace: ns,
      body: { ...read, data: { a: '2' } },
    });
    assert.deepEqual(replaced.data, { a: '2' });
    assert.ok(rv(replaced) > rv(read), 'replace moves the resourceVersion on');
    assert.equal(replaced.metadata?.uid, read.metadata?.uid);
    assert.equal(
      replaced.metadata?.creationTimestamp?.getTime(),
      read.metadata?.creationTimestamp?.getTime(),
    );
    const conflict = await rejectsWith(
      core.replaceNamespacedConfigMap({ name: 'rep', namespace: ns, body: { ...read, data: { a: '3' } } }),
      409,
      'Conflict',
    );
    assert.match(conflict, /the object has been modified/);
    // Without resourceVersion, uid and creationTimestamp (a hand-written object): an unconditional update.
    const blind = await core.replaceNamespacedConfigMap({
      name: 'rep',
      namespace: ns,
      body: { metadata: { name: 'rep' }, data: { a: '4' } },
    });
    assert.deepEqual(blind.data, { a: '4' });
    assert.equal(blind.metadata?.uid, read.metadata?.uid, 'the uid is kept');
  });

  it('CoreV1Api: pods and services get their server-side defaults', async () => {
    const pod = await core.createNamespacedPod({
      namespace: 'default',
      body: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } },
    });
    assert.equal(pod.spec?.restartPolicy, 'Always');
    assert.equal(pod.spec?.containers[0]?.imagePullPolicy, 'IfNotPresent');
    assert.equal(pod.status?.phase, 'Pending');
    const svc = await core.createNamespacedService({
      namespace: 'default',
      body: { metadata: { name: 's' }, spec: { selector: { app: 'x' }, ports: [{ port: 80 }] } },
    });
    assert.equal(svc.spec?.type, 'ClusterIP');
    assert.equal(svc.spec?.ports?.[0]?.protocol, 'TCP');
    assert.equal(svc.spec?.ports?.[0]?.targetPort, 80);
    const pods = await core.listPodForAllNamespaces();
    assert.deepEqual(
      pods.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`),
      ['default/p'],
    );
    await core.deleteNamespacedPod({ name: 'p', namespace: 'default' });
    await core.deleteNamespacedService({ name: 's', namespace: 'default' });
    await rejectsWith(core.readNamespacedPod({ name: 'p', namespace: 'default' }), 404, 'NotFound');
  });

  it('an informer sees every add, update and delete of 50 configmaps once, in order', async () => {
    const ns = 'informed';
    const N = 50;
    await core.createNamespace({ body: { metadata: { name: ns } } });
    // Objects that exist before the informer starts arrive through its initial list.
    for (const name of ['pre-a', 'pre-b', 'pre-c']) {
      await core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name }, data: { v: 'pre' } },
      });
    }

    type Seen = { verb: 'add' | 'update' | 'delete'; name: string; rv: number; v: string | undefined };
    const seen: Seen[] = [];
    const errors: unknown[] = [];
    const informer = makeInformer<V1ConfigMap>(kc, `/api/v1/namespaces/${ns}/configmaps`, () =>
      core.listNamespacedConfigMap({ namespace: ns }),
    );
    for (const verb of ['add', 'update', 'delete'] as const) {
      informer.on(verb, (o) => seen.push({ verb, name: o.metadata?.name ?? '', rv: rv(o), v: o.data?.v }));
    }
    informer.on('error', (err) => errors.push(err));
    await informer.start();
    try {
      await waitFor(() => seen.length >= 3, { timeoutMs: 10_000, what: 'the initial list' });
      assert.deepEqual(
        seen.map((s) => `${s.verb} ${s.name}`),
        ['add pre-a', 'add pre-b', 'add pre-c'],
      );
      const synced = seen.length;

      // Each object: create, update, update, delete, in sequence; 8 objects at a time.
      const writes = new Map<string, number[]>();
      await pool(N, 8, async (i) => {
        const name = `cm-${String(i).padStart(2, '0')}`;
        const rvs: number[] = [];
        const c = await core.createNamespacedConfigMap({
          namespace: ns,
          body: { metadata: { name }, data: { v: '0' } },
        });
        rvs.push(rv(c));
        for (const v of ['1', '2']) {
          const u = await core.patchNamespacedConfigMap(
            { name, namespace: ns, body: { data: { v } } },
            setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
          );
          rvs.push(rv(u));
        }
        await core.deleteNamespacedConfigMap({ name, namespace: ns });
        writes.set(name, rvs);
      });

      await waitFor(() => seen.filter((s) => s.verb === 'delete').length >= N, {
        timeoutMs: 30_000,
        what: `${N} deletes seen by the informer (seen ${seen.length - synced} events)`,
      });
      await new Promise((r) => setTimeout(r, 500)); // anything extra (a duplicate) would arrive now
      assert.deepEqual(errors, [], 'no informer errors');

      const events = seen.slice(synced);
      assert.equal(events.length, N * 4, 'exactly one add, two updates and one delete per object');
      for (const [name, [created, up1, up2]] of writes) {
        const mine = events.filter((e) => e.name === name);
        assert.deepEqual(
          mine.map((e) => `${e.verb}:${e.v}`),
          ['add:0', 'update:1', 'update:2', 'delete:2'],
          `${name}: add, update, update, delete in order`,
        );
        assert.deepEqual(
          mine.slice(0, 3).map((e) => e.rv),
          [created, up1, up2],
          `${name}: the resourceVersions the writes returned`,
        );
        const del = mine[3]?.rv ?? 0;
        assert.ok(del > (up2 ?? 0), `${name}: the delete's resourceVersion ${del} is after ${up2}`);
      }
      // One watch stream delivers in resourceVersion order across objects too.
      for (let i = 1; i < events.length; i++) {
        assert.ok(
          (events[i]?.rv ?? 0) > (events[i - 1]?.rv ?? 0),
          `resourceVersions increase along the stream: ${JSON.stringify(events.slice(Math.max(0, i - 1), i + 1))}`,
        );
      }
      assert.deepEqual(
        informer
          .list(ns)
          .map((o) => o.metadata?.name)
          .sort(),
        ['pre-a', 'pre-b', 'pre-c'],
        'the informer cache ends with what exists',
      );
    } finally {
      await informer.stop();
    }
  });
});
