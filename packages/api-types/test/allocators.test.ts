/**
 * ClusterIPAllocator and NodePortAllocator: ranges, exhaustion, release, specific allocations and their
 * Kubernetes messages.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AllocatorError,
  ClusterIPAllocator,
  NodePortAllocator,
  clusterIPAllocationCause,
  invalid,
  ipv4ToNumber,
  nodePortAllocationCause,
  numberToIpv4,
} from '../src/index.js';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AllocatorError);
    return `${e.code}: ${e.message}`;
  }
  return 'no error';
}

describe('ClusterIPAllocator', () => {
  test('range excludes network, broadcast and (dynamically) the first address', () => {
    const a = new ClusterIPAllocator('10.96.0.0/29');
    assert.equal(a.size, 6);
    assert.equal(a.firstAddress(), '10.96.0.1');
    const got = [a.allocate(), a.allocate(), a.allocate(), a.allocate(), a.allocate()];
    assert.deepEqual(got, ['10.96.0.2', '10.96.0.3', '10.96.0.4', '10.96.0.5', '10.96.0.6']);
    assert.equal(
      code(() => a.allocate()),
      'Full: range is full',
    );
    a.allocateSpecific('10.96.0.1');
    assert.equal(a.used, 6);
  });
  test('the CIDR is normalised', () => {
    assert.equal(new ClusterIPAllocator('10.96.3.7/12').cidr, '10.96.0.0/12');
  });
  test('release makes an address reusable, after the cursor wraps', () => {
    const a = new ClusterIPAllocator('10.0.0.0/29');
    const first = a.allocate();
    a.allocate();
    assert.equal(a.release(first), true);
    assert.equal(a.release(first), false);
    assert.equal(a.allocate(), '10.0.0.4');
    a.allocate();
    a.allocate();
    assert.equal(a.allocate(), first);
  });
  test('specific allocations: conflicts and range errors', () => {
    const a = new ClusterIPAllocator('10.96.0.0/12');
    a.allocateSpecific('10.96.0.10');
    assert.equal(
      code(() => a.allocateSpecific('10.96.0.10')),
      'Allocated: provided IP is already allocated',
    );
    assert.equal(
      code(() => a.allocateSpecific('192.168.0.1')),
      'NotInRange: provided IP is not in the valid range. The range of valid IPs is 10.96.0.0/12',
    );
    assert.equal(code(() => a.allocateSpecific('10.96.0.0')).startsWith('NotInRange'), true);
    assert.equal(code(() => a.allocateSpecific('10.111.255.255')).startsWith('NotInRange'), true);
    assert.equal(code(() => a.allocateSpecific('not-an-ip')).startsWith('NotInRange'), true);
    assert.equal(a.has('10.96.0.10'), true);
    assert.equal(a.contains('10.100.0.1'), true);
  });
  test('dynamic allocation skips specifically allocated addresses', () => {
    const a = new ClusterIPAllocator('10.0.0.0/29');
    a.allocateSpecific('10.0.0.2');
    assert.equal(a.allocate(), '10.0.0.3');
  });
  test('snapshot and restore', () => {
    const a = new ClusterIPAllocator('10.0.0.0/24');
    a.allocate();
    a.allocateSpecific('10.0.0.50');
    const b = new ClusterIPAllocator('10.0.0.0/24');
    assert.deepEqual(b.restore([...a.snapshot(), '1.2.3.4']), ['1.2.3.4']);
    assert.deepEqual(b.snapshot(), ['10.0.0.2', '10.0.0.50']);
  });
  test('invalid CIDRs are rejected at construction', () => {
    for (const bad of ['10.0.0.0', '10.0.0.0/31', '10.0.0.0/0', 'x/24', 'fd00::/64']) {
      assert.throws(() => new ClusterIPAllocator(bad), RangeError, bad);
    }
  });
  test('reserveFirst can be turned off', () => {
    assert.equal(new ClusterIPAllocator('10.0.0.0/24', { reserveFirst: false }).allocate(), '10.0.0.1');
  });
  test('ip conversions', () => {
    assert.equal(ipv4ToNumber('10.96.0.1'), 0x0a600001);
    assert.equal(numberToIpv4(0xffffffff), '255.255.255.255');
    assert.equal(ipv4ToNumber('01.2.3.4'), undefined);
  });
  test('the Invalid cause the Service REST layer reports', () => {
    const a = new ClusterIPAllocator('10.96.0.0/12');
    a.allocateSpecific('10.96.0.10');
    let err: unknown;
    try {
      a.allocateSpecific('10.96.0.10');
    } catch (e) {
      err = e;
    }
    const cause = clusterIPAllocationCause(['10.96.0.10'], '10.96.0.10', err as AllocatorError);
    assert.equal(
      invalid('Service', '', 'web', [cause]).message,
      'Service "web" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.10"}: failed to allocate IP 10.96.0.10: provided IP is already allocated',
    );
  });
});

describe('NodePortAllocator', () => {
  test('default range 30000-32767 and exhaustion', () => {
    const a = new NodePortAllocator();
    assert.equal(a.size, 2768);
    assert.equal(a.allocate(), 30000);
    const small = new NodePortAllocator(30000, 30002);
    assert.deepEqual([small.allocate(), small.allocate(), small.allocate()], [30000, 30001, 30002]);
    assert.equal(
      code(() => small.allocate()),
      'Full: range is full',
    );
    small.release(30001);
    assert.equal(small.allocate(), 30001);
  });
  test('specific ports', () => {
    const a = new NodePortAllocator();
    a.allocateSpecific(30080);
    assert.equal(
      code(() => a.allocateSpecific(30080)),
      'Allocated: provided port is already allocated',
    );
    assert.equal(
      code(() => a.allocateSpecific(80)),
      'NotInRange: provided port is not in the valid range. The range of valid ports is 30000-32767',
    );
    assert.equal(a.allocate(), 30000);
    assert.equal(a.allocate(), 30001);
    const b = new NodePortAllocator();
    b.restore(a.snapshot());
    assert.deepEqual(b.snapshot(), [30000, 30001, 30080]);
  });
  test('the Invalid cause for a node port', () => {
    const a = new NodePortAllocator();
    a.allocateSpecific(30080);
    try {
      a.allocateSpecific(30080);
      assert.fail('expected a conflict');
    } catch (e) {
      const cause = nodePortAllocationCause(0, 30080, e as AllocatorError);
      assert.equal(
        `${cause.field}: ${cause.message}`,
        'spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated',
      );
    }
  });
  test('bad ranges', () => {
    assert.throws(() => new NodePortAllocator(0, 10), RangeError);
    assert.throws(() => new NodePortAllocator(100, 50), RangeError);
  });
});
