import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type NodeLogsRequest, NodeRpcError } from '@kubelab/bus';
import { FakeClock } from '@kubelab/testkit';
import { PodStreams } from '../../src/core/pod-streams.js';
import { ADMIN } from './fake-handler.js';
import { FakeNodes } from './fake-nodes.js';
import { NOW_MS, json, setup } from './helpers.js';

function withPod(spec: Record<string, unknown>) {
  const nodes = new FakeNodes();
  const ctx = setup({}, (handler, clock) => ({ podStreams: new PodStreams({ handler, nodes, clock }) }));
  ctx.handler.put('pods', { metadata: { name: 'web', namespace: 'default' }, spec });
  return { ...ctx, nodes };
}

const one = { nodeName: 'node-1', containers: [{ name: 'app', image: 'nginx' }] };
const LOG = '/api/v1/namespaces/default/pods/web/log';

describe('pods/log over HTTP', () => {
  test('pods/log - streams the node chunks as text/plain with the options passed through', async () => {
    const { request, nodes } = withPod(one);
    nodes.chunks = ['a\n', 'b\n'];
    const res = await request(
      `${LOG}?tailLines=5&timestamps=true&previous=true&limitBytes=100&sinceSeconds=60`,
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain');
    assert.equal(await res.text(), 'a\nb\n');
    assert.deepEqual(nodes.calls, [
      {
        node: 'node-1',
        req: {
          namespace: 'default',
          pod: 'web',
          container: 'app',
          previous: true,
          timestamps: true,
          tailLines: 5,
          limitBytes: 100,
          sinceSeconds: 60,
        },
      },
    ]);
  });

  test('pods/log - sinceTime becomes sinceSeconds from the wall clock', async () => {
    const { request, nodes } = withPod(one);
    const since = new Date(NOW_MS - 90_500).toISOString();
    const res = await request(`${LOG}?sinceTime=${encodeURIComponent(since)}`);
    assert.equal(res.status, 200);
    assert.equal((nodes.calls[0]?.req as NodeLogsRequest).sinceSeconds, 91);
  });

  test('pods/log - a multi-container pod needs a container name', async () => {
    const { request, nodes } = withPod({
      nodeName: 'node-1',
      initContainers: [{ name: 'init', image: 'busybox' }],
      containers: [
        { name: 'a', image: 'nginx' },
        { name: 'b', image: 'nginx' },
      ],
    });
    const res = await request(LOG);
    assert.equal(res.status, 400);
    const body = await json(res);
    assert.equal(body.reason, 'BadRequest');
    assert.equal(body.message, 'a container name must be specified for pod web, choose one of: [init a b]');
    const named = await request(`${LOG}?container=b`);
    assert.equal(named.status, 200);
    assert.equal((nodes.calls[0]?.req as NodeLogsRequest).container, 'b');
  });

  test('pods/log - an unknown container is a 400', async () => {
    const { request } = withPod(one);
    const res = await request(`${LOG}?container=nope`);
    assert.equal(res.status, 400);
    assert.equal((await json(res)).message, 'container nope is not valid for pod web');
  });

  test('pods/log - bad options are 422 Invalid PodLogOptions', async () => {
    const { request } = withPod(one);
    const res = await request(`${LOG}?tailLines=-1&limitBytes=0`);
    assert.equal(res.status, 422);
    const body = await json(res);
    assert.equal(body.reason, 'Invalid');
    assert.match(
      String(body.message),
      /^PodLogOptions "web" is invalid: \[tailLines: Invalid value: -1: must be greater than or equal to 0, limitBytes: Invalid value: 0: must be greater than 0\]$/,
    );
    const both = await request(`${LOG}?sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z`);
    assert.equal(both.status, 422);
    const bad = await request(`${LOG}?tailLines=x`);
    assert.equal(bad.status, 400);
  });

  test('pods/log - an unscheduled pod has an empty log; a missing pod is 404', async () => {
    const { request, nodes } = withPod({ containers: [{ name: 'app', image: 'nginx' }] });
    const res = await request(LOG);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '');
    assert.equal(nodes.calls.length, 0);
    const missing = await request('/api/v1/namespaces/default/pods/nope/log');
    assert.equal(missing.status, 404);
  });

  test('pods/log - the node refusing becomes the HTTP status', async () => {
    const { request, nodes } = withPod(one);
    const msg = 'container "app" in pod "web" is waiting to start: ContainerCreating';
    nodes.refuse = new NodeRpcError(400, 'BadRequest', msg);
    const res = await request(LOG);
    assert.equal(res.status, 400);
    const body = await json(res);
    assert.deepEqual(
      { kind: body.kind, reason: body.reason, message: body.message, code: body.code },
      { kind: 'Status', reason: 'BadRequest', message: msg, code: 400 },
    );
  });

  test('pods/log - follow streams until the client goes away, which cancels the node call', async () => {
    const { request, nodes } = withPod(one);
    nodes.chunks = ['first\n'];
    nodes.hold = new Promise(() => {});
    const res = await request(`${LOG}?follow=true`);
    assert.equal(res.status, 200);
    const reader = res.body?.getReader();
    assert.ok(reader);
    const first = await reader.read();
    assert.equal(new TextDecoder().decode(first.value), 'first\n');
    await reader.cancel();
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(nodes.cancelled, true);
    assert.equal((nodes.calls[0]?.req as NodeLogsRequest).follow, true);
  });

  test('pods/log - without node RPC the api answers 503', async () => {
    const { request, handler } = setup();
    handler.put('pods', { metadata: { name: 'web', namespace: 'default' }, spec: one });
    const res = await request(LOG);
    assert.equal(res.status, 503);
  });

  test('pods/log - the NATS-side collector returns the whole log as one text body', async () => {
    const { handler, nodes } = withPod(one);
    nodes.chunks = ['x', 'y'];
    const streams = new PodStreams({ handler, nodes, clock: new FakeClock(0, NOW_MS) });
    const res = await streams.collectLogs({ namespace: 'default', name: 'web' }, { follow: 'true' }, ADMIN);
    assert.deepEqual(res, { code: 200, body: 'xy' });
    assert.equal((nodes.calls.at(-1)?.req as NodeLogsRequest).follow, undefined);
  });
});
