/**
 * The process cluster end to end with the real binaries: `kubelab up --detach`, `status`, `kill`, `restart`,
 * `down`, and no process left behind.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { readState } from '@kubelab/launcher';
import { waitFor } from '@kubelab/testkit';

const run = promisify(execFile);
const bin = new URL('../../bin/kubelab.js', import.meta.url).pathname;
const home = mkdtempSync(join(tmpdir(), 'kubelab-launcher-'));
const env = { ...process.env, KUBELAB_HOME: home };

async function kubelab(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [bin, ...args], { env, timeout: 120_000 });
}

/** Pids of every process whose environment names this test's KUBELAB_HOME (children inherit it). */
function processesOfThisCluster(): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${d}/environ`, 'utf8').split('\0').includes(`KUBELAB_HOME=${home}`))
        pids.push(Number(d));
    } catch {
      // gone already, or not ours to read
    }
  }
  return pids;
}

function statusRow(stdout: string, name: string): string[] {
  const line = stdout.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `status lists ${name}:\n${stdout}`);
  return line.trim().split(/\s{2,}/);
}

describe('launcher - process cluster', { timeout: 300_000 }, () => {
  before(async () => {
    const { stdout } = await kubelab('up', '--detach', '--nodes', '1');
    assert.match(stdout, /kubelab is up/);
    assert.match(stdout, new RegExp(`export KUBECONFIG=${home}/kubeconfig`));
  });

  after(async () => {
    await kubelab('down').catch(() => undefined);
    for (const pid of processesOfThisCluster()) process.kill(pid, 'SIGKILL');
    rmSync(home, { recursive: true, force: true });
  });

  it('starts every role and reports it alive and ready', async () => {
    const { stdout } = await kubelab('status');
    for (const name of [
      'nats',
      'redis',
      'api-0',
      'api-1',
      'api-2',
      'scheduler-0',
      'scheduler-1',
      'controller-0',
      'controller-1',
      'node-0',
      'dns-0',
      'dns-1',
    ]) {
      const [, , pid, , alive, ready] = statusRow(stdout, name);
      assert.match(pid ?? '', /^\d+$/, `${name} has a pid`);
      assert.equal(alive, 'yes', `${name} alive`);
      assert.equal(ready, 'yes', `${name} ready`);
    }
    const st = readState(home);
    assert.equal(st?.phase, 'ready');
    assert.match(readFileSync(join(home, 'kubeconfig'), 'utf8'), /server: https?:\/\/127\.0\.0\.1:\d+/);
  });

  it('shows exactly one leader among the scheduler replicas and among the controller replicas', async () => {
    for (const role of ['scheduler', 'controller']) {
      const leaders = await waitFor(
        async () => {
          const { stdout } = await kubelab('status');
          const rows = [0, 1].map((i) => statusRow(stdout, `${role}-${i}`));
          const yes = rows.filter((r) => r[6] === 'yes').length;
          return yes === 1 && rows.every((r) => r[6] === 'yes' || r[6] === 'no') ? rows : undefined;
        },
        { timeoutMs: 15_000, what: `one ${role} leader` },
      );
      assert.equal(leaders.filter((r) => r[6] === 'yes').length, 1);
    }
  });

  it('kill SIGKILLs a process, the standby takes over, and restart brings it back', async () => {
    const { stdout } = await kubelab('status');
    const leader = [0, 1].map((i) => statusRow(stdout, `scheduler-${i}`)).find((r) => r[6] === 'yes');
    assert.ok(leader);
    const [name, , pid] = leader;
    await kubelab('kill', name ?? '');
    assert.throws(() => process.kill(Number(pid), 0), 'the killed pid is gone');
    await waitFor(
      async () => {
        const s = (await kubelab('status')).stdout;
        const row = statusRow(s, name ?? '');
        const other = statusRow(s, name === 'scheduler-0' ? 'scheduler-1' : 'scheduler-0');
        return row[4]?.startsWith('no') && other[6] === 'yes';
      },
      { timeoutMs: 15_000, what: 'the standby scheduler to lead' },
    );
    await kubelab('restart', name ?? '');
    const after = statusRow((await kubelab('status')).stdout, name ?? '');
    assert.equal(after[4], 'yes');
    assert.notEqual(after[2], pid, 'a new pid');
    assert.equal(after[7], '1', 'restart counted');
  });

  it('logs prints a process log with structured JSON lines', async () => {
    const { stdout } = await kubelab('logs', 'api-0');
    const first = stdout.split('\n').find((l) => l.startsWith('{'));
    assert.ok(first, 'has JSON lines');
    const rec = JSON.parse(first);
    assert.equal(rec.service, 'api');
    assert.equal(rec.id, 'api-0');
  });

  it('down stops everything and leaves no process behind', async () => {
    assert.ok(processesOfThisCluster().length >= 12, 'processes are running before down');
    await kubelab('down');
    await waitFor(() => processesOfThisCluster().length === 0, {
      timeoutMs: 20_000,
      what: 'every process to exit',
    });
    assert.equal(readState(home), undefined, 'state file removed');
    await assert.rejects(kubelab('status'), /no kubelab cluster is running/);
  });
});
