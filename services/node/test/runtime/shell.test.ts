import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '@kubelab/testkit';
import type { Sandbox } from '../../src/runtime/index.js';
import { parseScript } from '../../src/runtime/shell/parser.js';
import { container, sandboxSpec, testRuntime } from './helpers.js';

/** [script, stdout, exit code, stderr (default '')]. */
type Case = [string, string, number, string?];

const cases: Case[] = [
  // Operators and exit codes.
  ['echo a; echo b', 'a\nb\n', 0],
  ['true && echo yes', 'yes\n', 0],
  ['false && echo yes', '', 1],
  ['false || echo fallback', 'fallback\n', 0],
  ['true || echo never', '', 0],
  ['false; echo $?', '1\n', 0],
  ['exit 3', '', 3],
  ['(exit 4); echo $?', '4\n', 0],
  ['echo before; exit 5; echo after', 'before\n', 5],
  ['! false && echo negated', 'negated\n', 0],
  ['nosuchcmd', '', 127, 'sh: nosuchcmd: not found\n'],
  ['nosuchcmd; echo $?', '127\n', 0, 'sh: nosuchcmd: not found\n'],
  // Quoting and variables.
  ['echo \'single $HOME\' "double $HOME"', 'single $HOME double /root\n', 0],
  ['X=1; Y="$X 2"; echo "${Y}"', '1 2\n', 0],
  ['echo ${UNSET:-default} ${GREETING}', 'default hi\n', 0],
  ['A="a   b"; for w in $A; do echo "[$w]"; done', '[a]\n[b]\n', 0],
  ['A="a   b"; echo "$A"', 'a   b\n', 0],
  ['echo "$(echo nested) `echo back`"', 'nested back\n', 0],
  ['echo $((3 * (2 + 1))) $((7 / 2)) $((7 % 3))', '9 3 1\n', 0],
  ['echo a\\ b "c\\"d"', 'a b c"d\n', 0],
  ['FOO=scoped env | grep FOO; echo "[$FOO]"', 'FOO=scoped\n[]\n', 0],
  ['export NEW=1; printenv NEW', '1\n', 0],
  ['echo -n x; echo y', 'xy\n', 0],
  ["sh -c 'echo $0 $1 $2' name one two", 'name one two\n', 0],
  // Redirections and files.
  ['echo one > /tmp/f; echo two >> /tmp/f; cat /tmp/f', 'one\ntwo\n', 0],
  ['echo over > /tmp/g; echo again > /tmp/g; cat /tmp/g', 'again\n', 0],
  ['cat /tmp/nope', '', 1, "cat: can't open '/tmp/nope': No such file or directory\n"],
  ['echo err >&2', '', 0, 'err\n'],
  ['cat /tmp/nope 2>/dev/null; echo $?', '1\n', 0],
  ['cat /tmp/nope 2>&1', "cat: can't open '/tmp/nope': No such file or directory\n", 1],
  ['echo x > /no/dir/f', '', 1, "sh: can't create /no/dir/f: nonexistent directory\n"],
  [
    'touch /tmp/h; test -f /tmp/h && echo exists; rm -f /tmp/h; [ -f /tmp/h ] || echo gone',
    'exists\ngone\n',
    0,
  ],
  ['rm /tmp/missing', '', 1, "rm: can't remove '/tmp/missing': No such file or directory\n"],
  ['rm -f /tmp/missing', '', 0],
  [
    'mkdir -p /data/a/b && touch /data/a/b/c && ls /data/a/b && rm -rf /data && ls /data',
    'c\n',
    1,
    'ls: /data: No such file or directory\n',
  ],
  ['mkdir /x/y', '', 1, "mkdir: can't create directory '/x/y': No such file or directory\n"],
  ['cd /etc && pwd && cat hostname', '/etc\npod\n', 0],
  ['hostname; cat /etc/hostname', 'pod\npod\n', 0],
  ['echo hello | grep -c l', '1\n', 0],
  ['printf "%s-%d\\n" a 5', 'a-5\n', 0],
  ['seq 3 | tail -n 1', '3\n', 0],
  ['echo "a b c" | wc -w', '3\n', 0],
  // Control flow.
  ['i=0; while [ $i -lt 3 ]; do echo $i; i=$((i+1)); done', '0\n1\n2\n', 0],
  ['i=0; until [ $i -ge 2 ]; do i=$((i+1)); done; echo $i', '2\n', 0],
  ['for x in a "b c"; do echo "<$x>"; done', '<a>\n<b c>\n', 0],
  ['if [ -f /etc/hosts ]; then echo yes; else echo no; fi', 'yes\n', 0],
  ['if false; then echo 1; elif true; then echo 2; fi', '2\n', 0],
  ['while true; do echo once; break; done; echo after', 'once\nafter\n', 0],
  ['for i in 1 2 3; do [ $i = 2 ] && continue; echo $i; done', '1\n3\n', 0],
  ['for i in 1 2; do for j in a b; do echo $i$j; break 2; done; done', '1a\n', 0],
  ['{ echo grouped; echo twice; } > /tmp/grp; cat /tmp/grp', 'grouped\ntwice\n', 0],
  ['trap "echo bye" EXIT; echo hi', 'hi\nbye\n', 0],
  ['date +%Y', '2026\n', 0],
  ['test 3 -gt 2 && test abc = abc && test -n x && test -z ""', '', 0],
  ['echo "unterminated', '', 2, 'sh: syntax error: unterminated quoted string\n'],
  ['do echo', '', 2, 'sh: syntax error: unexpected "do"\n'],
];

