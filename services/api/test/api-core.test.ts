import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRng } from '@kubelab/clock';
import { FakeClock } from '@kubelab/testkit';
import { ApiCore } from '../src/core/api-core.js';
import type { ApiRequest, ApiWatchEvent } from '../src/core/handler.js';
import { kubeAdmission } from '../src/core/kube-admission.js';
import { LocalLog } from '../src/store/command-log.js';
import { ReplicatedStore } from '../src/store/replicated-store.js';
import type { StoredObject } from '../src/store/types.js';

const admission = kubeAdmission();

function setup() {
  const clock = new FakeClock();
  const log = new LocalLog();
  const store = new ReplicatedStore({ log, clock });
  log.attach(store.applyEntry);
  let uid = 0;
  const core = new ApiCore({
    store,
    admission,
    clock,
    rng: seededRng(7),
    newUid: () => `uid-${++uid}`,
    bookmarkIntervalMs: 1000,
  });
  const user = { name: 'test', groups: ['system:masters'] };
  const call = (req: Partial<ApiRequest> & { verb: string; resource: string }) =>
    core.handle({ group: '', version: 'v1', ...req }, user);
  return { core, call, clock, store, user };
}

const pod = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'nginx' }] },
  ...extra,
});

/** A valid one-container Deployment `name` with `replicas`, selecting app=name. */
const deployment = (name: string, replicas: number) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'nginx' }] } },
  },
});

/** Creates ConfigMap `name` (data a=1) in `default` and returns it. */
async function createConfigMap(call: ReturnType<typeof setup>['call'], name: string): Promise<StoredObject> {
  const r = await call({
    verb: 'create',
    resource: 'configmaps',
    namespace: 'default',
    body: { metadata: { name }, data: { a: '1' } },
  });
  assert.equal(r.code, 201);
  return r.body as StoredObject;
}

async function withNamespace() {
  const s = setup();
  const ns = await s.call({
    verb: 'create',
    resource: 'namespaces',
    body: { metadata: { name: 'default' } },
  });
  assert.equal(ns.code, 201);
  return s;
}

