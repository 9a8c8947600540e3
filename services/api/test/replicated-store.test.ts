import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemClock } from '@kubelab/clock';
import { type ApplyFn, type CommandLog, LocalLog, LogUnavailableError } from '../src/store/command-log.js';
import { ReplicatedStore, WriteTimeoutError } from '../src/store/replicated-store.js';
import type { StoreCommand } from '../src/store/types.js';

const nsCmd = (id: string, name: string): StoreCommand => ({
  op: 'create',
  id,
  now: '2026-01-01T00:00:00Z',
  resource: 'core/namespaces',
  namespaced: false,
  object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
});

/**
 * A log whose proposals fail with LogUnavailableError a given number of times; `commitThenFail` makes the
 * first attempt commit (apply) and still report failure: the ambiguous case after a leader change.
 */
class FlakyLog implements CommandLog {
  private index = 0;
  apply: ApplyFn = () => {};
  proposals = 0;
  constructor(
    private failures: number,
    private readonly commitThenFail = false,
  ) {}
  async propose(data: Uint8Array): Promise<void> {
    this.proposals++;
    if (this.failures > 0) {
      this.failures--;
      if (this.commitThenFail) this.apply(++this.index, data);
      throw new LogUnavailableError('no leader');
    }
    this.apply(++this.index, data);
  }
  async readBarrier(): Promise<void> {}
  appliedIndex(): number {
    return this.index;
  }
}

describe('replicated store', () => {
  it('returns each command its own result and feeds the watch cache', async () => {
    const log = new LocalLog();
    const rs = new ReplicatedStore({ log, clock: systemClock });
    log.attach(rs.applyEntry);
    const watch = rs.watchCache.watch({ resource: 'core/namespaces', fromRevision: 0 });
    const a = await rs.execute(nsCmd('1', 'a'));
    const dup = await rs.execute(nsCmd('2', 'a'));
    assert.ok(a.ok);
    assert.equal(!dup.ok && dup.reason, 'AlreadyExists');
    const names = await rs.read((s) => s.list('core/namespaces').map((o) => o.metadata.name));
    assert.deepEqual(names, ['a']);
    for await (const e of watch) {
      assert.equal(e.type, 'ADDED');
      break;
    }
  });

  it('retries while the log is unavailable and applies the command once', async () => {
    const log = new FlakyLog(3);
    const rs = new ReplicatedStore({ log, clock: systemClock });
    log.apply = rs.applyEntry;
    const r = await rs.execute(nsCmd('x', 'a'));
    assert.ok(r.ok);
    assert.equal(log.proposals, 4);
  });

  it('an entry that committed although the proposer saw a failure is not applied twice on retry', async () => {
    const log = new FlakyLog(1, true);
    const rs = new ReplicatedStore({ log, clock: systemClock });
    log.apply = rs.applyEntry;
    const r = await rs.execute(nsCmd('y', 'a'));
    assert.ok(r.ok, 'the retry sees the first result, not AlreadyExists');
    assert.equal(rs.store.list('core/namespaces').length, 1);
    assert.equal(log.appliedIndex(), 2, 'both entries were committed');
  });

  it('gives up with a timeout error when the log stays unavailable', async () => {
    const log = new FlakyLog(1_000);
    const rs = new ReplicatedStore({ log, clock: systemClock, writeTimeoutMs: 150 });
    log.apply = rs.applyEntry;
    await assert.rejects(rs.execute(nsCmd('z', 'a')), WriteTimeoutError);
  });
});
