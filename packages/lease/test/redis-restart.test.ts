/**
 * Redis restarts under three contender processes. With AOF (appendfsync always) the key and the token
 * counter survive; without it Redis comes back empty and the next holder must quarantine and still hand out
 * a greater token. Either way the leading lines must form contiguous blocks with increasing tokens, and a
 * leader must appear again once Redis is back, also after it was down for seconds.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { killAll, sleep, startRedisServer } from '@kubelab/testkit';
import { Contenders, checkLeadership, describeBlocks } from './helpers/contenders.js';

type RedisServer = Awaited<ReturnType<typeof startRedisServer>>;

async function setUp(appendOnly: boolean): Promise<{ redis: RedisServer; contenders: Contenders }> {
  const redis = await startRedisServer({ appendOnly });
  const contenders = new Contenders(redis.url, 'restart');
  await Promise.all(['r1', 'r2', 'r3'].map((id) => contenders.spawn(id)));
  await contenders.waitForLeader(0);
  return { redis, contenders };
}

/**
 * Restarts Redis (SIGKILL, optionally stays down `downMs`), then waits for a leader again: any leader, or
 * with `newTerm` one with a greater token than before.
 */
async function restartAndReelect(
  redis: RedisServer,
  contenders: Contenders,
  downMs: number,
  newTerm = false,
) {
  await sleep(500);
  const before = contenders.leadingSince(0).at(-1);
  assert.ok(before);
  await redis.kill();
  const downAt = Date.now();
  if (downMs > 0) await sleep(downMs);
  await redis.start();
  const upAt = Date.now();
  const next = await contenders.waitForLeader(upAt, newTerm ? { aboveToken: before.token } : {});
  console.log(
    `redis down ${upAt - downAt} ms: ${before.id}@${before.token} before, ${next.id}@${next.token} leads ${next.t - upAt} ms after restart`,
  );
  assert.ok(next.token >= before.token);
  return { before, next, downAt, upAt };
}

describe('redis restart with AOF', () => {
  after(async () => {
    await killAll();
  });

  test('redis restart - with AOF the lease survives a quick restart and is retaken after a long one', async () => {
    const { redis, contenders } = await setUp(true);
    try {
      await restartAndReelect(redis, contenders, 0);
      const long = await restartAndReelect(redis, contenders, 3000);
      assert.ok(long.next.token > long.before.token, 'down longer than the lease: a new term');
      const leadingWhileDown = contenders.leadingSince(long.downAt + 800).filter((l) => l.t < long.upAt);
      assert.deepEqual(leadingWhileDown, [], 'nobody leads once the deadline passed with Redis down');
      await sleep(1000);
      const blocks = checkLeadership(contenders.lines);
      console.log(describeBlocks(blocks));
    } finally {
      await killAll();
      redis.cleanup();
    }
  });
});

describe('redis restart without persistence', () => {
  after(async () => {
    await killAll();
  });

  test('redis restart - an empty Redis: old holder steps down, new term is quarantined, tokens still rise', async () => {
    const { redis, contenders } = await setUp(false);
    try {
      const { before, next, upAt } = await restartAndReelect(redis, contenders, 0, true);
      assert.ok(
        next.token > before.token,
        `token ${next.token} after ${before.token} despite the lost counter`,
      );
      const started = contenders.lines.find((l) => l.ev === 'started' && l.token === next.token);
      assert.ok(started);
      const stoppedOld = contenders.lines.find((l) => l.ev === 'stopped' && l.token === before.token);
      assert.ok(stoppedOld, 'the old holder reported stopping');
      console.log(
        `old holder stopped ${stoppedOld.t - upAt} ms, new one started ${started.t - upAt} ms after restart`,
      );
      await sleep(1000);
      checkLeadership(contenders.lines);
    } finally {
      await killAll();
      redis.cleanup();
    }
  });
});
