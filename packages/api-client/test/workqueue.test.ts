import { AssertionError } from 'node:assert';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '@kubelab/telemetry';
import { FakeClock } from '@kubelab/testkit';
import {
  BucketRateLimiter,
  DelayingQueue,
  ItemExponentialFailureRateLimiter,
  RateLimitingQueue,
  WorkQueue,
  WorkQueueFullError,
  defaultControllerRateLimiter,
  runWorkers,
} from '../src/workqueue/index.js';

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

/** Takes a key that must be there now. */
async function take<K>(q: WorkQueue<K>): Promise<K> {
  const item = await q.get();
  assert.equal(item.shutdown, false);
  return item.key as K;
}

describe('workqueue - basic queue', () => {
  it('hands keys out in FIFO order', async () => {
    const q = new WorkQueue<string>();
    for (const k of ['a', 'b', 'c']) q.add(k);
    assert.deepEqual([await take(q), await take(q), await take(q)], ['a', 'b', 'c']);
  });

  it('coalesces repeated adds of a waiting key', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    q.add('b');
    q.add('a');
    assert.equal(q.len(), 2);
    assert.equal(q.metrics.coalesced, 1);
    assert.deepEqual([await take(q), await take(q)], ['a', 'b']);
  });

  it('never hands one key to two workers; an add during processing re-queues it after done', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    assert.equal(await take(q), 'a');
    q.add('a'); // while processing
    q.add('a'); // coalesces with the pending re-add
    assert.equal(q.len(), 0, 'not handed out while processing');
    let second: string | undefined;
    void q.get().then((i) => {
      second = i.key;
    });
    await settle();
    assert.equal(second, undefined);
    q.done('a');
    await settle();
    assert.equal(second, 'a');
    q.done('a');
    assert.equal(q.len(), 0);
  });

  it('serves waiting getters in the order they asked', async () => {
    const q = new WorkQueue<string>();
    const got: string[] = [];
    const g1 = q.get().then((i) => got.push(`g1:${i.key}`));
    const g2 = q.get().then((i) => got.push(`g2:${i.key}`));
    q.add('x');
    q.add('y');
    await Promise.all([g1, g2]);
    assert.deepEqual(got, ['g1:x', 'g2:y']);
  });

  it('shutDown wakes every getter, ignores new adds and still hands out queued keys', async () => {
    const q = new WorkQueue<string>();
    const waiting = [q.get(), q.get()];
    q.shutDown();
    assert.deepEqual(await Promise.all(waiting), [
      { key: undefined, shutdown: true },
      { key: undefined, shutdown: true },
    ]);
    q.add('late');
    assert.equal(q.len(), 0);

    const q2 = new WorkQueue<string>();
    q2.add('a');
    q2.shutDown();
    assert.deepEqual(await q2.get(), { key: 'a', shutdown: false });
    assert.deepEqual(await q2.get(), { key: undefined, shutdown: true });
  });

  it('shutDownWithDrain resolves once the keys being processed are done', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    await take(q);
    let drained = false;
    const drain = q.shutDownWithDrain().then(() => {
      drained = true;
    });
    await settle();
    assert.equal(drained, false);
    q.done('a');
    await drain;
    assert.equal(drained, true);
  });

  it('is bounded: a new key beyond maxItems throws WorkQueueFullError, known keys still coalesce', async () => {
    const q = new WorkQueue<string>({ name: 'tiny', maxItems: 2 });
    q.add('a');
    q.add('b');
    assert.throws(
      () => q.add('c'),
      (e: unknown) => e instanceof WorkQueueFullError && e.maxItems === 2 && /tiny is full/.test(e.message),
    );
    q.add('a');
    assert.equal(q.metrics.rejected, 1);
    await take(q); // 'a' is processing, so no longer counts
    q.add('c');
    assert.equal(q.len(), 2);
  });

  it('done for a key that is not being processed is a programming error', () => {
    const q = new WorkQueue<string>();
    assert.throws(() => q.done('nope'), AssertionError);
  });
});

describe('workqueue - delaying queue', () => {
  it('adds a key when its delay has passed, earliest first', async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue<string>({ clock });
    q.addAfter('slow', 200);
    q.addAfter('fast', 100);
    q.addAfter('now', 0);
    assert.equal(q.len(), 1);
    clock.advance(99);
    assert.equal(q.len(), 1);
    clock.advance(1);
    assert.equal(q.len(), 2);
    clock.advance(100);
    assert.deepEqual([await take(q), await take(q), await take(q)], ['now', 'fast', 'slow']);
  });

  it('keeps the earlier time when a key is added twice', () => {
    const clock = new FakeClock();
    const q = new DelayingQueue<string>({ clock });
    q.addAfter('a', 500);
    q.addAfter('a', 100);
    q.addAfter('a', 900);
    clock.advance(100);
    assert.equal(q.len(), 1);
    clock.advance(1_000);
    assert.equal(q.len(), 1, 'the superseded times do not add it again');
    assert.equal(q.metrics.waiting, 0);
  });

  it('shutDown cancels the timer and drops waiting keys', () => {
    const clock = new FakeClock();
    const q = new DelayingQueue<string>({ clock });
    q.addAfter('a', 100);
    q.shutDown();
    assert.equal(clock.pending(), 0);
    clock.advance(1_000);
    assert.equal(q.len(), 0);
  });

  it('bounds waiting keys, and defers (never drops) a due key while the queue is full', async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue<string>({ clock, maxItems: 1, fullRetryMs: 50 });
    q.addAfter('a', 10);
    assert.throws(() => q.addAfter('b', 10), WorkQueueFullError);
    q.add('x'); // fills the queue proper
    clock.advance(10);
    assert.equal(q.metrics.deferred, 1);
    assert.equal(q.metrics.waiting, 1);
    assert.equal(await take(q), 'x');
    clock.advance(50);
    assert.equal(q.len(), 1);
    assert.equal(await take(q), 'a');
  });
});