describe('api core - create and get', () => {
  it('creates a pod with uid, resourceVersion and Pending status, and reads it back', async () => {
    const { call } = await withNamespace();
    const res = await call({
      verb: 'create',
      resource: 'pods',
      namespace: 'default',
      body: pod('a', { status: { phase: 'Running' } }),
    });
    assert.equal(res.code, 201);
    const o = res.body as StoredObject;
    assert.match(o.metadata.uid ?? '', /^uid-\d+$/);
    assert.equal(o.metadata.namespace, 'default');
    assert.match(o.metadata.resourceVersion ?? '', /^\d+$/);
    assert.deepEqual(
      o.status,
      { phase: 'Pending', qosClass: 'BestEffort' },
      'users cannot create a pod with a status',
    );
    const got = await call({ verb: 'get', resource: 'pods', namespace: 'default', name: 'a' });
    assert.deepEqual(got, { code: 200, body: o });
  });

  it('answers Kubernetes Status errors: AlreadyExists, NotFound namespace, Invalid with causes', async () => {
    const { call } = await withNamespace();
    await call({ verb: 'create', resource: 'pods', namespace: 'default', body: pod('a') });
    const dup = await call({ verb: 'create', resource: 'pods', namespace: 'default', body: pod('a') });
    assert.equal(dup.code, 409);
    assert.equal((dup.body as { message: string }).message, 'pods "a" already exists');
    const nsMissing = await call({ verb: 'create', resource: 'pods', namespace: 'nope', body: pod('b') });
    assert.equal(nsMissing.code, 404);
    assert.equal((nsMissing.body as { message: string }).message, 'namespaces "nope" not found');
    const bad = await call({
      verb: 'create',
      resource: 'pods',
      namespace: 'default',
      body: pod('c', { spec: { containers: [{ name: 'c' }] } }),
    });
    assert.equal(bad.code, 422);
    assert.equal(
      (bad.body as { message: string }).message,
      'Pod "c" is invalid: spec.containers[0].image: Required value',
    );
    const notThere = await call({ verb: 'get', resource: 'pods', namespace: 'default', name: 'zzz' });
    assert.equal(notThere.code, 404);
    assert.equal((notThere.body as { message: string }).message, 'pods "zzz" not found');
    const unknown = await call({ verb: 'get', resource: 'widgets', namespace: 'default', name: 'x' });
    assert.equal(unknown.code, 404);
  });

  it('generateName adds a 5-character suffix; dryRun=All does not persist', async () => {
    const { call } = await withNamespace();
    const g = await call({
      verb: 'create',
      resource: 'pods',
      namespace: 'default',
      body: pod('', { metadata: { generateName: 'web-' } }),
    });
    assert.match((g.body as StoredObject).metadata.name, /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const dry = await call({
      verb: 'create',
      resource: 'pods',
      namespace: 'default',
      body: pod('dry'),
      query: { dryRun: 'All' },
    });
    assert.equal(dry.code, 201);
    assert.equal(
      (await call({ verb: 'get', resource: 'pods', namespace: 'default', name: 'dry' })).code,
      404,
    );
  });
});

describe('api core - updates and patches', () => {
  it('update with a stale resourceVersion is a 409 Conflict with the Kubernetes message', async () => {
    const { call } = await withNamespace();
    const a = (await call({ verb: 'create', resource: 'pods', namespace: 'default', body: pod('a') }))
      .body as StoredObject;
    await call({
      verb: 'patch',
      resource: 'pods',
      namespace: 'default',
      name: 'a',
      patchType: 'application/merge-patch+json',
      body: { metadata: { labels: { x: '1' } } },
    });
    const stale = await call({ verb: 'update', resource: 'pods', namespace: 'default', name: 'a', body: a });
    assert.equal(stale.code, 409);
    assert.match(
      (stale.body as { message: string }).message,
      /^Operation cannot be fulfilled on pods "a": the object has been modified/,
    );
  });

  it('applies merge, strategic-merge and JSON patches', async () => {
    const { call } = await withNamespace();
    await call({ verb: 'create', resource: 'pods', namespace: 'default', body: pod('a') });
    const patch = (patchType: string, body: unknown) =>
      call({ verb: 'patch', resource: 'pods', namespace: 'default', name: 'a', patchType, body });
    const m = await patch('application/merge-patch+json', {
      metadata: { labels: { app: null, tier: 'fe' } },
    });
    assert.deepEqual((m.body as StoredObject).metadata.labels, { tier: 'fe' });
    const smp = await patch('application/strategic-merge-patch+json', {
      spec: { containers: [{ name: 'c', image: 'nginx:1.19' }] },
    });
    const containers = (smp.body as { spec: { containers: { name: string; image: string }[] } }).spec
      .containers;
    assert.deepEqual(
      containers.map((c) => [c.name, c.image]),
      [['c', 'nginx:1.19']],
    );
    const jp = await patch('application/json-patch+json', [
      { op: 'replace', path: '/metadata/labels/tier', value: 'be' },
    ]);
    assert.deepEqual((jp.body as StoredObject).metadata.labels, { tier: 'be' });
    const missing = await patch('application/json-patch+json', [
      { op: 'replace', path: '/metadata/annotations', value: {} },
    ]);
    assert.equal(missing.code, 422);
  });

  it('scale subresource: get and merge-patch replicas', async () => {
    const { call } = await withNamespace();
    const dep = deployment('web', 2);
    assert.equal(
      (
        await call({
          group: 'apps',
          verb: 'create',
          resource: 'deployments',
          namespace: 'default',
          body: dep,
        })
      ).code,
      201,
    );
    const scale = await call({
      group: 'apps',
      verb: 'get',
      resource: 'deployments',
      subresource: 'scale',
      namespace: 'default',
      name: 'web',
    });
    assert.equal(scale.code, 200);
    assert.deepEqual((scale.body as { spec: unknown; status: unknown }).spec, { replicas: 2 });
    assert.deepEqual((scale.body as { status: unknown }).status, { replicas: 0, selector: 'app=web' });
    const patched = await call({
      group: 'apps',
      verb: 'patch',
      resource: 'deployments',
      subresource: 'scale',
      namespace: 'default',
      name: 'web',
      patchType: 'application/merge-patch+json',
      body: { spec: { replicas: 5 } },
    });
    assert.equal(patched.code, 200);
    const d = (
      await call({ group: 'apps', verb: 'get', resource: 'deployments', namespace: 'default', name: 'web' })
    ).body as { spec: { replicas: number }; metadata: { generation: number } };
    assert.equal(d.spec.replicas, 5);
    assert.equal(d.metadata.generation, 2);
  });
});

describe('api core - delete, binding, fencing', () => {
  it('an unscheduled pod goes at once; a bound pod gets a deletionTimestamp (graceful)', async () => {
    const { call } = await withNamespace();
    await call({ verb: 'create', resource: 'pods', namespace: 'default', body: pod('a') });
    await call({ verb: 'create', resource: 'pods', namespace: 'default', body: pod('b') });
    const bind = await call({
      verb: 'create',
      resource: 'pods',
      subresource: 'binding',
      namespace: 'default',
      name: 'b',
      body: { target: { kind: 'Node', name: 'node-0' } },
    });
    assert.equal(bind.code, 201);
    const again = await call({
      verb: 'create',
      resource: 'pods',
      subresource: 'binding',
      namespace: 'default',
      name: 'b',
      body: { target: { kind: 'Node', name: 'node-1' } },
    });
    assert.equal(again.code, 409);
    assert.match((again.body as { message: string }).message, /already assigned to node "node-0"/);
    await call({ verb: 'delete', resource: 'pods', namespace: 'default', name: 'a' });
    assert.equal((await call({ verb: 'get', resource: 'pods', namespace: 'default', name: 'a' })).code, 404);
    const g = await call({
      verb: 'delete',
      resource: 'pods',
      namespace: 'default',
      name: 'b',
      body: { propagationPolicy: 'Background' },
    });
    assert.equal(g.code, 200);
    assert.ok((g.body as StoredObject).metadata.deletionTimestamp, 'graceful');
    const force = await call({
      verb: 'delete',
      resource: 'pods',
      namespace: 'default',
      name: 'b',
      body: { gracePeriodSeconds: 0 },
    });
    assert.equal(force.code, 200);
    assert.equal((await call({ verb: 'get', resource: 'pods', namespace: 'default', name: 'b' })).code, 404);
  });

  it('refuses a write with a stale fencing token (403)', async () => {
    const { call } = await withNamespace();
    const fenced = (name: string, token: number) =>
      call({
        verb: 'create',
        resource: 'pods',
        namespace: 'default',
        body: pod(name),
        fence: { lease: 'kube-controller-manager', token },
      });
    assert.equal((await fenced('a', 10)).code, 201);
    assert.equal((await fenced('b', 11)).code, 201);
    const stale = await fenced('c', 10);
    assert.equal(stale.code, 403);
    assert.match((stale.body as { message: string }).message, /stale fencing token 10/);
  });
});

describe('api core - list and watch', () => {
  it('lists with label selectors and pages with limit/continue', async () => {
    const { call } = await withNamespace();
    for (const n of ['a', 'b', 'c', 'd'])
      await call({ verb: 'create', resource: 'pods', namespace: 'default', body: pod(n) });
    await call({
      verb: 'create',
      resource: 'pods',
      namespace: 'default',
      body: pod('x', { metadata: { name: 'x', labels: { app: 'db' } } }),
    });
    const first = (
      await call({
        verb: 'list',
        resource: 'pods',
        namespace: 'default',
        query: { labelSelector: 'app=web', limit: '3' },
      })
    ).body as {
      kind: string;
      items: StoredObject[];
      metadata: { continue?: string; remainingItemCount?: number };
    };
    assert.equal(first.kind, 'PodList');
    assert.deepEqual(
      first.items.map((i) => i.metadata.name),
      ['a', 'b', 'c'],
    );
    assert.equal(first.metadata.remainingItemCount, 1);
    const rest = (
      await call({
        verb: 'list',
        resource: 'pods',
        namespace: 'default',
        query: { labelSelector: 'app=web', limit: '3', continue: first.metadata.continue ?? '' },
      })
    ).body as { items: StoredObject[]; metadata: { continue?: string } };
    assert.deepEqual(
      rest.items.map((i) => i.metadata.name),
      ['d'],
    );
    assert.equal(rest.metadata.continue, undefined);
    const bad = await call({
      verb: 'list',
      resource: 'pods',
      namespace: 'default',
      query: { continue: '!!' },
    });
    assert.equal(bad.code, 400);
  });

  it('watch from a list resourceVersion sees later changes only, in order; rv=0 starts with the current objects', async () => {
    const { call, core, user } = await withNamespace();
    await call({ verb: 'create', resource: 'pods', namespace: 'default', body: pod('a') });
    const list = (await call({ verb: 'list', resource: 'pods', namespace: 'default' })).body as {
      metadata: { resourceVersion: string };
    };
    const w = await core.watch(
      {
        verb: 'watch',
        group: '',
        version: 'v1',
        resource: 'pods',
        namespace: 'default',
        query: { resourceVersion: list.metadata.resourceVersion },
      },
      user,
    );
    const w0 = await core.watch(
      {
        verb: 'watch',
        group: '',
        version: 'v1',
        resource: 'pods',
        namespace: 'default',
        query: { resourceVersion: '0' },
      },
      user,
    );
    assert.ok(w.ok && w0.ok);
    await call({ verb: 'create', resource: 'pods', namespace: 'default', body: pod('b') });
    await call({ verb: 'delete', resource: 'pods', namespace: 'default', name: 'a' });
    const got: ApiWatchEvent[] = [];
    for await (const e of w.events) {
      got.push(e);
      if (got.length === 2) break;
    }
    assert.deepEqual(
      got.map((e) => [e.type, (e.object as StoredObject).metadata.name]),
      [
        ['ADDED', 'b'],
        ['DELETED', 'a'],
      ],
    );
    const got0: string[] = [];
    for await (const e of w0.events) {
      got0.push(`${e.type}:${(e.object as StoredObject).metadata.name}`);
      if (got0.length === 3) break;
    }
    assert.deepEqual(got0, ['ADDED:a', 'ADDED:b', 'DELETED:a']);
  });

  it('bookmarks arrive only when asked for, carrying the current revision', async () => {
    const { core, user, clock, store } = await withNamespace();
    const w = await core.watch(
      {
        verb: 'watch',
        group: '',
        version: 'v1',
        resource: 'pods',
        namespace: 'default',
        query: { resourceVersion: '1', allowWatchBookmarks: 'true' },
      },
      user,
    );
    assert.ok(w.ok);
    const it = w.events[Symbol.asyncIterator]();
    const next = it.next();
    clock.advance(1000);
    const ev = (await next).value as ApiWatchEvent;
    assert.equal(ev.type, 'BOOKMARK');
    assert.equal(
      (ev.object as { metadata: { resourceVersion: string } }).metadata.resourceVersion,
      String(store.store.revision),
    );
    w.close();
  });

  it('a malformed resourceVersion is a 400; one older than the watch history a 410 Expired', async () => {
    const { core, user, store, call } = await withNamespace();
    const bad = await core.watch(
      { verb: 'watch', group: '', version: 'v1', resource: 'pods', query: { resourceVersion: 'abc' } },
      user,
    );
    assert.ok(!bad.ok && bad.response.code === 400);
    await call({ verb: 'create', resource: 'pods', namespace: 'default', body: pod('a') });
    store.restore(store.snapshot()); // what a follower does when it installs a snapshot: history is gone
    const old = await core.watch(
      { verb: 'watch', group: '', version: 'v1', resource: 'pods', query: { resourceVersion: '1' } },
      user,
    );
    assert.ok(!old.ok);
    assert.equal(old.response.code, 410);
    assert.match((old.response.body as { message: string }).message, /too old resource version: 1 \(2\)/);
  });
});

describe('api core - services', () => {
  const svc = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { selector: { app: 'web' }, ports: [{ port: 80 }], ...spec },
  });
  type Svc = { spec: { clusterIP: string; ports: { nodePort?: number }[] } };

  it('allocates cluster IPs and node ports deterministically, refuses taken ones, and frees them on delete', async () => {
    const { call } = await withNamespace();
    const create = (name: string, spec: Record<string, unknown>) =>
      call({ verb: 'create', resource: 'services', namespace: 'default', body: svc(name, spec) });
    const a = (await create('a', {})).body as Svc;
    const b = (await create('b', { type: 'NodePort' })).body as Svc;
    assert.equal(a.spec.clusterIP, '10.96.0.2', 'the first address is kept for the kubernetes service');
    assert.equal(b.spec.clusterIP, '10.96.0.3');
    assert.equal(b.spec.ports[0]?.nodePort, 30000);
    const taken = await create('c', { clusterIP: '10.96.0.2' });
    assert.equal(taken.code, 422);
    assert.match(
      (taken.body as { message: string }).message,
      /spec\.clusterIPs: Invalid value: .*provided IP is already allocated/,
    );
    const port = await create('d', { type: 'NodePort', ports: [{ port: 80, nodePort: 30000 }] });
    assert.equal(port.code, 422);
    assert.match(
      (port.body as { message: string }).message,
      /spec\.ports\[0\]\.nodePort: Invalid value: 30000: provided port is already allocated/,
    );
    const headless = (await create('h', { clusterIP: 'None' })).body as Svc;
    assert.equal(headless.spec.clusterIP, 'None');
    await call({ verb: 'delete', resource: 'services', namespace: 'default', name: 'a' });
    const again = (await create('e', {})).body as Svc;
    assert.equal(again.spec.clusterIP, '10.96.0.2', 'a deleted service frees its address');
    const toNodePort = await call({
      verb: 'patch',
      resource: 'services',
      namespace: 'default',
      name: 'e',
      patchType: 'application/merge-patch+json',
      body: { spec: { type: 'NodePort' } },
    });
    assert.equal(toNodePort.code, 200);
    assert.equal(
      (toNodePort.body as Svc).spec.ports[0]?.nodePort,
      30001,
      'switching to NodePort allocates a port',
    );
    assert.equal((toNodePort.body as Svc).spec.clusterIP, '10.96.0.2', 'and keeps the cluster IP');
  });
});

