/**
 * pods/exec over WebSocket and pods/log over HTTPS: a WebSocket client speaking the channel protocol, and the
 * real kubectl, against the HTTPS front over a FakeHandler and an in-process node RPC client.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type NodeExecRequest, NodeRpcError } from '@kubelab/bus';
import { systemClock } from '@kubelab/clock';
import { ensureClusterPki } from '@kubelab/pki';
import { WebSocket } from 'ws';
import { PodStreams } from '../../src/core/pod-streams.js';
import { createHttpApp } from '../../src/http/app.js';
import { type HttpsServer, startHttpsServer } from '../../src/http/server.js';
import { ADMIN, FakeHandler, TOKEN } from './fake-handler.js';
import { FakeNodes } from './fake-nodes.js';

const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';
const dir = mkdtempSync(join(tmpdir(), 'kubelab-exec-'));
const handler = new FakeHandler();
let nodes = new FakeNodes();
let server: HttpsServer;
let kubeconfig = '';
const children = new Set<ChildProcess>();

before(async () => {
  const pki = ensureClusterPki(join(dir, 'pki'), { wallNowMs: systemClock.wallNow() });
  // Each test gets fresh FakeNodes; the streams read the current one.
  const podStreams = new PodStreams({
    handler,
    nodes: {
      logs: (n, r, s) => nodes.logs(n, r, s),
      exec: (n, r, io, s) => nodes.exec(n, r, io, s),
    },
    clock: systemClock,
  });
  const http = createHttpApp({
    handler,
    clock: systemClock,
    authenticate: (t) => (t === TOKEN ? ADMIN : undefined),
    ready: () => true,
    id: 'api-exec',
    podStreams,
  });
  server = await startHttpsServer({
    app: http.app,
    port: 0,
    host: '127.0.0.1',
    tls: { key: pki.serving.keyPem, cert: pki.serving.certPem },
    onUpgrade: http.upgrade,
  });
  kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: k\n  cluster:\n    server: https://127.0.0.1:${server.port}\n    certificate-authority: ${pki.paths.caCert}\nusers:\n- name: admin\n  user:\n    token: ${TOKEN}\ncontexts:\n- name: k\n  context: {cluster: k, user: admin, namespace: default}\ncurrent-context: k\n`,
  );
  handler.put('pods', {
    metadata: { name: 'web', namespace: 'default' },
    spec: { nodeName: 'node-1', containers: [{ name: 'app', image: 'busybox' }] },
    status: { phase: 'Running' },
  });
  handler.put('pods', {
    metadata: { name: 'pending', namespace: 'default' },
    spec: { containers: [{ name: 'app', image: 'busybox' }] },
    status: { phase: 'Pending' },
  });
});

beforeEach(() => {
  nodes = new FakeNodes();
});

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Session {
  readonly frames: { channel: number; text: string }[];
  readonly protocol: string;
}

/** Opens an exec socket, sends `send` frames after open, and collects frames until the server closes. */
function wsExec(
  query: string,
  opts: { token?: string; protocols?: string[]; send?: Buffer[] } = {},
): Promise<Session | { status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(
      `wss://127.0.0.1:${server.port}/api/v1/namespaces/default/pods/web/exec?${query}`,
      opts.protocols ?? ['v5.channel.k8s.io', 'v4.channel.k8s.io'],
      { rejectUnauthorized: false, headers: { authorization: `Bearer ${opts.token ?? TOKEN}` } },
    );
    const frames: { channel: number; text: string }[] = [];
    ws.on('open', () => {
      for (const b of opts.send ?? []) ws.send(b);
    });
    ws.on('message', (data: Buffer) =>
      frames.push({ channel: data[0] ?? -1, text: data.subarray(1).toString('utf8') }),
    );
    ws.on('close', () => resolve({ frames, protocol: ws.protocol }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) }));
    });
    ws.on('error', (err) => {
      if (!String(err.message).includes('Unexpected server response')) reject(err);
    });
  });
}

