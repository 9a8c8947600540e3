/**
 * The request bodies kubectl 1.32 was observed to send (KUBECTL.md §1 and §4), applied through the
 * dispatcher exactly as the api server will: Content-Type, raw body text, target kind.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type JsonObject, type JsonValue, PatchError, applyPatch } from '../src/index.js';
import { at, deployment, nginxDeployment, statefulSet } from './fixtures.js';

const SMP = 'application/strategic-merge-patch+json';
const MERGE = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
const DEPLOYMENT = { group: 'apps', kind: 'Deployment' };

describe('kubectl apply (client-side) - observed SMP body', () => {
  const applyBody =
    '{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"},"template":{"spec":{"$setElementOrder/containers":[{"name":"a"}],"containers":[{"$setElementOrder/ports":[{"containerPort":80}],"args":["a"],"image":"nginx:2","name":"a","ports":[{"$patch":"delete","containerPort":443}]},{"$patch":"delete","name":"b"}]}}}}';
  const result = applyPatch(SMP, deployment(), applyBody, DEPLOYMENT);

  it('switches the strategy to Recreate and drops rollingUpdate ($retainKeys)', () => {
    assert.deepEqual(at(result, 'spec.strategy'), { type: 'Recreate' });
  });

  it('deletes container b and keeps container a merged by name', () => {
    const containers = at(result, 'spec.template.spec.containers') as JsonObject[];
    assert.deepEqual(
      containers.map((c) => c.name),
      ['a'],
    );
    assert.equal(at(result, 'spec.template.spec.containers.0.image'), 'nginx:2');
    assert.deepEqual(at(result, 'spec.template.spec.containers.0.args'), ['a']);
    // Fields the patch does not mention survive the merge.
    assert.equal(
      at(result, 'spec.template.spec.containers.0.terminationMessagePath'),
      '/dev/termination-log',
    );
  });

  it('deletes port 443 by containerPort and keeps port 80 with its protocol', () => {
    assert.deepEqual(at(result, 'spec.template.spec.containers.0.ports'), [
      { containerPort: 80, protocol: 'TCP' },
    ]);
  });

  it('leaves no directive in the result and the rest of the object untouched', () => {
    assert.doesNotMatch(
      JSON.stringify(result),
      /\$(patch|retainKeys|setElementOrder|deleteFromPrimitiveList)/,
    );
    assert.deepEqual(result.metadata, deployment().metadata);
    assert.deepEqual(result.status, deployment().status);
    assert.equal(at(result, 'spec.replicas'), 2);
  });
});

describe('kubectl set image --record', () => {
  const setImage =
    '{"metadata":{"annotations":{"kubernetes.io/change-cause":"kubectl set image deployment nginx nginx=nginx:1.9.1 --record=true"}},"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"}],"containers":[{"image":"nginx:1.9.1","name":"nginx"}]}}}}';

  it('adds the change-cause annotation next to the existing ones and changes only the image', () => {
    const result = applyPatch(SMP, nginxDeployment(), setImage, DEPLOYMENT);
    const annotations = at(result, 'metadata.annotations') as JsonObject;
    assert.equal(
      annotations['kubernetes.io/change-cause'],
      'kubectl set image deployment nginx nginx=nginx:1.9.1 --record=true',
    );
    assert.equal(annotations['deployment.kubernetes.io/revision'], '3');
    assert.equal(at(result, 'spec.template.spec.containers.0.image'), 'nginx:1.9.1');
    assert.deepEqual(at(result, 'spec.template.spec.containers.0.ports'), [
      { containerPort: 80, protocol: 'TCP' },
    ]);
  });

  it('keeps the other containers in $setElementOrder order when the Deployment has several', () => {
    const body =
      '{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"b"}],"containers":[{"image":"busybox:1.37","name":"b"}]}}}}';
    const result = applyPatch(SMP, deployment(), body, DEPLOYMENT);
    const containers = at(result, 'spec.template.spec.containers') as JsonObject[];
    assert.deepEqual(
      containers.map((c) => [c.name, c.image]),
      [
        ['a', 'nginx:1'],
        ['b', 'busybox:1.37'],
      ],
    );
  });
});

describe('kubectl edit', () => {
  it('applies the diff-only SMP body', () => {
    const body =
      '{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"}],"containers":[{"image":"nginx:1.19","name":"nginx"}]}}}}';
    const result = applyPatch(SMP, nginxDeployment(), body, DEPLOYMENT);
    assert.equal(at(result, 'spec.template.spec.containers.0.image'), 'nginx:1.19');
    assert.equal((at(result, 'spec.template.spec.containers') as JsonValue[]).length, 1);
  });
});

describe('kubectl rollout pause / resume / restart', () => {
  it('pause sets spec.paused', () => {
    const result = applyPatch(SMP, deployment(), '{"spec":{"paused":true}}', DEPLOYMENT);
    assert.equal(at(result, 'spec.paused'), true);
  });

  it('resume sends paused: null, which deletes the key', () => {
    const paused = applyPatch(SMP, deployment(), '{"spec":{"paused":true}}', DEPLOYMENT);
    const result = applyPatch(SMP, paused, '{"spec":{"paused":null}}', DEPLOYMENT);
    assert.equal(Object.hasOwn(result.spec as JsonObject, 'paused'), false);
    assert.equal(at(result, 'spec.replicas'), 2);
  });

  it('restart adds the restartedAt annotation to the pod template, keeping its labels', () => {
    const body =
      '{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2024-05-02T08:00:00Z"}}}}}';
    const result = applyPatch(SMP, deployment(), body, DEPLOYMENT);
    assert.deepEqual(at(result, 'spec.template.metadata'), {
      creationTimestamp: null,
      labels: { app: 'web' },
      annotations: { 'kubectl.kubernetes.io/restartedAt': '2024-05-02T08:00:00Z' },
    });
  });
});

describe('kubectl rollout undo deployment (JSON patch)', () => {
  const rsTemplate = {
    metadata: { creationTimestamp: null, labels: { app: 'web' } },
    spec: { containers: [{ name: 'a', image: 'nginx:0.9' }], restartPolicy: 'Always' },
  };
  const annotations = {
    'deployment.kubernetes.io/revision': '3',
    'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"apps/v1","kind":"Deployment"}',
    'kubernetes.io/change-cause': 'kubectl set image deployment web a=nginx:0.9',
  };
  const body = JSON.stringify([
    { op: 'replace', path: '/spec/template', value: rsTemplate },
    { op: 'replace', path: '/metadata/annotations', value: annotations },
  ]);

  it('replaces the pod template and the annotations wholesale', () => {
    const result = applyPatch(JSON_PATCH, deployment(), body, DEPLOYMENT);
    assert.deepEqual(at(result, 'spec.template'), rsTemplate);
    assert.deepEqual(at(result, 'metadata.annotations'), annotations);
    assert.equal(at(result, 'metadata.name'), 'web');
  });

  it('fails with 422 when /metadata/annotations does not exist', () => {
    const live = structuredClone(deployment()) as { metadata: JsonObject };
    delete live.metadata.annotations;
    assert.throws(
      () => applyPatch(JSON_PATCH, live as unknown as JsonObject, body, DEPLOYMENT),
      (error: unknown) => {
        assert.ok(error instanceof PatchError);
        assert.equal(error.code, 422);
        assert.equal(
          error.detail,
          'replace operation does not apply: doc is missing path: /metadata/annotations',
        );
        assert.deepEqual(error.toStatus(), {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'the server rejected our request due to an error in our request',
          reason: 'Invalid',
          details: {},
          code: 422,
        });
        return true;
      },
    );
  });
});

describe('kubectl label / scale (merge patch)', () => {
  const node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'node-2', labels: { 'kubernetes.io/hostname': 'node-2', disktype: 'ssd' } },
  };

  it('label adds a label on a cluster-scoped object', () => {
    const result = applyPatch(MERGE, node, '{"metadata":{"labels":{"region":"subnet7"}}}', {
      group: '',
      kind: 'Node',
    });
    assert.deepEqual(at(result, 'metadata.labels'), {
      'kubernetes.io/hostname': 'node-2',
      disktype: 'ssd',
      region: 'subnet7',
    });
  });

  it('label key- sends null, which removes the label', () => {
    const result = applyPatch(MERGE, node, '{"metadata":{"labels":{"disktype":null}}}', {
      group: '',
      kind: 'Node',
    });
    assert.deepEqual(at(result, 'metadata.labels'), { 'kubernetes.io/hostname': 'node-2' });
  });

  it('scale patches spec.replicas of the autoscaling/v1 Scale', () => {
    const scale = {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: 'web', namespace: 'default', uid: 'u', resourceVersion: '7' },
      spec: { replicas: 2 },
      status: { replicas: 2, selector: 'app=web' },
    };
    const result = applyPatch(MERGE, scale, '{"spec":{"replicas":5}}', {
      group: 'autoscaling',
      kind: 'Scale',
    });
    assert.deepEqual(result, { ...scale, spec: { replicas: 5 } });
  });
});

describe('kubectl rollout undo statefulset (ControllerRevision data as SMP)', () => {
  const revisionData = {
    spec: {
      template: {
        $patch: 'replace',
        metadata: { creationTimestamp: null, labels: { app: 'nginx' } },
        spec: {
          containers: [{ name: 'nginx', image: 'nginx:1.24', ports: [{ containerPort: 80, name: 'web' }] }],
        },
      },
    },
  };

  it('replaces the whole pod template and keeps the rest of the spec', () => {
    const result = applyPatch(SMP, statefulSet(), JSON.stringify(revisionData), {
      group: 'apps',
      kind: 'StatefulSet',
    });
    // Everything the revision does not carry is gone (initContainers, volumes, the exporter, annotations);
    // `creationTimestamp: null` is a deletion like any SMP null, so it is absent rather than null.
    assert.deepEqual(at(result, 'spec.template'), {
      metadata: { labels: { app: 'nginx' } },
      spec: revisionData.spec.template.spec,
    });
    assert.equal(at(result, 'spec.replicas'), 3);
    assert.equal(at(result, 'spec.serviceName'), 'nginx');
    assert.deepEqual(at(result, 'spec.volumeClaimTemplates'), at(statefulSet(), 'spec.volumeClaimTemplates'));
  });
});
