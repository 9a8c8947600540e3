import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TABLE_ACCEPT, ago, setup } from './helpers.js';

/** Reads newline-delimited JSON events from a streaming response. */
function lines(res: Response) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    async next(): Promise<Record<string, unknown> | undefined> {
      for (;;) {
        const nl = buffer.indexOf('\n');
        if (nl >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          return JSON.parse(line) as Record<string, unknown>;
        }
        const { done, value } = await reader.read();
        if (done) return undefined;
        buffer += decoder.decode(value, { stream: true });
      }
    },
    cancel: () => reader.cancel(),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('watch over HTTP', () => {
  test('watch - one JSON event per line, objects as the handler sends them', async () => {
    const { handler, request } = setup();
    const res = await request('/api/v1/namespaces/default/pods?watch=true&resourceVersion=100');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    const { req } = handler.calls.at(-1)!;
    assert.equal(req.verb, 'watch');
    assert.equal(req.query?.resourceVersion, '100');
    const events = lines(res);
    const pod = handler.put('pods', { metadata: { name: 'web', namespace: 'default' } });
    handler.emit('ADDED', 'pods', pod);
    handler.emit('DELETED', 'pods', pod);
    assert.deepEqual(await events.next(), { type: 'ADDED', object: pod });
    assert.equal((await events.next())?.type, 'DELETED');
    await events.cancel();
    await tick();
    assert.equal(handler.watchers.size, 0, 'cancelling the response closes the handler watch');
  });

  test('watch - Table events: column definitions on the first event only; ERROR passes through', async () => {
    const { handler, request } = setup();
    const res = await request('/api/v1/namespaces/default/pods?resourceVersion=100&watch=true', {
      headers: { accept: TABLE_ACCEPT },
    });
    const events = lines(res);
    const pod = handler.put('pods', {
      metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(1000) },
    });
    handler.emit('ADDED', 'pods', pod);
    handler.emit('MODIFIED', 'pods', pod);
    const status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      reason: 'Expired',
      code: 410,
    };
    handler.emit('ERROR', 'pods', status);
    const first = (await events.next()) as {
      type: string;
      object: { kind: string; columnDefinitions: unknown[]; rows: { cells: unknown[] }[] };
    };
    assert.equal(first.type, 'ADDED');
    assert.equal(first.object.kind, 'Table');
    assert.equal(first.object.columnDefinitions.length, 9);
    assert.equal(first.object.rows[0]?.cells[0], 'web');
    const second = (await events.next()) as { object: { columnDefinitions: unknown[]; rows: unknown[] } };
    assert.deepEqual(second.object.columnDefinitions, []);
    assert.equal(second.object.rows.length, 1);
    assert.deepEqual(await events.next(), { type: 'ERROR', object: status });
    await events.cancel();
  });

  test('watch - timeoutSeconds ends the stream on the clock', async () => {
    const { handler, request, clock } = setup();
    const res = await request(
      '/api/v1/namespaces/default/pods?watch=true&timeoutSeconds=30&allowWatchBookmarks=true',
    );
    const events = lines(res);
    const pending = events.next();
    await tick();
    clock.advance(29_000);
    await tick();
    assert.equal(handler.watchers.size, 1);
    clock.advance(1_000);
    assert.equal(await pending, undefined, 'clean EOF');
    assert.equal(handler.watchers.size, 0);
    assert.equal(handler.calls.at(-1)?.req.query?.allowWatchBookmarks, 'true');
  });

  test('watch - bookmarks only reach clients that asked for them', async () => {
    const { handler, request } = setup();
    const bookmark = { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: '500' } };
    const pod = handler.put('pods', { metadata: { name: 'web', namespace: 'default' } });
    const plain = lines(await request('/api/v1/namespaces/default/pods?watch=true'));
    const asked = lines(await request('/api/v1/namespaces/default/pods?watch=true&allowWatchBookmarks=true'));
    handler.emit('BOOKMARK', 'pods', bookmark);
    handler.emit('BOOKMARK', 'pods', bookmark);
    await tick();
    handler.emit('BOOKMARK', 'pods', bookmark);
    handler.emit('ADDED', 'pods', pod);
    assert.deepEqual(await plain.next(), { type: 'ADDED', object: pod });
    for (let i = 0; i < 3; i++) assert.deepEqual(await asked.next(), { type: 'BOOKMARK', object: bookmark });
    assert.deepEqual(await asked.next(), { type: 'ADDED', object: pod });
    await plain.cancel();
    await asked.cancel();
  });

  test('watch - a refused watch is an HTTP error (410 Expired)', async () => {
    const { handler, request } = setup();
    handler.refuseWatch = {
      code: 410,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'too old resource version: 1 (2)',
        reason: 'Expired',
        code: 410,
      },
    };
    const res = await request('/api/v1/namespaces/default/pods?watch=true&resourceVersion=1');
    assert.equal(res.status, 410);
    assert.equal(((await res.json()) as { reason: string }).reason, 'Expired');
  });

  test('watch - an item watch becomes a collection watch on metadata.name; closeWatches ends streams', async () => {
    const { handler, request, http } = setup();
    const res = await request('/api/v1/namespaces/default/pods/web?watch=1');
    const { req } = handler.calls.at(-1)!;
    assert.equal(req.name, undefined);
    assert.equal(req.query?.fieldSelector, 'metadata.name=web');
    const events = lines(res);
    const pending = events.next();
    await tick();
    http.closeWatches();
    assert.equal(await pending, undefined);
    assert.equal(handler.watchers.size, 0);
  });
});
