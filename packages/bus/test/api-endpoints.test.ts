import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SchemaError, apiEndpoints, apiTopics, decodeApiRequest } from '../src/index.js';

describe('api endpoints - registry', () => {
  it('binds the API endpoints and stream topics to their subjects', () => {
    assert.equal(apiEndpoints.request().subject, 'kubelab.api.request');
    assert.equal(apiEndpoints.watch().subject, 'kubelab.api.watch');
    assert.equal(apiTopics.stream('s-1').subject, 'kubelab.api.stream.s-1');
    assert.equal(apiTopics.cancel('s-1').subject, 'kubelab.api.cancel.s-1');
    assert.throws(() => apiTopics.stream('a.b'), /not a valid subject token/);
  });

  it('validates API requests at the boundary, naming the bad field', () => {
    const ok = decodeApiRequest({
      verb: 'get',
      group: '',
      version: 'v1',
      resource: 'pods',
      namespace: 'default',
      name: 'x',
      extra: 1,
    });
    assert.deepEqual(ok, {
      verb: 'get',
      group: '',
      version: 'v1',
      resource: 'pods',
      namespace: 'default',
      name: 'x',
    });
    assert.throws(
      () =>
        decodeApiRequest({
          verb: 'get',
          group: '',
          version: 'v1',
          resource: 'pods',
          fence: { lease: 'l', token: 'x' },
        }),
      (e: unknown) => e instanceof SchemaError && /\$\.fence\.token/.test(e.message),
    );
  });
});

describe('raft endpoints - registry', () => {
  it('binds the forwarding endpoint per group and node', async () => {
    const { raftEndpoints } = await import('../src/index.js');
    assert.equal(raftEndpoints.propose('api', 2).subject, 'kubelab.raftpropose.api.2');
  });
});
