/**
 * SIGSTOP the leading process for longer than the lease, then SIGCONT. Meanwhile another contender must
 * lead; after resuming, the stopped one must step down before printing any leading line, and the leading
 * lines of all processes must still form contiguous blocks with increasing tokens.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { killAll, sleep, startRedisServer } from '@kubelab/testkit';
import { Contenders, checkLeadership, describeBlocks } from './helpers/contenders.js';

describe('sigstop', () => {
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  let contenders: Contenders;

  before(async () => {
    redis = await startRedisServer();
    contenders = new Contenders(redis.url, 'sigstop');
    await Promise.all(['s1', 's2', 's3'].map((id) => contenders.spawn(id)));
  });

  after(async () => {
    await killAll();
    redis.cleanup();
  });

  test('sigstop - a holder stopped longer than the lease never leads again in that term', async () => {
    for (let round = 0; round < 2; round++) {
      await contenders.waitForLeader(0);
      await sleep(500);
      const holder = contenders.leadingSince(0).at(-1);
      assert.ok(holder);
      const stoppedAt = Date.now();
      await contenders.signal(holder.id, 'SIGSTOP');
      const other = await contenders.waitForLeader(stoppedAt, { not: holder.id });
      await sleep(Math.max(0, stoppedAt + 2500 - Date.now())); // stopped 2.5 lease durations
      const contAt = Date.now();
      await contenders.signal(holder.id, 'SIGCONT');
      await sleep(1500);

      const lateLines = contenders.leadingSince(stoppedAt + 5).filter((l) => l.id === holder.id);
      assert.deepEqual(lateLines, [], `${holder.id} printed leading lines after it was stopped`);
      const stepDown = contenders.lines.find(
        (l) => l.ev === 'stopped' && l.id === holder.id && l.t >= contAt,
      );
      assert.ok(stepDown, `${holder.id} reported stopping once resumed`);
      assert.equal(stepDown.token, holder.token);
      assert.ok(other.token > holder.token);
      console.log(
        `round ${round}: stopped ${holder.id}@${holder.token}; ${other.id}@${other.token} led ${other.t - stoppedAt} ms later; ` +
          `${holder.id} stepped down ${stepDown.t - contAt} ms after SIGCONT`,
      );
    }
    const blocks = checkLeadership(contenders.lines);
    console.log(describeBlocks(blocks));
  });
});
