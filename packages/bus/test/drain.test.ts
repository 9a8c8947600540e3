import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { killAll, startNatsServer, waitFor } from '@kubelab/testkit';
import { type Bus, BusClosedError } from '../src/index.js';
import { events, deferred, echo, testBus } from './helpers.js';

describe('drain', () => {
  let server: Awaited<ReturnType<typeof startNatsServer>>;
  let client: Bus;

  before(async () => {
    server = await startNatsServer();
    client = await testBus(server.url, 'client');
  });

  after(async () => {
    await client?.drain();
    await killAll();
  });

  test('drain - an in-flight handler completes and its reply is delivered, then the bus closes', async () => {
    const responder = await testBus(server.url, 'responder');
    const entered = deferred();
    const release = deferred();
    await responder.serve(echo('d'), async (req) => {
      entered.resolve();
      await release.promise;
      return { ...req, by: 'drained' };
    });
    const s = responder.subscribe(events('d'));
    const loop = (async () => {
      for await (const _ of s);
    })();
    const reply = client.request(echo('d'), { text: 'in flight', n: 1 }, { timeoutMs: 5_000 });
    await entered.promise;

    const drained = responder.drain();
    assert.equal(responder.isClosing, true);
    await assert.rejects(
      responder.serve(echo('late'), (r) => ({ ...r, by: 'x' })),
      BusClosedError,
    );
    release.resolve();
    assert.deepEqual(await reply, { text: 'in flight', n: 1, by: 'drained' });
    await drained;
    assert.equal(await responder.closed, undefined, 'closed resolves (no error) after drain');
    await loop; // the drained subscription ended the for-await loop
    assert.equal(responder.drain(), responder.drain(), 'drain is idempotent');
  });

  test('drain - handlers stuck past drainTimeoutMs do not block the close', async () => {
    const responder = await testBus(server.url, 'stuck', { drainTimeoutMs: 100 });
    const entered = deferred();
    await responder.serve(echo('stuck'), async (req) => {
      entered.resolve();
      await new Promise(() => {}); // never settles
      return { ...req, by: 'never' };
    });
    const reply = client.request(echo('stuck'), { text: 'x', n: 1 }, { timeoutMs: 300 }).catch((e) => e);
    await entered.promise;
    await responder.drain();
    assert.equal(await responder.closed, undefined);
    assert.equal((await reply).name, 'BusTimeoutError', 'the stuck request was never answered');
  });

  test('drain - Symbol.asyncDispose drains', async () => {
    let closed: Promise<Error | undefined> | undefined;
    {
      await using bus = await testBus(server.url, 'scoped');
      closed = bus.closed;
      await bus.serve(echo('scoped'), (r) => ({ ...r, by: 'scoped' }));
    }
    assert.equal(await closed, undefined);
    await waitFor(async () => {
      const err = await client.request(echo('scoped'), { text: 'x', n: 1 }).catch((e) => e);
      return err instanceof Error && err.name === 'BusNoRespondersError';
    });
  });
});
