/**
 * The Metrics API over the HTTP front and a real ApiCore (production admission, one-member local log):
 * discovery in every form kubectl reads, NodeMetrics/PodMetrics lists and gets, selectors, NotFound and
 * MethodNotAllowed Statuses, and that only Running pods with usage and Ready nodes appear.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { USAGE_ANNOTATION } from '@kubelab/api-types';
import { seededRng } from '@kubelab/clock';
import { FakeClock } from '@kubelab/testkit';
import { ApiCore } from '../../src/core/api-core.js';
import type { ApiRequest } from '../../src/core/handler.js';
import { kubeAdmission } from '../../src/core/kube-admission.js';
import { createHttpApp } from '../../src/http/app.js';
import { LocalLog } from '../../src/store/command-log.js';
import { ReplicatedStore } from '../../src/store/replicated-store.js';
import { ADMIN, TOKEN } from '../http/fake-handler.js';
import { DISCOVERY_ACCEPT, NOW_MS } from '../http/helpers.js';

const SEED = 7;
const MI = 1024 * 1024;
const NOW = new Date(NOW_MS).toISOString().replace('.000Z', 'Z');
type Json = Record<string, unknown>;

let core: ApiCore;
let request: (path: string, init?: RequestInit) => Response | Promise<Response>;

async function must(req: ApiRequest, code = 0): Promise<Json> {
  const r = await core.handle(req, ADMIN);
  assert.ok(
    code === 0 ? r.code < 300 : r.code === code,
    `${req.verb} ${req.resource}: ${JSON.stringify(r.body)}`,
  );
  return r.body as Json;
}

async function addNode(name: string, ready: 'True' | 'Unknown' = 'True') {
  await must({
    verb: 'create',
    group: '',
    version: 'v1',
    resource: 'nodes',
    body: {
      metadata: { name, labels: { 'kubernetes.io/hostname': name } },
      status: {
        conditions: [{ type: 'Ready', status: ready }],
        capacity: { cpu: '4', memory: '8Gi' },
        allocatable: { cpu: '4', memory: '8Gi' },
      },
    },
  });
}

async function addPod(
  name: string,
  o: {
    node?: string;
    labels?: Record<string, string>;
    phase?: string;
    usage?: [number, number];
    ns?: string;
  },
) {
  const ns = o.ns ?? 'default';
  const annotations = o.usage
    ? {
        [USAGE_ANNOTATION]: JSON.stringify({
          cpuMilli: o.usage[0],
          memoryBytes: o.usage[1],
          containers: { app: { cpuMilli: o.usage[0], memoryBytes: o.usage[1] } },
          timestamp: NOW,
          windowSeconds: 15,
        }),
      }
    : undefined;
  await must({
    verb: 'create',
    group: '',
    version: 'v1',
    resource: 'pods',
    namespace: ns,
    body: {
      metadata: { name, labels: o.labels ?? {}, ...(annotations ? { annotations } : {}) },
      spec: { nodeName: o.node ?? 'node-0', containers: [{ name: 'app', image: 'nginx' }] },
    },
  });
  await must({
    verb: 'patch',
    group: '',
    version: 'v1',
    resource: 'pods',
    subresource: 'status',
    namespace: ns,
    name,
    patchType: 'application/merge-patch+json',
    body: { status: { phase: o.phase ?? 'Running' } },
  });
}

const get = async (path: string, init: RequestInit = {}) => {
  const res = await request(path, init);
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Json };
};
const names = (body: Json) =>
  (body.items as { metadata: { name: string; namespace?: string } }[]).map((i) =>
    i.metadata.namespace ? `${i.metadata.namespace}/${i.metadata.name}` : i.metadata.name,
  );

beforeEach(async () => {
  const log = new LocalLog();
  const clock = new FakeClock(0, NOW_MS);
  const store = new ReplicatedStore({ log, clock });
  log.attach(store.applyEntry);
  let uid = 0;
  core = new ApiCore({
    store,
    admission: kubeAdmission(),
    clock,
    rng: seededRng(SEED),
    newUid: () => `uid-${++uid}`,
  });
  for (const name of ['default', 'other'])
    await must({
      verb: 'create',
      group: '',
      version: 'v1',
      resource: 'namespaces',
      body: { metadata: { name } },
    });
  const http = createHttpApp({
    handler: core,
    clock,
    authenticate: (t) => (t === TOKEN ? ADMIN : undefined),
    ready: () => true,
    id: 'api-0',
  });
  request = (path, init = {}) =>
    http.app.request(path, {
      ...init,
      headers: { authorization: `Bearer ${TOKEN}`, ...(init.headers as Record<string, string> | undefined) },
    });
  await addNode('node-0');
  await addNode('node-1');
  await addNode('node-lost', 'Unknown');
  await addPod('web-1', { labels: { app: 'web' }, usage: [100, 10 * MI] });
  await addPod('web-2', { labels: { app: 'web' }, usage: [40, 6 * MI], node: 'node-1' });
  await addPod('db', { labels: { app: 'db' }, usage: [7, 20 * MI] });
  await addPod('starting', { labels: { app: 'web' } });
  await addPod('pending', { labels: { app: 'web' }, usage: [999, 999 * MI], phase: 'Pending' });
  await addPod('elsewhere', { ns: 'other', usage: [3, 3 * MI] });
});

describe(`metrics api (seed ${SEED})`, () => {
  test('discovery - aggregated /apis lists metrics.k8s.io v1beta1 nodes and pods (get, list)', async () => {
    const res = await get('/apis', { headers: { accept: DISCOVERY_ACCEPT } });
    const groups = res.body.items as { metadata: { name: string }; versions: Json[] }[];
    const metrics = groups.find((g) => g.metadata.name === 'metrics.k8s.io');
    assert.ok(metrics, 'metrics.k8s.io is in the aggregated /apis');
    assert.equal(groups.at(-1), metrics, 'listed last');
    assert.deepEqual(metrics.versions, [
      {
        version: 'v1beta1',
        resources: [
          {
            resource: 'nodes',
            responseKind: { group: 'metrics.k8s.io', version: 'v1beta1', kind: 'NodeMetrics' },
            scope: 'Cluster',
            singularResource: 'node',
            verbs: ['get', 'list'],
          },
          {
            resource: 'pods',
            responseKind: { group: 'metrics.k8s.io', version: 'v1beta1', kind: 'PodMetrics' },
            scope: 'Namespaced',
            singularResource: '',
            verbs: ['get', 'list'],
          },
        ],
        freshness: 'Current',
      },
    ]);
    const api = await get('/api', { headers: { accept: DISCOVERY_ACCEPT } });
    const core = api.body.items as { metadata: { name: string } }[];
    assert.ok(!core.some((g) => g.metadata.name === 'metrics.k8s.io'), 'not in /api');
  });

  test('discovery - legacy /apis, /apis/metrics.k8s.io and /apis/metrics.k8s.io/v1beta1', async () => {
    const gv = { groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' };
    const list = await get('/apis');
    const groups = list.body.groups as Json[];
    assert.deepEqual(groups.at(-1), { name: 'metrics.k8s.io', versions: [gv], preferredVersion: gv });
    const group = await get('/apis/metrics.k8s.io');
    assert.deepEqual(group.body, {
      kind: 'APIGroup',
      apiVersion: 'v1',
      name: 'metrics.k8s.io',
      versions: [gv],
      preferredVersion: gv,
    });
    const resources = await get('/apis/metrics.k8s.io/v1beta1');
    assert.equal(resources.status, 200);
    assert.deepEqual(resources.body, {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: 'metrics.k8s.io/v1beta1',
      resources: [
        {
          name: 'nodes',
          singularName: 'node',
          namespaced: false,
          kind: 'NodeMetrics',
          verbs: ['get', 'list'],
        },
        { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
      ],
    });
    assert.equal((await get('/apis/metrics.k8s.io/v1')).status, 404);
  });

  test('nodes - a NodeMetricsList of the Ready nodes: their pods plus the system overhead', async () => {
    const res = await get('/apis/metrics.k8s.io/v1beta1/nodes');
    assert.equal(res.status, 200);
    assert.equal(res.type, 'application/json');
    assert.equal(res.body.kind, 'NodeMetricsList');
    assert.equal(res.body.apiVersion, 'metrics.k8s.io/v1beta1');
    assert.deepEqual(res.body.metadata, {});
    assert.deepEqual(names(res.body), ['node-0', 'node-1']);
    const [n0, n1] = res.body.items as Json[];
    // node-0: web-1 (100m, 10Mi) + db (7m, 20Mi) + other/elsewhere (3m, 3Mi) + overhead (20m, 64Mi); the
    // pending pod and the one without usage do not count.
    assert.deepEqual(n0, {
      metadata: { name: 'node-0', labels: { 'kubernetes.io/hostname': 'node-0' }, creationTimestamp: NOW },
      timestamp: NOW,
      window: '15s',
      usage: { cpu: '130m', memory: '97Mi' },
    });
    assert.deepEqual((n1 as { usage: Json }).usage, { cpu: '60m', memory: '70Mi' });
    const byLabel = await get(
      '/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=kubernetes.io%2Fhostname%3Dnode-1',
    );
    assert.deepEqual(names(byLabel.body), ['node-1']);
  });

  test('nodes - get by name; NotFound as metrics-server words it', async () => {
    const one = await get('/apis/metrics.k8s.io/v1beta1/nodes/node-1');
    assert.equal(one.status, 200);
    assert.equal(one.body.kind, 'NodeMetrics');
    assert.equal(one.body.apiVersion, 'metrics.k8s.io/v1beta1');
    assert.deepEqual(one.body.usage, { cpu: '60m', memory: '70Mi' });
    const lost = await get('/apis/metrics.k8s.io/v1beta1/nodes/node-lost');
    assert.equal(lost.status, 404);
    assert.equal(lost.body.message, 'nodemetrics.metrics.k8s.io "node-lost" not found');
    assert.deepEqual(lost.body.details, { name: 'node-lost', group: 'metrics.k8s.io', kind: 'nodemetrics' });
    const none = await get('/apis/metrics.k8s.io/v1beta1/nodes/nope');
    assert.equal(none.status, 404);
    assert.equal(none.body.message, 'nodes "nope" not found');
  });

  test('pods - a PodMetricsList of the namespace’s Running pods with usage, by label too', async () => {
    const res = await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods');
    assert.equal(res.status, 200);
    assert.equal(res.body.kind, 'PodMetricsList');
    assert.equal(res.body.apiVersion, 'metrics.k8s.io/v1beta1');
    assert.deepEqual(names(res.body), ['default/db', 'default/web-1', 'default/web-2']);
    assert.deepEqual((res.body.items as Json[])[1], {
      metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web' }, creationTimestamp: NOW },
      timestamp: NOW,
      window: '15s',
      containers: [{ name: 'app', usage: { cpu: '100m', memory: '10Mi' } }],
    });
    const web = await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dweb');
    assert.deepEqual(names(web.body), ['default/web-1', 'default/web-2']);
    const all = await get('/apis/metrics.k8s.io/v1beta1/pods');
    assert.deepEqual(names(all.body), ['default/db', 'default/web-1', 'default/web-2', 'other/elsewhere']);
    const onNode = await get('/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=spec.nodeName%3Dnode-1');
    assert.deepEqual(names(onNode.body), ['default/web-2']);
    const bad = await get('/apis/metrics.k8s.io/v1beta1/pods?labelSelector=app%3D%3D%3D');
    assert.equal(bad.status, 400);
  });

  test('pods - get by name; a pod without usage or not Running is NotFound', async () => {
    const one = await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/db');
    assert.equal(one.status, 200);
    assert.equal(one.body.kind, 'PodMetrics');
    assert.deepEqual(one.body.containers, [{ name: 'app', usage: { cpu: '7m', memory: '20Mi' } }]);
    for (const name of ['starting', 'pending']) {
      const r = await get(`/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/${name}`);
      assert.equal(r.status, 404, name);
      assert.equal(r.body.reason, 'NotFound');
      assert.equal(r.body.message, `podmetrics.metrics.k8s.io "default/${name}" not found`);
    }
    const none = await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope');
    assert.equal(none.status, 404);
    assert.equal(none.body.message, 'pods "nope" not found');
  });

  test('read-only - writes and watches are 405, unknown paths 404', async () => {
    const post = await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods', {
      method: 'POST',
      body: '{}',
    });
    assert.equal(post.status, 405);
    assert.equal(post.body.reason, 'MethodNotAllowed');
    const del = await get('/apis/metrics.k8s.io/v1beta1/nodes/node-0', { method: 'DELETE' });
    assert.equal(del.status, 405);
    const watch = await get('/apis/metrics.k8s.io/v1beta1/nodes?watch=true');
    assert.equal(watch.status, 405);
    for (const path of [
      '/apis/metrics.k8s.io/v1beta1/services',
      '/apis/metrics.k8s.io/v1beta1/namespaces/default/nodes',
      '/apis/metrics.k8s.io/v1beta1/pods/web-1',
      '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web-1/log',
    ]) {
      assert.equal((await get(path)).status, 404, path);
    }
  });
});
