import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { seededRng } from '@kubelab/clock';
import { FakeClock } from '@kubelab/testkit';
import { ApiCore } from '../src/core/api-core.js';
import { checkFields, fieldValidationOf, unknownFields } from '../src/core/field-validation.js';
import type { RequestUser } from '../src/core/handler.js';
import { kubeAdmission } from '../src/core/kube-admission.js';
import { LocalLog } from '../src/store/command-log.js';
import { ReplicatedStore } from '../src/store/replicated-store.js';

const ADMIN: RequestUser = { name: 'admin', groups: ['system:masters'] };

const pod = (extra: Record<string, unknown> = {}, container: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', labels: { any: 'label' }, annotations: { 'x/y': 'z' }, creationTimestamp: null },
  spec: {
    containers: [
      {
        name: 'c',
        image: 'nginx',
        resources: { limits: { cpu: '1' } },
        livenessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 5 },
        ...container,
      },
    ],
    volumes: [
      { name: 'v', emptyDir: {} },
      { name: 'cm', configMap: { name: 'x', items: [{ key: 'a', path: 'b' }] } },
    ],
    nodeSelector: { disk: 'ssd' },
    ...extra,
  },
  status: {},
});

describe('field validation', () => {
  test('field validation - a full pod has no unknown fields; typos are found with their paths', () => {
    assert.deepEqual(unknownFields('', 'v1', 'Pod', pod()), []);
    assert.deepEqual(
      unknownFields(
        '',
        'v1',
        'Pod',
        pod({ bogusField: 1 }, { imagePullPolic: 'Always', livenessProbe: { httpGet: { pth: '/' } } }),
      ),
      // in the order the fields appear (livenessProbe keeps its place in the spread)
      [
        'spec.containers[0].livenessProbe.httpGet.pth',
        'spec.containers[0].imagePullPolic',
        'spec.bogusField',
      ],
    );
    assert.deepEqual(unknownFields('', 'v1', 'Pod', { ...pod(), extra: true }), ['extra']);
  });

  test('field validation - the main kinds have schemas', () => {
    const kinds: [string, string, string, Record<string, unknown>][] = [
      [
        'apps',
        'v1',
        'Deployment',
        { spec: { replicas: 1, strategy: { rollingUpdate: { maxSurge: '25%' } }, replicaz: 1 } },
      ],
      [
        'apps',
        'v1',
        'StatefulSet',
        { spec: { serviceName: 's', volumeClaimTemplates: [{ spec: { nope: 1 } }] } },
      ],
      ['apps', 'v1', 'DaemonSet', { spec: { updateStrategy: { type: 'RollingUpdate' }, nope: 1 } }],
      ['apps', 'v1', 'ReplicaSet', { spec: { nope: 1 } }],
      ['apps', 'v1', 'ControllerRevision', { data: { anything: { goes: 1 } }, revision: 1, nope: 1 }],
      ['', 'v1', 'Service', { spec: { ports: [{ port: 80, targetPort: 'http', nope: 1 }] } }],
      ['', 'v1', 'ConfigMap', { data: { a: 'b' }, nope: 1 }],
      ['', 'v1', 'Secret', { stringData: { a: 'b' }, type: 'Opaque', nope: 1 }],
      ['', 'v1', 'Namespace', { spec: { finalizers: ['kubernetes'] }, nope: 1 }],
      [
        '',
        'v1',
        'Node',
        { spec: { podCIDR: '10.0.0.0/24', taints: [{ key: 'k', effect: 'NoSchedule', nope: 1 }] } },
      ],
      ['', 'v1', 'Endpoints', { subsets: [{ addresses: [{ ip: '1.2.3.4', nope: 1 }] }] }],
      ['', 'v1', 'Event', { involvedObject: { name: 'x' }, eventTime: null, nope: 1 }],
      ['', 'v1', 'ServiceAccount', { secrets: [{ name: 's' }], nope: 1 }],
      ['', 'v1', 'ReplicationController', { spec: { selector: { a: 'b' }, nope: 1 } }],
      [
        'discovery.k8s.io',
        'v1',
        'EndpointSlice',
        { addressType: 'IPv4', endpoints: [{ addresses: [], nope: 1 }] },
      ],
      ['coordination.k8s.io', 'v1', 'Lease', { spec: { holderIdentity: 'x', nope: 1 } }],
      [
        'autoscaling',
        'v2',
        'HorizontalPodAutoscaler',
        { spec: { metrics: [{ type: 'Resource', nope: 1 }] } },
      ],
      [
        'autoscaling',
        'v1',
        'HorizontalPodAutoscaler',
        { spec: { targetCPUUtilizationPercentage: 5, nope: 1 } },
      ],
      ['networking.k8s.io', 'v1', 'Ingress', { spec: { rules: [{ host: 'a', nope: 1 }] } }],
      ['batch', 'v1', 'Job', { spec: { backoffLimit: 1, nope: 1 } }],
    ];
    for (const [g, v, k, obj] of kinds) {
      const found = unknownFields(g, v, k, obj);
      assert.equal(found.length, 1, `${k}: ${found.join(', ')}`);
      assert.match(found[0] ?? '', /(^|\.)nope$|replicaz$/, `${k}: ${found[0]}`);
    }
  });

  test('field validation - Strict throws the apiserver message; Warn and Ignore drop the fields', () => {
    const bad = pod({}, { imagePullPolic: 'Always' });
    assert.throws(
      () => checkFields('', 'v1', 'Pod', bad, 'Strict'),
      (e: Error & { status?: { code?: number; reason?: string } }) =>
        e.status?.code === 400 &&
        e.status.reason === 'BadRequest' &&
        e.message ===
          'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].imagePullPolic"',
    );
    const warned = checkFields('', 'v1', 'Pod', bad, 'Warn');
    assert.deepEqual(warned.warnings, ['unknown field "spec.containers[0].imagePullPolic"']);
    assert.equal('imagePullPolic' in (warned.object.spec.containers[0] ?? {}), false);
    assert.equal('imagePullPolic' in (bad.spec.containers[0] ?? {}), true, 'the input is not mutated');
    const ignored = checkFields('', 'v1', 'Pod', bad, 'Ignore');
    assert.deepEqual(ignored.warnings, []);
    assert.equal('imagePullPolic' in (ignored.object.spec.containers[0] ?? {}), false);
    assert.deepEqual(checkFields('', 'v1', 'Pod', bad, undefined).object, bad);
  });

  test('field validation - the directive is checked', () => {
    assert.equal(fieldValidationOf({ fieldValidation: 'strict' }), 'Strict');
    assert.equal(fieldValidationOf({}), undefined);
    assert.throws(() => fieldValidationOf({ fieldValidation: 'Loud' }), /must be one of/);
  });

  test('field validation - through ApiCore: create, update and patch', async () => {
    const log = new LocalLog();
    const clock = new FakeClock(0, Date.UTC(2026, 0, 1));
    const store = new ReplicatedStore({ log, clock });
    log.attach(store.applyEntry);
    const core = new ApiCore({
      store,
      admission: kubeAdmission(),
      clock,
      rng: seededRng(7),
      newUid: () => 'uid-1',
    });
    const ns = await core.handle(
      {
        verb: 'create',
        group: '',
        version: 'v1',
        resource: 'namespaces',
        body: { metadata: { name: 'default' } },
      },
      ADMIN,
    );
    assert.equal(ns.code, 201);
    const req = { group: '', version: 'v1', resource: 'configmaps', namespace: 'default' };
    const strict = await core.handle(
      {
        ...req,
        verb: 'create',
        query: { fieldValidation: 'Strict' },
        body: { metadata: { name: 'a' }, dta: {} },
      },
      ADMIN,
    );
    assert.equal(strict.code, 400);
    assert.match(
      String((strict.body as { message: string }).message),
      /strict decoding error: unknown field "dta"/,
    );
    const warn = await core.handle(
      {
        ...req,
        verb: 'create',
        query: { fieldValidation: 'Warn' },
        body: { metadata: { name: 'a' }, dta: {} },
      },
      ADMIN,
    );
    assert.equal(warn.code, 201);
    assert.deepEqual((warn as { warnings?: string[] }).warnings, ['unknown field "dta"']);
    assert.equal('dta' in (warn.body as object), false);
    const patched = await core.handle(
      {
        ...req,
        verb: 'patch',
        name: 'a',
        patchType: 'application/merge-patch+json',
        query: { fieldValidation: 'Strict' },
        body: { data: { k: 'v' }, metadata: { labelz: {} } },
      },
      ADMIN,
    );
    assert.equal(patched.code, 400);
    assert.match(String((patched.body as { message: string }).message), /unknown field "metadata.labelz"/);
    const none = await core.handle(
      { ...req, verb: 'create', body: { metadata: { name: 'b' }, kubelabExtra: 1 } },
      ADMIN,
    );
    assert.equal(none.code, 201, 'without a directive nothing is checked');
  });
});
