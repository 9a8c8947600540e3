import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { seededRng } from '@kubelab/clock';
import { FakeClock } from '@kubelab/testkit';
import { ApiCore } from '../src/core/api-core.js';
import type { ApiWatchEvent, RequestUser } from '../src/core/handler.js';
import { kubeAdmission } from '../src/core/kube-admission.js';
import { LocalLog } from '../src/store/command-log.js';
import { ReplicatedStore } from '../src/store/replicated-store.js';

const ADMIN: RequestUser = { name: 'admin', groups: ['system:masters'] };
const at = (version: string) => ({
  group: 'autoscaling',
  version,
  resource: 'horizontalpodautoscalers',
  namespace: 'default',
});
// biome-ignore lint/suspicious/noExplicitAny: the test reads JSON answers
type Obj = Record<string, any>;

async function newCore(): Promise<ApiCore> {
  const log = new LocalLog();
  const clock = new FakeClock(0, Date.UTC(2026, 0, 1));
  const store = new ReplicatedStore({ log, clock });
  log.attach(store.applyEntry);
  let uid = 0;
  const core = new ApiCore({
    store,
    admission: kubeAdmission(),
    clock,
    rng: seededRng(3),
    newUid: () => `uid-${++uid}`,
  });
  const r = await core.handle(
    {
      verb: 'create',
      group: '',
      version: 'v1',
      resource: 'namespaces',
      body: { metadata: { name: 'default' } },
    },
    ADMIN,
  );
  assert.equal(r.code, 201);
  return core;
}

const v1Hpa = {
  apiVersion: 'autoscaling/v1',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web' },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    minReplicas: 1,
    maxReplicas: 5,
    targetCPUUtilizationPercentage: 50,
  },
};

describe('HPA autoscaling/v1 through v2 storage', () => {
  test('hpa versions - a v1 create is stored as v2 and read back in either version', async () => {
    const core = await newCore();
    const created = await core.handle({ ...at('v1'), verb: 'create', body: v1Hpa }, ADMIN);
    assert.equal(created.code, 201);
    assert.equal((created.body as Obj).apiVersion, 'autoscaling/v1');
    assert.equal((created.body as Obj).spec.targetCPUUtilizationPercentage, 50);

    const asV2 = (await core.handle({ ...at('v2'), verb: 'get', name: 'web' }, ADMIN)).body as Obj;
    assert.equal(asV2.apiVersion, 'autoscaling/v2');
    assert.deepEqual(asV2.spec.metrics, [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
      },
    ]);
    const list = (await core.handle({ ...at('v1'), verb: 'list' }, ADMIN)).body as Obj;
    assert.equal(list.items.length, 1);
    assert.equal(list.items[0].apiVersion, 'autoscaling/v1');
    assert.equal(list.items[0].spec.targetCPUUtilizationPercentage, 50);
  });

  test('hpa versions - a v1 merge patch applies to the v1 view and keeps v2-only fields', async () => {
    const core = await newCore();
    const v2 = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        maxReplicas: 5,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } },
          },
          {
            type: 'Resource',
            resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } },
          },
        ],
      },
    };
    assert.equal((await core.handle({ ...at('v2'), verb: 'create', body: v2 }, ADMIN)).code, 201);
    const patched = await core.handle(
      {
        ...at('v1'),
        verb: 'patch',
        name: 'web',
        patchType: 'application/merge-patch+json',
        body: { spec: { maxReplicas: 9, targetCPUUtilizationPercentage: 70 } },
      },
      ADMIN,
    );
    assert.equal(patched.code, 200, JSON.stringify(patched.body));
    assert.equal((patched.body as Obj).spec.maxReplicas, 9);
    const stored = (await core.handle({ ...at('v2'), verb: 'get', name: 'web' }, ADMIN)).body as Obj;
    assert.equal(stored.spec.maxReplicas, 9);
    const metrics = stored.spec.metrics as Obj[];
    assert.equal(metrics.find((m) => m.resource.name === 'cpu')?.resource.target.averageUtilization, 70);
    assert.ok(
      metrics.some((m) => m.resource.name === 'memory'),
      'the memory metric survives in the v2 object (carried in an annotation by the v1 view)',
    );
  });

  test('hpa versions - a v1 watch sees v1 objects; Strict checks the v1 schema', async () => {
    const core = await newCore();
    const start = await core.watch({ ...at('v1'), verb: 'watch', query: { resourceVersion: '0' } }, ADMIN);
    assert.ok(start.ok);
    const it = start.events[Symbol.asyncIterator]();
    await core.handle(
      {
        ...at('v2'),
        verb: 'create',
        body: {
          ...v1Hpa,
          apiVersion: 'autoscaling/v2',
          spec: { scaleTargetRef: v1Hpa.spec.scaleTargetRef, maxReplicas: 3 },
        },
      },
      ADMIN,
    );
    const ev = (await it.next()).value as ApiWatchEvent;
    assert.equal(ev.type, 'ADDED');
    assert.equal(ev.object.apiVersion, 'autoscaling/v1');
    start.close();

    const strict = await core.handle(
      {
        ...at('v1'),
        verb: 'create',
        query: { fieldValidation: 'Strict' },
        body: { ...v1Hpa, metadata: { name: 'x' }, spec: { ...v1Hpa.spec, metrics: [] } },
      },
      ADMIN,
    );
    assert.equal(strict.code, 400);
    assert.match(String((strict.body as Obj).message), /unknown field "spec\.metrics"/);
  });
});
