import { AssertionError } from 'node:assert';
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { systemClock } from '@kubelab/clock';
import { startNatsServer } from '@kubelab/testkit';
import {
  ApiError,
  ApiUnavailableError,
  type KubeObject,
  createApiClient,
  failureStatus,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isGone,
  isInvalid,
  isNotFound,
  isResourceExpired,
  isTimeout,
  isUnavailable,
  resources,
} from '../src/index.js';
import { logger, natsFixture, pod, testBus, testRng } from './helpers.js';

const fx = natsFixture();
before(() => fx.start());
afterEach(() => fx.cleanup());
after(() => fx.stop());

describe('client - CRUD and error predicates', () => {
  it('create, get, update, updateStatus, patch, delete', async () => {
    const { client } = await fx.world();
    const created = await client.create(resources.pods, pod('web-0'));
    assert.equal(created.metadata.name, 'web-0');
    assert.ok(created.metadata.resourceVersion);
    const got = await client.get(resources.pods, 'web-0', { namespace: 'default' });
    assert.deepEqual(got, created);

    const edited = structuredClone(got);
    edited.metadata.labels = { tier: 'web' };
    const updated = await client.update(resources.pods, edited);
    assert.equal(updated.metadata.labels?.tier, 'web');
    assert.notEqual(updated.metadata.resourceVersion, got.metadata.resourceVersion);

    const withStatus = await client.updateStatus(resources.pods, {
      ...updated,
      status: { phase: 'Running' },
    });
    assert.deepEqual(withStatus.status, { phase: 'Running' });

    const patched = await client.patch(
      resources.pods,
      'web-0',
      { metadata: { labels: { tier: null, a: 'b' } } },
      {
        namespace: 'default',
      },
    );
    assert.deepEqual(patched.metadata.labels, { a: 'b' });

    const deleted = (await client.delete(resources.pods, 'web-0', { namespace: 'default' })) as KubeObject;
    assert.equal(deleted.metadata.name, 'web-0');
    await assert.rejects(client.get(resources.pods, 'web-0', { namespace: 'default' }), isNotFound);
  });

  it('maps Statuses to ApiError with predicates: NotFound, AlreadyExists, Conflict', async () => {
    const { client } = await fx.world();
    const err = await client.get(resources.pods, 'nope', { namespace: 'default' }).catch((e: unknown) => e);
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 404);
    assert.equal(err.reason, 'NotFound');
    assert.equal(err.details?.name, 'nope');
    assert.ok(isNotFound(err) && !isConflict(err) && !isGone(err));

    const first = await client.create(resources.pods, pod('dup'));
    await assert.rejects(
      client.create(resources.pods, pod('dup')),
      (e) => isAlreadyExists(e) && !isConflict(e),
    );

    const stale = structuredClone(first);
    await client.update(resources.pods, { ...structuredClone(first), spec: { containers: [] } });
    await assert.rejects(client.update(resources.pods, stale), (e) => isConflict(e) && !isAlreadyExists(e));
    await assert.rejects(
      client.delete(resources.pods, 'dup', { namespace: 'default', preconditions: { uid: 'other' } }),
      isConflict,
    );
  });

  it('predicates read reason and code of any Status', () => {
    const e = (code: number, reason?: string) => new ApiError(failureStatus(code, 'x', reason));
    assert.ok(isInvalid(e(422)));
    assert.ok(isForbidden(e(403)));
    assert.ok(isTimeout(e(504)) && isTimeout(e(500, 'ServerTimeout')));
    assert.ok(isGone(e(410)) && isResourceExpired(e(410)) && !isResourceExpired(e(410, 'Gone')));
    assert.ok(!isNotFound(new Error('404')), 'only ApiErrors match');
  });

  it('dryRun does not persist; cluster-scoped and namespaced addressing', async () => {
    const { client, server } = await fx.world();
    await client.create(resources.pods, pod('dry'), { dryRun: true });
    assert.equal(server.requests.at(-1)?.query?.dryRun, 'All');
    await assert.rejects(client.get(resources.pods, 'dry', { namespace: 'default' }), isNotFound);
    await client.create(resources.nodes, { metadata: { name: 'node-0', namespace: 'ignored' } });
    assert.equal(server.requests.at(-1)?.namespace, undefined, 'no namespace for a cluster-scoped resource');
    await assert.rejects(
      client.get(resources.pods, 'x'),
      AssertionError,
      'a namespaced get needs a namespace',
    );
  });

  it('subresources: pods/binding', async () => {
    const { client } = await fx.world();
    await client.create(resources.pods, pod('bind-me'));
    const binding = {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'bind-me' },
      target: { name: 'node-7' },
    };
    await client.create(resources.pods, binding, {
      namespace: 'default',
      name: 'bind-me',
      subresource: 'binding',
    });
    const bound = await client.get<KubeObject & { spec: { nodeName?: string } }>(resources.pods, 'bind-me', {
      namespace: 'default',
    });
    assert.equal(bound.spec.nodeName, 'node-7');
  });

  it('sends the token with every request and the fencing token with writes only', async () => {
    const { server, makeClient } = await fx.world();
    let token = 7;
    const client = makeClient({ token: 'svc-token', fence: () => ({ lease: 'kube-scheduler', token }) });
    await client.create(resources.pods, pod('fenced'));
    token = 8;
    await client.get(resources.pods, 'fenced', { namespace: 'default' });
    await client.delete(resources.pods, 'fenced', { namespace: 'default', propagationPolicy: 'Background' });
    const [create, get, del] = server.requests;
    assert.equal(create?.token, 'svc-token');
    assert.deepEqual(create?.fence, { lease: 'kube-scheduler', token: 7 });
    assert.equal(get?.fence, undefined);
    assert.deepEqual(del?.fence, { lease: 'kube-scheduler', token: 8 });
    assert.deepEqual(del?.body, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' });
  });
});

