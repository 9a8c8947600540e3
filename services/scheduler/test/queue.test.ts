/** The scheduling queue with a FakeClock: order, back-off, the unschedulable pool and its moves. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '@kubelab/testkit';
import { newPodInfo } from '../src/framework/pod-info.js';
import { SchedulingQueue } from '../src/queue/scheduling-queue.js';
import { makePod } from './fixtures.js';

const pi = (name: string, priority?: number) =>
  newPodInfo(makePod(name, priority === undefined ? {} : { priority }));

function setup() {
  const clock = new FakeClock();
  const queue = new SchedulingQueue({ clock });
  const ac = new AbortController();
  queue.run(ac.signal);
  const pop = async () => {
    const qp = await queue.pop(ac.signal);
    assert.ok(qp);
    return qp;
  };
  return { clock, queue, ac, pop };
}

test('queue - activeQ pops by priority, then first in first out', async () => {
  const { clock, queue, ac, pop } = setup();
  queue.add(pi('low-1', 0));
  clock.advance(1);
  queue.add(pi('high', 100));
  clock.advance(1);
  queue.add(pi('low-2', 0));
  const order = [];
  for (let i = 0; i < 3; i++) order.push((await pop()).podInfo.pod.metadata.name);
  assert.deepEqual(order, ['high', 'low-1', 'low-2']);
  ac.abort();
});

test('queue - pop waits for a pod and returns undefined on abort', async () => {
  const { queue, ac } = setup();
  const waiting = queue.pop(ac.signal);
  queue.add(pi('late'));
  assert.equal((await waiting)?.podInfo.key, 'default/late');
  const again = queue.pop(ac.signal);
  ac.abort();
  assert.equal(await again, undefined);
});

test('queue - back-off doubles from 1 s to at most 10 s per attempt', () => {
  const { queue, ac } = setup();
  const qp = { podInfo: pi('p'), timestamp: 0, attempts: 0, initialAttemptTimestamp: 0 };
  const got = [1, 2, 3, 4, 5, 6].map((attempts) => queue.backoffDurationMs({ ...qp, attempts }));
  assert.deepEqual(got, [1000, 2000, 4000, 8000, 10_000, 10_000]);
  ac.abort();
});

test('queue - unschedulable pods wait for a cluster event, then serve their back-off', async () => {
  const { clock, queue, ac, pop } = setup();
  queue.add(pi('p'));
  const qp = await pop();
  queue.addUnschedulable(qp, queue.schedulingCycle);
  assert.deepEqual(queue.stats(), { active: 0, backoff: 0, unschedulable: 1, inFlight: 0 });
  clock.advance(5000); // time alone does nothing before the 60 s flush
  assert.equal(queue.stats().unschedulable, 1);
  queue.moveAllToActiveOrBackoff('NodeAdd');
  // 5 s since the failure > the 1 s back-off of attempt 1: straight to activeQ.
  assert.deepEqual(queue.stats(), { active: 1, backoff: 0, unschedulable: 0, inFlight: 0 });
  const again = await pop();
  assert.equal(again.attempts, 2);
  queue.addUnschedulable(again, queue.schedulingCycle);
  queue.moveAllToActiveOrBackoff('NodeUpdate');
  // Right after its second failure: a 2 s back-off first.
  assert.equal(queue.stats().backoff, 1);
  clock.advance(1000);
  assert.equal(queue.stats().backoff, 1);
  clock.advance(1000);
  assert.deepEqual(queue.stats(), { active: 1, backoff: 0, unschedulable: 0, inFlight: 0 });
  ac.abort();
});

test('queue - a move request during the cycle sends the failed pod to backoffQ, not unschedulable', async () => {
  const { clock, queue, ac, pop } = setup();
  queue.add(pi('p'));
  const qp = await pop();
  const cycle = queue.schedulingCycle;
  queue.moveAllToActiveOrBackoff('NodeAdd'); // a node arrived while the cycle ran
  queue.addUnschedulable(qp, cycle);
  assert.deepEqual(queue.stats(), { active: 0, backoff: 1, unschedulable: 0, inFlight: 0 });
  clock.advance(1000);
  assert.equal(queue.stats().active, 1);
  ac.abort();
});

test('queue - pods unschedulable for 60 s are flushed back without an event', async () => {
  const { clock, queue, ac, pop } = setup();
  queue.add(pi('p'));
  queue.addUnschedulable(await pop(), queue.schedulingCycle);
  clock.advance(59_000);
  assert.equal(queue.stats().unschedulable, 1);
  clock.advance(31_000); // the flush runs every 30 s: at 60 s the pod is 60 s old
  assert.deepEqual(queue.stats(), { active: 1, backoff: 0, unschedulable: 0, inFlight: 0 });
  ac.abort();
});

test('queue - updates: a status-only change leaves an unschedulable pod parked, a spec change requeues it', async () => {
  const { queue, ac, pop, clock } = setup();
  queue.add(pi('p'));
  queue.addUnschedulable(await pop(), queue.schedulingCycle);
  queue.update(pi('p'), false);
  assert.equal(queue.stats().unschedulable, 1);
  clock.advance(2000);
  queue.update(pi('p'), true);
  assert.equal(queue.stats().active, 1);
  queue.delete('default/p');
  assert.deepEqual(queue.stats(), { active: 0, backoff: 0, unschedulable: 0, inFlight: 0 });
  ac.abort();
});

test('queue - a popped pod is not queued again by an add while in flight', async () => {
  const { queue, ac, pop } = setup();
  queue.add(pi('p'));
  await pop();
  queue.add(pi('p'));
  assert.deepEqual(queue.stats(), { active: 0, backoff: 0, unschedulable: 0, inFlight: 1 });
  queue.done('default/p');
  assert.equal(queue.stats().inFlight, 0);
  ac.abort();
});
