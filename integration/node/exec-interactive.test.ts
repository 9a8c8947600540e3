/**
 * Interactive `kubectl exec` in a real process cluster (api ×3, one node agent with the emulated runtime),
 * with the real kubectl: `exec -i POD -- sh` answers each line before the next is typed (stdin streams
 * through the api and node RPC to the shell as it is typed), and `exec -it` under a pseudo-terminal
 * (util-linux `script`) gets a terminal: echo, the busybox prompt, Ctrl-D ending the shell.
 */
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { TestCluster, kubectl, kubectlOk } from '../api/helpers.js';
import { pinnedPod, waitNodeReady, waitPod } from '../cluster-helpers.js';

const cluster = new TestCluster('exec-interactive');
const POD = 'shell';

/** `script` from util-linux runs a command on a pseudo-terminal; without it the TTY case is skipped. */
function hasScript(): boolean {
  try {
    execFileSync('which', ['script'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A running interactive child: its output so far, waits on it, and its exit. */
class Session {
  output = '';
  readonly exited: Promise<number | null>;
  readonly #child: ChildProcessWithoutNullStreams;

  constructor(command: string, args: readonly string[]) {
    // The cluster's environment, so the cleanup sweep of `cluster.down()` finds a stuck child too.
    this.#child = spawn(command, args, { env: cluster.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child.stdout.setEncoding('utf8').on('data', (c: string) => {
      this.output += c;
    });
    this.#child.stderr.setEncoding('utf8').on('data', (c: string) => {
      this.output += c;
    });
    this.exited = new Promise((resolve) => this.#child.on('close', (code) => resolve(code)));
  }

  type(text: string): void {
    this.#child.stdin.write(text);
  }

  /** Resolves once the output holds `want` at or after index `from`; fails after `timeoutMs`. */
  async waitFor(want: string, from = 0, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.output.indexOf(want, from) < 0) {
      if (Date.now() > deadline) {
        throw new Error(`never saw ${JSON.stringify(want)}; output: ${JSON.stringify(this.output)}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The exit code, killing the child if it has not exited within `timeoutMs`. */
  async exitCode(timeoutMs = 20_000): Promise<number | null> {
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    this.#child.kill('SIGKILL');
  }
}

const kubectlArgs = (...args: string[]) => [
  '--kubeconfig',
  cluster.kubeconfig,
  '--cache-dir',
  cluster.cacheDir,
  ...args,
];

describe('kubectl exec -i / -it - process cluster', { timeout: 300_000 }, () => {
  const sessions: Session[] = [];
  before(async () => {
    await cluster.up(1);
    await waitNodeReady(cluster, 'node-0');
    await kubectlOk(cluster, ['apply', '-f', '-'], {
      input: pinnedPod(POD, { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] }),
    });
    await waitPod(cluster, POD, (p) => p.status?.phase === 'Running', 'Running', 60_000);
  });
  after(async () => {
    for (const s of sessions) s.kill();
    await cluster.down();
  });

  it('non-interactive exec still works: a file, piped stdin, an exit code', async () => {
    assert.deepEqual(await kubectl(cluster, ['exec', POD, '--', 'cat', '/etc/hostname']), {
      code: 0,
      stdout: `${POD}\n`,
      stderr: '',
    });
    const piped = await kubectl(cluster, ['exec', '-i', POD, '--', 'cat'], { input: 'hi\nthere\n' });
    assert.deepEqual(piped, { code: 0, stdout: 'hi\nthere\n', stderr: '' });
    const counted = await kubectl(cluster, ['exec', '-i', POD, '--', 'wc', '-l'], { input: 'a\nb\nc\n' });
    assert.equal(counted.code, 0, counted.stderr);
    assert.equal(counted.stdout.trim(), '3');
    const failed = await kubectl(cluster, ['exec', POD, '--', 'sh', '-c', 'exit 4']);
    assert.equal(failed.code, 4);
    assert.match(failed.stderr, /command terminated with exit code 4/);
  });

  it('exec -i POD -- sh runs each line as it is typed; exit 3 ends kubectl with 3', async () => {
    const s = new Session('kubectl', kubectlArgs('exec', '-i', POD, '--', 'sh'));
    sessions.push(s);
    s.type('echo one\n');
    // Only once the first answer is back does the next line exist: the old api waited for the end of stdin.
    await s.waitFor('one\n');
    const mark = s.output.length;
    s.type('echo $((2+3))\n');
    await s.waitFor('5\n', mark);
    s.type('exit 3\n');
    assert.equal(await s.exitCode(), 3, s.output);
    assert.match(s.output, /^one\n5\n/);
    assert.match(s.output, /command terminated with exit code 3/);
  });

  it('exec -it POD -- sh under a pseudo-terminal: prompt, echo, output, Ctrl-D exits 0', async (t) => {
    if (!hasScript()) {
      t.skip(
        'util-linux `script` is not installed (`which script` failed): no pseudo-terminal to run kubectl on',
      );
      return;
    }
    const line = ['kubectl', ...kubectlArgs('exec', '-it', POD, '--', 'sh')].join(' ');
    const s = new Session('script', ['-qfec', line, '/dev/null']);
    sessions.push(s);
    await s.waitFor('/ # ');
    const mark = s.output.length;
    s.type('echo hi\r');
    // The terminal echoes the typed line, runs it, and prompts again.
    await s.waitFor('echo hi\r\nhi\r\n/ # ', mark);
    const mark2 = s.output.length;
    s.type('cd /etc; echo $((6*7))\r');
    await s.waitFor('42\r\n/etc # ', mark2);
    s.type('\x04');
    assert.equal(await s.exitCode(), 0, s.output);
  });
});
