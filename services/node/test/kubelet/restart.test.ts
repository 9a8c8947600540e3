/**
 * A node agent restart: the new kubelet finds pods the old one ran, restarts their containers (the emulated
 * processes died with the old process) counting the restart, keeps their pod IPs, and never hands a stored
 * IP to a new pod.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { resources } from '@kubelab/api-client';
import {
  type RunningKubelet,
  SEED,
  advance,
  assignPodCIDR,
  getPod,
  newFakeApi,
  newPod,
  startKubelet,
} from './harness.js';

console.log(`kubelet restart test seed ${SEED}`);

describe('kubelet - node agent restart keeps pod state', () => {
  let running: RunningKubelet | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  async function firstRun() {
    const { clock, api } = newFakeApi();
    running = await startKubelet(clock, api);
    await assignPodCIDR(api, '127.128.9.0/24');
    // The first pod ends (and frees 127.128.9.2) so allocation order alone would not give the others their IPs.
    await api.create(
      resources.pods,
      newPod('done', {
        restartPolicy: 'Never',
        containers: [{ name: 'c', image: 'busybox', command: ['sleep', '1'] }],
      }),
      { namespace: 'default' },
    );
    await advance(clock, 300);
    for (const name of ['a', 'b']) {
      await api.create(resources.pods, newPod(name, {}), { namespace: 'default' });
      await advance(clock, 300);
    }
    await api.create(
      resources.pods,
      newPod('never', { restartPolicy: 'Never', containers: [{ name: 'c', image: 'nginx' }] }),
      { namespace: 'default' },
    );
    await api.create(
      resources.pods,
      newPod('init', {
        initContainers: [{ name: 'setup', image: 'busybox', command: ['sleep', '1'] }],
        containers: [{ name: 'c', image: 'nginx' }],
      }),
      { namespace: 'default' },
    );
    await advance(clock, 2_000);
    assert.equal(getPod(api, 'done')?.status?.phase, 'Succeeded');
    for (const n of ['a', 'b', 'never', 'init']) assert.equal(getPod(api, n)?.status?.phase, 'Running', n);
    await running.stop();
    running = undefined;
    return { clock, api };
  }

  it('restarts the containers once, counted, and keeps pod IPs', async () => {
    const { clock, api } = await firstRun();
    const before = new Map(['a', 'b', 'init'].map((n) => [n, getPod(api, n)?.status]));
    const ips = ['a', 'b', 'never', 'init'].map((n) => getPod(api, n)?.status?.podIP);
    assert.equal(new Set(ips).size, 4, `distinct IPs ${ips}`);
    // A pod created while the agent is down must not take a stored IP.
    await api.create(resources.pods, newPod('aaa', {}), { namespace: 'default' });
    clock.advance(5_000);
    running = await startKubelet(clock, api);
    await advance(clock, 3_000);
    for (const n of ['a', 'b', 'init']) {
      const was = before.get(n);
      const now = getPod(api, n)?.status;
      assert.equal(now?.phase, 'Running', n);
      assert.equal(now?.podIP, was?.podIP, `${n} keeps its pod IP`);
      assert.equal(now?.startTime, was?.startTime, `${n} keeps its startTime`);
      const cs = now?.containerStatuses?.[0];
      assert.ok(cs?.state?.running, `${n} runs again: ${JSON.stringify(cs)}`);
      assert.equal(cs?.restartCount, (was?.containerStatuses?.[0]?.restartCount ?? 0) + 1, n);
      assert.equal(cs?.lastState?.terminated?.exitCode, 255, n);
      assert.equal(cs?.lastState?.terminated?.reason, 'Unknown', n);
      assert.notEqual(cs?.containerID, was?.containerStatuses?.[0]?.containerID, `${n} has a new container`);
    }
    // The init container ran again in the new sandbox before the main container.
    const init = getPod(api, 'init')?.status?.initContainerStatuses?.[0];
    assert.equal(init?.state?.terminated?.reason, 'Completed', JSON.stringify(init));
    // restartPolicy Never: the lost container is final, the pod Failed.
    const never = getPod(api, 'never')?.status;
    assert.equal(never?.phase, 'Failed', JSON.stringify(never));
    assert.equal(never?.containerStatuses?.[0]?.state?.terminated?.exitCode, 255);
    assert.equal(never?.containerStatuses?.[0]?.restartCount, 0);
    const fresh = getPod(api, 'aaa')?.status;
    assert.equal(fresh?.phase, 'Running');
    assert.ok(fresh?.podIP && !ips.includes(fresh.podIP), `fresh ${fresh?.podIP} not one of ${ips}`);
    assert.equal(fresh?.containerStatuses?.[0]?.restartCount, 0);
  });

  it('a second restart counts again; a crash-looping container keeps its count', async () => {
    const { clock, api } = await firstRun();
    running = await startKubelet(clock, api);
    await advance(clock, 1_000);
    await running.stop();
    running = await startKubelet(clock, api);
    await advance(clock, 1_000);
    assert.equal(getPod(api, 'a')?.status?.containerStatuses?.[0]?.restartCount, 2);
    const ipA = getPod(api, 'a')?.status?.podIP;
    assert.equal(ipA, '127.128.9.3');
  });
});
