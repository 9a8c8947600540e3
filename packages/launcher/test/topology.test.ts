import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UsageError, parseCli } from '../src/args.js';
import { renderKubeconfig } from '../src/kubeconfig.js';
import { freePorts } from '../src/ports.js';
import { NATS_MAX_PAYLOAD_BYTES, buildTopology, defaultReplicas, natsConfig } from '../src/topology.js';

const base = {
  home: '/tmp/kl',
  natsPort: 4001,
  redisPort: 4002,
  repoRoot: '/repo',
  nodeBin: '/usr/bin/node',
};

describe('launcher - topology', () => {
  it('has nats, redis, 3 api, 2 scheduler, 2 controller, N nodes and 2 dns', () => {
    const specs = buildTopology({
      ...base,
      nodes: 3,
      replicas: defaultReplicas(3),
      apiPorts: [5001, 5002, 5003],
    });
    const byRole = (r: string) => specs.filter((s) => s.role === r).map((s) => s.name);
    assert.deepEqual(byRole('nats'), ['nats']);
    assert.deepEqual(byRole('redis'), ['redis']);
    assert.deepEqual(byRole('api'), ['api-0', 'api-1', 'api-2']);
    assert.deepEqual(byRole('scheduler'), ['scheduler-0', 'scheduler-1']);
    assert.deepEqual(byRole('controller'), ['controller-0', 'controller-1']);
    assert.deepEqual(byRole('node'), ['node-0', 'node-1', 'node-2']);
    assert.deepEqual(byRole('dns'), ['dns-0', 'dns-1']);
    assert.equal(new Set(specs.map((s) => s.name)).size, specs.length, 'names are unique');
  });

  it('wires every service to nats, redis, its data dir and (api) its HTTP port', () => {
    const specs = buildTopology({
      ...base,
      nodes: 1,
      replicas: defaultReplicas(1),
      apiPorts: [5001, 5002, 5003],
    });
    const api1 = specs.find((s) => s.name === 'api-1');
    assert.equal(api1?.port, 5002);
    assert.equal(api1?.env.KUBELAB_HTTP_PORT, '5002');
    assert.equal(api1?.env.NATS_URL, 'nats://127.0.0.1:4001');
    assert.equal(api1?.env.REDIS_URL, 'redis://127.0.0.1:4002');
    assert.equal(api1?.env.KUBELAB_DATA_DIR, '/tmp/kl/data/api-1');
    assert.equal(api1?.env.KUBELAB_API_PEERS, 'api-0,api-1,api-2');
    assert.deepEqual(api1?.args, ['--import', 'tsx', '/repo/services/api/src/main.ts']);
    const redis = specs.find((s) => s.name === 'redis');
    assert.ok(redis?.args.includes('/tmp/kl/data/redis'));
    assert.equal(specs.find((s) => s.name === 'node-0')?.port, undefined);
  });

  it('starts nats-server with the config file, whose max_payload fits a 500-pod list page', () => {
    const specs = buildTopology({
      ...base,
      nodes: 1,
      replicas: defaultReplicas(1),
      apiPorts: [5001, 5002, 5003],
      natsConfigFile: '/tmp/kl/nats.conf',
    });
    const nats = specs.find((s) => s.name === 'nats');
    assert.deepEqual(nats?.args.slice(-2), ['-c', '/tmp/kl/nats.conf']);
    assert.match(natsConfig(), new RegExp(`^max_payload: ${NATS_MAX_PAYLOAD_BYTES}$`, 'm'));
    assert.ok(NATS_MAX_PAYLOAD_BYTES >= 500 * 2_400 + 64 * 1024, 'a page of 500 pods of ~2.4 KB and slack');
  });

  it('writes a configuration nats-server accepts', (t) => {
    const bin = spawnSync('nats-server', ['--version']);
    if (bin.error) {
      t.skip('nats-server is not installed');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'kl-nats-conf-'));
    try {
      const file = join(dir, 'nats.conf');
      writeFileSync(file, natsConfig());
      const r = spawnSync('nats-server', ['-c', file, '-t'], { encoding: 'utf8' });
      assert.equal(r.status, 0, `nats-server -t: ${r.stdout}${r.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a port list that does not match the api replicas', () => {
    assert.throws(
      () => buildTopology({ ...base, nodes: 1, replicas: defaultReplicas(1), apiPorts: [1] }),
      /one api port/,
    );
  });
});

describe('launcher - args', () => {
  it('parses up flags and resolves a relative home against the cwd', () => {
    const a = parseCli(['up', '--nodes', '4', '--detach', '--home', 'x'], {}, '/w');
    assert.equal(a.command, 'up');
    assert.equal(a.nodes, 4);
    assert.equal(a.detach, true);
    assert.equal(a.home, '/w/x');
  });

  it('defaults home to $KUBELAB_HOME, then ./.kubelab', () => {
    assert.equal(parseCli(['status'], { KUBELAB_HOME: '/h' }, '/w').home, '/h');
    assert.equal(parseCli(['status'], {}, '/w').home, '/w/.kubelab');
  });

  it('rejects a bad --nodes with a usage error naming the flag', () => {
    assert.throws(
      () => parseCli(['up', '--nodes', 'many'], {}, '/w'),
      (e: unknown) => e instanceof UsageError && /--nodes/.test(e.message),
    );
  });
});

describe('launcher - kubeconfig', () => {
  it('renders a context that kubectl can use', () => {
    const text = renderKubeconfig({ server: 'https://127.0.0.1:6443', token: 'abc', caPem: 'PEM' });
    assert.match(text, /server: https:\/\/127\.0\.0\.1:6443/);
    assert.match(text, /token: abc/);
    assert.match(text, new RegExp(`certificate-authority-data: ${Buffer.from('PEM').toString('base64')}`));
    assert.match(text, /current-context: kubelab/);
  });

  it('skips TLS verification only for https without a CA', () => {
    assert.match(renderKubeconfig({ server: 'https://x:1' }), /insecure-skip-tls-verify: true/);
    assert.doesNotMatch(renderKubeconfig({ server: 'http://x:1' }), /insecure/);
  });
});

describe('launcher - ports', () => {
  it('returns distinct free ports', async () => {
    const ports = await freePorts(12);
    assert.equal(new Set(ports).size, 12);
    for (const p of ports) assert.ok(p > 0 && p < 65536);
  });
});
