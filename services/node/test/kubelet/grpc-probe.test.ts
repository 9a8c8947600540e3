/**
 * A grpc readiness probe against the runtime's `kubelab/grpc-health` image (the standard
 * grpc.health.v1.Health/Check over real h2c sockets on the pod IP): SERVING → Ready, NOT_SERVING → not
 * Ready with Kubernetes' Unhealthy message, and back. The kubelet runs on a FakeClock; the test gives the
 * sockets real time between clock steps.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { resources } from '@kubelab/api-client';
import type { Event } from '@kubelab/api-types';
import { seededRng } from '@kubelab/clock';
import { freePort } from '@kubelab/testkit';
import {
  type RunningKubelet,
  SEED,
  assignPodCIDR,
  flush,
  getPod,
  newFakeApi,
  newPod,
  startKubelet,
} from './harness.js';

console.log(`kubelet grpc probe test seed ${SEED}`);

const realMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('kubelet - grpc probe', () => {
  let running: RunningKubelet | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it('SERVING → Ready; NOT_SERVING → not Ready; SERVING again → Ready', async () => {
    const { clock, api } = newFakeApi();
    const octet = seededRng(SEED).int(1, 250);
    const podIP = `127.134.${octet}.2`;
    const port = await freePort(podIP);
    console.log(`pod IP ${podIP}:${port}`);
    running = await startKubelet(clock, api, { real: true });
    await assignPodCIDR(api, `127.134.${octet}.0/24`);
    await api.create(
      resources.pods,
      newPod('grpc', {
        containers: [
          {
            name: 'g',
            image: 'kubelab/grpc-health',
            ports: [{ containerPort: port }],
            readinessProbe: { grpc: { port }, periodSeconds: 1, failureThreshold: 1 },
          },
        ],
      }),
      { namespace: 'default' },
    );
    /** Steps the clock 500 ms at a time (with real time for the sockets) until `ok` or 20 s of clock. */
    const until = async (ok: () => boolean, what: string) => {
      for (let i = 0; i < 40 && !ok(); i++) {
        clock.advance(500);
        await flush();
        await realMs(25);
        await flush();
      }
      assert.ok(ok(), `${what}: ${JSON.stringify(getPod(api, 'grpc')?.status?.containerStatuses)}`);
    };
    const ready = () => getPod(api, 'grpc')?.status?.containerStatuses?.[0]?.ready === true;
    await until(ready, 'Ready while SERVING');
    assert.equal(getPod(api, 'grpc')?.status?.podIP, podIP);
    const sandbox = running.kubelet.worker('default', 'grpc')?.sandbox;
    assert.ok(sandbox);
    await sandbox.exec('g', ['sh', '-c', 'echo NOT_SERVING > /tmp/grpc-health-status']);
    await until(() => !ready(), 'not Ready once NOT_SERVING');
    assert.equal(getPod(api, 'grpc')?.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
    await sandbox.exec('g', ['sh', '-c', 'echo SERVING > /tmp/grpc-health-status']);
    await until(ready, 'Ready again');
    await until(
      () =>
        api
          .objects<Event>(resources.events, 'default')
          .some(
            (e) => e.message === 'Readiness probe failed: service unhealthy (responded with "NOT_SERVING")',
          ),
      'Unhealthy event',
    );
  });
});
