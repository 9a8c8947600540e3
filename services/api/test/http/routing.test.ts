import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseResourcePath, resolveRequest } from '../../src/http/request-path.js';
import { json, setup } from './helpers.js';

describe('parseResourcePath', () => {
  test('routing - core and named groups, namespaced and cluster-scoped, subresources', () => {
    assert.deepEqual(parseResourcePath('/api/v1/pods'), { group: '', version: 'v1', resource: 'pods' });
    assert.deepEqual(parseResourcePath('/api/v1/namespaces/default/pods/web/log'), {
      group: '',
      version: 'v1',
      namespace: 'default',
      resource: 'pods',
      name: 'web',
      subresource: 'log',
    });
    assert.deepEqual(parseResourcePath('/apis/apps/v1/namespaces/ns1/deployments/web/scale'), {
      group: 'apps',
      version: 'v1',
      namespace: 'ns1',
      resource: 'deployments',
      name: 'web',
      subresource: 'scale',
    });
    assert.deepEqual(parseResourcePath('/api/v1/nodes/node-1/status'), {
      group: '',
      version: 'v1',
      resource: 'nodes',
      name: 'node-1',
      subresource: 'status',
    });
  });

  test('routing - namespaces/<ns> is the Namespace object; status and finalize are its subresources', () => {
    assert.deepEqual(parseResourcePath('/api/v1/namespaces/kube-system'), {
      group: '',
      version: 'v1',
      resource: 'namespaces',
      name: 'kube-system',
    });
    assert.deepEqual(parseResourcePath('/api/v1/namespaces/x/finalize'), {
      group: '',
      version: 'v1',
      resource: 'namespaces',
      name: 'x',
      subresource: 'finalize',
    });
    assert.equal(parseResourcePath('/api/v1'), undefined);
    assert.equal(parseResourcePath('/apis/apps/v1'), undefined);
    assert.equal(parseResourcePath('/api/v1/namespaces/a/pods/b/log/extra'), undefined);
  });

  test('routing - verbs from method, name and watch', () => {
    const verb = (path: string, method: string, watch = false) => {
      const r = resolveRequest(parseResourcePath(path)!, method, watch);
      return r.ok ? r.request.verb : r.code;
    };
    assert.equal(verb('/api/v1/namespaces/d/pods', 'GET'), 'list');
    assert.equal(verb('/api/v1/namespaces/d/pods', 'GET', true), 'watch');
    assert.equal(verb('/api/v1/pods', 'GET'), 'list');
    assert.equal(verb('/api/v1/pods', 'GET', true), 'watch');
    assert.equal(verb('/api/v1/namespaces/d/pods/x', 'GET'), 'get');
    assert.equal(verb('/api/v1/namespaces/d/pods', 'POST'), 'create');
    assert.equal(verb('/api/v1/namespaces/d/pods/x', 'PUT'), 'update');
    assert.equal(verb('/api/v1/namespaces/d/pods/x', 'PATCH'), 'patch');
    assert.equal(verb('/api/v1/namespaces/d/pods/x', 'DELETE'), 'delete');
    assert.equal(verb('/api/v1/namespaces/d/pods', 'DELETE'), 'deletecollection');
    assert.equal(verb('/api/v1/namespaces/d/pods/x/binding', 'POST'), 'create');
    assert.equal(verb('/apis/apps/v1/namespaces/d/deployments/x/scale', 'PUT'), 'update');
    // Scope and existence.
    assert.equal(verb('/api/v1/pods/x', 'GET'), 404);
    assert.equal(verb('/api/v1/pods', 'POST'), 404);
    assert.equal(verb('/api/v1/namespaces/d/nodes', 'GET'), 404);
    assert.equal(verb('/api/v1/namespaces/d/widgets', 'GET'), 404);
    assert.equal(verb('/api/v2/pods', 'GET'), 404);
    assert.equal(verb('/api/v1/namespaces/d/pods/x/nope', 'GET'), 404);
    // Verbs the resource does not take.
    assert.equal(verb('/api/v1/namespaces', 'DELETE'), 405);
    assert.equal(verb('/api/v1/namespaces/d/pods/x/log', 'DELETE'), 405);
    assert.equal(verb('/api/v1/namespaces/d/pods', 'PUT'), 405);
  });
});