describe('api core - update keeps system metadata (rest.BeforeUpdate)', () => {
  it('a PUT without uid/creationTimestamp, or with a reformatted timestamp, keeps the stored ones', async () => {
    const { call } = await withNamespace();
    const cm = await createConfigMap(call, 'c');
    const bare = await call({
      verb: 'update',
      resource: 'configmaps',
      namespace: 'default',
      name: 'c',
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '2' } },
    });
    assert.equal(bare.code, 200, JSON.stringify(bare.body));
    assert.equal((bare.body as StoredObject).metadata.uid, cm.metadata.uid);
    assert.equal((bare.body as StoredObject).metadata.creationTimestamp, cm.metadata.creationTimestamp);
    const millis = (cm.metadata.creationTimestamp ?? '').replace('Z', '.000Z');
    const roundTrip = await call({
      verb: 'update',
      resource: 'configmaps',
      namespace: 'default',
      name: 'c',
      body: {
        ...(bare.body as StoredObject),
        metadata: { ...(bare.body as StoredObject).metadata, creationTimestamp: millis },
      },
    });
    assert.equal(roundTrip.code, 200, JSON.stringify(roundTrip.body));
  });

  it('a dry-run patch of /scale answers with a Scale', async () => {
    const { call } = await withNamespace();
    const dep = deployment('web', 2);
    await call({ group: 'apps', verb: 'create', resource: 'deployments', namespace: 'default', body: dep });
    const dry = await call({
      group: 'apps',
      verb: 'patch',
      resource: 'deployments',
      subresource: 'scale',
      namespace: 'default',
      name: 'web',
      patchType: 'application/merge-patch+json',
      body: { spec: { replicas: 1 } },
      query: { dryRun: 'All' },
    });
    assert.equal((dry.body as { kind: string }).kind, 'Scale');
    assert.deepEqual((dry.body as { spec: unknown }).spec, { replicas: 1 });
  });
});

describe('api core - generation', () => {
  it('is set and bumped only for kinds that track it (workloads), never for config maps', async () => {
    const { call } = await withNamespace();
    const cm = await createConfigMap(call, 'c');
    assert.equal(cm.metadata.generation, undefined);
    const edited = (
      await call({
        verb: 'patch',
        resource: 'configmaps',
        namespace: 'default',
        name: 'c',
        patchType: 'application/merge-patch+json',
        body: { data: { a: '2' } },
      })
    ).body as StoredObject;
    assert.equal(edited.metadata.generation, undefined);
  });
});
