import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { leaseCommandTimeoutMs } from '../src/service.js';

describe('leaseCommandTimeoutMs', () => {
  it("is half the renew deadline, never under 400 ms (kubelab's 700 ms deadline keeps 400; Kubernetes' 10 s gets 5 s)", () => {
    assert.equal(leaseCommandTimeoutMs(700), 400);
    assert.equal(leaseCommandTimeoutMs(10_000), 5_000);
    assert.equal(leaseCommandTimeoutMs(1_500), 750);
  });
});
