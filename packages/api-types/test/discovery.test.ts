/**
 * Registry and discovery: what kubectl needs from /api and /apis (KUBECTL.md §2): short names, the `all`
 * category, verbs, subresources with their response kinds, the aggregated document's shape, legacy lists.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AGGREGATED_DISCOVERY_CONTENT_TYPE,
  RESOURCES,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  findByKind,
  findByShortName,
  findResource,
  findSubresource,
  qualifiedKind,
  qualifiedResource,
  resolveResource,
  resourcesInCategory,
  servedApiVersions,
} from '../src/index.js';

const STANDARD = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

describe('registry - short names', () => {
  const cases: [string, string, string][] = [
    ['po', '', 'pods'],
    ['no', '', 'nodes'],
    ['svc', '', 'services'],
    ['ep', '', 'endpoints'],
    ['cm', '', 'configmaps'],
    ['ns', '', 'namespaces'],
    ['rc', '', 'replicationcontrollers'],
    ['sa', '', 'serviceaccounts'],
    ['ev', '', 'events'],
    ['deploy', 'apps', 'deployments'],
    ['rs', 'apps', 'replicasets'],
    ['sts', 'apps', 'statefulsets'],
    ['ds', 'apps', 'daemonsets'],
    ['hpa', 'autoscaling', 'horizontalpodautoscalers'],
    ['ing', 'networking.k8s.io', 'ingresses'],
  ];
  for (const [short, group, plural] of cases) {
    test(`${short} → ${plural}`, () => {
      const r = findByShortName(short);
      assert.equal(r?.plural, plural);
      assert.equal(r?.group, group);
    });
  }
  test('hpa resolves to the preferred version v2', () => {
    assert.equal(findByShortName('hpa')?.version, 'v2');
  });
});

describe('registry - lookups', () => {
  test('findResource by URL coordinates', () => {
    assert.equal(findResource('apps', 'v1', 'deployments')?.kind, 'Deployment');
    assert.equal(findResource('', 'v1', 'pods')?.listKind, 'PodList');
    assert.equal(findResource('autoscaling', 'v1', 'horizontalpodautoscalers')?.version, 'v1');
    assert.equal(findResource('apps', 'v1', 'pods'), undefined);
  });
  test('findByKind prefers the preferred version unless pinned', () => {
    assert.equal(findByKind('HorizontalPodAutoscaler')?.version, 'v2');
    assert.equal(findByKind('HorizontalPodAutoscaler', 'autoscaling/v1')?.version, 'v1');
    assert.equal(findByKind('Lease')?.group, 'coordination.k8s.io');
    assert.equal(findByKind('Nope'), undefined);
  });
  test('resolveResource accepts plural, singular, kind, short and group-qualified names', () => {
    for (const n of [
      'deployments',
      'deployment',
      'Deployment',
      'deploy',
      'deployments.apps',
      'deploy.apps',
    ]) {
      assert.equal(resolveResource(n)?.plural, 'deployments', n);
    }
    assert.equal(resolveResource('deployments.batch'), undefined);
    assert.equal(resolveResource('jobs')?.group, 'batch');
  });
  test('scope', () => {
    for (const p of ['namespaces', 'nodes']) assert.equal(findResource('', 'v1', p)?.namespaced, false);
    assert.equal(findResource('', 'v1', 'pods')?.namespaced, true);
  });
  test('the all category holds the same kinds as Kubernetes', () => {
    const all = resourcesInCategory('all')
      .map((r) => r.plural)
      .sort();
    assert.deepEqual(all, [
      'daemonsets',
      'deployments',
      'horizontalpodautoscalers',
      'jobs',
      'pods',
      'replicasets',
      'replicationcontrollers',
      'services',
      'statefulsets',
    ]);
  });
  test('verbs: every resource CRUD plus watch, namespaces without deletecollection', () => {
    for (const r of RESOURCES) {
      if (r.plural === 'namespaces') {
        assert.deepEqual([...r.verbs], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']);
      } else assert.deepEqual([...r.verbs], STANDARD, r.plural);
    }
  });
  test('subresources and their response kinds', () => {
    const pods = findResource('', 'v1', 'pods');
    assert.ok(pods);
    assert.deepEqual(
      pods.subresources.map((s) => s.name),
      ['attach', 'binding', 'ephemeralcontainers', 'eviction', 'exec', 'log', 'portforward', 'status'],
    );
    assert.deepEqual(findSubresource(pods, 'eviction')?.responseKind, {
      group: 'policy',
      version: 'v1',
      kind: 'Eviction',
    });
    assert.deepEqual([...(findSubresource(pods, 'exec')?.verbs ?? [])], ['create', 'get']);
    assert.equal(findSubresource(pods, 'log')?.responseKind.kind, 'Pod');
    for (const [g, p] of [
      ['apps', 'deployments'],
      ['apps', 'replicasets'],
      ['apps', 'statefulsets'],
      ['', 'replicationcontrollers'],
    ] as const) {
      const r = findResource(g, 'v1', p);
      assert.ok(r);
      assert.deepEqual(findSubresource(r, 'scale')?.responseKind, {
        group: 'autoscaling',
        version: 'v1',
        kind: 'Scale',
      });
      assert.deepEqual([...(findSubresource(r, 'scale')?.verbs ?? [])], ['get', 'patch', 'update']);
    }
    const ds = findResource('apps', 'v1', 'daemonsets');
    assert.ok(ds);
    assert.equal(findSubresource(ds, 'scale'), undefined);
  });
  test('qualified names for messages', () => {
    assert.equal(qualifiedResource('deployments', 'apps'), 'deployments.apps');
    assert.equal(qualifiedResource('pods', ''), 'pods');
    assert.equal(qualifiedKind('Deployment', 'apps'), 'Deployment.apps');
    assert.equal(qualifiedKind('Pod', ''), 'Pod');
  });
});

describe('discovery - aggregated', () => {
  test('content type is exactly the one client-go recognises', () => {
    assert.equal(
      AGGREGATED_DISCOVERY_CONTENT_TYPE,
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    );
  });
  test('/api holds only the core group, named ""', () => {
    const doc = aggregatedDiscovery('api');
    assert.equal(doc.kind, 'APIGroupDiscoveryList');
    assert.equal(doc.apiVersion, 'apidiscovery.k8s.io/v2');
    assert.deepEqual(doc.metadata, {});
    assert.deepEqual(
      doc.items.map((i) => i.metadata.name),
      [''],
    );
    const pods = doc.items[0]?.versions[0]?.resources.find((r) => r.resource === 'pods');
    assert.deepEqual(pods?.shortNames, ['po']);
    assert.deepEqual(pods?.categories, ['all']);
    assert.equal(pods?.scope, 'Namespaced');
    assert.equal(pods?.singularResource, 'pod');
  });
  test('/apis: the deployment entry matches the shape kubectl accepted', () => {
    const doc = aggregatedDiscovery('apis');
    assert.ok(!doc.items.some((i) => i.metadata.name === ''));
    const apps = doc.items.find((i) => i.metadata.name === 'apps');
    const v1 = apps?.versions[0];
    assert.equal(v1?.version, 'v1');
    assert.equal(v1?.freshness, 'Current');
    const deploy = v1?.resources.find((r) => r.resource === 'deployments');
    assert.deepEqual(deploy, {
      resource: 'deployments',
      responseKind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      scope: 'Namespaced',
      singularResource: 'deployment',
      verbs: STANDARD,
      shortNames: ['deploy'],
      categories: ['all'],
      subresources: [
        {
          subresource: 'scale',
          responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
          verbs: ['get', 'patch', 'update'],
        },
        {
          subresource: 'status',
          responseKind: { group: 'apps', version: 'v1', kind: 'Deployment' },
          verbs: ['get', 'patch', 'update'],
        },
      ],
    });
  });
  test('resources are sorted; autoscaling lists v2 before v1; optional fields are omitted when empty', () => {
    const doc = aggregatedDiscovery('apis');
    for (const g of doc.items) {
      for (const v of g.versions) {
        const names = v.resources.map((r) => r.resource);
        assert.deepEqual(names, [...names].sort());
      }
    }
    const auto = doc.items.find((i) => i.metadata.name === 'autoscaling');
    assert.deepEqual(
      auto?.versions.map((v) => v.version),
      ['v2', 'v1'],
    );
    const leases = doc.items.find((i) => i.metadata.name === 'coordination.k8s.io')?.versions[0]
      ?.resources[0];
    assert.equal(leases?.resource, 'leases');
    assert.equal('shortNames' in (leases ?? {}), false);
    assert.equal('categories' in (leases ?? {}), false);
    assert.equal('subresources' in (leases ?? {}), false);
  });
  test('every resource advertises verbs (api-resources hides verb-less ones)', () => {
    for (const path of ['api', 'apis'] as const) {
      for (const g of aggregatedDiscovery(path).items) {
        for (const v of g.versions) for (const r of v.resources) assert.ok(r.verbs.length > 0, r.resource);
      }
    }
  });
});

describe('discovery - legacy', () => {
  test('APIVersions', () => {
    assert.deepEqual(apiVersions('10.0.0.1:6443'), {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '10.0.0.1:6443' }],
    });
  });
  test('APIGroupList', () => {
    const list = apiGroupList();
    assert.equal(list.kind, 'APIGroupList');
    assert.equal(list.apiVersion, 'v1');
    const apps = list.groups.find((g) => g.name === 'apps');
    assert.deepEqual(apps, {
      name: 'apps',
      versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
      preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
    });
    const auto = list.groups.find((g) => g.name === 'autoscaling');
    assert.deepEqual(auto?.preferredVersion, { groupVersion: 'autoscaling/v2', version: 'v2' });
    assert.equal(apiGroup('apps')?.kind, 'APIGroup');
    assert.equal(apiGroup('nope'), undefined);
  });
  test('APIResourceList for /api/v1 lists subresources as plural/sub, sorted, with foreign group/version', () => {
    const list = apiResourceList('', 'v1');
    assert.ok(list);
    assert.equal(list.groupVersion, 'v1');
    assert.equal('apiVersion' in list, false);
    const names = list.resources.map((r) => r.name);
    assert.deepEqual(names, [...names].sort());
    assert.ok(names.includes('pods/log'));
    const eviction = list.resources.find((r) => r.name === 'pods/eviction');
    assert.deepEqual(eviction, {
      name: 'pods/eviction',
      singularName: '',
      namespaced: true,
      group: 'policy',
      version: 'v1',
      kind: 'Eviction',
      verbs: ['create'],
    });
    const pods = list.resources.find((r) => r.name === 'pods');
    assert.deepEqual(pods, {
      name: 'pods',
      singularName: 'pod',
      namespaced: true,
      kind: 'Pod',
      verbs: STANDARD,
      shortNames: ['po'],
      categories: ['all'],
    });
  });
  test('APIResourceList for a group and an unknown group-version', () => {
    const list = apiResourceList('apps', 'v1');
    assert.equal(list?.apiVersion, 'v1');
    assert.equal(list?.groupVersion, 'apps/v1');
    assert.ok(list?.resources.some((r) => r.name === 'deployments/scale' && r.group === 'autoscaling'));
    assert.equal(apiResourceList('apps', 'v2'), undefined);
  });
  test('served api versions', () => {
    assert.deepEqual(servedApiVersions(), [
      'v1',
      'apps/v1',
      'autoscaling/v2',
      'autoscaling/v1',
      'batch/v1',
      'networking.k8s.io/v1',
      'coordination.k8s.io/v1',
      'discovery.k8s.io/v1',
    ]);
  });
});

describe('scale subresource view', () => {
  test('Deployment and RC scales', async () => {
    const { scaleOf, withReplicas } = await import('../src/index.js');
    const d = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'nginx', namespace: 'default', uid: 'u', resourceVersion: '7', labels: { x: 'y' } },
      spec: { replicas: 3, selector: { matchLabels: { app: 'nginx' } } },
      status: { replicas: 2 },
    };
    assert.deepEqual(scaleOf(d), {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: 'nginx', namespace: 'default', uid: 'u', resourceVersion: '7' },
      spec: { replicas: 3 },
      status: { replicas: 2, selector: 'app=nginx' },
    });
    const rc = {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'rc' },
      spec: { selector: { b: '2', a: '1' } },
    };
    assert.equal(scaleOf(rc).status?.selector, 'a=1,b=2');
    assert.equal((withReplicas(d, 5).spec as { replicas: number }).replicas, 5);
    assert.equal(d.spec.replicas, 3);
  });
});