const cmd = (...args: string[]) => args.map((a) => `command=${encodeURIComponent(a)}`).join('&');

describe('pods/exec over WebSocket', () => {
  test('exec - v5: stdout on channel 1, Success on channel 3, then close', async () => {
    nodes.chunks = ['web\n'];
    const s = await wsExec(`${cmd('cat', '/etc/hostname')}&stdout=true&stderr=true`);
    assert.ok('frames' in s);
    assert.equal(s.protocol, 'v5.channel.k8s.io');
    assert.deepEqual(s.frames, [
      { channel: 1, text: 'web\n' },
      { channel: 3, text: '{"metadata":{},"status":"Success"}' },
    ]);
    assert.deepEqual(nodes.calls, [
      {
        node: 'node-1',
        req: { namespace: 'default', pod: 'web', container: 'app', command: ['cat', '/etc/hostname'] },
      },
    ]);
  });

  test('exec - a non-zero exit is a NonZeroExitCode Status with an ExitCode cause', async () => {
    nodes.execResult = { exitCode: 3 };
    const s = await wsExec(`${cmd('sh', '-c', 'exit 3')}&stdout=true`);
    assert.ok('frames' in s);
    const status = JSON.parse(s.frames.at(-1)?.text ?? '{}');
    assert.equal(s.frames.at(-1)?.channel, 3);
    assert.equal(status.reason, 'NonZeroExitCode');
    assert.deepEqual(status.details, { causes: [{ reason: 'ExitCode', message: '3' }] });
  });

  test(
    'exec - v5 stdin streams to the node as it arrives and ends with [255, 0]',
    { timeout: 20_000 },
    async () => {
      const ws = new WebSocket(
        `wss://127.0.0.1:${server.port}/api/v1/namespaces/default/pods/web/exec?${cmd('cat')}&stdin=true&stdout=true`,
        ['v5.channel.k8s.io'],
        { rejectUnauthorized: false, headers: { authorization: `Bearer ${TOKEN}` } },
      );
      const frames: { channel: number; text: string }[] = [];
      let wake: (() => void) | undefined;
      ws.on('message', (data: Buffer) => {
        frames.push({ channel: data[0] ?? -1, text: data.subarray(1).toString('utf8') });
        wake?.();
      });
      const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
      const frameCount = async (n: number) => {
        while (frames.length < n) {
          await new Promise<void>((r) => {
            wake = r;
          });
        }
      };
      await new Promise<void>((resolve) => ws.on('open', () => resolve()));
      ws.send(Buffer.from([0, ...Buffer.from('hello ')]));
      // The echo comes back while stdin is still open: nothing waits for the end of stdin.
      await frameCount(1);
      assert.deepEqual(frames[0], { channel: 1, text: 'hello ' });
      // A resize is not stdin; a character split across two frames arrives whole.
      ws.send(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":80,"Height":24}')]));
      const e = Buffer.from('é');
      ws.send(Buffer.from([0, ...e.subarray(0, 1)]));
      ws.send(Buffer.from([0, ...e.subarray(1), ...Buffer.from('!')]));
      ws.send(Buffer.from([255, 0]));
      await closed;
      assert.deepEqual(nodes.stdinChunks.join(''), 'hello é!');
      assert.deepEqual(
        frames.map((f) => f.channel),
        [...frames.slice(0, -1).map(() => 1), 3],
      );
      assert.equal(JSON.parse(frames.at(-1)?.text ?? '{}').status, 'Success');
      assert.equal((nodes.calls[0]?.req as NodeExecRequest).stdin, undefined);
    },
  );

  test('exec - v4 starts at once with stdin open (it ends with the socket)', async () => {
    const s = await wsExec(`${cmd('true')}&stdin=true&stdout=true`, { protocols: ['v4.channel.k8s.io'] });
    assert.ok('frames' in s);
    assert.equal(s.protocol, 'v4.channel.k8s.io');
    assert.equal(JSON.parse(s.frames.at(-1)?.text ?? '{}').status, 'Success');
  });

  test('exec - the node refusing arrives as a Failure on the error channel', async () => {
    nodes.refuse = new NodeRpcError(
      400,
      'BadRequest',
      'container "app" in pod "web" is waiting to start: ContainerCreating',
    );
    const s = await wsExec(`${cmd('ls')}&stdout=true`);
    assert.ok('frames' in s);
    const status = JSON.parse(s.frames.at(-1)?.text ?? '{}');
    assert.equal(status.status, 'Failure');
    assert.match(status.message, /waiting to start/);
  });

  test('exec - refusals before the upgrade are HTTP Statuses: token, container, no command', async () => {
    const bad = await wsExec(`${cmd('ls')}&stdout=true`, { token: 'nope' });
    assert.ok('status' in bad);
    assert.equal(bad.status, 401);
    const container = await wsExec(`${cmd('ls')}&stdout=true&container=x`);
    assert.ok('status' in container);
    assert.equal(container.status, 400);
    assert.equal(container.body.message, 'container x is not valid for pod web');
    const none = await wsExec('stdout=true');
    assert.ok('status' in none);
    assert.equal(none.status, 400);
    const protocol = await wsExec(`${cmd('ls')}&stdout=true`, { protocols: ['channel.k8s.io'] });
    assert.ok('status' in protocol);
    assert.equal(protocol.status, 400);
  });
});

function kubectl(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      KUBECTL,
      ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), '--request-timeout', '20s', ...args],
      { timeout: 30_000 },
      (err, stdout, stderr) => {
        children.delete(child);
        resolve({ code: err ? Number((err as { code?: unknown }).code) || 1 : 0, stdout, stderr });
      },
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
    children.add(child);
  });
}

