import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bearerToken } from '../../src/http/middleware/authn/index.js';
import { TOKEN } from './fake-handler.js';
import { json, setup } from './helpers.js';

describe('authentication', () => {
  test('auth - no token, a bad token or a non-bearer scheme is 401 Unauthorized', async () => {
    const { http, handler } = setup();
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: `Basic ${TOKEN}` }]) {
      const res = await http.app.request('/api/v1/namespaces/default/pods', { headers });
      assert.equal(res.status, 401);
      assert.deepEqual(await json(res), {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401,
      });
    }
    for (const path of ['/api', '/apis', '/openapi/v3', '/apis/apps/v1']) {
      assert.equal((await http.app.request(path)).status, 401, path);
    }
    assert.equal(handler.calls.length, 0);
  });

  test('auth - /version, /healthz, /livez and /readyz need no token', async () => {
    const { http } = setup();
    for (const path of ['/version', '/healthz', '/livez', '/readyz', '/readyz/ping']) {
      assert.equal((await http.app.request(path)).status, 200, path);
    }
  });

  test('auth - the authenticated user reaches the handler', async () => {
    const { http, handler } = setup();
    await http.app.request('/api/v1/namespaces/default/pods', {
      headers: { authorization: 'bearer token-bob' },
    });
    assert.equal(handler.calls.at(-1)?.user.name, 'bob');
    assert.equal(bearerToken('Bearer  abc '), 'abc');
    assert.equal(bearerToken('Bearer a b'), undefined);
  });
});

describe('max in-flight per user', () => {
  test('auth - beyond the cap a user gets 429 with Retry-After; others and watches are not affected', async () => {
    const { request, handler, http } = setup({ maxInFlightPerUser: 2 });
    let release!: () => void;
    handler.gate = new Promise<void>((r) => {
      release = r;
    });
    const first = request('/api/v1/namespaces/default/pods');
    const second = request('/api/v1/namespaces/default/pods');
    await new Promise((r) => setImmediate(r));
    const third = await request('/api/v1/namespaces/default/pods');
    assert.equal(third.status, 429);
    assert.equal(third.headers.get('retry-after'), '1');
    const status = await json(third);
    assert.equal(status.reason, 'TooManyRequests');
    assert.deepEqual(status.details, { retryAfterSeconds: 1 });
    // Another user has their own budget; a watch is long-running and not counted.
    const bob = http.app.request('/api/v1/namespaces/default/pods', {
      headers: { authorization: 'Bearer token-bob' },
    });
    const watch = await request('/api/v1/namespaces/default/pods?watch=true');
    assert.equal(watch.status, 200);
    await watch.body?.cancel();
    release();
    assert.equal((await first).status, 200);
    assert.equal((await second).status, 200);
    assert.equal((await bob).status, 200);
    handler.gate = undefined;
    assert.equal((await request('/api/v1/namespaces/default/pods')).status, 200, 'the budget is released');
  });
});
