import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { killAll, startNatsServer, waitFor } from '@kubelab/testkit';
import {
  type Bus,
  type NodeExecRequest,
  type NodeLogsRequest,
  NodeRpcError,
  type NodeRpcHandlers,
  nodeRpcClient,
  nodeRpcEndpoints,
  nodeRpcTopics,
  serveNodeRpc,
} from '../src/index.js';
import { deferred, testBus } from './helpers.js';

/** Handlers whose behaviour each test sets. */
function handlers(over: Partial<NodeRpcHandlers>): NodeRpcHandlers {
  return {
    // biome-ignore lint/correctness/useYield: a node without logs
    async *logs() {
      throw new NodeRpcError(404, 'NotFound', 'no logs here');
    },
    async exec() {
      throw new NodeRpcError(404, 'NotFound', 'no exec here');
    },
    ...over,
  };
}

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const chunk of it) out.push(chunk);
  return out;
}

async function rejectsWithStatus(p: Promise<unknown>, code: number, reason: string, message: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof NodeRpcError, `expected NodeRpcError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.reason, reason);
    assert.match(err.message, message);
    return true;
  });
}

describe('node rpc', () => {
  let server: Awaited<ReturnType<typeof startNatsServer>>;
  let node: Bus;
  let api: Bus;

  before(async () => {
    server = await startNatsServer();
    [node, api] = await Promise.all([testBus(server.url, 'node'), testBus(server.url, 'api')]);
  });

  after(async () => {
    await Promise.all([node?.drain(), api?.drain()]);
    await killAll();
  });

  test('node rpc - subjects are per node, and dotted node names stay one token', () => {
    assert.equal(nodeRpcEndpoints.open('node-1').subject, 'kubelab.noderpc.open.node-1');
    assert.equal(nodeRpcEndpoints.open('w1.example.com').subject, 'kubelab.noderpc.open.w1_example_com');
    assert.equal(nodeRpcTopics.stream('s1').subject, 'kubelab.noderpc.stream.s1');
    assert.equal(nodeRpcTopics.control('s1').subject, 'kubelab.noderpc.control.s1');
  });

  test('node rpc - logs stream text chunks with the request as sent', async () => {
    let seen: NodeLogsRequest | undefined;
    const rpc = await serveNodeRpc(
      node,
      'logs-1',
      handlers({
        async *logs(req) {
          seen = req;
          yield 'line 1\n';
          yield '';
          yield 'line 2\n';
        },
      }),
    );
    try {
      const req = { namespace: 'default', pod: 'web', container: 'app', tailLines: 10, timestamps: true };
      const chunks = await collect(nodeRpcClient(api).logs('logs-1', req));
      assert.deepEqual(chunks, ['line 1\n', 'line 2\n']);
      assert.deepEqual(seen, req);
    } finally {
      await rpc.stop();
    }
  });

  test('node rpc - a large chunk is split into frames and arrives whole', async () => {
    const big = 'x'.repeat(200_000);
    const rpc = await serveNodeRpc(
      node,
      'logs-big',
      handlers({
        async *logs() {
          yield big;
        },
      }),
    );
    try {
      const chunks = await collect(nodeRpcClient(api).logs('logs-big', { namespace: 'd', pod: 'p' }));
      assert.ok(chunks.length > 1);
      assert.equal(chunks.join(''), big);
    } finally {
      await rpc.stop();
    }
  });

  test('node rpc - a handler status reaches the caller on the first next()', async () => {
    const message = 'container "app" in pod "web" is waiting to start: ContainerCreating';
    const rpc = await serveNodeRpc(
      node,
      'logs-err',
      handlers({
        // biome-ignore lint/correctness/useYield: refuses at once
        async *logs() {
          throw new NodeRpcError(400, 'BadRequest', message);
        },
      }),
    );
    try {
      const it = nodeRpcClient(api).logs('logs-err', { namespace: 'default', pod: 'web' });
      await rejectsWithStatus(it[Symbol.asyncIterator]().next(), 400, 'BadRequest', /waiting to start/);
    } finally {
      await rpc.stop();
    }
  });

  test('node rpc - other handler failures become 500 InternalError', async () => {
    const rpc = await serveNodeRpc(
      node,
      'exec-boom',
      handlers({
        async exec() {
          throw new Error('boom');
        },
      }),
    );
    try {
      const io = { stdout() {}, stderr() {} };
      const call = nodeRpcClient(api).exec('exec-boom', { namespace: 'd', pod: 'p', command: ['x'] }, io);
      await rejectsWithStatus(call, 500, 'InternalError', /^boom$/);
    } finally {
      await rpc.stop();
    }
  });

  test('node rpc - exec passes stdin, streams stdout and stderr in order, returns the exit code', async () => {
    let seen: NodeExecRequest | undefined;
    const rpc = await serveNodeRpc(
      node,
      'exec-1',
      handlers({
        async exec(req, io) {
          seen = req;
          io.stdout('out 1\n');
          io.stderr('err 1\n');
          io.stdout(req.stdin ?? '');
          return { exitCode: 3 };
        },
      }),
    );
    try {
      const order: string[] = [];
      const io = { stdout: (c: string) => order.push(`1:${c}`), stderr: (c: string) => order.push(`2:${c}`) };
      const req = { namespace: 'default', pod: 'web', container: 'app', command: ['cat'], stdin: 'hi\n' };
      const result = await nodeRpcClient(api).exec('exec-1', req, io);
      assert.deepEqual(result, { exitCode: 3 });
      assert.deepEqual(order, ['1:out 1\n', '2:err 1\n', '1:hi\n']);
      assert.deepEqual(seen, req);
    } finally {
      await rpc.stop();
    }
  });

  test('node rpc - no node agent: 500 error dialing backend, at once', async () => {
    const call = collect(nodeRpcClient(api).logs('absent', { namespace: 'd', pod: 'p' }));
    await rejectsWithStatus(call, 500, 'InternalError', /error dialing backend: node "absent"/);
  });

  test('node rpc - flow: a slow reader holds the producer within the window', async () => {
    let produced = 0;
    const rpc = await serveNodeRpc(
      node,
      'logs-flow',
      handlers({
        async *logs() {
          for (let i = 0; i < 200; i++) {
            produced++;
            yield `${i}\n`;
          }
        },
      }),
    );
    try {
      const windowFrames = 4;
      let consumed = 0;
      let maxAhead = 0;
      for await (const _ of nodeRpcClient(api, { windowFrames }).logs('logs-flow', {
        namespace: 'd',
        pod: 'p',
      })) {
        consumed++;
        maxAhead = Math.max(maxAhead, produced - consumed);
        if (consumed % 20 === 0) await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(consumed, 200);
      // in flight (window) + queued (window) + the one the generator is producing
      assert.ok(maxAhead <= 2 * windowFrames + 1, `producer ran ${maxAhead} chunks ahead`);
    } finally {
      await rpc.stop();
    }
  });

  test('node rpc - the caller aborting cancels the handler', async () => {
    const cancelled = deferred();
    const started = deferred();
    const rpc = await serveNodeRpc(
      node,
      'logs-follow',
      handlers({
        async *logs(_req, signal) {
          yield 'first\n';
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
          cancelled.resolve();
        },
      }),
    );
    try {
      const ac = new AbortController();
      const chunks: string[] = [];
      const reading = (async () => {
        for await (const c of nodeRpcClient(api).logs(
          'logs-follow',
          { namespace: 'd', pod: 'p', follow: true },
          ac.signal,
        )) {
          chunks.push(c);
          started.resolve();
        }
      })();
      await started.promise;
      ac.abort();
      await reading; // ends quietly
      await cancelled.promise;
      assert.deepEqual(chunks, ['first\n']);
    } finally {
      await rpc.stop();
    }
  });

  test('node rpc - a silent caller is treated as gone after 3 heartbeats', async () => {
    const aborted = deferred<unknown>();
    const rpc = await serveNodeRpc(
      node,
      'logs-silent',
      handlers({
        async *logs(_req, signal) {
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
          aborted.resolve(signal.reason);
          yield 'never read';
        },
      }),
    );
    try {
      // A caller that opens a stream and then never acks nor keeps alive.
      await api.request(nodeRpcEndpoints.open('logs-silent'), {
        streamId: 'silent1',
        kind: 'logs',
        windowFrames: 4,
        heartbeatMs: 30,
        logs: { namespace: 'd', pod: 'p', follow: true },
      });
      const reason = await aborted.promise;
      assert.ok(reason instanceof NodeRpcError && reason.code === 499);
    } finally {
      await rpc.stop();
    }
  });

  test('node rpc - stopping the node ends open streams with 503', async () => {
    const started = deferred();
    const rpc = await serveNodeRpc(
      node,
      'exec-stop',
      handlers({
        async exec(_req, io, signal) {
          io.stdout('running\n');
          started.resolve();
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
          return { exitCode: 0 };
        },
      }),
    );
    const out: string[] = [];
    const call = nodeRpcClient(api).exec(
      'exec-stop',
      { namespace: 'd', pod: 'p', command: ['sleep', '1000'] },
      { stdout: (c) => out.push(c), stderr: () => {} },
    );
    await started.promise;
    await waitFor(() => out.length === 1);
    await rpc.stop();
    await rejectsWithStatus(call, 503, 'ServiceUnavailable', /shutting down/);
  });

  test('node rpc - a node that goes silent fails the caller after 3 heartbeats', async () => {
    const other = await testBus(server.url, 'node-2');
    const started = deferred();
    await serveNodeRpc(
      other,
      'logs-vanish',
      handlers({
        async *logs(_req, signal) {
          yield 'x';
          started.resolve();
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
        },
      }),
      { heartbeatMs: 30 },
    );
    const it = nodeRpcClient(api, { heartbeatMs: 30 })
      .logs('logs-vanish', { namespace: 'd', pod: 'p', follow: true })
      [Symbol.asyncIterator]();
    assert.deepEqual(await it.next(), { done: false, value: 'x' });
    await started.promise;
    await other.close(); // no drain: the node process died
    await rejectsWithStatus(it.next(), 500, 'InternalError', /stopped answering/);
  });
});
