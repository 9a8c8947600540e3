import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { NETWORK_SLOTS, claimNetworkSlot, nodeAddress, processNetwork } from '../src/network.js';

/** Parses `a.b.c.d/n` into [first, last] as 32-bit numbers. */
function range(cidr: string): [number, number] {
  const [ip = '', bits = '32'] = cidr.split('/');
  const n = ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  return [n, n + size - 1];
}

describe('launcher network slots', () => {
  it('gives every slot ranges that overlap no other range of any slot', () => {
    const all: { what: string; r: [number, number] }[] = [];
    for (let s = 0; s < NETWORK_SLOTS; s++) {
      const net = processNetwork(s);
      for (const k of ['KUBELAB_CLUSTER_CIDR', 'KUBELAB_SERVICE_CIDR', 'KUBELAB_LOADBALANCER_CIDR']) {
        all.push({ what: `${k}@${s}`, r: range(net[k] ?? '') });
      }
      all.push({ what: `nodes@${s}`, r: range(`127.${s}.100.0/22`) });
    }
    for (const [i, a] of all.entries()) {
      assert.ok(
        a.r[0] >= range('127.0.0.0/8')[0] && a.r[1] <= range('127.0.0.0/8')[1],
        `${a.what} is in 127/8`,
      );
      for (const b of all.slice(i + 1)) {
        assert.ok(a.r[1] < b.r[0] || b.r[1] < a.r[0], `${a.what} and ${b.what} do not overlap`);
      }
    }
    assert.equal(processNetwork(0).KUBELAB_CLUSTER_CIDR, '127.128.0.0/14');
    assert.equal(nodeAddress(0), '127.0.100.1');
    assert.equal(nodeAddress(2, 3), '127.3.100.3');
    assert.throws(() => processNetwork(NETWORK_SLOTS), /network slot/);
  });

  it('claims the lowest free slot, skips live holders, reuses stale locks and its own home', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubelab-slots-test-'));
    try {
      const a = claimNetworkSlot(dir, process.pid, '/home/a');
      assert.equal(a.slot, 0);
      const b = claimNetworkSlot(dir, process.pid, '/home/b');
      assert.equal(b.slot, 1, 'slot 0 is held by a live pid');
      assert.equal(claimNetworkSlot(dir, process.pid, '/home/a').slot, 0, 'the same home reclaims its slot');
      // A lock held by a dead process is stale.
      const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid;
      writeFileSync(join(dir, 'slot-2'), `${dead} /home/gone`);
      assert.equal(claimNetworkSlot(dir, process.pid, '/home/c').slot, 2);
      b.release();
      assert.throws(() => readFileSync(join(dir, 'slot-1')), /ENOENT/);
      assert.equal(claimNetworkSlot(dir, process.pid, '/home/d').slot, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
