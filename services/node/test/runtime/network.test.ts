import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { request } from 'node:http';
import { connect } from 'node:http2';
import { describe, it } from 'node:test';
import { systemClock } from '@kubelab/clock';
import { freePort } from '@kubelab/testkit';
import * as dnsPacket from 'dns-packet';
import type { ContainerProcess } from '../../src/runtime/index.js';
import { encodeHealthCheckResponse } from '../../src/runtime/programs/grpc-health.js';
import { container, sandboxSpec, testRuntime } from './helpers.js';

function httpGet(
  host: string,
  port: number,
  path = '/',
): Promise<{ status: number; body: string; server?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, server: String(res.headers.server) }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  for (let waited = 0; !(await cond()); waited += 10) {
    if (waited > timeoutMs) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const started = (p: ContainerProcess, text: string) => () => p.logs().some((l) => l.text.includes(text));

async function runtimeWith(...images: string[]) {
  const rt = testRuntime(systemClock);
  for (const i of images) await rt.pullImage(i, 'IfNotPresent');
  return rt;
}

describe('pod network', () => {
  it('nginx answers on podIP:port with the welcome page; index.html edits change it; 404 otherwise', async () => {
    const podIP = '127.0.63.1';
    const port = await freePort(podIP);
    const rt = await runtimeWith('nginx:1.19');
    const sb = await rt.createSandbox(sandboxSpec(podIP));
    const p = await sb.startContainer(container('web', 'nginx:1.19', { ports: [{ containerPort: port }] }));
    await until(started(p, 'start worker processes'));
    const home = await httpGet(podIP, port);
    assert.equal(home.status, 200);
    assert.match(home.body, /<title>Welcome to nginx!<\/title>/);
    assert.equal(home.server, 'nginx/1.19.0');
    assert.equal((await httpGet(podIP, port, '/index.html')).status, 200);
    const missing = await httpGet(podIP, port, '/nope');
    assert.equal(missing.status, 404);
    assert.match(missing.body, /404 Not Found/);
    await sb.exec('web', ['sh', '-c', 'echo changed > /usr/share/nginx/html/index.html']);
    assert.equal((await httpGet(podIP, port)).body, 'changed\n');
    const access = p.logs().filter((l) => l.stream === 'stdout');
    assert.match(
      access[0]?.text ?? '',
      /^127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/ HTTP\/1\.1" 200 615 "-" "-" "-"$/,
    );
    assert.ok(p.usage().cpuMilli > 1, 'requests raise cpu use');
    await sb.destroy();
    await assert.rejects(httpGet(podIP, port), /ECONNREFUSED/);
    assert.equal((await p.exited).exitCode, 137);
  });

  it('a second nginx on the same pod port fails as nginx does (exit 1)', async () => {
    const podIP = '127.0.63.2';
    const port = await freePort(podIP);
    const rt = await runtimeWith('nginx');
    const sb = await rt.createSandbox(sandboxSpec(podIP));
    const ports = [{ containerPort: port }];
    const first = await sb.startContainer(container('a', 'nginx', { ports }));
    await until(started(first, 'start worker processes'));
    const second = await sb.startContainer(container('b', 'nginx', { ports }));
    const status = await second.exited;
    assert.deepEqual([status.exitCode, status.reason], [1, 'Error']);
    assert.ok(
      second
        .logs()
        .some(
          (l) => l.text === `nginx: [emerg] bind() to 0.0.0.0:${port} failed (98: Address already in use)`,
        ),
    );
    assert.equal((await httpGet(podIP, port)).status, 200, 'the first one still serves');
    await rt.close();
  });

  it('wget and curl from one pod reach another pod; localhost is the own pod', async () => {
    const [ipA, ipB] = ['127.0.63.3', '127.0.63.4'];
    const port = await freePort(ipB);
    const rt = await runtimeWith('nginx', 'busybox', 'dotbalo/canary:v2');
    const server = await rt.createSandbox(sandboxSpec(ipB));
    const canaryPort = await freePort(ipB);
    const web = await server.startContainer(container('web', 'nginx', { ports: [{ containerPort: port }] }));
    const canary = await server.startContainer(
      container('canary', 'dotbalo/canary:v2', { ports: [{ containerPort: canaryPort }] }),
    );
    await until(started(web, 'start worker processes'));
    await until(started(canary, 'listening'));
    const client = await rt.createSandbox(sandboxSpec(ipA));
    await client.startContainer(container('c', 'busybox', { command: ['sleep', '3600'] }));
    const wget = await client.exec('c', ['wget', '-q', '-O-', `http://${ipB}:${port}/`]);
    assert.equal(wget.exitCode, 0);
    assert.match(wget.stdout, /Welcome to nginx!/);
    assert.ok(
      web.logs().some((l) => l.text.startsWith(`${ipA} - - [`)),
      'the connection comes from the client pod IP',
    );
    assert.deepEqual(await client.exec('c', ['sh', '-c', `curl -s ${ipB}:${canaryPort}`]), {
      exitCode: 0,
      stdout: 'canary v2\n',
      stderr: '',
    });
    await client.exec('c', ['wget', '-O', '/tmp/page', `${ipB}:${port}`]);
    assert.match((await client.exec('c', ['cat', '/tmp/page'])).stdout, /nginx/);
    const local = await server.exec('canary', ['wget', '-qO-', `localhost:${port}`]);
    assert.match(local.stdout, /Welcome to nginx/);
    const notFound = await client.exec('c', ['wget', '-q', '-O-', `http://${ipB}:${port}/missing`]);
    assert.deepEqual(
      [notFound.exitCode, notFound.stderr],
      [1, 'wget: server returned error: HTTP/1.1 404 Not Found\n'],
    );
    const closedPort = await freePort(ipB);
    const refused = await client.exec('c', ['wget', '-qO-', `${ipB}:${closedPort}`]);
    assert.deepEqual(
      [refused.exitCode, refused.stderr],
      [1, `wget: can't connect to remote host (${ipB}): Connection refused\n`],
    );
    const curlRefused = await client.exec('c', ['curl', '-sS', `${ipB}:${closedPort}`]);
    assert.equal(curlRefused.exitCode, 7);
    await rt.close();
  });

  it('nslookup and wget by name go through the pod nameserver with the search list', async () => {
    const dnsIP = '127.0.63.53';
    const podIP = '127.0.63.5';
    const dnsPort = await freePort(dnsIP);
    const records: Record<string, string> = { 'web.default.svc.cluster.local': podIP };
    const seen: string[] = [];
    const dns = createSocket('udp4');
    dns.on('message', (msg, rinfo) => {
      const q = dnsPacket.decode(msg);
      const name = q.questions?.[0]?.name ?? '';
      seen.push(name);
      const address = records[name];
      const reply = dnsPacket.encode({
        type: 'response',
        id: q.id ?? 0,
        flags: dnsPacket.AUTHORITATIVE_ANSWER | (address === undefined ? 3 : 0),
        questions: q.questions ?? [],
        answers: address === undefined ? [] : [{ type: 'A', name, ttl: 5, data: address }],
      });
      dns.send(reply, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => dns.bind(dnsPort, dnsIP, resolve));
    try {
      const rt = await runtimeWith('busybox', 'nginx');
      const sb = await rt.createSandbox(
        sandboxSpec(podIP, {
          dns: {
            nameserver: dnsIP,
            port: dnsPort,
            searches: ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
          },
        }),
      );
      const port = await freePort(podIP);
      const web = await sb.startContainer(container('web', 'nginx', { ports: [{ containerPort: port }] }));
      await sb.startContainer(container('c', 'busybox', { command: ['sleep', '3600'] }));
      await until(started(web, 'start worker processes'));
      const found = await sb.exec('c', ['nslookup', 'web']);
      assert.equal(found.exitCode, 0);
      assert.equal(
        found.stdout,
        `Server:\t\t${dnsIP}\nAddress:\t${dnsIP}:${dnsPort}\n\nName:\tweb.default.svc.cluster.local\nAddress: ${podIP}\n\n`,
      );
      assert.equal(seen[0], 'web.default.svc.cluster.local', 'the search list comes first (ndots:5)');
      const missing = await sb.exec('c', ['nslookup', 'nosuch.example']);
      assert.equal(missing.exitCode, 1);
      assert.match(missing.stderr, /\*\* server can't find nosuch\.example: NXDOMAIN/);
      assert.match((await sb.exec('c', ['wget', '-qO-', `http://web:${port}/`])).stdout, /Welcome to nginx/);
      const bad = await sb.exec('c', ['wget', '-qO-', 'http://nosuch/']);
      assert.deepEqual([bad.exitCode, bad.stderr], [1, "wget: bad address 'nosuch'\n"]);
      assert.match(
        (await sb.exec('c', ['cat', '/etc/resolv.conf'])).stdout,
        new RegExp(`nameserver ${dnsIP}\\noptions ndots:5`),
      );
      await rt.close();
    } finally {
      dns.close();
    }
  });

  it('kubelab/grpc-health answers grpc.health.v1.Health/Check (SERVING, then NOT_SERVING)', async () => {
    const podIP = '127.0.63.6';
    const port = await freePort(podIP);
    const rt = await runtimeWith('kubelab/grpc-health');
    const sb = await rt.createSandbox(sandboxSpec(podIP));
    const p = await sb.startContainer(
      container('g', 'kubelab/grpc-health', { ports: [{ containerPort: port }] }),
    );
    await until(started(p, 'listening'));
    const check = () =>
      new Promise<{ body: Buffer; grpcStatus: string }>((resolve, reject) => {
        const session = connect(`http://${podIP}:${port}`);
        session.on('error', reject);
        const stream = session.request({
          ':method': 'POST',
          ':path': '/grpc.health.v1.Health/Check',
          'content-type': 'application/grpc',
          te: 'trailers',
        });
        const chunks: Buffer[] = [];
        let grpcStatus = '';
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('trailers', (t) => {
          grpcStatus = String(t['grpc-status']);
        });
        stream.on('end', () => {
          session.close();
          resolve({ body: Buffer.concat(chunks), grpcStatus });
        });
        stream.end(Buffer.from([0, 0, 0, 0, 0]));
      });
    assert.deepEqual(await check(), { body: encodeHealthCheckResponse(1), grpcStatus: '0' });
    await sb.exec('g', ['sh', '-c', 'echo NOT_SERVING > /tmp/grpc-health-status']);
    assert.deepEqual(await check(), { body: encodeHealthCheckResponse(2), grpcStatus: '0' });
    const status = await p.stop(10_000);
    assert.equal(status.exitCode, 0);
    await rt.close();
  });
});
