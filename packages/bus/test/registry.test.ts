import { AssertionError } from 'node:assert';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Bus,
  SchemaError,
  bytesCodec,
  decodeHealthReport,
  endpoints,
  jsonCodec,
  raftInbox,
  s,
  subjects,
  topics,
} from '../src/index.js';
import { echo, ping } from './helpers.js';

describe('registry (no server)', () => {
  test('subjects - every subject is under kubelab.', () => {
    assert.equal(subjects.health('api', 'api-0'), 'kubelab.health.api.api-0');
    assert.equal(subjects.healthDiscover(), 'kubelab.discover.health');
    assert.equal(subjects.healthDiscover('dns'), 'kubelab.discover.health.dns');
    assert.equal(raftInbox('api', 3), 'kubelab.raft.api.3');
    assert.equal(endpoints.health('node', 'n_1').subject, 'kubelab.health.node.n_1');
    assert.equal(endpoints.health('node', 'n_1').name, 'health');
    assert.equal(topics.raftInbox('api', 1).codec, bytesCodec);
  });

  test('subjects - wildcards, dots and blanks are refused as tokens', () => {
    for (const bad of ['a.b', '*', '>', '', 'a b', 'x\n']) {
      assert.throws(() => subjects.health('api', bad), AssertionError, `id ${JSON.stringify(bad)}`);
    }
    assert.throws(() => raftInbox('api.x', 1), /raft group "api.x" is not a valid subject token/);
  });

  test('schema - errors name the field', () => {
    assert.throws(
      () => decodeHealthReport({ role: 'api', id: 'api-0', pid: 1, ready: 'yes' }),
      (err: unknown) =>
        err instanceof SchemaError && err.path === '$.ready' && /expected boolean/.test(err.message),
    );
    assert.throws(() => decodeHealthReport([]), /\$: expected object, got array/);
    assert.throws(
      () => s.array(s.object({ n: s.integer }))([{ n: 1 }, { n: 1.5 }]),
      /\$\[1\]\.n: expected integer, got number/,
    );
  });

  test('schema - optional fields are omitted when absent, unknown fields dropped', () => {
    const r = decodeHealthReport({ role: 'api', id: 'api-0', pid: 7, ready: true, extra: 1, leader: null });
    assert.deepEqual(r, { role: 'api', id: 'api-0', pid: 7, ready: true });
    assert.equal('leader' in r, false);
  });

  test('codec - json round trip validates, empty and non-UTF-8 payloads are rejected', () => {
    const c = jsonCodec(s.object({ seq: s.integer }));
    assert.deepEqual(c.decode(c.encode({ seq: 4 })), { seq: 4 });
    assert.throws(() => c.decode(new Uint8Array(0)), /empty payload/);
    assert.throws(() => c.decode(Uint8Array.from([0xff, 0xfe])), TypeError);
    assert.throws(() => c.decode(new TextEncoder().encode('{"seq":')), SyntaxError);
  });

  test('types - a request payload is required unless the endpoint takes none', () => {
    // Checked by tsc (npm run typecheck), never run.
    const typeOnly = (bus: Bus) => {
      // @ts-expect-error: echo needs a request
      void bus.request(echo('t'));
      void bus.request(ping('t'));
      void bus.request(endpoints.health('api', 'api-0'), undefined, { timeoutMs: 10 });
    };
    assert.equal(typeof typeOnly, 'function');
  });
});
