/** Filter and score plugins against node snapshots, in tables. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '@kubelab/api-types';
import { CycleState, type FilterPlugin } from '../src/framework/interface.js';
import { NodeInfo } from '../src/framework/node-info.js';
import { newPodInfo } from '../src/framework/pod-info.js';
import { Code } from '../src/framework/status.js';
import { balancedAllocation } from '../src/plugins/balanced-allocation/index.js';
import { nodeAffinity } from '../src/plugins/node-affinity/index.js';
import { nodePorts } from '../src/plugins/node-ports/index.js';
import { nodeReady } from '../src/plugins/node-ready/index.js';
import { nodeResourcesFit } from '../src/plugins/node-resources-fit/index.js';
import { nodeUnschedulable } from '../src/plugins/node-unschedulable/index.js';
import { selectorSpread } from '../src/plugins/selector-spread/index.js';
import { taintToleration } from '../src/plugins/taint-toleration/index.js';
import { type NodeOptions, type PodOptions, makeNode, makePod } from './fixtures.js';

interface Case {
  name: string;
  pod: PodOptions;
  node: NodeOptions;
  /** Pods already on the node. */
  existing?: PodOptions[];
  /** undefined: fits. */
  want?: { code: Code; reasons: string[] };
}

function nodeInfo(node: NodeOptions, existing: PodOptions[] = []): NodeInfo {
  const ni = new NodeInfo(makeNode('n1', node));
  existing.forEach((o, i) => ni.addPod(newPodInfo(makePod(`existing-${i}`, { ...o, nodeName: 'n1' }))));
  return ni;
}

function runTable(
  plugin: FilterPlugin & { preFilter?: (s: CycleState, p: never) => unknown },
  cases: Case[],
) {
  for (const c of cases) {
    test(`${plugin.name} - ${c.name}`, () => {
      const state = new CycleState();
      const pi = newPodInfo(makePod('p', c.pod));
      plugin.preFilter?.(state, pi as never);
      const got = plugin.filter(state, pi, nodeInfo(c.node, c.existing));
      if (c.want === undefined) assert.equal(got, undefined, `fits: ${JSON.stringify(got)}`);
      else {
        assert.ok(got, 'rejected');
        assert.equal(got.code, c.want.code);
        assert.deepEqual([...got.reasons], c.want.reasons);
        assert.equal(got.plugin, plugin.name);
      }
    });
  }
}

const UU = Code.UnschedulableAndUnresolvable;
const U = Code.Unschedulable;

runTable(nodeUnschedulable, [
  { name: 'schedulable node', pod: {}, node: {} },
  {
    name: 'cordoned node',
    pod: {},
    node: { unschedulable: true },
    want: { code: UU, reasons: ['node(s) were unschedulable'] },
  },
  {
    name: 'cordoned node, pod tolerates the unschedulable taint',
    pod: {
      tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }],
    },
    node: { unschedulable: true },
  },
]);

runTable(nodeReady, [
  { name: 'Ready=True', pod: {}, node: { ready: 'True' } },
  {
    name: 'Ready=False',
    pod: {},
    node: { ready: 'False' },
    want: { code: UU, reasons: ['node(s) had untolerated taint {node.kubernetes.io/not-ready: }'] },
  },
  {
    name: 'Ready=Unknown',
    pod: {},
    node: { ready: 'Unknown' },
    want: { code: UU, reasons: ['node(s) had untolerated taint {node.kubernetes.io/unreachable: }'] },
  },
  {
    name: 'no Ready condition yet',
    pod: {},
    node: { ready: undefined },
    want: { code: UU, reasons: ['node(s) had untolerated taint {node.kubernetes.io/unreachable: }'] },
  },
  {
    name: 'Ready=False, pod tolerates not-ready',
    pod: { tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }] },
    node: { ready: 'False' },
  },
  {
    name: 'Ready=False and already tainted: left to TaintToleration',
    pod: {},
    node: { ready: 'False', taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] },
  },
]);

