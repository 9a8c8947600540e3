/**
 * `kubectl exec` through the kubelet's node RPC handler streams output as the command writes it (the real
 * runtime emulator on a FakeClock): `echo one; sleep 5; echo two` delivers `one` before the sleep ends.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { resources } from '@kubelab/api-client';
import { nodeRpcHandlers } from '../../src/kubelet/node-rpc.js';
import {
  type RunningKubelet,
  SEED,
  advance,
  assignPodCIDR,
  flush,
  getPod,
  newFakeApi,
  newPod,
  startKubelet,
} from './harness.js';

console.log(`kubelet exec stream test seed ${SEED}`);

describe('kubelet - streaming exec', () => {
  let running: RunningKubelet | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  /** A kubelet on the real runtime running one `shell` pod (busybox, sleeping), and its node RPC handlers. */
  async function startShellPod() {
    const { clock, api } = newFakeApi();
    const kubelet = await startKubelet(clock, api, { real: true });
    running = kubelet;
    await assignPodCIDR(api, '127.131.0.0/24');
    await api.create(
      resources.pods,
      newPod('shell', { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] }),
      { namespace: 'default' },
    );
    await advance(clock, 1_000);
    const handlers = nodeRpcHandlers((ns, name) => kubelet.kubelet.worker(ns, name), clock);
    return { clock, api, handlers };
  }

  it('stdout and stderr arrive as produced; the exit code at the end', async () => {
    const { clock, api, handlers } = await startShellPod();
    assert.equal(getPod(api, 'shell')?.status?.phase, 'Running');
    const seen: string[] = [];
    const io = {
      stdout: (c: string) => seen.push(`out:${c}`),
      stderr: (c: string) => seen.push(`err:${c}`),
    };
    let exit: number | undefined;
    const call = handlers
      .exec(
        {
          namespace: 'default',
          pod: 'shell',
          command: ['sh', '-c', 'echo one; echo oops >&2; sleep 5; echo two; exit 3'],
        },
        io,
        new AbortController().signal,
      )
      .then((r) => {
        exit = r.exitCode;
      });
    await flush();
    assert.deepEqual(seen, ['out:one\n', 'err:oops\n'], 'first lines before the sleep ends');
    assert.equal(exit, undefined);
    await advance(clock, 4_000);
    assert.equal(seen.length, 2);
    await advance(clock, 1_500);
    await call;
    assert.deepEqual(seen, ['out:one\n', 'err:oops\n', 'out:two\n']);
    assert.equal(exit, 3);
  });

  it('stdin is handed over whole to the command', async () => {
    const { handlers } = await startShellPod();
    const chunks: string[] = [];
    const r = await handlers.exec(
      { namespace: 'default', pod: 'shell', command: ['sh'], stdin: 'echo a\ncat /etc/hostname\n' },
      { stdout: (c) => chunks.push(c), stderr: (c) => chunks.push(c) },
      new AbortController().signal,
    );
    assert.equal(r.exitCode, 0);
    assert.equal(chunks.join(''), 'a\nshell\n');
  });
});
