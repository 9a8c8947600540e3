import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { killAll, startNatsServer } from '@kubelab/testkit';
import {
  type Bus,
  BusDecodeError,
  BusError,
  BusNoRespondersError,
  BusRemoteError,
  BusTimeoutError,
  discoverHealth,
  endpoints,
  serveHealth,
} from '../src/index.js';
import { blob, deferred, echo, echoUnchecked, ping, testBus } from './helpers.js';

describe('request/reply', () => {
  let server: Awaited<ReturnType<typeof startNatsServer>>;
  let a: Bus;
  let b: Bus;
  let client: Bus;
  const release = deferred();

  before(async () => {
    server = await startNatsServer();
    [a, b, client] = await Promise.all([
      testBus(server.url, 'a'),
      testBus(server.url, 'b'),
      testBus(server.url, 'client', { drainTimeoutMs: 500 }),
    ]);
  });

  after(async () => {
    release.resolve();
    await Promise.all([a?.drain(), b?.drain(), client?.drain()]);
    await killAll();
  });

  test('request/reply - a reply too large for one message fails at once with a clear error, not a timeout', async () => {
    await a.serve(blob('huge'), () => new Uint8Array(2 * 1024 * 1024)); // nats-server's max_payload is 1 MiB
    const started = performance.now();
    await assert.rejects(client.request(blob('huge'), new Uint8Array(1), { timeoutMs: 5_000 }), (err) => {
      assert.ok(err instanceof BusRemoteError, String(err));
      assert.match(err.message, /larger than the bus allows in one message/);
      return true;
    });
    assert.ok(performance.now() - started < 2_500, 'the caller waited for its timeout');
  });

  test('request/reply - typed round trip', async () => {
    await a.serve(echo('rt'), (req, ctx) => ({
      text: req.text.toUpperCase(),
      n: req.n + 1,
      by: ctx.subject,
    }));
    const res = await client.request(echo('rt'), { text: 'hi', n: 41 });
    assert.deepEqual(res, { text: 'HI', n: 42, by: 'kubelab.test.echo.rt' });
  });

  test('request/reply - a queue group answers each request once', async () => {
    const seen: number[] = [];
    const handler = (by: string) => (req: { text: string; n: number }) => {
      seen.push(req.n);
      return { ...req, by };
    };
    await a.serve(echo('q'), handler('a'), { queue: 'workers' });
    await b.serve(echo('q'), handler('b'), { queue: 'workers' });
    const n = 40;
    const replies = await Promise.all(
      Array.from({ length: n }, (_, i) => client.request(echo('q'), { text: 'x', n: i })),
    );
    assert.deepEqual(
      replies.map((r) => r.n),
      Array.from({ length: n }, (_, i) => i),
    );
    // A duplicate delivery would have been handled by now: both responders have seen every message the
    // server routed to them once their flush round trip returns.
    await Promise.all([a.flush(), b.flush()]);
    assert.equal(seen.length, n);
    assert.equal(new Set(seen).size, n);
  });

  test('request/reply - a handler that never answers gives BusTimeoutError, no hang', async () => {
    await a.serve(echo('stuck'), async (req) => {
      await release.promise;
      return { ...req, by: 'late' };
    });
    const err = await client.request(echo('stuck'), { text: 'x', n: 1 }, { timeoutMs: 150 }).catch((e) => e);
    assert.ok(err instanceof BusTimeoutError, String(err));
    assert.equal(err.name, 'BusTimeoutError');
    assert.equal(err.subject, 'kubelab.test.echo.stuck');
    assert.equal(err.timeoutMs, 150);
    assert.ok(err.cause instanceof Error);
  });

  test('error envelope - BusError picks the code and message', async () => {
    await a.serve(echo('nf'), () => {
      throw new BusError('NotFound', 'x', { kind: 'pod' });
    });
    const err = await client.request(echo('nf'), { text: 'x', n: 1 }).catch((e) => e);
    assert.ok(err instanceof BusRemoteError, String(err));
    assert.equal(err.name, 'BusRemoteError');
    assert.equal(err.code, 'NotFound');
    assert.equal(err.message, 'x');
    assert.deepEqual(err.details, { kind: 'pod' });
  });

  test('error envelope - any other throw is code Internal', async () => {
    await a.serve(echo('boom'), async () => {
      throw new TypeError('kaput');
    });
    const err = await client.request(echo('boom'), { text: 'x', n: 1 }).catch((e) => e);
    assert.ok(err instanceof BusRemoteError, String(err));
    assert.equal(err.code, 'Internal');
    assert.equal(err.message, 'kaput');
  });

  test('error envelope - no responders fails fast with BusNoRespondersError', async () => {
    const started = performance.now();
    const err = await client
      .request(echo('nobody'), { text: 'x', n: 1 }, { timeoutMs: 5_000 })
      .catch((e) => e);
    assert.ok(err instanceof BusNoRespondersError, String(err));
    assert.equal(err.subject, 'kubelab.test.echo.nobody');
    assert.ok(performance.now() - started < 1_000, 'must not wait for the timeout');
  });

  test('validation - a bad request is rejected at the responder with BadRequest', async () => {
    let called = false;
    await a.serve(echo('val'), (req) => {
      called = true;
      return { ...req, by: 'a' };
    });
    const err = await client.request(echoUnchecked('val'), { text: 3 }).catch((e) => e);
    assert.ok(err instanceof BusRemoteError, String(err));
    assert.equal(err.code, 'BadRequest');
    assert.match(
      err.message,
      /invalid request on kubelab\.test\.echo\.val: \$\.text: expected string, got number/,
    );
    assert.equal(called, false, 'the handler never sees an invalid request');
  });

  test('validation - a bad reply is a BusDecodeError at the caller', async () => {
    await a.serve(echoUnchecked('badreply'), () => ({ text: 'ok', n: 'not a number' }));
    const err = await client.request(echo('badreply'), { text: 'x', n: 1 }).catch((e) => e);
    assert.ok(err instanceof BusDecodeError, String(err));
    assert.equal(err.name, 'BusDecodeError');
    assert.match(err.message, /invalid reply on kubelab\.test\.echo\.badreply: \$\.n: expected integer/);
    assert.ok(err.cause instanceof Error);
  });

  test('binary - raw bytes travel untouched', async () => {
    await a.serve(blob('bin'), (req) => req.map((x) => 255 - x));
    const req = Uint8Array.from([0, 1, 2, 250, 255]);
    const res = await client.request(blob('bin'), req);
    assert.ok(res instanceof Uint8Array);
    assert.deepEqual([...res], [255, 254, 253, 5, 0]);
  });

  test('request/reply - empty request codec and endpoint default timeout', async () => {
    await a.serve(ping('p'), () => ({ pong: true }));
    assert.deepEqual(await client.request(ping('p')), { pong: true });
  });

  test('health - per-process endpoint and discovery broadcast', async () => {
    await serveHealth(a, { role: 'api', id: 'api-0', probe: () => ({ ready: true, leader: true }) });
    await serveHealth(b, {
      role: 'dns',
      id: 'dns-0',
      probe: () => ({ ready: false, details: { zones: 1 } }),
    });
    const one = await client.request(endpoints.health('api', 'api-0'));
    assert.deepEqual(one, { role: 'api', id: 'api-0', pid: process.pid, ready: true, leader: true });

    const all = await discoverHealth(client, { maxWaitMs: 2_000, maxReplies: 2 });
    assert.deepEqual(all.errors, []);
    assert.deepEqual(
      all.reports.map((r) => `${r.role}/${r.id}/${r.ready}`),
      ['api/api-0/true', 'dns/dns-0/false'],
    );
    const dns = await discoverHealth(client, { role: 'dns', maxWaitMs: 2_000, maxReplies: 1 });
    assert.deepEqual(dns.reports, [
      { role: 'dns', id: 'dns-0', pid: process.pid, ready: false, details: { zones: 1 } },
    ]);
    const none = await discoverHealth(client, { role: 'nobody', maxWaitMs: 100 });
    assert.deepEqual(none, { reports: [], errors: [] });
  });
});
