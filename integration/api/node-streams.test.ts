/**
 * `kubectl logs` and `kubectl exec` end to end: the real kubectl → a kubelab process cluster's api (HTTPS,
 * WebSocket) → node RPC over the cluster's NATS → a fake node served by this test. The fake node stands in
 * for the kubelet, so what is checked here is the api's side: routing, errors and streaming.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type Bus,
  type NodeExecRequest,
  type NodeLogsRequest,
  NodeRpcError,
  connectBus,
  serveNodeRpc,
} from '@kubelab/bus';
import { silentLogger } from '@kubelab/telemetry';
import { waitFor } from '@kubelab/testkit';
import { TestCluster, kubectl, kubectlOk } from './helpers.js';

const NODE = 'fake-node';
const cluster = new TestCluster('node-streams');
const k = (args: string[], input?: string) => kubectl(cluster, args, input === undefined ? {} : { input });
const ok = (...args: string[]) => kubectlOk(cluster, args);
let bus: Bus | undefined;
let rpc: { stop(): Promise<void> } | undefined;
const logCalls: NodeLogsRequest[] = [];
const execCalls: NodeExecRequest[] = [];

/** The fake kubelet: logs are `<pod>/<container> line N`, exec knows cat, sh -c "exit N" and echo. */
async function startFakeNode(natsUrl: string): Promise<void> {
  bus = await connectBus({ servers: natsUrl, name: 'fake-node', logger: silentLogger() });
  rpc = await serveNodeRpc(bus, NODE, {
    async *logs(req) {
      logCalls.push(req);
      if (req.pod === 'waiting') {
        throw new NodeRpcError(
          400,
          'BadRequest',
          `container "${req.container}" in pod "${req.pod}" is waiting to start: ContainerCreating`,
        );
      }
      const lines = [1, 2, 3].map((n) => `${req.pod}/${req.container} line ${n}\n`);
      for (const line of lines.slice(-(req.tailLines ?? lines.length))) yield line;
    },
    async exec(req, io) {
      execCalls.push(req);
      const [cmd, ...args] = req.command;
      if (cmd === 'cat' && args[0] === '/etc/hostname') io.stdout(`${req.pod}\n`);
      else if (cmd === 'cat') for await (const c of io.stdin ?? []) io.stdout(c);
      else if (cmd === 'sh' && args[0] === '-c') {
        io.stderr('exiting\n');
        return { exitCode: Number(/exit (\d+)/.exec(args[1] ?? '')?.[1] ?? 0) };
      } else {
        io.stderr(`${cmd}: command not found\n`);
        return { exitCode: 127 };
      }
      return { exitCode: 0 };
    },
  });
}

const pod = (name: string, containers: string[]) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  nodeName: ${NODE}
  containers:
${containers.map((c) => `  - name: ${c}\n    image: busybox\n    command: [sleep, "3600"]\n`).join('')}`;

describe('kubectl logs and exec through node RPC', { timeout: 240_000 }, () => {
  before(async () => {
    await cluster.up(0);
    await waitFor(async () => (await k(['get', 'namespace', 'default'])).code === 0, {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: 'the api answers',
    });
    const state = JSON.parse(readFileSync(join(cluster.home, 'state.json'), 'utf8')) as { natsUrl: string };
    await startFakeNode(state.natsUrl);
    const manifests = [pod('web', ['app']), pod('multi', ['a', 'b']), pod('waiting', ['app'])].join('---\n');
    await kubectlOk(cluster, ['apply', '-f', '-'], { input: manifests });
  });

  after(async () => {
    await rpc?.stop();
    await bus?.drain();
    await cluster.down();
  });

  it('kubectl logs prints the node log, with --tail and -c', async () => {
    assert.equal(await ok('logs', 'web'), 'web/app line 1\nweb/app line 2\nweb/app line 3\n');
    assert.equal(await ok('logs', 'web', '--tail=1'), 'web/app line 3\n');
    assert.equal(await ok('logs', 'multi', '-c', 'b', '--tail=1'), 'multi/b line 3\n');
    assert.deepEqual(logCalls.at(-1), { namespace: 'default', pod: 'multi', container: 'b', tailLines: 1 });
  });

  it('kubectl logs -f streams until the container ends', async () => {
    const r = await k(['logs', '-f', 'web']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'web/app line 1\nweb/app line 2\nweb/app line 3\n');
    assert.equal(logCalls.at(-1)?.follow, true);
  });

  it('kubectl logs shows the node refusal and errors on unknown pods and containers', async () => {
    const waiting = await k(['logs', 'waiting']);
    assert.equal(waiting.code, 1);
    assert.equal(
      waiting.stderr.trim(),
      'Error from server (BadRequest): container "app" in pod "waiting" is waiting to start: ContainerCreating',
    );
    const missing = await k(['logs', 'nope']);
    assert.equal(missing.code, 1);
    // kubectl looks the pod up itself first and words this one.
    assert.equal(
      missing.stderr.trim(),
      'error: error from server (NotFound): pods "nope" not found in namespace "default"',
    );
    const badContainer = await k(['logs', 'web', '-c', 'zzz']);
    assert.equal(badContainer.code, 1);
    // kubectl checks the container name itself before asking (the server's own check is unit-tested).
    assert.equal(badContainer.stderr.trim(), 'error: container zzz is not valid for pod web');
  });

  it('kubectl exec runs the command on the node: output, exit codes, stdin', async () => {
    const hostname = await k(['exec', 'web', '--', 'cat', '/etc/hostname']);
    assert.deepEqual(hostname, { code: 0, stdout: 'web\n', stderr: '' });
    assert.deepEqual(execCalls.at(-1), {
      namespace: 'default',
      pod: 'web',
      container: 'app',
      command: ['cat', '/etc/hostname'],
    });

    const exit3 = await k(['exec', 'web', '--', 'sh', '-c', 'exit 3']);
    assert.equal(exit3.code, 3);
    assert.equal(exit3.stdout, '');
    assert.match(exit3.stderr, /^exiting\n/);
    assert.match(exit3.stderr, /command terminated with exit code 3/);

    const piped = await k(['exec', '-i', 'web', '--', 'cat'], 'hello from stdin\n');
    assert.deepEqual(piped, { code: 0, stdout: 'hello from stdin\n', stderr: '' });

    const inB = await k(['exec', 'multi', '-c', 'b', '--', 'cat', '/etc/hostname']);
    assert.equal(inB.code, 0, inB.stderr);
    assert.equal(execCalls.at(-1)?.container, 'b');
  });

  it('kubectl exec errors: missing pod, unknown container', async () => {
    const missing = await k(['exec', 'nope', '--', 'ls']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim(), 'Error from server (NotFound): pods "nope" not found');
    const badContainer = await k(['exec', 'web', '-c', 'zzz', '--', 'ls']);
    assert.equal(badContainer.code, 1);
    assert.match(badContainer.stderr, /container zzz is not valid for pod web|container zzz not found/);
  });
});
