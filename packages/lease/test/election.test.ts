/**
 * Three contender processes on a real redis-server: exactly one leads, a SIGKILLed leader is replaced, and
 * the fencing tokens of successive terms strictly increase. Assertions are about order, not timing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { seededRng } from '@kubelab/clock';
import { silentLogger } from '@kubelab/telemetry';
import { killAll, sleep, startRedisServer } from '@kubelab/testkit';
import { createRedisLeaseStore } from '../src/index.js';
import { Contenders, checkLeadership, describeBlocks } from './helpers/contenders.js';

describe('election', () => {
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  let contenders: Contenders;

  before(async () => {
    redis = await startRedisServer();
    contenders = new Contenders(redis.url, 'election');
    await Promise.all(['c1', 'c2', 'c3'].map((id) => contenders.spawn(id)));
  });

  after(async () => {
    await killAll();
    redis.cleanup();
  });

  test('election - exactly one of three contenders leads, and the store names it', async () => {
    const first = await contenders.waitForLeader(0);
    await sleep(2000);
    const ids = new Set(contenders.leadingSince(0).map((l) => l.id));
    assert.deepEqual([...ids], [first.id], 'only one contender ever printed a leading line');
    const store = createRedisLeaseStore({
      url: redis.url,
      leaseName: 'election',
      rng: seededRng(1),
      logger: silentLogger(),
    });
    try {
      await sleep(200); // connect
      const record = await store.get();
      assert.equal(record?.identity, first.id);
      assert.equal(record?.token, first.token);
      assert.ok(record.ttlMs > 0 && record.ttlMs <= 1000);
    } finally {
      await store.close();
    }
  });

  test('election - a SIGKILLed leader is replaced; tokens strictly increase across terms', async () => {
    for (let round = 0; round < 3; round++) {
      const leader = contenders.leadingSince(0).at(-1);
      assert.ok(leader);
      const killedAt = Date.now();
      await contenders.signal(leader.id, 'SIGKILL');
      const next = await contenders.waitForLeader(killedAt, { not: leader.id });
      assert.ok(next.token > leader.token, `term ${next.token} after ${leader.token}`);
      console.log(
        `round ${round}: killed ${leader.id}@${leader.token}, ${next.id}@${next.token} leads after ${next.t - killedAt} ms`,
      );
      await contenders.spawn(leader.id); // a new incarnation with the same identity
      await sleep(300); // let the new term print a few lines
    }
    const blocks = checkLeadership(contenders.lines);
    console.log(describeBlocks(blocks));
    assert.ok(blocks.length >= 4, 'one block per term at least');
  });
});
