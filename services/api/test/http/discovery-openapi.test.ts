import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AGGREGATED_DISCOVERY_CONTENT_TYPE, GROUPS } from '@kubelab/api-types';
import { DISCOVERY_ACCEPT, json, setup } from './helpers.js';

describe('discovery', () => {
  test('discovery - /api and /apis answer aggregated with the exact Content-Type', async () => {
    const { request } = setup();
    const api = await request('/api?timeout=32s', { headers: { accept: DISCOVERY_ACCEPT } });
    assert.equal(api.headers.get('content-type'), AGGREGATED_DISCOVERY_CONTENT_TYPE);
    const apiBody = await json(api);
    assert.equal(apiBody.kind, 'APIGroupDiscoveryList');
    const core = (apiBody.items as { metadata: { name: string } }[])[0];
    assert.equal(core?.metadata.name, '');
    const apis = await request('/apis?timeout=32s', { headers: { accept: DISCOVERY_ACCEPT } });
    assert.equal(apis.headers.get('content-type'), AGGREGATED_DISCOVERY_CONTENT_TYPE);
    const names = ((await json(apis)).items as { metadata: { name: string } }[]).map((g) => g.metadata.name);
    // The registry's groups, then metrics.k8s.io (served by src/metrics, not a stored resource).
    assert.deepEqual(names, [...GROUPS.filter((g) => g.name !== '').map((g) => g.name), 'metrics.k8s.io']);
  });

  test('discovery - v2beta1 only gets the v2beta1 content type', async () => {
    const { request } = setup();
    const res = await request('/apis', {
      headers: { accept: 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList' },
    });
    assert.equal(
      res.headers.get('content-type'),
      'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList',
    );
    assert.equal((await json(res)).apiVersion, 'apidiscovery.k8s.io/v2beta1');
  });

  test('discovery - legacy documents for plain JSON', async () => {
    const { request } = setup();
    const api = await request('/api', { headers: { accept: 'application/json, */*', host: 'kubelab:6443' } });
    assert.equal(api.headers.get('content-type'), 'application/json');
    const body = await json(api);
    assert.equal(body.kind, 'APIVersions');
    assert.deepEqual(body.versions, ['v1']);
    const apis = await json(await request('/apis'));
    assert.equal(apis.kind, 'APIGroupList');
    const v1 = await json(await request('/api/v1'));
    assert.equal(v1.kind, 'APIResourceList');
    const names = (v1.resources as { name: string }[]).map((r) => r.name);
    assert.ok(names.includes('pods') && names.includes('pods/log') && names.includes('nodes/status'));
    const apps = await json(await request('/apis/apps'));
    assert.equal(apps.kind, 'APIGroup');
    const appsV1 = await json(await request('/apis/apps/v1'));
    assert.equal(appsV1.groupVersion, 'apps/v1');
    assert.equal((await request('/apis/nope')).status, 404);
    assert.equal((await request('/apis/apps/v9')).status, 404);
    assert.equal((await request('/api/v2')).status, 404);
  });
});

describe('openapi', () => {
  test('openapi - the v3 index lists every served group-version by hash', async () => {
    const { request } = setup();
    const index = await json(await request('/openapi/v3'));
    const paths = index.paths as Record<string, { serverRelativeURL: string }>;
    const expected = GROUPS.flatMap((g) =>
      g.versions.map((v) => (g.name === '' ? `api/${v}` : `apis/${g.name}/${v}`)),
    );
    assert.deepEqual(Object.keys(paths).sort(), expected.sort());
    assert.match(paths['api/v1']?.serverRelativeURL ?? '', /^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
    assert.equal((await request('/openapi/v2')).status, 404);
    assert.equal((await request('/openapi/v3/apis/nope/v1')).status, 404);
  });

  test('openapi - every kind has a PATCH with its GVK and the fieldValidation parameter', async () => {
    const { request } = setup();
    const index = await json(await request('/openapi/v3'));
    for (const [gv, entry] of Object.entries(index.paths as Record<string, { serverRelativeURL: string }>)) {
      const doc = await json(await request(`${entry.serverRelativeURL}&timeout=32s`));
      const patches = Object.values(doc.paths as Record<string, { patch?: Record<string, unknown> }>)
        .map((p) => p.patch)
        .filter((p) => p !== undefined);
      assert.ok(patches.length > 0, gv);
      for (const p of patches) {
        assert.ok(p['x-kubernetes-group-version-kind'], gv);
        const params = p.parameters as { name: string; in: string }[];
        assert.ok(
          params.some((x) => x.name === 'fieldValidation' && x.in === 'query'),
          gv,
        );
        assert.equal(
          p.requestBody,
          undefined,
          'no requestBody on PATCH (client-side apply must use built-in types)',
        );
      }
    }
  });

  test('openapi - Pod, Container, Deployment and Service have documented schemas that explain can follow', async () => {
    const { request } = setup();
    const index = (await json(await request('/openapi/v3'))).paths as Record<
      string,
      { serverRelativeURL: string }
    >;
    const core = await json(await request(index['api/v1']?.serverRelativeURL ?? ''));
    const item = (core.paths as Record<string, Record<string, Record<string, unknown>>>)[
      '/api/v1/namespaces/{namespace}/pods/{name}'
    ];
    assert.deepEqual(item?.get?.['x-kubernetes-group-version-kind'], {
      group: '',
      kind: 'Pod',
      version: 'v1',
    });
    const schemas = (core.components as { schemas: Record<string, Record<string, unknown>> }).schemas;
    const podSchema = schemas['io.k8s.api.core.v1.Pod']!;
    assert.deepEqual(podSchema['x-kubernetes-group-version-kind'], [
      { group: '', kind: 'Pod', version: 'v1' },
    ]);
    const containers = (
      schemas['io.k8s.api.core.v1.PodSpec']?.properties as Record<string, Record<string, unknown>>
    ).containers;
    assert.match(String(containers?.description), /List of containers belonging to the pod/);
    assert.ok(schemas['io.k8s.api.core.v1.Container']);
    assert.ok(schemas['io.k8s.api.core.v1.ServiceSpec']);
    assert.ok(schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']);
    // Every $ref resolves inside the document.
    const text = JSON.stringify(core);
    for (const m of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) assert.ok(schemas[m[1] ?? ''], m[1]);
    const apps = await json(await request(index['apis/apps/v1']?.serverRelativeURL ?? ''));
    const appSchemas = (apps.components as { schemas: Record<string, unknown> }).schemas;
    assert.ok(appSchemas['io.k8s.api.apps.v1.DeploymentSpec']);
    assert.ok(appSchemas['io.k8s.api.core.v1.PodTemplateSpec']);
    assert.ok(
      appSchemas['io.k8s.api.apps.v1.ReplicaSet'],
      'kinds without hand-written fields get a generic schema',
    );
  });
});
