/**
 * Strategic merge patch on the fields whose merge keys matter in practice: env, volumes, volumeMounts,
 * status.conditions, ownerReferences, finalizers, Service ports, and the lists Kubernetes replaces.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type JsonObject, applyStrategicMergePatch, schemaFor } from '../src/index.js';
import { at, body, deployment, pod } from './fixtures.js';

const POD = schemaFor('', 'Pod');
const smp = (doc: JsonObject, patch: string, schema = POD): JsonObject =>
  applyStrategicMergePatch(doc, body(patch), schema);

describe('env merges by name', () => {
  it('changes one variable, adds one, deletes one, keeps the rest in order', () => {
    const result = smp(
      pod(),
      '{"spec":{"containers":[{"name":"app","$setElementOrder/env":[{"name":"MODE"},{"name":"POD_IP"},{"name":"NEW"}],"env":[{"name":"MODE","value":"dev"},{"name":"NEW","value":"1"},{"$patch":"delete","name":"DEBUG"}]}]}}',
    );
    assert.deepEqual(at(result, 'spec.containers.0.env'), [
      { name: 'MODE', value: 'dev' },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'NEW', value: '1' },
    ]);
  });

  it('switching valueFrom to value needs valueFrom: null, as kubectl sends it', () => {
    const result = smp(
      pod(),
      '{"spec":{"containers":[{"name":"app","env":[{"name":"POD_IP","value":"x","valueFrom":null}]}]}}',
    );
    assert.deepEqual(at(result, 'spec.containers.0.env.1'), { name: 'POD_IP', value: 'x' });
  });

  it('envFrom has no merge key and is replaced', () => {
    const result = smp(
      pod(),
      '{"spec":{"containers":[{"name":"app","envFrom":[{"secretRef":{"name":"s"}}]}]}}',
    );
    assert.deepEqual(at(result, 'spec.containers.0.envFrom'), [{ secretRef: { name: 's' } }]);
  });
});

describe('volumes merge by name, volumeMounts by mountPath', () => {
  it('switching a volume source uses $retainKeys to drop the old source', () => {
    const result = smp(
      pod(),
      '{"spec":{"volumes":[{"$retainKeys":["configMap","name"],"configMap":{"name":"cfg"},"name":"data"}]}}',
    );
    assert.deepEqual(at(result, 'spec.volumes'), [
      { name: 'data', configMap: { name: 'cfg' } },
      { name: 'cache', emptyDir: { medium: 'Memory' } },
    ]);
  });

  it('a mount merges on mountPath even when its volume name changes', () => {
    const result = smp(
      pod(),
      '{"spec":{"containers":[{"name":"app","volumeMounts":[{"mountPath":"/cache","name":"data","readOnly":true}]}]}}',
    );
    assert.deepEqual(at(result, 'spec.containers.0.volumeMounts'), [
      { name: 'data', mountPath: '/data' },
      { name: 'data', mountPath: '/cache', readOnly: true },
    ]);
  });
});

describe('status.conditions merge by type', () => {
  it('updates one condition of a Pod and keeps the others', () => {
    const result = smp(pod(), '{"status":{"conditions":[{"type":"Ready","status":"True","reason":null}]}}');
    assert.deepEqual(at(result, 'status.conditions'), [
      { type: 'PodScheduled', status: 'True' },
      { type: 'Ready', status: 'True' },
    ]);
  });

  it('adds a condition to a Deployment (new items come first without $setElementOrder, as in apimachinery)', () => {
    const result = applyStrategicMergePatch(
      deployment(),
      body('{"status":{"conditions":[{"type":"ReplicaFailure","status":"True"}]}}'),
      schemaFor('apps', 'Deployment'),
    );
    assert.deepEqual(
      (at(result, 'status.conditions') as JsonObject[]).map((c) => c.type),
      ['ReplicaFailure', 'Available', 'Progressing'],
    );
  });
});

describe('metadata', () => {
  it('ownerReferences merge by uid', () => {
    const result = smp(
      pod(),
      '{"metadata":{"ownerReferences":[{"uid":"uid-rs-1","blockOwnerDeletion":true},{"$patch":"delete","uid":"uid-cm-1"}]}}',
    );
    assert.deepEqual(at(result, 'metadata.ownerReferences'), [
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'web-1',
        uid: 'uid-rs-1',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });

  it('finalizers merge as a set; $deleteFromPrimitiveList removes values', () => {
    const result = smp(
      pod(),
      '{"metadata":{"$setElementOrder/finalizers":["example.com/b","example.com/c"],"$deleteFromPrimitiveList/finalizers":["example.com/a"],"finalizers":["example.com/c"]}}',
    );
    assert.deepEqual(at(result, 'metadata.finalizers'), ['example.com/b', 'example.com/c']);
  });

  it('adding an existing finalizer does not duplicate it', () => {
    const result = smp(pod(), '{"metadata":{"finalizers":["example.com/b","example.com/z"]}}');
    assert.deepEqual(
      new Set(at(result, 'metadata.finalizers') as string[]),
      new Set(['example.com/a', 'example.com/b', 'example.com/z']),
    );
    assert.equal((at(result, 'metadata.finalizers') as string[]).length, 3);
  });

  it('finalizers merge for unknown kinds too (metadata is shared by every kind)', () => {
    const widget = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w', finalizers: ['a'] },
    };
    const result = applyStrategicMergePatch(
      widget,
      body('{"metadata":{"finalizers":["b"]}}'),
      schemaFor('example.com', 'Widget'),
    );
    assert.deepEqual(new Set(at(result, 'metadata.finalizers') as string[]), new Set(['a', 'b']));
  });
});

describe('lists Kubernetes replaces', () => {
  it('tolerations have no merge key: the patch list replaces the live list', () => {
    const result = smp(pod(), '{"spec":{"tolerations":[{"key":"gpu","operator":"Exists"}]}}');
    assert.deepEqual(at(result, 'spec.tolerations'), [{ key: 'gpu', operator: 'Exists' }]);
  });

  it('Node taints are replaced', () => {
    const node = { metadata: { name: 'n' }, spec: { taints: [{ key: 'a', effect: 'NoSchedule' }] } };
    const result = applyStrategicMergePatch(
      node,
      body('{"spec":{"taints":[{"key":"b","effect":"NoExecute"}]}}'),
      schemaFor('', 'Node'),
    );
    assert.deepEqual(at(result, 'spec.taints'), [{ key: 'b', effect: 'NoExecute' }]);
  });

  it('container args are replaced', () => {
    const result = applyStrategicMergePatch(
      deployment(),
      body('{"spec":{"template":{"spec":{"containers":[{"name":"b","args":["sleep","1"]}]}}}}'),
      schemaFor('apps', 'Deployment'),
    );
    assert.deepEqual(at(result, 'spec.template.spec.containers.1.args'), ['sleep', '1']);
  });
});

describe('Service spec.ports merge by port', () => {
  it('changes one port and keeps the other', () => {
    const service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: {
        ports: [
          { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
          { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' },
        ],
      },
    };
    const result = applyStrategicMergePatch(
      service,
      body(
        '{"spec":{"$setElementOrder/ports":[{"port":80},{"port":443}],"ports":[{"port":443,"targetPort":9443}]}}',
      ),
      schemaFor('', 'Service'),
    );
    assert.deepEqual(at(result, 'spec.ports'), [
      { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' },
      { name: 'https', port: 443, targetPort: 9443, protocol: 'TCP' },
    ]);
  });
});
