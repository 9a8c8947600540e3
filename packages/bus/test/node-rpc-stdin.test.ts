/**
 * Node RPC exec stdin: chunks reach the handler as the caller produces them, under stdin credit that the
 * handler's reads restore, and stdin ends with the caller's close or the stream's end.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { killAll, startNatsServer, waitFor } from '@kubelab/testkit';
import {
  type Bus,
  type NodeExecIO,
  type NodeExecRequest,
  NodeRpcError,
  type NodeRpcHandlers,
  nodeRpcClient,
  nodeRpcEndpoints,
  nodeRpcTopics,
  serveNodeRpc,
} from '../src/index.js';
import { StdinCredit, StdinInbox } from '../src/node-rpc-stdin.js';
import { deferred, testBus } from './helpers.js';

/** A stdin source the test feeds by hand; counts what the client pulled and whether it was ended early. */
class Source implements AsyncIterable<string> {
  pulled = 0;
  returned = false;
  #chunks: string[] = [];
  #ended = false;
  #wake: (() => void) | undefined;

  write(chunk: string): void {
    this.#chunks.push(chunk);
    this.#wake?.();
  }

  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<string, undefined> {
    return {
      next: async () => {
        while (this.#chunks.length === 0 && !this.#ended && !this.returned) {
          await new Promise<void>((resolve) => {
            this.#wake = resolve;
          });
        }
        const chunk = this.#chunks.shift();
        if (chunk === undefined || this.returned) return { done: true, value: undefined };
        this.pulled++;
        return { done: false, value: chunk };
      },
      return: async () => {
        this.returned = true;
        this.#wake?.();
        return { done: true, value: undefined };
      },
    };
  }
}

function execOnly(exec: NodeRpcHandlers['exec']): NodeRpcHandlers {
  return {
    // biome-ignore lint/correctness/useYield: exec-only node
    async *logs() {
      throw new NodeRpcError(404, 'NotFound', 'no logs here');
    },
    exec,
  };
}

const REQ: NodeExecRequest = { namespace: 'd', pod: 'p', command: ['cat'] };

