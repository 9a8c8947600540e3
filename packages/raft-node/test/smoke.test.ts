import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StateType } from '../src/index.js';
import { Network } from './network.js';

test('smoke - three nodes elect a leader and commit a proposal', () => {
  const nw = Network.bootstrap(1, [1, 2, 3]);
  nw.campaign(1);
  assert.equal(nw.node(1).rn.status().raftState, StateType.Leader, nw.trace());
  nw.propose(2, 'hello');
  for (const id of [1, 2, 3]) assert.deepEqual(nw.node(id).applied, ['hello'], `node ${id}`);
});