describe('shell', () => {
  const clock = new FakeClock();
  const rt = testRuntime(clock);
  let sb: Sandbox;

  before(async () => {
    await rt.pullImage('busybox', 'IfNotPresent');
    sb = await rt.createSandbox(sandboxSpec('127.0.61.1'));
    await sb.startContainer(
      container('c', 'busybox', { command: ['sleep', 'infinity'], env: { GREETING: 'hi' } }),
    );
  });
  after(() => rt.close());

  for (const [script, stdout, exitCode, stderr = ''] of cases) {
    it(`sh -c ${JSON.stringify(script)}`, async () => {
      assert.deepEqual(await sb.exec('c', ['sh', '-c', script]), { exitCode, stdout, stderr });
    });
  }

  it('runs plain argv without a shell, and exec of a missing binary fails like runc', async () => {
    assert.deepEqual(await sb.exec('c', ['echo', 'a b']), { exitCode: 0, stdout: 'a b\n', stderr: '' });
    const r = await sb.exec('c', ['nosuch']);
    assert.equal(r.exitCode, 126);
    assert.match(r.stderr, /exec: "nosuch": executable file not found in \$PATH/);
  });

  it('feeds stdin to sh and cat', async () => {
    assert.equal((await sb.exec('c', ['sh'], { stdin: 'echo from-stdin' })).stdout, 'from-stdin\n');
    assert.equal((await sb.exec('c', ['cat'], { stdin: 'piped' })).stdout, 'piped');
  });

  it('yields in busy loops so a timeout can fire', async () => {
    const r = sb.exec('c', ['sh', '-c', 'while true; do true; done'], { timeoutMs: 1000 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    clock.advance(1000);
    assert.equal((await r).exitCode, 137);
  });
});

describe('shell parser', () => {
  it('parses compound commands into a tree', () => {
    const list = parseScript('while true; do echo hello; sleep 10; done');
    const first = list.items[0]?.first.commands[0];
    assert.equal(first?.kind, 'while');
    assert.equal(first?.kind === 'while' ? first.body.items.length : 0, 2);
  });

  it('keeps keywords as arguments after a command word', () => {
    const cmd = parseScript('echo done fi').items[0]?.first.commands[0];
    assert.equal(cmd?.kind === 'simple' ? cmd.words.length : 0, 3);
  });

  it('marks background jobs', () => {
    assert.deepEqual(
      parseScript('sleep 1 & wait').items.map((i) => i.background),
      [true, false],
    );
  });
});