describe('node rpc stdin', () => {
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

  test('node rpc stdin - each chunk reaches the handler while the caller is still typing', async () => {
    let seen: NodeExecRequest | undefined;
    const rpc = await serveNodeRpc(
      node,
      'stdin-echo',
      execOnly(async (req, io) => {
        seen = req;
        let n = 0;
        for await (const chunk of io.stdin ?? []) {
          io.stdout(`got ${chunk}`);
          n++;
        }
        return { exitCode: n };
      }),
    );
    try {
      const source = new Source();
      const out: string[] = [];
      const io: NodeExecIO = { stdout: (c) => out.push(c), stderr: () => {}, stdin: source };
      const call = nodeRpcClient(api).exec('stdin-echo', REQ, io);
      source.write('one\n');
      // The answer to the first line comes back before the second line exists: the stream is interactive.
      await waitFor(() => out.length === 1, { timeoutMs: 5_000, what: 'the first echo' });
      assert.deepEqual(out, ['got one\n']);
      source.write('two\n');
      await waitFor(() => out.length === 2, { timeoutMs: 5_000, what: 'the second echo' });
      source.end(); // stdin-close: the handler's loop ends
      assert.deepEqual(await call, { exitCode: 2 });
      assert.deepEqual(out, ['got one\n', 'got two\n']);
      assert.deepEqual(seen, { ...REQ, streamStdin: true });
    } finally {
      await rpc.stop();
    }
  });

  test('node rpc stdin - without io.stdin the handler gets none', async () => {
    let stdin: unknown = 'unset';
    const rpc = await serveNodeRpc(
      node,
      'stdin-none',
      execOnly(async (_req, io) => {
        stdin = io.stdin;
        return { exitCode: 0 };
      }),
    );
    try {
      await nodeRpcClient(api).exec('stdin-none', REQ, { stdout() {}, stderr() {} });
      assert.equal(stdin, undefined);
    } finally {
      await rpc.stop();
    }
  });

  test('node rpc stdin - a handler that does not read holds the caller within the window', async () => {
    const windowFrames = 4;
    const release = deferred();
    const rpc = await serveNodeRpc(
      node,
      'stdin-flow',
      execOnly(async (_req, io) => {
        await release.promise;
        let all = '';
        for await (const chunk of io.stdin ?? []) all += chunk;
        io.stdout(all);
        return { exitCode: 0 };
      }),
    );
    try {
      const source = new Source();
      const total = 100;
      for (let i = 0; i < total; i++) source.write(`${i},`);
      source.end();
      let out = '';
      const call = nodeRpcClient(api, { windowFrames }).exec('stdin-flow', REQ, {
        stdout: (c) => {
          out += c;
        },
        stderr: () => {},
        stdin: source,
      });
      await waitFor(() => source.pulled >= windowFrames, { timeoutMs: 5_000, what: 'a window of stdin' });
      await new Promise((r) => setTimeout(r, 100));
      // window in flight + the one chunk waiting for credit
      assert.ok(source.pulled <= windowFrames + 1, `caller pulled ${source.pulled} chunks unread`);
      release.resolve();
      assert.deepEqual(await call, { exitCode: 0 });
      assert.equal(out, Array.from({ length: total }, (_, i) => `${i},`).join(''));
    } finally {
      await rpc.stop();
    }
  });

  test('node rpc stdin - the command ending first stops the caller reading its stdin', async () => {
    const rpc = await serveNodeRpc(
      node,
      'stdin-early',
      execOnly(async (_req, io) => {
        io.stdout('bye\n');
        return { exitCode: 7 };
      }),
    );
    try {
      const source = new Source();
      const call = nodeRpcClient(api).exec('stdin-early', REQ, { stdout() {}, stderr() {}, stdin: source });
      assert.deepEqual(await call, { exitCode: 7 });
      await waitFor(() => source.returned, { timeoutMs: 5_000, what: 'the source to be ended' });
    } finally {
      await rpc.stop();
    }
  });

  test('node rpc stdin - a gap in stdin seqs fails the stream with 400', async () => {
    const ended = deferred<unknown>();
    const rpc = await serveNodeRpc(
      node,
      'stdin-gap',
      execOnly(async (_req, io, signal) => {
        for await (const _ of io.stdin ?? []) {
          // reads until the stream is aborted
        }
        ended.resolve(signal.reason);
        return { exitCode: 0 };
      }),
    );
    try {
      await api.request(nodeRpcEndpoints.open('stdin-gap'), {
        streamId: 'gap1',
        kind: 'exec',
        windowFrames: 4,
        heartbeatMs: 1_000,
        exec: { ...REQ, streamStdin: true },
      });
      api.publish(nodeRpcTopics.control('gap1'), { type: 'stdin', seq: 0, data: 'a' });
      api.publish(nodeRpcTopics.control('gap1'), { type: 'stdin', seq: 2, data: 'c' });
      const reason = await ended.promise;
      assert.ok(reason instanceof NodeRpcError, String(reason));
      assert.equal(reason.code, 400);
      assert.match(reason.message, /stdin frame 2, expected 1/);
    } finally {
      await rpc.stop();
    }
  });
});

describe('node rpc stdin - credit and inbox', () => {
  test('stdin credit - writers wait for acks and give up on close', async () => {
    const credit = new StdinCredit(2);
    for (let i = 0; i < 2; i++) {
      assert.equal(await credit.acquire(), true);
      credit.sent();
    }
    let third: boolean | undefined;
    void credit.acquire().then((ok) => {
      third = ok;
    });
    await new Promise((r) => setImmediate(r));
    assert.equal(third, undefined, 'no credit before an ack');
    credit.ack(0);
    await new Promise((r) => setImmediate(r));
    assert.equal(third, true);
    credit.sent();
    let fourth: boolean | undefined;
    void credit.acquire().then((ok) => {
      fourth = ok;
    });
    credit.close();
    await new Promise((r) => setImmediate(r));
    assert.equal(fourth, false);
  });

  test('stdin inbox - refuses a caller beyond the window; reads count as taken; return ends it', async () => {
    const taken: number[] = [];
    const inbox = new StdinInbox(2, (n) => taken.push(n));
    assert.equal(inbox.push('a'), true);
    assert.equal(inbox.push('b'), true);
    assert.equal(inbox.push('c'), false);
    const it = inbox[Symbol.asyncIterator]();
    assert.deepEqual(await it.next(), { done: false, value: 'a' });
    assert.deepEqual(taken, [1]);
    const waiting = (async () => {
      await it.next(); // 'b'
      return it.next(); // waits for more
    })();
    await new Promise((r) => setImmediate(r));
    await it.return?.();
    assert.deepEqual(await waiting, { done: true, value: undefined });
  });
});
