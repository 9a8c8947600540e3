/** The per-kind schemas: the strategies and merge keys Kubernetes' struct tags declare. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KNOWN_KINDS, compileSchema, lookupSchema, merge, schemaFor } from '../src/index.js';

function meta(group: string, kind: string, path: string): [string | undefined, string | undefined] {
  const node = lookupSchema(schemaFor(group, kind).root, path);
  return [node.strategy, node.mergeKey];
}

const podPaths: [string, [string | undefined, string | undefined]][] = [
  ['spec.containers', ['merge', 'name']],
  ['spec.initContainers', ['merge', 'name']],
  ['spec.ephemeralContainers', ['merge', 'name']],
  ['spec.containers[].ports', ['merge', 'containerPort']],
  ['spec.initContainers[].env', ['merge', 'name']],
  ['spec.containers[].env', ['merge', 'name']],
  ['spec.containers[].envFrom', ['replace', undefined]],
  ['spec.containers[].volumeMounts', ['merge', 'mountPath']],
  ['spec.containers[].volumeDevices', ['merge', 'devicePath']],
  ['spec.containers[].args', [undefined, undefined]],
  ['spec.volumes', ['merge', 'name']],
  ['spec.tolerations', ['replace', undefined]],
  ['spec.imagePullSecrets', ['merge', 'name']],
  ['spec.hostAliases', ['merge', 'ip']],
  ['spec.topologySpreadConstraints', ['merge', 'topologyKey']],
  ['status.conditions', ['merge', 'type']],
  ['status.podIPs', ['merge', 'ip']],
  ['status.containerStatuses', ['replace', undefined]],
  ['metadata.ownerReferences', ['merge', 'uid']],
  ['metadata.finalizers', ['merge', undefined]],
];

describe('schemaFor', () => {
  it('Pod', () => {
    for (const [path, expected] of podPaths) assert.deepEqual(meta('', 'Pod', path), expected, path);
    assert.equal(lookupSchema(schemaFor('', 'Pod').root, 'spec.volumes').retainKeys, true);
  });

  it('workloads nest the Pod schema under spec.template', () => {
    for (const kind of ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet']) {
      for (const [path, expected] of podPaths.filter(([p]) => p.startsWith('spec.'))) {
        assert.deepEqual(meta('apps', kind, `spec.template.${path}`), expected, `${kind} ${path}`);
      }
      assert.deepEqual(meta('apps', kind, 'spec.template.metadata.finalizers'), ['merge', undefined]);
      assert.deepEqual(meta('apps', kind, 'status.conditions'), ['merge', 'type'], kind);
    }
    assert.deepEqual(meta('', 'ReplicationController', 'spec.template.spec.containers'), ['merge', 'name']);
    assert.deepEqual(meta('batch', 'Job', 'spec.template.spec.containers'), ['merge', 'name']);
    assert.deepEqual(meta('batch', 'CronJob', 'spec.jobTemplate.spec.template.spec.containers[].env'), [
      'merge',
      'name',
    ]);
    assert.deepEqual(meta('', 'PodTemplate', 'template.spec.volumes'), ['merge', 'name']);
  });

  it('kind-specific fields', () => {
    assert.equal(lookupSchema(schemaFor('apps', 'Deployment').root, 'spec.strategy').retainKeys, true);
    assert.deepEqual(meta('', 'Service', 'spec.ports'), ['merge', 'port']);
    assert.deepEqual(meta('', 'Node', 'spec.taints'), ['replace', undefined]);
    assert.deepEqual(meta('', 'Node', 'spec.podCIDRs'), ['merge', undefined]);
    assert.deepEqual(meta('', 'Node', 'status.addresses'), ['merge', 'type']);
    assert.deepEqual(meta('', 'Node', 'status.conditions'), ['merge', 'type']);
    assert.deepEqual(meta('', 'Endpoints', 'subsets'), ['replace', undefined]);
    assert.deepEqual(meta('', 'ServiceAccount', 'secrets'), ['merge', 'name']);
    assert.deepEqual(meta('apps', 'StatefulSet', 'spec.volumeClaimTemplates'), ['replace', undefined]);
    assert.deepEqual(meta('autoscaling', 'HorizontalPodAutoscaler', 'spec.metrics'), ['replace', undefined]);
    assert.deepEqual(meta('autoscaling', 'HorizontalPodAutoscaler', 'status.conditions'), ['merge', 'type']);
    assert.deepEqual(meta('policy', 'PodDisruptionBudget', 'status.conditions'), ['merge', 'type']);
  });

  it('every known kind has the ObjectMeta strategies', () => {
    assert.ok(KNOWN_KINDS.length >= 30);
    for (const { group, kind } of KNOWN_KINDS) {
      assert.equal(schemaFor(group, kind).known, true);
      assert.deepEqual(meta(group, kind, 'metadata.ownerReferences'), ['merge', 'uid'], `${group}/${kind}`);
    }
  });

  it('unknown kinds keep only the metadata strategies', () => {
    const widget = schemaFor('example.com', 'Widget');
    assert.equal(widget.known, false);
    assert.deepEqual(meta('example.com', 'Widget', 'metadata.finalizers'), ['merge', undefined]);
    assert.deepEqual(meta('example.com', 'Widget', 'spec.template.spec.containers'), [undefined, undefined]);
    assert.equal(schemaFor('', 'Deployment').known, false, 'the group is part of the key');
  });
});

describe('compileSchema', () => {
  it('refuses a merge key without the merge strategy, and empty segments', () => {
    assert.throws(() => compileSchema({ a: { mergeKey: 'name' } }), /needs the merge strategy/);
    assert.throws(() => compileSchema({ 'a..b': merge('x') }), /empty segment/);
  });

  it('produces frozen nodes', () => {
    const root = compileSchema({ 'a[].b': merge('k') });
    assert.ok(Object.isFrozen(root));
    assert.deepEqual(
      [lookupSchema(root, 'a.b').strategy, lookupSchema(root, 'a[].b').mergeKey],
      ['merge', 'k'],
    );
  });
});
