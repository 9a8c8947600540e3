/**
 * The Lua scripts against a real redis-server: atomic acquire with fencing tokens, holder-checked renew and
 * release, the wiped-counter floor, and failing fast while Redis is away.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { seededRng } from '@kubelab/clock';
import { silentLogger } from '@kubelab/telemetry';
import { killAll, startRedisServer, waitFor } from '@kubelab/testkit';
import { Redis } from 'ioredis';
import { type LeaseStore, LeaseStoreError, createRedisLeaseStore, leaseKeys } from '../src/index.js';

describe('redis store', () => {
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  let raw: Redis;
  const stores: LeaseStore[] = [];
  /** A store whose connection is up. */
  const open = async (leaseName: string) => {
    const store = createRedisLeaseStore({
      url: redis.url,
      leaseName,
      rng: seededRng(7),
      logger: silentLogger(),
    });
    stores.push(store);
    await waitFor(() => store.get().then(() => true), { timeoutMs: 10_000, what: 'lease store connects' });
    return store;
  };
  const acquire = (
    store: LeaseStore,
    identity: string,
    extra: { minToken?: number; replaceValue?: string } = {},
  ) => store.tryAcquire({ identity, leaseDurationMs: 1000, minToken: 0, emptyTokenFloor: 0, ...extra });

  before(async () => {
    redis = await startRedisServer();
    raw = new Redis(redis.url, { lazyConnect: true });
    await raw.connect();
  });

  after(async () => {
    raw.disconnect();
    await Promise.all(stores.map((s) => s.close()));
    await killAll();
    redis.cleanup();
  });

  test('redis store - the first command waits for the connection being opened instead of failing', async () => {
    const store = createRedisLeaseStore({
      url: redis.url,
      leaseName: 'first-command',
      rng: seededRng(7),
      logger: silentLogger(),
    });
    stores.push(store);
    const got = await acquire(store, 'a'); // issued before the connection is up
    assert.equal(got.acquired, true);
  });

  test('redis store - keys share one hash slot: {name}', () => {
    assert.deepEqual(leaseKeys('scheduler'), {
      lease: 'kubelab:lease:{scheduler}',
      counter: 'kubelab:lease:{scheduler}:token',
    });
  });

  test('redis store - acquire takes a fresh token atomically; others see the holder', async () => {
    const a = await open('acquire');
    const b = await open('acquire');
    const first = await acquire(a, 'a', { minToken: 41 });
    assert.deepEqual(first, {
      acquired: true,
      holder: { identity: 'a', token: 42 },
      counterWasMissing: true,
    });
    const keys = leaseKeys('acquire');
    assert.equal(await raw.get(keys.lease), '42 a');
    assert.equal(await raw.get(keys.counter), '42');
    const ttl = await raw.pttl(keys.lease);
    assert.ok(ttl > 800 && ttl <= 1000, `ttl ${ttl}`);
    const second = await acquire(b, 'b');
    assert.equal(second.acquired, false);
    assert.deepEqual(second.holder, { identity: 'a', token: 42 });
    assert.deepEqual(await b.get().then((r) => r && { identity: r.identity, token: r.token }), second.holder);
  });

  test('redis store - renew and release act only on exactly our term', async () => {
    const a = await open('renew');
    const b = await open('renew');
    const won = await acquire(a, 'a');
    assert.ok(won.acquired);
    const keys = leaseKeys('renew');
    await raw.pexpire(keys.lease, 300);
    assert.equal(await b.renew('1 b', 1000), false, 'another identity');
    assert.equal(await b.renew('2 a', 1000), false, 'our identity but another term');
    assert.equal(await a.renew('1 a', 1000), true);
    assert.ok((await raw.pttl(keys.lease)) > 800, 'the TTL was extended');
    assert.equal(await b.release('2 a'), false);
    assert.equal(await a.release('1 a'), true);
    assert.equal(await raw.exists(keys.lease), 0);
    assert.equal(await a.renew('1 a', 1000), false, 'nothing to renew after release');
    const next = await acquire(b, 'b');
    assert.deepEqual(next, { acquired: true, holder: { identity: 'b', token: 2 }, counterWasMissing: false });
  });

  test('redis store - a replaceValue that matches takes a new term at once; tokens only go up', async () => {
    const a = await open('replace');
    await acquire(a, 'a', { minToken: 10 });
    const again = await acquire(a, 'a', { replaceValue: '11 a' });
    assert.deepEqual(again, {
      acquired: true,
      holder: { identity: 'a', token: 12 },
      counterWasMissing: false,
    });
    const stale = await acquire(a, 'a', { replaceValue: '11 a' });
    assert.equal(stale.acquired, false, 'the value changed, so no replacing');
    await raw.del(leaseKeys('replace').lease);
    const raised = await acquire(a, 'a', { minToken: 100 });
    assert.ok(raised.acquired && raised.holder.token === 101, 'the counter is raised above minToken');
  });

  test('redis store - a missing counter restarts above the empty-store floor', async () => {
    const a = await open('floor');
    await acquire(a, 'a');
    await raw.del(...Object.values(leaseKeys('floor')));
    const r = await a.tryAcquire({
      identity: 'a',
      leaseDurationMs: 1000,
      minToken: 5,
      emptyTokenFloor: 1_700_000_000_000,
    });
    assert.deepEqual(r, {
      acquired: true,
      holder: { identity: 'a', token: 1_700_000_000_001 },
      counterWasMissing: true,
    });
    assert.equal(await raw.get(leaseKeys('floor').lease), '1700000000001 a', 'no exponent notation from Lua');
  });

  test('redis store - fails fast while Redis is down, works again after it returns', async () => {
    const a = await open('down');
    await acquire(a, 'a');
    await redis.kill();
    const started = Date.now();
    await assert.rejects(a.renew('1 a', 1000), LeaseStoreError);
    await assert.rejects(acquire(a, 'a'), LeaseStoreError);
    assert.ok(Date.now() - started < 1500, `rejected after ${Date.now() - started} ms`);
    await redis.start();
    await waitFor(() => a.renew('1 a', 1000), { timeoutMs: 10_000, what: 'renew after redis returns' });
    await raw.ping();
  });
});
