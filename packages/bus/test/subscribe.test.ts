import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { killAll, startNatsServer, waitFor } from '@kubelab/testkit';
import { type Bus, BusClosedError, topics } from '../src/index.js';
import { events, eventsUnchecked, testBus } from './helpers.js';

describe('publish/subscribe', () => {
  let server: Awaited<ReturnType<typeof startNatsServer>>;
  let pub: Bus;
  let sub: Bus;

  before(async () => {
    server = await startNatsServer();
    [pub, sub] = await Promise.all([testBus(server.url, 'pub'), testBus(server.url, 'sub')]);
  });

  after(async () => {
    await Promise.all([pub?.drain(), sub?.drain()]);
    await killAll();
  });

  test('subscribe - iterator receives in order and break unsubscribes', async () => {
    const s = sub.subscribe(events('order'));
    await sub.flush();
    for (let seq = 0; seq < 100; seq++) pub.publish(events('order'), { seq });
    const got: number[] = [];
    for await (const m of s) {
      assert.equal(m.subject, 'kubelab.test.events.order');
      got.push(m.data.seq);
      if (got.length === 100) break;
    }
    assert.deepEqual(
      got,
      Array.from({ length: 100 }, (_, i) => i),
    );
    await s.closed; // break ended the subscription
    assert.throws(() => s[Symbol.asyncIterator](), /already being iterated/);
  });

  test('subscribe - invalid messages are dropped and counted, the stream goes on', async () => {
    const s = sub.subscribe(events('mixed'));
    await sub.flush();
    pub.publish(eventsUnchecked('mixed'), { seq: 'one' });
    pub.publish(events('mixed'), { seq: 2 });
    for await (const m of s) {
      assert.deepEqual(m.data, { seq: 2 });
      break;
    }
    assert.equal(s.invalid, 1);
  });

  test('subscribe - a queue group delivers each message to one member', async () => {
    const seen: number[] = [];
    const members = [pub.subscribe(events('q'), { queue: 'g' }), sub.subscribe(events('q'), { queue: 'g' })];
    const loops = members.map(async (m) => {
      for await (const d of m) seen.push(d.data.seq);
    });
    await Promise.all([pub.flush(), sub.flush()]);
    for (let seq = 0; seq < 50; seq++) pub.publish(events('q'), { seq });
    await waitFor(() => seen.length >= 50, { timeoutMs: 5_000, what: '50 messages' });
    // a duplicate would have arrived by the time both connections' round trips return
    await Promise.all([pub.flush(), sub.flush()]);
    assert.equal(seen.length, 50);
    assert.equal(new Set(seen).size, 50);
    for (const m of members) m.unsubscribe();
    await Promise.all(loops);
  });

  test('subscribe - binary raft inbox topic carries bytes', async () => {
    const inbox = topics.raftInbox('api', 2);
    assert.equal(inbox.subject, 'kubelab.raft.api.2');
    const s = sub.subscribe(inbox);
    await sub.flush();
    pub.publish(inbox, Uint8Array.from([1, 2, 3]));
    for await (const m of s) {
      assert.deepEqual([...m.data], [1, 2, 3]);
      break;
    }
  });

  test('subscribe - unsubscribe ends the loop', async () => {
    const s = sub.subscribe(events('unsub'));
    const loop = (async () => {
      let n = 0;
      for await (const _ of s) n++;
      return n;
    })();
    s.unsubscribe();
    assert.equal(await loop, 0);
  });

  test('subscribe - refused once the bus is draining', async () => {
    const other = await testBus(server.url, 'short');
    await other.drain();
    assert.throws(() => other.subscribe(events('late')), BusClosedError);
  });
});
