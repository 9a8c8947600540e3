/**
 * The api as three Raft replicas in real processes (kubelab up): writes through the NATS API keep working
 * when the Raft leader is SIGKILLed, and every acknowledged write is there exactly once afterwards.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ApiRequest, type Bus, apiEndpoints, connectBus } from '@kubelab/bus';
import { readState } from '@kubelab/launcher';
import { ADMIN_USER, ensureClusterPki, issueToken } from '@kubelab/pki';
import { silentLogger } from '@kubelab/telemetry';
import { waitFor } from '@kubelab/testkit';
import { TestCluster } from './helpers.js';

const cluster = new TestCluster('api');
const home = cluster.home;

describe('replicated api (process cluster)', { timeout: 300_000 }, () => {
  let bus: Bus;
  let token: string;
  const call = (req: Omit<ApiRequest, 'token' | 'group' | 'version'> & { group?: string }) =>
    bus.request(apiEndpoints.request(), { group: '', version: 'v1', token, ...req }, { timeoutMs: 15_000 });

  before(async () => {
    await cluster.up(0);
    const st = readState(home);
    assert.ok(st);
    token = issueToken(
      ensureClusterPki(join(home, 'pki'), { wallNowMs: Date.now() }).tokenSecret,
      ADMIN_USER,
    );
    bus = await connectBus({ servers: st.natsUrl, name: 'test', logger: silentLogger() });
  });

  after(async () => {
    await bus?.close();
    await cluster.down();
  });

  it('serves the built-in namespaces and refuses a request without a valid token', async () => {
    const list = await waitFor(
      async () => {
        const r = await call({ verb: 'list', resource: 'namespaces' });
        return r.code === 200 && (r.body as { items: unknown[] }).items.length === 4 ? r : undefined;
      },
      { timeoutMs: 30_000, what: 'the built-in namespaces' },
    );
    const names = (list.body as { items: { metadata: { name: string } }[] }).items.map(
      (i) => i.metadata.name,
    );
    assert.deepEqual(names, ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    const denied = await bus.request(apiEndpoints.request(), {
      verb: 'list',
      group: '',
      version: 'v1',
      resource: 'namespaces',
      token: 'nope',
    });
    assert.equal(denied.code, 401);
  });

  it('keeps every acknowledged write across a SIGKILL of the Raft leader', async () => {
    const status = (await cluster.kubelab('status')).stdout;
    const leaderRow = status
      .split('\n')
      .find((l) => /^api-\d/.test(l) && l.trim().split(/\s{2,}/)[6] === 'yes');
    assert.ok(leaderRow, `one api replica leads:\n${status}`);
    const leader = leaderRow.split(/\s+/)[0] ?? '';
    const acked = new Set<string>();
    const failed: string[] = [];
    let i = 0;
    const writer = async () => {
      while (i < 300) {
        const name = `cm-${i++}`;
        const r = await call({
          verb: 'create',
          resource: 'configmaps',
          namespace: 'default',
          body: { metadata: { name }, data: { i: name } },
        }).catch((e: unknown) => ({ code: 0, body: String(e) }));
        if (r.code === 201) acked.add(name);
        else failed.push(`${name}: ${r.code}`);
      }
    };
    const writers = [writer(), writer(), writer(), writer()];
    await waitFor(() => acked.size >= 50, { timeoutMs: 60_000, what: '50 acknowledged writes' });
    await cluster.kubelab('kill', leader);
    await Promise.all(writers);
    const after = await waitFor(
      async () => {
        const r = await call({ verb: 'list', resource: 'configmaps', namespace: 'default' });
        return r.code === 200
          ? (r.body as { items: { metadata: { name: string } }[] }).items.map((x) => x.metadata.name)
          : undefined;
      },
      { timeoutMs: 30_000, what: 'a list after the failover' },
    );
    for (const name of acked) assert.ok(after.includes(name), `acknowledged ${name} survives`);
    assert.equal(new Set(after).size, after.length, 'no duplicates');
    assert.ok(
      acked.size >= 250,
      `most writes succeed across the failover (acked ${acked.size}, failed ${failed.length}: ${failed.slice(0, 5).join('; ')})`,
    );
    const again = await call({
      verb: 'create',
      resource: 'configmaps',
      namespace: 'default',
      body: { metadata: { name: 'after-failover' } },
    });
    assert.equal(again.code, 201, 'the cluster accepts writes again');
  });
});
