/**
 * Incremental stdin in the emulated shell (`kubectl exec -i`, `-it`): `sh` runs each line as it arrives,
 * `cat` echoes chunks as they arrive, whole-input commands wait for the end, and on a terminal `sh` prompts
 * and survives Ctrl-C.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '@kubelab/testkit';
import type { Sandbox } from '../../src/runtime/index.js';
import { StreamInput } from '../../src/runtime/shell/input.js';
import { Tty } from '../../src/runtime/shell/tty.js';
import { container, sandboxSpec, settle, testRuntime } from './helpers.js';
import { Keys, Screen } from './keys.js';

describe('shell - incremental stdin', () => {
  const clock = new FakeClock();
  const rt = testRuntime(clock);
  let sb: Sandbox;

  before(async () => {
    await rt.pullImage('busybox', 'IfNotPresent');
    sb = await rt.createSandbox(sandboxSpec('127.0.62.1'));
    await sb.startContainer(container('c', 'busybox', { command: ['sleep', 'infinity'] }));
  });
  after(() => rt.close());

  /** Runs `argv` with stdin typed by the test; stdout and stderr share one screen. */
  function pipeExec(argv: string[]) {
    const keys = new Keys();
    const screen = new Screen();
    const done = sb.exec('c', argv, {
      input: new StreamInput(keys),
      onStdout: screen.write,
      onStderr: screen.write,
    });
    return { keys, screen, done };
  }

  /** Runs `argv` on a terminal. */
  function ttyExec(argv: string[]) {
    const keys = new Keys();
    const screen = new Screen();
    const tty = new Tty(keys, screen.write);
    const done = sb.exec('c', argv, { input: tty, onStdout: tty.output, onStderr: tty.output });
    return { keys, screen, done };
  }

  it('sh runs each line as it arrives, before the next one is typed; exit N ends it', async () => {
    const { keys, screen, done } = pipeExec(['sh']);
    keys.type('echo one\n');
    await screen.waitFor('one\n');
    keys.type('echo $((2+3))\nX=4\n');
    await screen.waitFor('5\n');
    keys.type('echo $X; exit 3\n');
    assert.deepEqual(await done, { exitCode: 3, stdout: '', stderr: '' });
    assert.equal(screen.text, 'one\n5\n4\n', 'no prompt without a terminal');
  });

  it('sh waits for the rest of an unfinished command; at end of input it exits with the last status', async () => {
    const { keys, screen, done } = pipeExec(['sh']);
    keys.type('for i in 1 2; do\n');
    keys.type('  echo "i=$i"\n');
    await settle();
    assert.equal(screen.text, '');
    keys.type('done; false\n');
    await screen.waitFor('i=2\n');
    keys.end();
    assert.equal((await done).exitCode, 1);
    assert.equal(screen.text, 'i=1\ni=2\n');
  });

  it('sh reads lines split across chunks, and a line read leaves the rest to the next command', async () => {
    const { keys, screen, done } = pipeExec(['sh']);
    keys.type('ec');
    keys.type('ho a\nca');
    keys.type('t\nline for cat\n');
    await screen.waitFor('line for cat\n');
    keys.end();
    assert.equal((await done).exitCode, 0);
    assert.equal(screen.text, 'a\nline for cat\n');
  });

  it('sh without a terminal exits 2 on a syntax error', async () => {
    const { keys, screen, done } = pipeExec(['sh']);
    keys.type('echo ok\ndo echo\necho never\n');
    assert.equal((await done).exitCode, 2);
    assert.equal(screen.text, 'ok\nsh: syntax error: unexpected "do"\n');
  });

  it('cat echoes chunks as they arrive; wc waits for the end of input', async () => {
    const cat = pipeExec(['cat']);
    cat.keys.type('first');
    await cat.screen.waitFor('first');
    cat.keys.type(' second\n');
    await cat.screen.waitFor('second\n');
    cat.keys.end();
    assert.equal((await cat.done).exitCode, 0);
    assert.equal(cat.screen.text, 'first second\n');

    const expected = (await sb.exec('c', ['wc', '-l'], { stdin: 'a\nb\n' })).stdout;
    const wc = pipeExec(['wc', '-l']);
    wc.keys.type('a\n');
    wc.keys.type('b\n');
    await settle(20);
    assert.equal(wc.screen.text, '', 'nothing before the end of input');
    wc.keys.end();
    assert.equal((await wc.done).exitCode, 0);
    assert.equal(wc.screen.text, expected);
  });

  it('pipelines and redirections inside an incremental sh still work', async () => {
    const { keys, screen, done } = pipeExec(['sh']);
    keys.type('echo a b c | wc -w\n');
    keys.type('echo x > /tmp/in; cat < /tmp/in\n');
    keys.type('cat /etc/hostname | grep po\n');
    keys.end();
    assert.equal((await done).exitCode, 0);
    assert.match(screen.text, /^\s*3\nx\npod\n$/);
  });

  it('on a terminal sh prompts, echoes, and runs a line on \\r; Ctrl-D on an empty line ends it', async () => {
    const { keys, screen, done } = ttyExec(['sh']);
    await screen.waitFor('/ # ');
    keys.type('echo hi\r');
    await screen.waitFor('hi\r\n/ # ');
    assert.equal(screen.text, '/ # echo hi\r\nhi\r\n/ # ');
    keys.type('cd /tmp\r');
    await screen.waitFor('/tmp # ');
    keys.type('\x04');
    assert.equal((await done).exitCode, 0);
  });

  it('on a terminal Ctrl-C abandons the typed line, and stops a running command', async () => {
    const { keys, screen, done } = ttyExec(['sh']);
    await screen.waitFor('/ # ');
    keys.type('echo never');
    keys.type('\x03');
    await screen.waitFor('^C\r\n/ # ');
    keys.type('sleep 1000; echo not-after\r');
    await settle(20);
    const mark = screen.text.length;
    keys.type('\x03');
    await screen.waitFor('^C\r\n/ # ', mark);
    keys.type('echo status=$?\r');
    await screen.waitFor('status=130\r\n');
    // Only the echoes of what was typed: neither line printed anything.
    assert.doesNotMatch(screen.text, /\nnever\r\n|\nnot-after\r\n/);
    keys.type('exit 4\r');
    assert.equal((await done).exitCode, 4);
  });

  it('on a terminal, Ctrl-D ends a cat run from sh and the shell goes on; syntax errors do not end it', async () => {
    const { keys, screen, done } = ttyExec(['sh']);
    keys.type('cat\r');
    keys.type('typed\r');
    await screen.waitFor('typed\r\ntyped\r\n');
    keys.type('\x04');
    await screen.waitFor('typed\r\n/ # ');
    keys.type('do echo\r');
    await screen.waitFor('unexpected "do"\r\n/ # ');
    keys.type('if true\r');
    await screen.waitFor('> ');
    keys.type('then echo yes; fi\r');
    await screen.waitFor('yes\r\n');
    keys.type('exit\r');
    assert.equal((await done).exitCode, 0);
  });
});
