import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resources } from '@kubelab/api-client';
import type { Event, Node, Pod } from '@kubelab/api-types';
import { seededRng } from '@kubelab/clock';
import { createEventRecorder } from '@kubelab/controller-kit';
import { fakeContext } from '@kubelab/controller-kit/testing';
import { FakeClock, waitFor } from '@kubelab/testkit';
import { Scheduler } from '../src/scheduler.js';
import { makeNode, makePod } from './fixtures.js';

const SEED = Number(process.env.SEED ?? 7);
console.log(`scheduler tests: seed ${SEED}`);

/** A scheduler over a FakeApi; `nodes` are there before it starts (so its first cycle sees them all). */
function setup(...nodes: Node[]) {
  const clock = new FakeClock();
  const { ctx, api } = fakeContext({ clock, seed: SEED });
  api.seed(resources.nodes, ...nodes);
  const recorder = createEventRecorder({
    client: api,
    clock,
    logger: ctx.logger,
    component: 'default-scheduler',
  });
  const scheduler = new Scheduler({ ...ctx, recorder, rng: seededRng(SEED) });
  const ac = new AbortController();
  const running = scheduler.run(ac.signal);
  const stop = async () => {
    ac.abort();
    await running;
    await recorder.flush();
  };
  return { clock, api, scheduler, recorder, stop };
}

const boundPods = (pods: Pod[]) => pods.filter((p) => p.spec?.nodeName);

test('scheduler - binds every pending pod and marks it PodScheduled=True', async () => {
  const { api, recorder, stop } = setup(makeNode('node-0'), makeNode('node-1'), makeNode('node-2'));
  try {
    api.seed(resources.pods, ...Array.from({ length: 9 }, (_, i) => makePod(`web-${i}`, { cpu: '100m' })));
    await waitFor(() => boundPods(api.objects<Pod>(resources.pods)).length === 9, { timeoutMs: 5000 });
    await waitFor(
      () =>
        api
          .objects<Pod>(resources.pods)
          .every((p) => p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'True')),
      { timeoutMs: 5000, what: 'PodScheduled=True on every pod' },
    );
    await recorder.flush();
    const events = api.objects<Event>(resources.events).filter((e) => e.reason === 'Scheduled');
    assert.equal(events.length, 9);
    const pod = api.object<Pod>(resources.pods, 'web-0', 'default');
    assert.ok(
      events.some((e) => e.message === `Successfully assigned default/web-0 to ${pod?.spec?.nodeName}`),
      'Scheduled event text',
    );
    assert.equal(events[0]?.source?.component, 'default-scheduler');
  } finally {
    await stop();
  }
});

test('scheduler - spreads the pods of one owner across nodes', async () => {
  const { api, stop } = setup(...Array.from({ length: 4 }, (_, i) => makeNode(`node-${i}`)));
  try {
    api.seed(resources.pods, ...Array.from({ length: 8 }, (_, i) => makePod(`rs-${i}`, { owner: 'rs-uid' })));
    await waitFor(() => boundPods(api.objects<Pod>(resources.pods)).length === 8, { timeoutMs: 5000 });
    const perNode = new Map<string, number>();
    for (const p of api.objects<Pod>(resources.pods))
      perNode.set(p.spec?.nodeName ?? '', (perNode.get(p.spec?.nodeName ?? '') ?? 0) + 1);
    assert.deepEqual([...perNode.values()], [2, 2, 2, 2], `2 per node: ${JSON.stringify([...perNode])}`);
  } finally {
    await stop();
  }
});

test('scheduler - a burst never overcommits a node (assumed pods count)', async () => {
  const { api, stop } = setup(makeNode('small', { cpu: '1' }), makeNode('big', { cpu: '2' }));
  try {
    api.seed(resources.pods, ...Array.from({ length: 5 }, (_, i) => makePod(`p-${i}`, { cpu: '500m' })));
    await waitFor(() => boundPods(api.objects<Pod>(resources.pods)).length === 5, { timeoutMs: 5000 });
    const on = (n: string) => api.objects<Pod>(resources.pods).filter((p) => p.spec?.nodeName === n).length;
    assert.equal(on('small'), 2);
    assert.equal(on('big'), 3);
  } finally {
    await stop();
  }
});

test('scheduler - FailedScheduling text, PodScheduled=False, then bound when a node is added', async () => {
  const { api, clock, scheduler, recorder, stop } = setup(
    makeNode('cp', { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }),
    makeNode('node-1', { cpu: '1' }),
    makeNode('node-2', { cpu: '1' }),
  );
  try {
    api.seed(resources.pods, makePod('web-1', { cpu: '2' }));
    const want =
      '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, ' +
      '2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, ' +
      '2 No preemption victims found for incoming pod.';
    await waitFor(
      () =>
        api
          .object<Pod>(resources.pods, 'web-1', 'default')
          ?.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False'),
      { timeoutMs: 5000, what: 'PodScheduled=False' },
    ).then((c) => {
      assert.equal(c.reason, 'Unschedulable');
      assert.equal(c.message, want);
    });
    await recorder.flush();
    const failed = api.objects<Event>(resources.events).filter((e) => e.reason === 'FailedScheduling');
    assert.equal(failed.length, 1);
    assert.equal(failed[0]?.message, want);
    assert.equal(failed[0]?.type, 'Warning');

    assert.deepEqual(scheduler.queue.stats(), { active: 0, backoff: 0, unschedulable: 1, inFlight: 0 });
    api.seed(resources.nodes, makeNode('node-3', { cpu: '4' }));
    // The node's arrival moves the pod out of the unschedulable pool; its 1 s back-off has to pass first.
    await waitFor(() => scheduler.queue.stats().backoff === 1, { timeoutMs: 5000, what: 'pod in backoffQ' });
    clock.advance(1000);
    await waitFor(() => api.object<Pod>(resources.pods, 'web-1', 'default')?.spec?.nodeName === 'node-3', {
      timeoutMs: 5000,
      what: 'web-1 bound to the new node',
    });
    const cond = await waitFor(
      () =>
        api
          .object<Pod>(resources.pods, 'web-1', 'default')
          ?.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'True'),
      { timeoutMs: 5000, what: 'PodScheduled=True' },
    );
    assert.equal(cond.reason, undefined, 'the failure reason is cleared');
    assert.equal(cond.message, undefined);
  } finally {
    await stop();
  }
});