describe('workqueue - rate limiters', () => {
  it('per-item exponential: base × 2^n, capped, reset by forget', () => {
    const rl = new ItemExponentialFailureRateLimiter<string>(5, 1_000_000);
    const delays = Array.from({ length: 20 }, () => rl.when('a'));
    assert.deepEqual(delays.slice(0, 4), [5, 10, 20, 40]);
    assert.equal(delays[18], 1_000_000, '5 × 2^18 > 1000 s is capped');
    assert.equal(rl.numRequeues('a'), 20);
    assert.equal(rl.when('b'), 5, 'keys are independent');
    rl.forget('a');
    assert.equal(rl.numRequeues('a'), 0);
    assert.equal(rl.when('a'), 5);
  });

  it('per-item exponential never overflows past the cap', () => {
    const rl = new ItemExponentialFailureRateLimiter<string>(1, 10);
    for (let i = 0; i < 2_000; i++) assert.ok(rl.when('a') <= 10);
  });

  it('token bucket: burst at once, then qps', () => {
    const clock = new FakeClock();
    const rl = new BucketRateLimiter<string>(10, 100, clock);
    for (let i = 0; i < 100; i++) assert.equal(rl.when(`k${i}`), 0);
    assert.equal(rl.when('k100'), 100);
    assert.equal(rl.when('k101'), 200);
    clock.advance(1_000); // 10 tokens back, 2 of them already reserved
    for (let i = 0; i < 8; i++) assert.equal(rl.when(`m${i}`), 0);
    assert.equal(rl.when('m8'), 100);
  });

  it('the default controller limiter is the max of both', () => {
    const clock = new FakeClock();
    const rl = defaultControllerRateLimiter<string>(clock, { burst: 2, qps: 1 });
    assert.equal(rl.when('a'), 5);
    assert.equal(rl.when('a'), 10);
    assert.equal(rl.when('b'), 1_000, 'the bucket is empty: 1 qps');
    rl.forget('a');
    assert.equal(rl.numRequeues('a'), 0);
  });
});

describe('workqueue - rate limiting queue and workers', () => {
  it('addRateLimited delays grow per key and forget resets them', async () => {
    const clock = new FakeClock();
    const q = new RateLimitingQueue<string>({ clock });
    /** Requeues `key` and measures how long it took to become available; then processes it. */
    const requeueDelay = async (key: string): Promise<number> => {
      const start = clock.now();
      q.addRateLimited(key);
      for (let waited = 0; q.len() === 0; waited++) {
        assert.ok(waited < 10_000, 'never became due');
        clock.advance(1);
      }
      q.done(await take(q));
      return clock.now() - start;
    };
    const delays = [await requeueDelay('a'), await requeueDelay('a'), await requeueDelay('a')];
    assert.deepEqual(delays, [5, 10, 20]);
    assert.equal(q.numRequeues('a'), 3);
    q.forget('a');
    assert.equal(await requeueDelay('a'), 5);
  });

  it('runWorkers: forget on success, addRateLimited on failure, one key at a time, stops on abort', async () => {
    const clock = new FakeClock();
    const q = new RateLimitingQueue<string>({ clock, name: 'test' });
    const inFlight = new Set<string>();
    const synced: string[] = [];
    let failuresLeft = 2;
    let overlap = false;
    const sync = async (key: string) => {
      if (inFlight.has(key)) overlap = true;
      inFlight.add(key);
      await settle();
      if (key === 'a') q.add('a'); // re-added while processing: must wait for done
      await settle();
      inFlight.delete(key);
      if (key === 'b' && failuresLeft-- > 0) throw new Error('transient');
      synced.push(key);
    };
    const ac = new AbortController();
    for (const k of ['a', 'b', 'c']) q.add(k);
    const run = runWorkers(q, 3, sync, ac.signal, { logger: silentLogger() });
    for (let i = 0; i < 40 && !(synced.includes('b') && synced.length >= 4); i++) {
      await settle();
      clock.advance(5);
    }
    assert.equal(overlap, false);
    assert.ok(synced.includes('b'), `b synced after two failures: ${synced.join(',')}`);
    assert.equal(q.numRequeues('b'), 0, 'forgotten after the success');
    assert.ok(synced.filter((k) => k === 'a').length >= 2, 'the re-added key ran again');
    ac.abort();
    await run;
    assert.equal(q.shuttingDown(), true);
  });
});

describe('workqueue - bugs crash', () => {
  it('runWorkers rethrows an AssertionError from a sync instead of retrying it', async () => {
    const clock = new FakeClock();
    const q = new RateLimitingQueue<string>({ clock });
    q.add('a');
    const ac = new AbortController();
    await assert.rejects(
      runWorkers(
        q,
        1,
        async () => {
          throw new AssertionError({ message: 'invariant broken' });
        },
        ac.signal,
        { logger: silentLogger() },
      ),
      AssertionError,
    );
    assert.equal(q.numRequeues('a'), 0);
    ac.abort();
  });
});
