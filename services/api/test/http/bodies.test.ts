import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeKubernetesProtobuf } from '@kubelab/k8s-protobuf';
import { json, setup } from './helpers.js';

const POD = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web' },
  spec: { containers: [{ name: 'a', image: 'nginx' }] },
};

describe('request bodies', () => {
  test('bodies - JSON create reaches the handler parsed, with query parameters', async () => {
    const { handler, request } = setup();
    const res = await request(
      '/api/v1/namespaces/default/pods?fieldManager=kubectl-create&fieldValidation=Strict',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(POD),
      },
    );
    assert.equal(res.status, 201);
    const { req } = handler.calls.at(-1)!;
    assert.equal(req.verb, 'create');
    assert.deepEqual(req.body, POD);
    assert.deepEqual(req.query, { fieldManager: 'kubectl-create', fieldValidation: 'Strict' });
  });

  test('bodies - malformed JSON is a 400 Status carrying the parse error', async () => {
    const { handler, request } = setup();
    const res = await request('/api/v1/namespaces/default/pods', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"kind": "Pod",',
    });
    assert.equal(res.status, 400);
    const body = await json(res);
    assert.equal(body.reason, 'BadRequest');
    assert.match(String(body.message), /^couldn't get version\/kind; json parse error: /);
    assert.equal(handler.calls.length, 0);
    const array = await request('/api/v1/namespaces/default/pods', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '[1]',
    });
    assert.equal(array.status, 400);
    const empty = await request('/api/v1/namespaces/default/pods', { method: 'POST' });
    assert.equal(empty.status, 400);
  });

  test('bodies - over 3 MiB is 413 RequestEntityTooLarge', async () => {
    const { handler, request } = setup();
    const big = JSON.stringify({ ...POD, data: 'x'.repeat(3 * 1024 * 1024) });
    const res = await request('/api/v1/namespaces/default/configmaps', { method: 'POST', body: big });
    assert.equal(res.status, 413);
    const body = await json(res);
    assert.equal(body.reason, 'RequestEntityTooLarge');
    assert.equal(body.message, 'Request entity too large: limit is 3145728');
    assert.equal(handler.calls.length, 0);
  });

  test('bodies - a configured smaller limit is enforced on streamed bodies without Content-Length', async () => {
    const { request } = setup({ maxBodyBytes: 100 });
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode(`{"a":"${'y'.repeat(200)}"}`));
        c.close();
      },
    });
    const res = await request('/api/v1/namespaces/default/configmaps', {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit);
    assert.equal(res.status, 413);
  });

  test('bodies - YAML create is parsed', async () => {
    const { handler, request } = setup();
    const res = await request('/api/v1/namespaces/default/pods', {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n',
    });
    assert.equal(res.status, 201);
    assert.deepEqual(handler.calls.at(-1)?.req.body, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web' },
    });
  });

  test('bodies - PATCH: JSON patch types are parsed, apply-patch+yaml passes through as text', async () => {
    const { handler, request } = setup();
    for (const type of [
      'application/merge-patch+json',
      'application/strategic-merge-patch+json',
      'application/json-patch+json',
    ]) {
      const body =
        type === 'application/json-patch+json'
          ? '[{"op":"replace","path":"/spec/replicas","value":5}]'
          : '{"spec":{"replicas":5}}';
      const res = await request('/apis/apps/v1/namespaces/default/deployments/web', {
        method: 'PATCH',
        headers: { 'content-type': type },
        body,
      });
      assert.equal(res.status, 200, type);
      const { req } = handler.calls.at(-1)!;
      assert.equal(req.verb, 'patch');
      assert.equal(req.patchType, type);
      assert.deepEqual(req.body, JSON.parse(body));
    }
    const applied = '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"}}';
    await request('/apis/apps/v1/namespaces/default/deployments/web?fieldManager=kubectl&force=false', {
      method: 'PATCH',
      headers: { 'content-type': 'application/apply-patch+yaml' },
      body: applied,
    });
    assert.equal(handler.calls.at(-1)?.req.body, applied);
    assert.equal(handler.calls.at(-1)?.req.patchType, 'application/apply-patch+yaml');
  });

  test('bodies - PATCH with a bad body or an unknown patch type', async () => {
    const { request } = setup();
    const bad = await request('/apis/apps/v1/namespaces/default/deployments/web', {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: '{"spec":',
    });
    assert.equal(bad.status, 400);
    assert.match(String((await json(bad)).message), /^error decoding patch: /);
    const unknown = await request('/apis/apps/v1/namespaces/default/deployments/web', {
      method: 'PATCH',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    });
    assert.equal(unknown.status, 415);
    const status = await json(unknown);
    assert.equal(status.reason, 'UnsupportedMediaType');
    assert.match(String(status.message), /application\/strategic-merge-patch\+json/);
  });

  test('bodies - PUT …/scale without Content-Type is JSON', async () => {
    const { handler, request } = setup();
    const scale = {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: 'web', resourceVersion: '7' },
      spec: { replicas: 3 },
    };
    const res = await request('/apis/apps/v1/namespaces/default/deployments/web/scale', {
      method: 'PUT',
      body: new TextEncoder().encode(JSON.stringify(scale)),
    });
    assert.equal(res.status, 200);
    const { req } = handler.calls.at(-1)!;
    assert.equal(req.subresource, 'scale');
    assert.equal(req.verb, 'update');
    assert.deepEqual(req.body, scale);
  });

  test('bodies - DELETE carries DeleteOptions from the body; an empty body is fine', async () => {
    const { handler, request } = setup();
    handler.put('pods', { metadata: { name: 'web', namespace: 'default' } });
    const res = await request('/api/v1/namespaces/default/pods/web', {
      method: 'DELETE',
      headers: { 'content-type': 'application/json' },
      body: '{"propagationPolicy":"Background"}',
    });
    assert.equal(res.status, 200);
    assert.deepEqual(handler.calls.at(-1)?.req.body, { propagationPolicy: 'Background' });
    await request('/api/v1/namespaces/default/pods/other?gracePeriodSeconds=0', { method: 'DELETE' });
    const { req } = handler.calls.at(-1)!;
    assert.equal(req.body, undefined);
    assert.deepEqual(req.query, { gracePeriodSeconds: '0' });
  });

  test('bodies - protobuf bodies are decoded to JSON (kubectl create deployment)', async () => {
    const { handler, request } = setup();
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx' }] },
        },
      },
    };
    const res = await request('/apis/apps/v1/namespaces/default/deployments?fieldManager=kubectl-create', {
      method: 'POST',
      headers: {
        'content-type': 'application/vnd.kubernetes.protobuf',
        accept: 'application/vnd.kubernetes.protobuf,application/json',
      },
      body: encodeKubernetesProtobuf(deployment),
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('content-type'), 'application/json');
    const body = handler.calls.at(-1)?.req.body as typeof deployment;
    assert.equal(body.kind, 'Deployment');
    assert.equal(body.spec.replicas, 2);
    assert.equal(body.spec.template.spec.containers[0]?.image, 'nginx');
  });

  test('bodies - garbage protobuf, a failing decoder, unknown media type', async () => {
    const defaults = setup();
    const garbage = await defaults.request('/api/v1/namespaces/default/configmaps', {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.kubernetes.protobuf' },
      body: new Uint8Array([1, 2, 3]),
    });
    assert.equal(garbage.status, 400, 'the default decoder rejects bytes without the k8s magic');
    const strict = setup({
      decodeProtobuf: () => {
        throw new Error('boom');
      },
    });
    const res = await strict.request('/api/v1/namespaces/default/configmaps', {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.kubernetes.protobuf' },
      body: new Uint8Array([1]),
    });
    assert.equal(res.status, 400);
    assert.match(String((await json(res)).message), /boom/);
    const xml = await defaults.request('/api/v1/namespaces/default/configmaps', {
      method: 'POST',
      headers: { 'content-type': 'application/xml' },
      body: '<a/>',
    });
    assert.equal(xml.status, 415);
  });
});