describe('client - lists', () => {
  it('list filters by label selector; listAll follows continue across pages', async () => {
    const { client, server } = await fx.world();
    for (let i = 0; i < 7; i++)
      await client.create(resources.pods, pod(`p${i}`, 'lists', { app: i % 2 ? 'odd' : 'even' }));
    await client.create(resources.pods, pod('elsewhere', 'other'));
    const odd = await client.list(resources.pods, { namespace: 'lists', labelSelector: 'app=odd' });
    assert.deepEqual(
      odd.items.map((p) => p.metadata.name),
      ['p1', 'p3', 'p5'],
    );
    const before = server.requests.length;
    const all = await client.listAll(resources.pods, { namespace: 'lists', pageSize: 3 });
    assert.deepEqual(
      all.items.map((p) => p.metadata.name),
      ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6'],
    );
    const pages = server.requests.slice(before);
    assert.equal(pages.length, 3);
    assert.equal(pages[0]?.query?.continue, undefined);
    assert.ok(pages[1]?.query?.continue && pages[2]?.query?.continue);
    assert.equal(all.metadata.continue, undefined);
    assert.equal(all.metadata.resourceVersion, server.resourceVersion);
    const everywhere = await client.listAll(resources.pods, { pageSize: 100 });
    assert.equal(everywhere.items.length, 8);
  });

  it('an expired continue token is a 410 Expired', async () => {
    const { client, server } = await fx.world();
    for (let i = 0; i < 3; i++) await client.create(resources.pods, pod(`e${i}`, 'exp'));
    const first = await client.list(resources.pods, { namespace: 'exp', limit: 1 });
    await client.create(resources.pods, pod('e3', 'exp'));
    server.compact();
    const cont = first.metadata.continue ?? '';
    await assert.rejects(
      client.list(resources.pods, { namespace: 'exp', limit: 1, continue: cont }),
      isResourceExpired,
    );
  });

  it('deleteCollection removes what the selector matches', async () => {
    const { client } = await fx.world();
    for (const [n, app] of [
      ['a', 'x'],
      ['b', 'x'],
      ['c', 'y'],
    ] as const) {
      await client.create(resources.pods, pod(n, 'dc', { app }));
    }
    await client.deleteCollection(resources.pods, { namespace: 'dc', labelSelector: 'app=x' });
    const left = await client.list(resources.pods, { namespace: 'dc' });
    assert.deepEqual(
      left.items.map((p) => p.metadata.name),
      ['c'],
    );
  });
});

describe('client - transport failures', () => {
  it('reads retry transient failures (bounded); writes surface them at once', async () => {
    const { client, server } = await fx.world();
    await client.create(resources.pods, pod('r'));
    server.failNext(2);
    let before = server.requests.length;
    await client.get(resources.pods, 'r', { namespace: 'default' });
    assert.equal(server.requests.length - before, 3, 'two failures, then success');

    server.failNext(1, '503');
    await client.list(resources.pods, { namespace: 'default' });

    server.failNext(10);
    before = server.requests.length;
    const err = await client.get(resources.pods, 'r', { namespace: 'default' }).catch((e: unknown) => e);
    assert.ok(err instanceof ApiUnavailableError && err.why === 'overloaded', String(err));
    assert.equal(server.requests.length - before, 4, 'default: 4 attempts');

    server.failNext(1);
    before = server.requests.length;
    await assert.rejects(client.create(resources.pods, pod('w')), isUnavailable);
    assert.equal(server.requests.length - before, 1, 'writes are not retried');
    server.failNext(0);
  });

  it('no api replica at all: ApiUnavailableError no-responders, fast', async () => {
    const lonely = await startNatsServer();
    const bus = await testBus(lonely.url, 'lonely');
    try {
      const client = createApiClient({
        bus,
        clock: systemClock,
        rng: testRng(),
        logger,
        readRetry: { initialMs: 1 },
      });
      const started = Date.now();
      const err = await client.get(resources.nodes, 'n').catch((e: unknown) => e);
      assert.ok(err instanceof ApiUnavailableError && err.why === 'no-responders', String(err));
      assert.ok(Date.now() - started < 3_000, 'no waiting for a timeout');
    } finally {
      await bus.close();
      await lonely.stop();
    }
  });
});
