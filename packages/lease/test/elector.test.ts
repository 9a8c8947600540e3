/**
 * The elector's deadline logic on fake time, against the in-memory store (same semantics as the Redis
 * scripts). Real processes and a real Redis are in election.test.ts and friends.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeClock } from '@kubelab/testkit';
import { type LeaderEvent, LeadershipEndedError, MemoryLeaseBackend } from '../src/index.js';
import { World, flush, recordedElector, spyStore } from './helpers/sim.js';

/** Advances a FakeClock in small steps so the elector's promise chains run between timers. */
async function advance(clock: FakeClock, ms: number, stepMs = 5): Promise<void> {
  for (let done = 0; done < ms; done += stepMs) {
    clock.advance(Math.min(stepMs, ms - done));
    await flush();
    await flush();
  }
}

/** A FakeClock whose wall clock reads far in the past, so tokens show the "highest seen + 1" rule alone. */
const pastWallClock = () => new FakeClock(0, -1e12);

describe('elector', () => {
  test('elector - the first acquire on an empty store waits one lease duration before leading', async () => {
    const clock = pastWallClock();
    const backend = new MemoryLeaseBackend(clock);
    const { elector, rec } = recordedElector(backend.store(), clock, 'a');
    elector.start();
    await advance(clock, 995);
    assert.equal(elector.isLeading(), false, 'quarantined: the counter was missing');
    assert.equal(backend.peek(), '1 a', 'but it holds the key');
    await advance(clock, 10);
    assert.equal(elector.isLeading(), true);
    assert.equal(elector.token(), 1);
    assert.deepEqual(rec.log, ['started 1']);
    await elector.close();
    assert.deepEqual(rec.log, ['started 1', 'stopped']);
    assert.equal(backend.peek(), undefined, 'close() released the key');
  });

  test('elector - leads while renewals succeed; steps down exactly renewDeadlineMs after the last one sent', async () => {
    const clock = pastWallClock();
    const backend = new MemoryLeaseBackend(clock);
    const spied = spyStore(backend.store(), clock);
    const { elector, rec } = recordedElector(spied.store, clock, 'a');
    const events: LeaderEvent[] = [];
    const consumed = (async () => {
      for await (const ev of elector.events()) events.push(ev);
    })();
    elector.start();
    await advance(clock, 6000);
    assert.equal(elector.isLeading(), true);
    assert.equal(rec.signals[0]?.aborted, false);
    assert.ok(spied.calls.filter((c) => c.op === 'renew' && c.ok).length >= 20, 'renews every retry period');

    backend.setUnavailable(true);
    const lastOk = spied.calls.filter((c) => c.ok).at(-1);
    assert.ok(lastOk);
    const deadline = lastOk.sentAt + 700;
    await advance(clock, deadline - 1 - clock.now(), 1);
    assert.equal(elector.isLeading(), true, 'one ms before the deadline');
    await advance(clock, 1, 1);
    assert.equal(elector.isLeading(), false, 'at the deadline');
    const reason = rec.signals[0]?.reason;
    assert.ok(reason instanceof LeadershipEndedError && reason.reason === 'deadline');
    assert.deepEqual(rec.log, ['started 1', 'stopped']);

    backend.setUnavailable(false);
    await advance(clock, 600);
    assert.equal(elector.isLeading(), true, 're-acquired when the store came back');
    assert.equal(elector.token(), 2, 'a new term, a new token (replacing our own stale key)');
    await elector.close();
    await consumed;
    assert.deepEqual(
      events.map((e) => (e.type === 'newLeader' ? `new ${e.identity}` : `${e.type} ${e.token}`)),
      ['new a', 'started 1', 'stopped 1', 'started 2', 'stopped 2'],
    );
  });

  test('elector - after a pause longer than the lease, isLeading() is false before any timer runs', async () => {
    const world = new World();
    const backend = new MemoryLeaseBackend(world.clock());
    const clockA = world.clock();
    const a = recordedElector(backend.store(), clockA, 'a');
    a.elector.start();
    await world.advance(1100);
    assert.equal(a.elector.isLeading(), true);
    const b = recordedElector(backend.store(), world.clock(), 'b');
    b.elector.start();
    await world.advance(500);
    assert.equal(b.elector.isLeading(), false);

    world.pause(clockA); // SIGSTOP
    await world.advance(3000);
    assert.equal(b.elector.isLeading(), true, 'b took over once a’s key expired');
    world.resume(clockA); // SIGCONT: a's clock jumped; none of its timers has run yet
    assert.equal(a.elector.isLeading(), false);
    assert.equal(a.rec.signals[0]?.aborted, true, 'the check itself stepped down');
    assert.deepEqual(a.rec.log, ['started 1', 'stopped']);
    await world.advance(2000);
    assert.equal(a.elector.isLeading(), false);
    assert.equal(b.elector.isLeading(), true);
    assert.deepEqual(b.rec.tokens, [2]);
    await Promise.all([a.elector.close(), b.elector.close()]);
  });

  test('elector - store wiped: the holder loses, the next term waits a lease duration, with a greater token', async () => {
    const clock = pastWallClock();
    const backend = new MemoryLeaseBackend(clock);
    const spiedA = spyStore(backend.store(), clock);
    const spiedB = spyStore(backend.store(), clock);
    const a = recordedElector(spiedA.store, clock, 'a');
    const b = recordedElector(spiedB.store, clock, 'b');
    a.elector.start();
    await advance(clock, 1100);
    b.elector.start();
    await advance(clock, 1000);
    assert.equal(a.elector.isLeading(), true);
    assert.equal(a.elector.token(), 1);

    backend.wipe(); // redis restarted without persistence
    const wipedAt = clock.now();
    await advance(clock, 250);
    assert.equal(a.elector.isLeading(), false, 'a’s renewal found the key gone');
    assert.equal(a.rec.signals[0]?.reason.reason, 'lost');
    let firstLeadAt: number | undefined;
    for (let t = 0; t < 2000 && firstLeadAt === undefined; t += 5) {
      await advance(clock, 5);
      if (a.elector.isLeading() || b.elector.isLeading()) firstLeadAt = clock.now();
    }
    assert.ok(firstLeadAt !== undefined, 'someone leads again');
    const winner = b.elector.isLeading() ? b : a;
    const calls = winner === b ? spiedB.calls : spiedA.calls;
    const acquireSent = calls.find((c) => c.op === 'acquire' && c.ok && c.sentAt >= wipedAt)?.sentAt;
    assert.ok(acquireSent !== undefined);
    assert.ok(
      firstLeadAt >= acquireSent + 1000,
      `quarantined: led at ${firstLeadAt}, acquired at ${acquireSent}`,
    );
    assert.equal(winner.elector.token(), 2, 'above the highest token seen before the wipe');
    await Promise.all([a.elector.close(), b.elector.close()]);
  });

  test('elector - a wiped counter restarts above the wall-clock floor', async () => {
    const clock = new FakeClock(0, 1_700_000_000_000);
    const backend = new MemoryLeaseBackend(clock);
    const { elector } = recordedElector(backend.store(), clock, 'a');
    elector.start();
    await advance(clock, 1100);
    const first = elector.token();
    assert.ok(first !== undefined && first > 1_700_000_000_000);
    backend.wipe();
    await advance(clock, 1500);
    const second = elector.token();
    assert.ok(second !== undefined && second > first, `${second} > ${first}`);
    await elector.close();
  });

  test('elector - release deletes the key and another replica takes over within a retry period', async () => {
    const clock = pastWallClock();
    const backend = new MemoryLeaseBackend(clock);
    const a = recordedElector(backend.store(), clock, 'a');
    const b = recordedElector(backend.store(), clock, 'b');
    a.elector.start();
    await advance(clock, 1100);
    b.elector.start();
    await advance(clock, 500);
    const releasing = a.elector.release();
    assert.equal(a.elector.isLeading(), false, 'stops leading at once');
    assert.equal(a.rec.signals[0]?.aborted, true);
    await releasing;
    assert.equal(backend.peek(), undefined);
    await advance(clock, 245);
    assert.equal(b.elector.isLeading(), true, 'no need to wait for the key to expire');
    assert.deepEqual(b.rec.tokens, [2]);
    await Promise.all([a.elector.close(), b.elector.close()]);
  });

  test('elector - an acquire reply that arrives after the deadline does not start a term', async () => {
    const clock = pastWallClock();
    const backend = new MemoryLeaseBackend(clock);
    backend.setLatency(800);
    const { elector, rec } = recordedElector(backend.store(), clock, 'a');
    elector.start();
    await advance(clock, 3000);
    assert.equal(elector.isLeading(), false, 'every reply comes after sentAt + renewDeadlineMs');
    assert.deepEqual(rec.log, []);
    backend.setLatency(0);
    await advance(clock, 1500);
    assert.equal(elector.isLeading(), true);
    assert.ok((elector.token() ?? 0) > 1, 'a new term replaced our own unconfirmed one');
    await elector.close();
  });

  test('elector - a callback that throws makes the elector leave and report it on closed', async () => {
    const clock = pastWallClock();
    const backend = new MemoryLeaseBackend(clock);
    const { elector } = recordedElector(backend.store(), clock, 'a', {
      onStartedLeading: () => {
        throw new Error('boom');
      },
    });
    elector.start();
    await advance(clock, 1100);
    const closed = await elector.closed;
    assert.ok(closed instanceof Error && closed.message === 'boom');
    assert.equal(elector.isLeading(), false);
    assert.equal(backend.peek(), undefined);
  });
});
