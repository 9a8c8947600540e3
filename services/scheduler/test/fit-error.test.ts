/** The FailedScheduling message as kube-scheduler words it, and the adaptive number of nodes to find. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { numFeasibleNodesToFind } from '../src/framework/cycle.js';
import { filterMessage, reasonsHistogram } from '../src/framework/fit-error.js';
import { Code, newStatus } from '../src/framework/status.js';

test('fit error - reasons are counted and sorted as strings', () => {
  assert.deepEqual(reasonsHistogram(['Insufficient cpu', 'node(s) were unschedulable', 'Insufficient cpu']), [
    '1 node(s) were unschedulable',
    '2 Insufficient cpu',
  ]);
  // Byte order, as Go's sort.Strings: "10 …" sorts before "2 …", upper case before lower case.
  assert.deepEqual(reasonsHistogram([...Array(10).fill('b'), 'a', 'a', 'B']), ['1 B', '10 b', '2 a']);
});

test('fit error - a node with several reasons counts in each', () => {
  const both = newStatus(Code.Unschedulable, 'NodeResourcesFit', 'Insufficient cpu', 'Insufficient memory');
  const cpu = newStatus(Code.Unschedulable, 'NodeResourcesFit', 'Insufficient cpu');
  const msg = filterMessage({
    numAllNodes: 2,
    nodeToStatus: new Map([
      ['a', both],
      ['b', cpu],
    ]),
  });
  assert.equal(msg, '0/2 nodes are available: 1 Insufficient memory, 2 Insufficient cpu.');
});

test('fit error - numFeasibleNodesToFind is adaptive like Kubernetes', () => {
  assert.equal(numFeasibleNodesToFind(50, 0), 50);
  assert.equal(numFeasibleNodesToFind(150, 0), 100); // 49 % of 150 = 73 → at least 100
  assert.equal(numFeasibleNodesToFind(1000, 0), 420); // 50 − 8 = 42 %
  assert.equal(numFeasibleNodesToFind(5000, 0), 500); // 50 − 40 = 10 %
  assert.equal(numFeasibleNodesToFind(10_000, 0), 500); // 50 − 80 < 5 → 5 %
  assert.equal(numFeasibleNodesToFind(1000, 100), 1000);
  assert.equal(numFeasibleNodesToFind(1000, 20), 200);
});
