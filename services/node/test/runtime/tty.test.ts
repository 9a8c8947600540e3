/** The exec terminal's line discipline, on its own: echo, line editing, Ctrl-C, Ctrl-D, output `\r\n`. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readLine } from '../../src/runtime/shell/input.js';
import { Tty } from '../../src/runtime/shell/tty.js';
import { Keys, Screen } from './keys.js';

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

function terminal() {
  const keys = new Keys();
  const screen = new Screen();
  const tty = new Tty(keys, screen.write);
  return { keys, screen, tty };
}

describe('tty line discipline', () => {
  it('echoes keys, and \\r hands the line over with \\n and echoes \\r\\n', async () => {
    const { keys, screen, tty } = terminal();
    keys.type('ec');
    keys.type('ho hi');
    await settle();
    assert.equal(screen.text, 'echo hi');
    let line: string | undefined;
    void tty.read().then((l) => {
      line = l;
    });
    await settle();
    assert.equal(line, undefined, 'nothing readable before the line ends');
    keys.type('\r');
    await settle();
    assert.equal(line, 'echo hi\n');
    assert.equal(screen.text, 'echo hi\r\n');
  });

  it('backspace erases one character (and nothing on an empty line); Ctrl-U the line', async () => {
    const { keys, screen, tty } = terminal();
    keys.type('\x7fab\x7fc\r');
    keys.type('junk\x15ok\r');
    assert.equal(await tty.read(), 'ac\n');
    assert.equal(await tty.read(), 'ok\n');
    assert.equal(screen.text, 'ab\b \bc\r\njunk\b \b\b \b\b \b\b \bok\r\n');
  });

  it('Ctrl-C echoes ^C, drops the line and unread input, and interrupts the latest handler only', async () => {
    const { keys, screen, tty } = terminal();
    const hits: string[] = [];
    tty.onInterrupt(() => hits.push('base'));
    const release = tty.onInterrupt(() => hits.push('shell'));
    keys.type('unread\r');
    keys.type('echo bad');
    keys.type('\x03');
    keys.type('echo ok\r');
    await settle(); // every key is in before anyone reads
    assert.equal(await tty.read(), 'echo ok\n');
    assert.deepEqual(hits, ['shell']);
    assert.equal(screen.text, 'unread\r\necho bad^Cecho ok\r\n');
    release();
    keys.type('\x03');
    await settle();
    assert.deepEqual(hits, ['shell', 'base']);
  });

  it('Ctrl-D on an empty line ends input once; on a non-empty line it hands over the text', async () => {
    const { keys, tty } = terminal();
    keys.type('\x04');
    keys.type('abc\x04');
    keys.type('def\r');
    assert.equal(await tty.read(), undefined, 'EOF');
    assert.equal(await tty.read(), 'abc', 'reading goes on after EOF');
    assert.equal(await readLine(tty), 'def\n');
  });

  it('output turns \\n into \\r\\n; other control keys echo as ^X; the end of keys is end of input', async () => {
    const { keys, screen, tty } = terminal();
    tty.output('a\nb\n');
    keys.type('\x1b[A\r');
    assert.equal(await tty.read(), '\x1b[A\n');
    keys.end();
    assert.equal(await tty.read(), undefined);
    assert.equal(await tty.read(), undefined);
    assert.equal(screen.text, 'a\r\nb\r\n^[[A\r\n');
  });

  it('a read gives up when its signal aborts, and close() ends reads and stops taking keys', async () => {
    const { keys, tty } = terminal();
    const ac = new AbortController();
    const pending = tty.read(ac.signal);
    ac.abort();
    assert.equal(await pending, undefined);
    const waiting = tty.read();
    tty.close();
    assert.equal(await waiting, undefined);
    await settle();
    assert.equal(keys.returned, true);
  });
});
