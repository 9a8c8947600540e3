/**
 * The proxier against real sockets: backends are tiny TCP/UDP servers on distinct loopback addresses, rules
 * come from {@link computeProxyRules} of Service and EndpointSlice objects, clients connect to the ClusterIP.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { EndpointSlice, Service } from '@kubelab/api-types';
import { systemClock } from '@kubelab/clock';
import { freePort, waitFor } from '@kubelab/testkit';
import { ListenerState, Proxier } from '../../src/proxy/proxier.js';
import { type ProxyNode, computeProxyRules } from '../../src/proxy/rules.js';
import { ep, port, service, slice } from './fixtures.js';
import {
  type TcpBackend,
  type UdpBackend,
  connect,
  logger,
  randomClusterIP,
  startTcpBackend,
  startUdpBackend,
  testRng,
  udpRoundTrip,
  whoAnswers,
} from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function newProxier(extra: { bindRetryMs?: number } = {}): Proxier {
  const p = new Proxier({ clock: systemClock, rng: testRng(), logger, connectTimeoutMs: 1_000, ...extra });
  cleanups.push(() => p.stop());
  return p;
}

async function tcpBackends(n: number): Promise<TcpBackend[]> {
  const out = await Promise.all(Array.from({ length: n }, (_, i) => startTcpBackend(`b${i}`)));
  for (const b of out) cleanups.push(() => b.close());
  return out;
}

/** A ClusterIP service `web` on a random cluster IP and free port, and its slice over `backends`. */
async function webService(
  backends: readonly { ip: string; port: number }[],
  extra: Partial<Service['spec']> = {},
  protocol: 'TCP' | 'UDP' = 'TCP',
) {
  const clusterIP = randomClusterIP();
  const svcPort = await freePort(clusterIP);
  const svc = service('web', { clusterIP, ports: [port(svcPort, { name: 'p', protocol })], ...extra });
  const sliceOf = (bs: readonly { ip: string; port: number; ready?: boolean }[]): EndpointSlice[] => {
    // One slice per backend port (the tests' backends listen on different free ports).
    const byPort = new Map<number, { ip: string; ready?: boolean }[]>();
    for (const b of bs) byPort.set(b.port, [...(byPort.get(b.port) ?? []), b]);
    return [...byPort].map(([p, list], i) =>
      slice(
        `web-${i}`,
        'web',
        [{ name: 'p', port: p, protocol }],
        list.map((b) => ep(b.ip, { ready: b.ready ?? true })),
      ),
    );
  };
  return { svc, clusterIP, svcPort, slices: sliceOf(backends), sliceOf };
}

const NODE = { name: 'node-0', nodePortAddresses: [] as string[] };

/** A proxier applying the rules of `services` over `slices` on `node`, settled. */
async function proxying(
  services: readonly Service[],
  slices: readonly EndpointSlice[],
  node: ProxyNode = NODE,
): Promise<Proxier> {
  const proxier = newProxier();
  proxier.apply(computeProxyRules(services, slices, node));
  await proxier.settled();
  return proxier;
}

/** `web` as a NodePort service on a random node address and free node port, and a proxier serving it. */
async function nodePortWeb(backends: readonly { ip: string; port: number }[]) {
  const nodeIP = `127.0.100.${200 + testRng().int(0, 50)}`;
  const nodePort = await freePort(nodeIP);
  const web = await webService(backends, { type: 'NodePort' });
  const svc = {
    ...web.svc,
    spec: { ...web.svc.spec, ports: [port(web.svcPort, { name: 'p', nodePort })] },
  };
  const proxier = await proxying([svc], web.slices, { name: 'node-0', nodePortAddresses: [nodeIP] });
  return { web, nodeIP, nodePort, proxier };
}

