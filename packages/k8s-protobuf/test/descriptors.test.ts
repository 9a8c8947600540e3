import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { protoRoot, supportedProtobufKinds, typeForKind } from '../src/schema.js';
import { KUBECTL, haveKubectl } from './kubectl-capture.js';
import { upstreamMessages } from './upstream-descriptors.js';

function ourMessages(): protobuf.Type[] {
  const out: protobuf.Type[] = [];
  const walk = (ns: protobuf.NamespaceBase) => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Type) out.push(nested);
      if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) walk(nested);
    }
  };
  walk(protoRoot());
  return out;
}

describe('schema', () => {
  it('parses, resolves, and has a message for every supported kind', () => {
    for (const { apiVersion, kind } of supportedProtobufKinds()) {
      assert.ok(typeForKind(apiVersion, kind), `${apiVersion} ${kind}`);
    }
    assert.equal(typeForKind('v1', 'PodSpec'), undefined);
    assert.equal(typeForKind('apps/v1beta1', 'Deployment'), undefined);
    assert.equal(typeForKind('toString', 'x'), undefined);
  });

  it('uses only the (json) option values "keep" and "inline", inline only on message fields', () => {
    for (const type of ourMessages()) {
      for (const field of type.fieldsArray) {
        const v = field.options?.['(json)'];
        if (v === undefined) continue;
        assert.ok(v === 'keep' || v === 'inline', `${type.fullName}.${field.name}: ${String(v)}`);
        if (v === 'inline') assert.ok(field.resolvedType instanceof protobuf.Type, field.name);
        if (v === 'keep') assert.equal(field.resolvedType, null, `${type.fullName}.${field.name}`);
      }
    }
  });
});

describe(
  'schema against the upstream descriptors compiled into kubectl',
  { skip: !haveKubectl() && `no kubectl at ${KUBECTL}` },
  () => {
    it('every message and field we define matches upstream number, type and label', () => {
      const upstream = upstreamMessages(KUBECTL);
      assert.ok(upstream.size > 500, `only ${upstream.size} upstream messages found`);
      const problems: string[] = [];
      let checked = 0;
      for (const type of ourMessages()) {
        const name = type.fullName.slice(1);
        const theirs = upstream.get(name);
        if (!theirs) {
          problems.push(`${name}: no such upstream message`);
          continue;
        }
        for (const field of type.fieldsArray) {
          checked++;
          const t = theirs.get(field.name);
          const where = `${name}.${field.name}`;
          if (!t) {
            problems.push(`${where}: no such upstream field`);
            continue;
          }
          const ourType = field.resolvedType ? field.resolvedType.fullName.slice(1) : field.type;
          if (t.number !== field.id) problems.push(`${where}: number ${field.id}, upstream ${t.number}`);
          if (field.map) {
            const mf = field as unknown as protobuf.MapField;
            const value = mf.resolvedType ? mf.resolvedType.fullName.slice(1) : mf.type;
            if (!t.map || t.map.key !== mf.keyType || t.map.value !== value) {
              problems.push(`${where}: map<${mf.keyType},${value}>, upstream ${JSON.stringify(t)}`);
            }
          } else {
            if (t.map) problems.push(`${where}: upstream is a map`);
            if (t.type !== ourType) problems.push(`${where}: type ${ourType}, upstream ${t.type}`);
            if (t.repeated !== field.repeated)
              problems.push(`${where}: repeated ${field.repeated}, upstream ${t.repeated}`);
          }
        }
      }
      assert.deepEqual(problems, []);
      assert.ok(checked > 500, `checked ${checked} fields`);

      it('skips only the upstream fields the README lists as left out', () => {
        const upstream = upstreamMessages(KUBECTL);
        const skipped: Record<string, string[]> = {};
        for (const type of ourMessages()) {
          const name = type.fullName.slice(1);
          const missing = [...(upstream.get(name)?.keys() ?? [])].filter((f) => !type.fields[f]);
          if (missing.length) skipped[name.replace('k8s.io.api.', '')] = missing;
        }
        assert.deepEqual(skipped, {
          'core.v1.NodeSpec': ['configSource'],
          'core.v1.NodeStatus': ['config'],
          'core.v1.VolumeSource': [
            'gcePersistentDisk',
            'awsElasticBlockStore',
            'gitRepo',
            'iscsi',
            'glusterfs',
            'rbd',
            'flexVolume',
            'cinder',
            'cephfs',
            'flocker',
            'fc',
            'azureFile',
            'vsphereVolume',
            'quobyte',
            'azureDisk',
            'photonPersistentDisk',
            'portworxVolume',
            'scaleIO',
            'storageos',
          ],
          'core.v1.PersistentVolumeClaimStatus': ['modifyVolumeStatus'],
          'core.v1.PodStatus': ['resourceClaimStatuses'],
          'core.v1.ContainerStatus': ['volumeMounts', 'user', 'allocatedResourcesStatus'],
        });
      });
    });
  },
);