describe('real kubectl exec and logs', { skip: !existsSync(KUBECTL) }, () => {
  test('kubectl exec - output, exit codes, stdin, errors', async () => {
    nodes.chunks = ['web\n'];
    const ok = await kubectl(['exec', 'web', '--', 'cat', '/etc/hostname']);
    assert.deepEqual(ok, { code: 0, stdout: 'web\n', stderr: '' });

    nodes = new FakeNodes();
    nodes.execResult = { exitCode: 7 };
    const failed = await kubectl(['exec', 'web', '--', 'sh', '-c', 'exit 7']);
    assert.equal(failed.code, 7);
    assert.match(failed.stderr, /command terminated with exit code 7/);

    nodes = new FakeNodes();
    const piped = await kubectl(['exec', '-i', 'web', '-c', 'app', '--', 'cat'], 'from stdin\n');
    assert.deepEqual(piped, { code: 0, stdout: 'from stdin\n', stderr: '' });
    assert.equal(nodes.stdinChunks.join(''), 'from stdin\n');

    const missing = await kubectl(['exec', 'nope', '--', 'ls']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /pods "nope" not found/);
  });

  test('kubectl logs - text, options, the node refusal', async () => {
    nodes.chunks = ['one\n', 'two\n'];
    const out = await kubectl(['logs', 'web', '--tail=2', '--timestamps']);
    assert.deepEqual(out, { code: 0, stdout: 'one\ntwo\n', stderr: '' });
    assert.deepEqual(nodes.calls[0]?.req, {
      namespace: 'default',
      pod: 'web',
      container: 'app',
      tailLines: 2,
      timestamps: true,
    });
    nodes = new FakeNodes();
    nodes.refuse = new NodeRpcError(
      400,
      'BadRequest',
      'container "app" in pod "web" is waiting to start: ContainerCreating',
    );
    const refused = await kubectl(['logs', 'web']);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /Error from server \(BadRequest\): container "app" in pod "web" is waiting to start: ContainerCreating/,
    );
  });
});