describe('resource routes', () => {
  test('routing - requests reach the handler as ApiRequests with query and user', async () => {
    const { handler, request } = setup();
    const res = await request('/apis/apps/v1/namespaces/ns1/deployments?labelSelector=app%3Dweb&limit=500');
    assert.equal(res.status, 200);
    const call = handler.calls.at(-1)!;
    assert.deepEqual(call.req, {
      verb: 'list',
      group: 'apps',
      version: 'v1',
      resource: 'deployments',
      namespace: 'ns1',
      query: { labelSelector: 'app=web', limit: '500' },
    });
    assert.equal(call.user.name, 'kubelab-admin');
  });

  test('routing - unknown resources are 404 Status, unsupported verbs 405 MethodNotAllowed', async () => {
    const { request } = setup();
    const missing = await request('/api/v1/namespaces/default/widgets');
    assert.equal(missing.status, 404);
    assert.deepEqual(await json(missing), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the server could not find the requested resource',
      reason: 'NotFound',
      details: {},
      code: 404,
    });
    const notAllowed = await request('/api/v1/namespaces', { method: 'DELETE' });
    assert.equal(notAllowed.status, 405);
    const body = await json(notAllowed);
    assert.equal(body.reason, 'MethodNotAllowed');
    assert.equal(body.message, 'deletecollection is not supported on resources of kind "namespaces"');
    assert.equal((await request('/nope')).status, 404);
    assert.equal((await request('/apis/nope.io/v1')).status, 404);
  });

  test('routing - handler Status errors are rendered with their code', async () => {
    const { request } = setup();
    const res = await request('/api/v1/namespaces/default/pods/missing');
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.equal((await json(res)).message, 'pods "missing" not found');
  });

  test('routing - kind and apiVersion are stamped on objects and lists that lack them', async () => {
    const { handler, request } = setup();
    handler.next = { code: 200, body: { metadata: { name: 'x' } } };
    const obj = await json(await request('/apis/apps/v1/namespaces/d/deployments/x'));
    assert.equal(obj.kind, 'Deployment');
    assert.equal(obj.apiVersion, 'apps/v1');
    handler.next = { code: 200, body: { metadata: {}, items: [] } };
    const list = await json(await request('/apis/apps/v1/namespaces/d/deployments'));
    assert.equal(list.kind, 'DeploymentList');
    handler.next = { code: 200, body: { metadata: { name: 'x' }, spec: { replicas: 1 } } };
    const scale = await json(await request('/apis/apps/v1/namespaces/d/deployments/x/scale'));
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.apiVersion, 'autoscaling/v1');
  });

  test('routing - warnings become Warning: 299 headers', async () => {
    const { handler, request } = setup();
    handler.next = {
      code: 200,
      body: { kind: 'Pod', apiVersion: 'v1', metadata: {} },
      warnings: ['a "b"', 'c'],
    };
    const res = await request('/api/v1/namespaces/d/pods/x');
    assert.equal(res.headers.get('warning'), '299 - "a \\"b\\"", 299 - "c"');
  });

  test('routing - health and version are public, with a 500 readyz when not ready', async () => {
    let ready = false;
    const { http } = setup({ ready: () => ready });
    for (const p of ['/livez', '/healthz', '/livez/ping'])
      assert.equal(await (await http.app.request(p)).text(), 'ok');
    assert.equal((await http.app.request('/readyz')).status, 500);
    ready = true;
    assert.equal((await http.app.request('/readyz')).status, 200);
    const version = await json(await http.app.request('/version?timeout=5s'));
    assert.equal(version.minor, '32');
  });
});
