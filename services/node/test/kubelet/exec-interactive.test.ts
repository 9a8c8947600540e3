/**
 * The kubelet's exec handler with streamed stdin (the real runtime emulator on a FakeClock): stdin reaches
 * the command as it arrives, and `tty` puts a terminal between the keys and the command.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { resources } from '@kubelab/api-client';
import type { NodeExecRequest } from '@kubelab/bus';
import { nodeRpcHandlers } from '../../src/kubelet/node-rpc.js';
import { Keys, Screen } from '../runtime/keys.js';
import {
  type RunningKubelet,
  SEED,
  advance,
  assignPodCIDR,
  newFakeApi,
  newPod,
  startKubelet,
} from './harness.js';

console.log(`kubelet exec interactive test seed ${SEED}`);

describe('kubelet - interactive exec', () => {
  let running: RunningKubelet | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  async function startShellPod() {
    const { clock, api } = newFakeApi();
    const kubelet = await startKubelet(clock, api, { real: true });
    running = kubelet;
    await assignPodCIDR(api, '127.132.0.0/24');
    await api.create(
      resources.pods,
      newPod('shell', { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] }),
      { namespace: 'default' },
    );
    await advance(clock, 1_000);
    return nodeRpcHandlers((ns, name) => kubelet.kubelet.worker(ns, name), clock);
  }

  function exec(handlers: Awaited<ReturnType<typeof startShellPod>>, req: Partial<NodeExecRequest>) {
    const keys = new Keys();
    const out = new Screen();
    const err = new Screen();
    const done = handlers.exec(
      { namespace: 'default', pod: 'shell', command: ['sh'], streamStdin: true, ...req },
      { stdout: out.write, stderr: err.write, stdin: keys },
      new AbortController().signal,
    );
    return { keys, out, err, done };
  }

  it('sh reads streamed stdin line by line; stderr stays separate without a tty', async () => {
    const handlers = await startShellPod();
    const { keys, out, err, done } = exec(handlers, {});
    keys.type('echo one; echo oops >&2\n');
    await out.waitFor('one\n');
    await err.waitFor('oops\n');
    keys.type('exit 3\n');
    assert.deepEqual(await done, { exitCode: 3 });
    assert.equal(out.text, 'one\n');
  });

  it('with tty: echo and \\r\\n on one output stream, and Ctrl-C ends a command that is not a shell with 130', async () => {
    const handlers = await startShellPod();
    const { keys, out, err, done } = exec(handlers, { command: ['cat'], tty: true });
    keys.type('abc\r');
    await out.waitFor('abc\r\nabc\r\n');
    keys.type('\x03');
    assert.deepEqual(await done, { exitCode: 130 });
    assert.equal(out.text, 'abc\r\nabc\r\n^C');
    assert.equal(err.text, '');
  });

  it('with tty: an interactive sh takes Ctrl-C itself and ends at Ctrl-D with its last status', async () => {
    const handlers = await startShellPod();
    const { keys, out, done } = exec(handlers, { tty: true });
    await out.waitFor('/ # ');
    keys.type('ls /nope\r');
    await out.waitFor('ls: /nope: No such file or directory\r\n/ # ');
    keys.type('partial\x03');
    await out.waitFor('partial^C\r\n/ # ');
    keys.type('false\r');
    await out.waitFor('false\r\n/ # ');
    keys.type('\x04');
    assert.deepEqual(await done, { exitCode: 1 });
  });
});
