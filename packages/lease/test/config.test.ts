/**
 * Construction-time validation (client-go NewLeaderElector) and the stored value's codec. Pure; no Redis.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { seededRng } from '@kubelab/clock';
import { silentLogger } from '@kubelab/telemetry';
import { FakeClock } from '@kubelab/testkit';
import {
  type LeaderElectorConfig,
  LeaseConfigError,
  LeaseDefaults,
  LeaseValueError,
  MemoryLeaseBackend,
  createLeaderElector,
  formatLeaseValue,
  parseLeaseValue,
  resolveConfig,
} from '../src/index.js';

function config(overrides: Partial<LeaderElectorConfig> = {}): LeaderElectorConfig {
  const clock = new FakeClock();
  return {
    store: new MemoryLeaseBackend(clock).store(),
    identity: 'a',
    clock,
    rng: seededRng(1),
    logger: silentLogger(),
    onStartedLeading: () => {},
    onStoppedLeading: () => {},
    ...overrides,
  };
}

function rejects(overrides: Partial<LeaderElectorConfig>, option: string): void {
  assert.throws(
    () => createLeaderElector(config(overrides)),
    (err: unknown) => err instanceof LeaseConfigError && err.option === option,
  );
}

describe('config', () => {
  test('config - defaults fail over in about a second and satisfy the invariants', () => {
    const t = resolveConfig(config());
    assert.deepEqual(t, { ...LeaseDefaults });
    assert.ok(t.leaseDurationMs > t.renewDeadlineMs);
    assert.ok(t.renewDeadlineMs > t.retryPeriodMs * (1 + t.retryJitter));
    assert.ok(t.leaseDurationMs + t.retryPeriodMs * (1 + t.retryJitter) < 2000);
  });

  test('config - leaseDurationMs must exceed renewDeadlineMs', () => {
    rejects({ leaseDurationMs: 700, renewDeadlineMs: 700 }, 'leaseDurationMs');
    rejects({ leaseDurationMs: 500 }, 'leaseDurationMs');
  });

  test('config - renewDeadlineMs must exceed retryPeriodMs × (1 + retryJitter)', () => {
    rejects({ retryPeriodMs: 600 }, 'renewDeadlineMs'); // 720 ≥ 700
    rejects({ retryPeriodMs: 500, retryJitter: 0.4 }, 'renewDeadlineMs'); // exactly 700
    assert.doesNotThrow(() => createLeaderElector(config({ retryPeriodMs: 500, retryJitter: 0.3 })));
  });

  test('config - durations must be positive and jitter non-negative', () => {
    rejects({ retryPeriodMs: 0 }, 'retryPeriodMs');
    rejects({ renewDeadlineMs: Number.NaN }, 'renewDeadlineMs');
    rejects({ retryJitter: -0.1 }, 'retryJitter');
  });

  test('config - identity must be non-empty without whitespace; callbacks are required', () => {
    rejects({ identity: '' }, 'identity');
    rejects({ identity: 'a b' }, 'identity');
    rejects({ onStartedLeading: undefined as unknown as () => void }, 'onStartedLeading');
  });
});

describe('lease value', () => {
  test('lease value - "<token> <identity>" round-trips', () => {
    const v = formatLeaseValue({ identity: 'scheduler-1', token: 1764080000123 });
    assert.equal(v, '1764080000123 scheduler-1');
    assert.deepEqual(parseLeaseValue(v), { identity: 'scheduler-1', token: 1764080000123 });
  });

  test('lease value - malformed values are rejected', () => {
    for (const v of ['', 'x a', '0 a', '-1 a', '12', '12 a b', '1.5 a', '99999999999999999999 a']) {
      assert.throws(() => parseLeaseValue(v), LeaseValueError, v);
    }
  });
});
