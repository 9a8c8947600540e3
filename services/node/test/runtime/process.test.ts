import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock, freePort } from '@kubelab/testkit';
import type { ContainerProcess, LogLine } from '../../src/runtime/index.js';
import { container, sandboxSpec, settle, testRuntime } from './helpers.js';

async function setup(podIP: string, images: string[] = ['busybox', 'nginx']) {
  const clock = new FakeClock();
  const rt = testRuntime(clock);
  for (const i of images) await rt.pullImage(i, 'IfNotPresent');
  const sb = await rt.createSandbox(sandboxSpec(podIP));
  return { clock, rt, sb };
}

/** Advances the fake clock in steps, letting async work run between them. */
async function advance(clock: FakeClock, ms: number, stepMs = 1000): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) {
    await settle();
    clock.advance(Math.min(stepMs, ms - t));
    await settle();
  }
}

function texts(p: ContainerProcess): string[] {
  return p.logs().map((l) => l.text);
}

describe('container processes', () => {
  it('command [sleep, "10"] completes after 10 s with reason Completed', async () => {
    const { clock, rt, sb } = await setup('127.0.62.1');
    const p = await sb.startContainer(container('c', 'busybox', { command: ['sleep', '10'] }));
    assert.match(p.id, /^containerd:\/\/[0-9a-f]{64}$/);
    await advance(clock, 9000);
    assert.equal(p.exitStatus(), undefined);
    await advance(clock, 1000);
    const status = await p.exited;
    assert.deepEqual([status.exitCode, status.reason, status.finishedAtMs], [0, 'Completed', 10_000]);
    await rt.close();
  });

  it('busybox with its default command (sh, no tty) exits at once', async () => {
    const { rt, sb } = await setup('127.0.62.2');
    const status = await (await sb.startContainer(container('c', 'busybox'))).exited;
    assert.deepEqual([status.exitCode, status.reason], [0, 'Completed']);
    await rt.close();
  });

  it('a non-zero exit is reason Error', async () => {
    const { rt, sb } = await setup('127.0.62.3');
    const p = await sb.startContainer(
      container('c', 'busybox', { command: ['sh', '-c', 'echo failing >&2; exit 2'] }),
    );
    const status = await p.exited;
    assert.deepEqual([status.exitCode, status.reason], [2, 'Error']);
    assert.deepEqual(
      p.logs().map((l) => [l.stream, l.text]),
      [['stderr', 'failing']],
    );
    await rt.close();
  });

  it('a missing executable is a StartError with exit code 128', async () => {
    const { rt, sb } = await setup('127.0.62.4');
    const status = await (
      await sb.startContainer(container('c', 'busybox', { command: ['bash', '-c', 'true'] }))
    ).exited;
    assert.equal(status.exitCode, 128);
    assert.equal(status.reason, 'StartError');
    assert.match(status.message ?? '', /exec: "bash": executable file not found in \$PATH/);
    await rt.close();
  });

  it('while true; do echo hello; sleep 10; done logs every 10 s and follows live', async () => {
    const { clock, rt, sb } = await setup('127.0.62.5');
    const p = await sb.startContainer(
      container('c', 'busybox', { command: ['sh', '-c', 'while true; do echo hello; sleep 10; done'] }),
    );
    const abort = new AbortController();
    const followed: LogLine[] = [];
    const follower = (async () => {
      for await (const line of p.followLogs(abort.signal)) followed.push(line);
    })();
    await settle();
    await advance(clock, 30_000);
    assert.deepEqual(texts(p), ['hello', 'hello', 'hello', 'hello']);
    assert.equal(followed.length, 4);
    assert.ok((p.logs()[1]?.wallMs ?? 0) - (p.logs()[0]?.wallMs ?? 0) === 10_000, 'wall timestamps');
    abort.abort();
    await follower;
    await rt.close();
  });

  it('the liveness docs example: cat /tmp/healthy succeeds for 30 s, then fails', async () => {
    const { clock, rt, sb } = await setup('127.0.62.6');
    await sb.startContainer(
      container('c', 'busybox', {
        args: ['/bin/sh', '-c', 'touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600'],
      }),
    );
    await settle();
    assert.equal((await sb.exec('c', ['cat', '/tmp/healthy'])).exitCode, 0);
    await advance(clock, 31_000);
    const r = await sb.exec('c', ['cat', '/tmp/healthy']);
    assert.deepEqual(r, {
      exitCode: 1,
      stdout: '',
      stderr: "cat: can't open '/tmp/healthy': No such file or directory\n",
    });
    await rt.close();
  });

  it('stop: a shell as PID 1 ignores SIGTERM and is killed after the grace period (137)', async () => {
    const { clock, rt, sb } = await setup('127.0.62.7');
    const p = await sb.startContainer(
      container('c', 'busybox', { command: ['sh', '-c', 'while true; do sleep 1; done'] }),
    );
    await settle();
    const stopped = p.stop(30_000);
    await advance(clock, 29_000);
    assert.equal(p.exitStatus(), undefined, 'still running during the grace period');
    await advance(clock, 1000);
    const status = await stopped;
    assert.deepEqual([status.exitCode, status.reason, status.signal], [137, 'Error', 'SIGKILL']);
    await rt.close();
  });

  it('stop: sleep as PID 1 ignores SIGTERM too; grace 0 kills at once', async () => {
    const { clock, rt, sb } = await setup('127.0.62.8');
    const p = await sb.startContainer(container('c', 'busybox', { command: ['sleep', '3600'] }));
    await settle();
    void p.stop(5000);
    await advance(clock, 4000);
    assert.equal(p.exitStatus(), undefined);
    assert.equal((await p.stop(0)).exitCode, 137);
    await rt.close();
  });

  it('stop: a shell with trap TERM runs the trap and exits with its code', async () => {
    const { rt, sb } = await setup('127.0.62.9');
    const p = await sb.startContainer(
      container('c', 'busybox', {
        command: ['sh', '-c', "trap 'echo got TERM; exit 0' TERM; echo ready; while true; do sleep 1; done"],
      }),
    );
    await settle();
    const status = await p.stop(30_000);
    assert.deepEqual([status.exitCode, status.reason], [0, 'Completed']);
    assert.deepEqual(texts(p), ['ready', 'got TERM']);
    await rt.close();
  });

  it('stop: nginx exits 0 promptly on SIGTERM; nginx started by sh after sleep 10 too', async () => {
    const podIP = '127.0.62.10';
    const { clock, rt, sb } = await setup(podIP);
    const port = await freePort(podIP);
    const p = await sb.startContainer(
      container('web', 'nginx', {
        command: ['sh', '-c', "sleep 10; nginx -g 'daemon off;'"],
        ports: [{ containerPort: port }],
      }),
    );
    await advance(clock, 10_000);
    await waitUntil(() => texts(p).some((t) => t.includes('start worker processes')));
    const status = await p.stop(30_000);
    assert.deepEqual([status.exitCode, status.reason], [0, 'Completed']);
    assert.ok(texts(p).some((t) => t.includes('signal 15 (SIGTERM) received, exiting')));
    await rt.close();
  });

  it('exec with a timeout answers 137', async () => {
    const { clock, rt, sb } = await setup('127.0.62.11');
    await sb.startContainer(container('c', 'busybox', { command: ['sleep', 'infinity'] }));
    const r = sb.exec('c', ['sh', '-c', 'echo start; sleep 5; echo never'], { timeoutMs: 1000 });
    await settle();
    clock.advance(1000);
    assert.deepEqual(await r, { exitCode: 137, stdout: 'start\n', stderr: '' });
    await rt.close();
  });

  it('exec into a stopped container fails with container not found', async () => {
    const { rt, sb } = await setup('127.0.62.12');
    const p = await sb.startContainer(container('c', 'busybox', { command: ['true'] }));
    await p.exited;
    await assert.rejects(sb.exec('c', ['true']), /container not found \("c"\)/);
    await rt.close();
  });

  it('containers share volumes; each has its own root filesystem; a restart gets a fresh root', async () => {
    const podIP = '127.0.62.13';
    const clock = new FakeClock();
    const rt = testRuntime(clock);
    await rt.pullImage('busybox', 'IfNotPresent');
    const sb = await rt.createSandbox(
      sandboxSpec(podIP, {
        volumes: new Map([
          ['cfg', [{ path: 'app.conf', content: 'k=v\n' }]],
          ['data', []],
        ]),
      }),
    );
    const mounts = [
      { name: 'data', mountPath: '/data' },
      { name: 'cfg', mountPath: '/etc/app', readOnly: true },
    ];
    await sb.startContainer(
      container('a', 'busybox', { command: ['sleep', 'infinity'], volumeMounts: mounts }),
    );
    await sb.startContainer(
      container('b', 'busybox', { command: ['sleep', 'infinity'], volumeMounts: mounts }),
    );
    await sb.exec('a', ['sh', '-c', 'echo shared > /data/x; echo private > /tmp/y']);
    assert.equal((await sb.exec('b', ['cat', '/data/x', '/etc/app/app.conf'])).stdout, 'shared\nk=v\n');
    assert.equal((await sb.exec('b', ['cat', '/tmp/y'])).exitCode, 1);
    const ro = await sb.exec('b', ['sh', '-c', 'echo x > /etc/app/new']);
    assert.equal(ro.stderr, "sh: can't create /etc/app/new: Read-only file system\n");
    await (await sb.startContainer(container('c', 'busybox', { command: ['true'] }))).exited;
    await rt.close();
  });

  it('usage: a base plus a share per request', async () => {
    const { rt, sb } = await setup('127.0.62.14');
    const p = await sb.startContainer(container('c', 'busybox', { command: ['sleep', 'infinity'] }));
    assert.deepEqual(p.usage(), { cpuMilli: 0, memoryBytes: 1024 * 1024 });
    await rt.close();
    assert.deepEqual(p.usage(), { cpuMilli: 0, memoryBytes: 0 });
  });
});

async function waitUntil(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  for (let waited = 0; !cond(); waited += 10) {
    if (waited > timeoutMs) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 10));
  }
}