runTable(nodeResourcesFit, [
  { name: 'fits', pod: { cpu: '1', memory: '1Gi' }, node: { cpu: '2', memory: '2Gi' } },
  { name: 'no requests fit anywhere with room for a pod', pod: {}, node: { cpu: '0', memory: '0' } },
  {
    name: 'cpu short',
    pod: { cpu: '1500m' },
    node: { cpu: '2' },
    existing: [{ cpu: '1' }],
    want: { code: U, reasons: ['Insufficient cpu'] },
  },
  {
    name: 'memory short',
    pod: { memory: '2Gi' },
    node: { memory: '1Gi' },
    want: { code: U, reasons: ['Insufficient memory'] },
  },
  {
    name: 'pods, cpu and memory short: every reason',
    pod: { cpu: '3', memory: '3Gi' },
    node: { cpu: '2', memory: '2Gi', pods: '1' },
    existing: [{}],
    want: { code: U, reasons: ['Too many pods', 'Insufficient cpu', 'Insufficient memory'] },
  },
  {
    name: 'exactly full fits',
    pod: { cpu: '1' },
    node: { cpu: '2' },
    existing: [{ cpu: '1' }],
  },
]);

const expr = (key: string, operator: string, values?: string[]) => ({
  nodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [{ matchExpressions: [{ key, operator, ...(values ? { values } : {}) }] }],
    },
  },
});
const NA = { code: UU, reasons: ["node(s) didn't match Pod's node affinity/selector"] };
runTable(nodeAffinity, [
  { name: 'no selector', pod: {}, node: {} },
  { name: 'nodeSelector matches', pod: { nodeSelector: { disk: 'ssd' } }, node: { labels: { disk: 'ssd' } } },
  {
    name: 'nodeSelector differs',
    pod: { nodeSelector: { disk: 'ssd' } },
    node: { labels: { disk: 'hdd' } },
    want: NA,
  },
  { name: 'In', pod: { affinity: expr('zone', 'In', ['a', 'b']) }, node: { labels: { zone: 'b' } } },
  { name: 'In, absent', pod: { affinity: expr('zone', 'In', ['a']) }, node: {}, want: NA },
  { name: 'NotIn, absent', pod: { affinity: expr('zone', 'NotIn', ['a']) }, node: {} },
  {
    name: 'NotIn, listed',
    pod: { affinity: expr('zone', 'NotIn', ['a']) },
    node: { labels: { zone: 'a' } },
    want: NA,
  },
  { name: 'Exists', pod: { affinity: expr('gpu', 'Exists') }, node: { labels: { gpu: '' } } },
  {
    name: 'DoesNotExist',
    pod: { affinity: expr('gpu', 'DoesNotExist') },
    node: { labels: { gpu: '1' } },
    want: NA,
  },
  { name: 'Gt', pod: { affinity: expr('cores', 'Gt', ['4']) }, node: { labels: { cores: '8' } } },
  {
    name: 'Gt, equal',
    pod: { affinity: expr('cores', 'Gt', ['8']) },
    node: { labels: { cores: '8' } },
    want: NA,
  },
  { name: 'Lt', pod: { affinity: expr('cores', 'Lt', ['4']) }, node: { labels: { cores: '2' } } },
  {
    name: 'Lt, not a number',
    pod: { affinity: expr('cores', 'Lt', ['4']) },
    node: { labels: { cores: 'x' } },
    want: NA,
  },
  {
    name: 'matchFields metadata.name',
    pod: {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }],
          },
        },
      },
    },
    node: {},
  },
  {
    name: 'terms are ORed',
    pod: {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'zone', operator: 'In', values: ['x'] }] },
              { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] },
            ],
          },
        },
      },
    },
    node: {},
  },
  {
    name: 'an empty term matches nothing',
    pod: {
      affinity: {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{}] } },
      },
    },
    node: {},
    want: NA,
  },
]);

runTable(taintToleration, [
  { name: 'no taints', pod: {}, node: {} },
  {
    name: 'NoSchedule taint without value',
    pod: {},
    node: { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] },
    want: { code: UU, reasons: ['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }'] },
  },
  {
    name: 'NoExecute taint with value',
    pod: {},
    node: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoExecute' }] },
    want: { code: UU, reasons: ['node(s) had untolerated taint {dedicated: gpu}'] },
  },
  {
    name: 'PreferNoSchedule does not filter',
    pod: {},
    node: { taints: [{ key: 'a', effect: 'PreferNoSchedule' }] },
  },
  {
    name: 'tolerated by Equal',
    pod: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] },
    node: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] },
  },
  {
    name: 'Equal with another value does not tolerate',
    pod: { tolerations: [{ key: 'dedicated', value: 'cpu' }] },
    node: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] },
    want: { code: UU, reasons: ['node(s) had untolerated taint {dedicated: gpu}'] },
  },
  {
    name: 'empty key with Exists tolerates everything',
    pod: { tolerations: [{ operator: 'Exists' }] },
    node: {
      taints: [
        { key: 'x', effect: 'NoSchedule' },
        { key: 'y', value: 'z', effect: 'NoExecute' },
      ],
    },
  },
  {
    name: 'a toleration for another effect does not apply',
    pod: { tolerations: [{ key: 'x', operator: 'Exists', effect: 'NoExecute' }] },
    node: { taints: [{ key: 'x', effect: 'NoSchedule' }] },
    want: { code: UU, reasons: ['node(s) had untolerated taint {x: }'] },
  },
]);

