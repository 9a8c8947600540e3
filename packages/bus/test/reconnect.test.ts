import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { killAll, startNatsServer, waitFor } from '@kubelab/testkit';
import { type Bus, BusClosedError, BusNoRespondersError, BusTimeoutError } from '../src/index.js';
import { events, echo, testBus } from './helpers.js';

describe('reconnect', () => {
  let server: Awaited<ReturnType<typeof startNatsServer>>;
  let responder: Bus;
  let client: Bus;

  before(async () => {
    server = await startNatsServer();
    [responder, client] = await Promise.all([
      testBus(server.url, 'responder'),
      testBus(server.url, 'client'),
    ]);
  });

  after(async () => {
    await Promise.all([responder?.drain(), client?.drain()]);
    await killAll();
  });

  test('reconnect - after SIGKILL and restart on the same port, request/reply and subscriptions work again', async () => {
    await responder.serve(echo('r'), (req) => ({ ...req, by: 'responder' }));
    const s = responder.subscribe(events('r'));
    await responder.flush();
    assert.equal((await client.request(echo('r'), { text: 'before', n: 1 })).text, 'before');

    await server.kill('SIGKILL');
    const down = await client.request(echo('r'), { text: 'down', n: 2 }, { timeoutMs: 100 }).catch((e) => e);
    assert.ok(down instanceof BusTimeoutError, `while down: ${down}`);

    await server.start();
    // Both clients reconnect on their own; retry until the responder's subscription is back on the server.
    const after = await waitFor(
      () =>
        client.request(echo('r'), { text: 'after', n: 3 }, { timeoutMs: 200 }).catch((err: unknown) => {
          if (err instanceof BusTimeoutError || err instanceof BusNoRespondersError) return undefined;
          throw err;
        }),
      { timeoutMs: 10_000, what: 'a reply after the restart' },
    );
    assert.deepEqual(after, { text: 'after', n: 3, by: 'responder' });

    client.publish(events('r'), { seq: 7 });
    for await (const m of s) {
      assert.equal(m.data.seq, 7, 'the subscription survived the restart');
      break;
    }
  });

  test('reconnect - connectBus waits for a server that is not up yet', async () => {
    const late = await startNatsServer();
    await late.kill('SIGKILL');
    const connecting = testBus(late.url, 'early');
    await late.start();
    const bus = await connecting;
    await bus.serve(echo('late'), (req) => ({ ...req, by: 'early' }));
    assert.equal((await bus.request(echo('late'), { text: 'x', n: 1 })).by, 'early');
    await bus.drain();
  });

  test('reconnect - a closed bus refuses requests with BusClosedError', async () => {
    const short = await testBus(server.url, 'short');
    await short.close();
    assert.equal(await short.closed, undefined);
    const err = await short.request(echo('r'), { text: 'x', n: 1 }).catch((e) => e);
    assert.ok(err instanceof BusClosedError, String(err));
  });
});
