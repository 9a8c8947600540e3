/**
 * Crash simulation: a child process appends with mustSync and prints every acknowledged index; it is
 * SIGKILLed mid-stream, twice (the second run appends after the first crash's recovery). Every acknowledged
 * index must be on disk with its data.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { killAll, spawnTs, waitFor } from '@kubelab/testkit';
import { TempDirs, ent, openStorage } from './helpers.js';

const tmp = new TempDirs();
after(async () => {
  await killAll();
  await tmp.removeAll();
});

const writer = fileURLToPath(new URL('./fixtures/wal-writer.ts', import.meta.url));

/** The highest index acknowledged in complete output lines. */
function lastAcked(output: string): number {
  const lines = output.split('\n').slice(0, -1); // the last piece may be a partial line
  let acked = 0;
  for (const l of lines) if (/^\d+$/.test(l)) acked = Math.max(acked, Number(l));
  return acked;
}

async function runAndKill(dir: string, atLeast: number): Promise<number> {
  const child = spawnTs(writer, [dir]);
  await waitFor(() => lastAcked(child.output()) >= atLeast, { timeoutMs: 20_000, what: `ack of ${atLeast}` });
  child.child.kill('SIGKILL');
  const { signal } = await child.exited;
  assert.equal(signal, 'SIGKILL');
  return lastAcked(child.output());
}

describe('file storage - crash', () => {
  it('every index acknowledged before a SIGKILL survives, across two crashes', async () => {
    const dir = await tmp.make('raft-crash-');
    let acked = 0;
    for (const round of [1, 2]) {
      acked = await runAndKill(dir, acked + 150);
      const s = await openStorage(dir);
      assert.ok(s.lastIndex() >= acked, `round ${round}: lastIndex ${s.lastIndex()} < acknowledged ${acked}`);
      assert.ok(s.initialState().hardState.commit >= acked, `round ${round}: commit`);
      const got = s.entries(1, acked + 1, Number.MAX_SAFE_INTEGER);
      assert.equal(got.length, acked);
      for (const e of got)
        assert.deepStrictEqual(e, ent(e.index, 1, 100), `round ${round}: entry ${e.index}`);
      await s.close();
    }
  });
});