const PORTS = { code: U, reasons: ["node(s) didn't have free ports for the requested pod ports"] };
runTable(nodePorts, [
  { name: 'no host ports', pod: {}, node: {}, existing: [{ hostPort: 80 }] },
  { name: 'free port', pod: { hostPort: 81 }, node: {}, existing: [{ hostPort: 80 }] },
  { name: 'port taken', pod: { hostPort: 80 }, node: {}, existing: [{ hostPort: 80 }], want: PORTS },
]);

test('NodePorts - host IPs: 0.0.0.0 conflicts with any address, distinct addresses do not', () => {
  const withPort = (name: string, hostIP: string): Pod => {
    const p = makePod(name);
    const c = p.spec?.containers[0];
    if (c) c.ports = [{ containerPort: 80, hostPort: 8080, hostIP }];
    return p;
  };
  const ni = new NodeInfo(makeNode('n1'));
  ni.addPod(newPodInfo(withPort('a', '127.0.0.1')));
  const state = new CycleState();
  assert.equal(nodePorts.filter(state, newPodInfo(withPort('b', '127.0.0.2')), ni), undefined);
  assert.ok(nodePorts.filter(state, newPodInfo(withPort('c', '0.0.0.0')), ni));
  assert.ok(nodePorts.filter(state, newPodInfo(withPort('d', '127.0.0.1')), ni));
  ni.removePod('default/a');
  assert.equal(nodePorts.filter(state, newPodInfo(withPort('c', '0.0.0.0')), ni), undefined);
});

test('scores - least allocated, balanced allocation, spreading, preferred taints and affinity', () => {
  const state = new CycleState();
  const pi = newPodInfo(makePod('p', { cpu: '1', memory: '1Gi', owner: 'rs' }));
  const empty = nodeInfo({ cpu: '4', memory: '4Gi' });
  const half = nodeInfo({ cpu: '4', memory: '4Gi' }, [{ cpu: '1', memory: '1Gi', owner: 'rs' }]);
  // (4-1)/4 → 75 for both resources; with 1 more each: (4-2)/4 → 50.
  assert.equal(nodeResourcesFit.score(state, pi, empty), 75);
  assert.equal(nodeResourcesFit.score(state, pi, half), 50);
  assert.equal(balancedAllocation.score(state, pi, empty), 100);
  const skewed = nodeInfo({ cpu: '4', memory: '4Gi' }, [{ cpu: '2' }]);
  // cpu 3/4, memory 1/4 (+200Mi default is not counted: balanced uses the exact requests) → std 0.25 → 75.
  assert.equal(balancedAllocation.score(state, pi, skewed), 75);

  const spread = new Float64Array([0, 1, 2].map((n) => n));
  selectorSpread.normalizeScore(state, pi, spread);
  assert.deepEqual([...spread], [100, 50, 0]);
  assert.equal(selectorSpread.score(state, pi, half), 1);

  const tainted = nodeInfo({ taints: [{ key: 'a', effect: 'PreferNoSchedule' }] });
  const raw = new Float64Array([
    taintToleration.score(state, pi, tainted),
    taintToleration.score(state, pi, empty),
  ]);
  taintToleration.normalizeScore(state, pi, raw);
  assert.deepEqual([...raw], [0, 100]);

  const prefer = newPodInfo(
    makePod('q', {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 10,
              preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] },
            },
            { weight: 30, preference: { matchExpressions: [{ key: 'zone', operator: 'Exists' }] } },
          ],
        },
      },
    }),
  );
  const s2 = new CycleState();
  nodeAffinity.preFilter(s2, prefer);
  const scores = new Float64Array([
    nodeAffinity.score(s2, prefer, nodeInfo({ labels: { disk: 'ssd', zone: 'a' } })),
    nodeAffinity.score(s2, prefer, nodeInfo({ labels: { disk: 'ssd' } })),
    nodeAffinity.score(s2, prefer, nodeInfo({})),
  ]);
  assert.deepEqual([...scores], [40, 10, 0]);
  nodeAffinity.normalizeScore(s2, prefer, scores);
  assert.deepEqual([...scores], [100, 25, 0]);
});