describe('proxier', () => {
  it('proxier - spreads connections to the ClusterIP over 3 backends', async () => {
    const backends = await tcpBackends(3);
    const web = await webService(backends);
    const proxier = await proxying([web.svc], web.slices);
    assert.equal(proxier.listeners()[0]?.state, ListenerState.Serving);
    const seen = new Map<string, number>();
    for (let i = 0; i < 30; i++) {
      const name = await whoAnswers(web.clusterIP, web.svcPort);
      seen.set(name, (seen.get(name) ?? 0) + 1);
    }
    assert.deepEqual([...seen.keys()].sort(), ['b0', 'b1', 'b2'], `spread: ${[...seen.entries()]}`);
  });

  it('proxier - ClientIP affinity keeps each client on one backend', async () => {
    const backends = await tcpBackends(3);
    const web = await webService(backends, { sessionAffinity: 'ClientIP' });
    const proxier = await proxying([web.svc], web.slices);
    const chosen = new Set<string>();
    for (let client = 1; client <= 12; client++) {
      const from = `127.0.55.${client}`;
      const first = await whoAnswers(web.clusterIP, web.svcPort, from);
      for (let i = 0; i < 4; i++)
        assert.equal(await whoAnswers(web.clusterIP, web.svcPort, from), first, from);
      chosen.add(first);
    }
    assert.ok(chosen.size > 1, 'different clients still spread');
  });

  it('proxier - ClusterIP traffic keeps the client address; NodePort traffic comes from the node', async () => {
    const backends = await tcpBackends(1);
    const { web, nodeIP, nodePort } = await nodePortWeb(backends);
    await whoAnswers(web.clusterIP, web.svcPort, '127.0.56.7');
    await whoAnswers(nodeIP, nodePort, '127.0.56.8');
    assert.deepEqual(backends[0]?.peers, ['127.0.56.7', nodeIP]);
  });

  it('proxier - an established connection survives its endpoint being removed and the service emptied', async () => {
    const backends = await tcpBackends(1);
    const web = await webService(backends);
    const proxier = await proxying([web.svc], web.slices);
    const conn = await connect(web.clusterIP, web.svcPort);
    await conn.waitFor('b0\n');
    conn.socket.write('before;');
    await conn.waitFor('before;');

    proxier.apply(computeProxyRules([web.svc], web.sliceOf([{ ...backends[0]!, ready: false }]), NODE));
    await assert.rejects(connect(web.clusterIP, web.svcPort), { code: 'ECONNREFUSED' });
    conn.socket.write('after;');
    await conn.waitFor('after;');

    proxier.apply([]); // the service is deleted
    conn.socket.write('deleted;');
    await conn.waitFor('deleted;');
    conn.socket.end();
    await conn.ended;
  });

  it('proxier - a service without ready endpoints refuses connections, and serves again when one is ready', async () => {
    const backends = await tcpBackends(1);
    const web = await webService(backends);
    const proxier = await proxying([web.svc], web.sliceOf([{ ...backends[0]!, ready: false }]));
    assert.deepEqual(proxier.listeners(), []);
    await assert.rejects(connect(web.clusterIP, web.svcPort), { code: 'ECONNREFUSED' });
    proxier.apply(computeProxyRules([web.svc], web.slices, NODE));
    await proxier.settled();
    assert.equal(await whoAnswers(web.clusterIP, web.svcPort), 'b0');
  });

  it('proxier - new connections see new endpoints', async () => {
    const backends = await tcpBackends(2);
    const web = await webService([backends[0]!]);
    const proxier = await proxying([web.svc], web.slices);
    assert.equal(await whoAnswers(web.clusterIP, web.svcPort), 'b0');
    proxier.apply(computeProxyRules([web.svc], web.sliceOf([backends[1]!]), NODE));
    for (let i = 0; i < 5; i++) assert.equal(await whoAnswers(web.clusterIP, web.svcPort), 'b1');
  });

  it('proxier - a backend that refuses is skipped', async () => {
    const backends = await tcpBackends(2);
    const dead = { ip: backends[1]!.ip, port: backends[1]!.port };
    await backends[1]!.close();
    const web = await webService([backends[0]!, dead]);
    const proxier = await proxying([web.svc], web.slices);
    for (let i = 0; i < 10; i++) assert.equal(await whoAnswers(web.clusterIP, web.svcPort), 'b0');
  });

  it('proxier - half-close: the client ends its side and still reads the answer', async () => {
    const backends = await tcpBackends(1);
    const web = await webService(backends);
    const proxier = await proxying([web.svc], web.slices);
    const conn = await connect(web.clusterIP, web.svcPort);
    conn.socket.end('last words');
    await conn.ended;
    assert.equal(conn.received(), 'b0\nlast words');
  });

  it('proxier - changing the service port closes the old listener and opens the new one', async () => {
    const backends = await tcpBackends(1);
    const web = await webService(backends);
    const proxier = await proxying([web.svc], web.slices);
    const newPort = await freePort(web.clusterIP);
    const moved = { ...web.svc, spec: { ...web.svc.spec, ports: [port(newPort, { name: 'p' })] } };
    proxier.apply(computeProxyRules([moved], web.slices, NODE));
    await proxier.settled();
    await assert.rejects(connect(web.clusterIP, web.svcPort), { code: 'ECONNREFUSED' });
    assert.equal(await whoAnswers(web.clusterIP, newPort), 'b0');
  });

  it('proxier - NodePort listens on the node address', async () => {
    const backends = await tcpBackends(2);
    const { web, nodeIP, nodePort } = await nodePortWeb(backends);
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) seen.add(await whoAnswers(nodeIP, nodePort));
    assert.deepEqual([...seen].sort(), ['b0', 'b1']);
    assert.equal(await whoAnswers(web.clusterIP, web.svcPort).then((n) => n.startsWith('b')), true);
  });

  it('proxier - two proxiers share one address space: one serves, the other takes over when it stops', async () => {
    const backends = await tcpBackends(1);
    const web = await webService(backends);
    const rules = computeProxyRules([web.svc], web.slices, NODE);
    const a = newProxier({ bindRetryMs: 100 });
    a.apply(rules);
    await a.settled();
    const b = newProxier({ bindRetryMs: 100 });
    b.apply(rules);
    await b.settled();
    assert.equal(a.listeners()[0]?.state, ListenerState.Serving);
    assert.equal(b.listeners()[0]?.state, ListenerState.Contended);
    assert.equal(await whoAnswers(web.clusterIP, web.svcPort), 'b0');
    a.stop();
    await waitFor(() => b.listeners()[0]?.state === ListenerState.Serving, { what: 'the takeover' });
    assert.equal(await whoAnswers(web.clusterIP, web.svcPort), 'b0');
  });

  it('proxier - UDP round trip, replies come from the ClusterIP', async () => {
    const udp: UdpBackend[] = await Promise.all([startUdpBackend('u0'), startUdpBackend('u1')]);
    for (const u of udp) cleanups.push(() => u.close());
    const web = await webService(udp, {}, 'UDP');
    const proxier = await proxying([web.svc], web.slices);
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const { reply, from } = await udpRoundTrip(web.clusterIP, web.svcPort, `q${i}`);
      assert.match(reply, new RegExp(`^u[01]:q${i}$`));
      assert.equal(from, `${web.clusterIP}:${web.svcPort}`);
      seen.add(reply.split(':')[0] ?? '');
    }
    assert.deepEqual([...seen].sort(), ['u0', 'u1'], 'each new client flow picks a backend');
  });

  it('proxier - UDP flows to a removed backend move to a live one', async () => {
    const udp = await Promise.all([startUdpBackend('u0'), startUdpBackend('u1')]);
    for (const u of udp) cleanups.push(() => u.close());
    const web = await webService([udp[0]!], {}, 'UDP');
    const proxier = await proxying([web.svc], web.slices);
    const dgram = await import('node:dgram');
    const client = dgram.createSocket('udp4');
    cleanups.push(() => {
      client.close();
    });
    const ask = (q: string) =>
      new Promise<string>((resolve) => {
        client.once('message', (m) => resolve(m.toString()));
        client.send(q, web.svcPort, web.clusterIP);
      });
    assert.equal(await ask('a'), 'u0:a');
    proxier.apply(computeProxyRules([web.svc], web.sliceOf([udp[1]!]), NODE));
    assert.equal(await ask('b'), 'u1:b');
  });
});
