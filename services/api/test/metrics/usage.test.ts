/**
 * The conversion of the kubelet's usage annotation into metrics.k8s.io objects: PodMetrics containers and
 * quantities, NodeMetrics sums with the system overhead, which pods and nodes are left out, Go durations.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Node, type Pod, USAGE_ANNOTATION } from '@kubelab/api-types';
import {
  NODE_SYSTEM_OVERHEAD,
  formatCpu,
  goDuration,
  nodeMetricsOf,
  podMetricsOf,
  podUsage,
  toResourceList,
  usageByNode,
} from '../../src/metrics/index.js';

const NOW_MS = Date.UTC(2026, 0, 1, 12);
const NOW = '2026-01-01T12:00:00Z';
const MI = 1024 * 1024;

function pod(
  name: string,
  usage: unknown,
  o: { phase?: string; node?: string; containers?: string[]; labels?: Record<string, string> } = {},
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      ...(o.labels ? { labels: o.labels } : {}),
      ...(usage === undefined
        ? {}
        : { annotations: { [USAGE_ANNOTATION]: typeof usage === 'string' ? usage : JSON.stringify(usage) } }),
    },
    spec: {
      nodeName: o.node ?? 'node-0',
      containers: (o.containers ?? ['app']).map((n) => ({ name: n, image: 'nginx' })),
    },
    status: { phase: (o.phase ?? 'Running') as 'Running' },
  } as Pod;
}

function node(name: string, ready = 'True'): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    status: { conditions: [{ type: 'Ready', status: ready }] },
  } as Node;
}

const usage = (containers: Record<string, [number, number]>, windowSeconds = 15) => {
  const entries = Object.entries(containers).map(([n, [cpuMilli, memoryBytes]]) => [
    n,
    { cpuMilli, memoryBytes },
  ]);
  const cpuMilli = entries.reduce((s, [, u]) => s + (u as { cpuMilli: number }).cpuMilli, 0);
  const memoryBytes = entries.reduce((s, [, u]) => s + (u as { memoryBytes: number }).memoryBytes, 0);
  return {
    cpuMilli,
    memoryBytes,
    containers: Object.fromEntries(entries),
    timestamp: '2026-01-01T11:00:00Z',
    windowSeconds,
  };
};

describe('metrics usage', () => {
  test('podMetricsOf - a Running pod with usage becomes a PodMetrics as metrics-server returns it', () => {
    const p = pod('web', usage({ app: [250, 4 * MI] }), { labels: { app: 'web' } });
    assert.deepEqual(podMetricsOf(p, NOW_MS), {
      metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, creationTimestamp: NOW },
      timestamp: NOW,
      window: '15s',
      containers: [{ name: 'app', usage: { cpu: '250m', memory: '4Mi' } }],
    });
  });

  test('podMetricsOf - containers follow the pod spec order, whatever the annotation order', () => {
    const p = pod('two', usage({ sidecar: [1, 3 * MI + 64 * 1024], main: [7, 5 * MI] }, 0.5), {
      containers: ['main', 'sidecar'],
    });
    const m = podMetricsOf(p, NOW_MS);
    assert.deepEqual(
      m?.containers.map((c) => [c.name, c.usage.cpu, c.usage.memory]),
      [
        ['main', '7m', '5Mi'],
        ['sidecar', '1m', '3136Ki'],
      ],
    );
    assert.equal(m?.window, '500ms');
  });

  test('podMetricsOf - no labels means no labels key', () => {
    const m = podMetricsOf(pod('bare', usage({ app: [1, MI] })), NOW_MS);
    assert.equal(m !== undefined && 'labels' in m.metadata, false);
  });

  test('podMetricsOf - pods that are not Running, or have no or malformed usage, are left out', () => {
    const u = usage({ app: [5, MI] });
    assert.equal(podMetricsOf(pod('pending', u, { phase: 'Pending' }), NOW_MS), undefined);
    assert.equal(podMetricsOf(pod('done', u, { phase: 'Succeeded' }), NOW_MS), undefined);
    assert.equal(podMetricsOf(pod('none', undefined), NOW_MS), undefined);
    assert.equal(podMetricsOf(pod('garbage', '{not json'), NOW_MS), undefined);
    assert.equal(podMetricsOf(pod('empty', { containers: {} }), NOW_MS), undefined);
    assert.equal(podMetricsOf(pod('negative', { containers: { app: { cpuMilli: -1 } } }), NOW_MS), undefined);
  });

  test('podUsage - an annotation with only pod totals counts as the first container', () => {
    const u = podUsage(pod('legacy', '{"cpuMilli":10}', { containers: ['a', 'b'] }));
    assert.deepEqual(u, { containers: [{ name: 'a', cpuMilli: 10, memoryBytes: 0 }], windowSeconds: 15 });
  });

  test('nodeMetricsOf - the sum of the node’s reported pods plus the system overhead', () => {
    const pods = [
      pod('a', usage({ app: [100, 10 * MI] }), { node: 'node-0' }),
      pod('b', usage({ app: [50, 6 * MI], side: [5, 2 * MI] }, 20), {
        node: 'node-0',
        containers: ['app', 'side'],
      }),
      pod('c', usage({ app: [999, 999 * MI] }), { node: 'node-1' }),
      pod('pending', usage({ app: [777, 777 * MI] }), { node: 'node-0', phase: 'Pending' }),
      pod('nousage', undefined, { node: 'node-0' }),
    ];
    const byNode = usageByNode(pods);
    assert.deepEqual(byNode.get('node-0'), {
      usage: { cpuMilli: 155, memoryBytes: 18 * MI },
      windowSeconds: 20,
    });
    const m = nodeMetricsOf(node('node-0'), byNode.get('node-0'), NOW_MS);
    assert.deepEqual(m, {
      metadata: { name: 'node-0', labels: { 'kubernetes.io/hostname': 'node-0' }, creationTimestamp: NOW },
      timestamp: NOW,
      window: '20s',
      usage: toResourceList({
        cpuMilli: 155 + NODE_SYSTEM_OVERHEAD.cpuMilli,
        memoryBytes: 18 * MI + NODE_SYSTEM_OVERHEAD.memoryBytes,
      }),
    });
    assert.deepEqual(m?.usage, { cpu: '175m', memory: '82Mi' });
  });

  test('nodeMetricsOf - an idle Ready node reports the overhead; a node not Ready is left out', () => {
    const idle = nodeMetricsOf(node('idle'), undefined, NOW_MS);
    assert.deepEqual(idle?.usage, { cpu: '20m', memory: '64Mi' });
    assert.equal(idle?.window, '15s');
    assert.equal(nodeMetricsOf(node('gone', 'Unknown'), undefined, NOW_MS), undefined);
    assert.equal(nodeMetricsOf(node('down', 'False'), undefined, NOW_MS), undefined);
  });

  test('quantities - formatted as Kubernetes prints them', () => {
    assert.equal(formatCpu(0), '0');
    assert.equal(formatCpu(5), '5m');
    assert.equal(formatCpu(2000), '2');
    assert.equal(formatCpu(1.234567), '1234567n');
    assert.equal(formatCpu(1.5), '1500u');
    assert.deepEqual(toResourceList({ cpuMilli: 1, memoryBytes: 12345 * 1024 }), {
      cpu: '1m',
      memory: '12345Ki',
    });
    assert.equal(toResourceList({ cpuMilli: 1, memoryBytes: 1000 }).memory, '1k');
    assert.equal(toResourceList({ cpuMilli: 1, memoryBytes: 1234567 }).memory, '1234567');
  });

  test('goDuration - as Go prints a time.Duration', () => {
    assert.equal(goDuration(0), '0s');
    assert.equal(goDuration(15_000), '15s');
    assert.equal(goDuration(20_054), '20.054s');
    assert.equal(goDuration(500), '500ms');
    assert.equal(goDuration(1.5), '1.5ms');
    assert.equal(goDuration(0.25), '250µs');
    assert.equal(goDuration(90_000), '1m30s');
    assert.equal(goDuration(3_600_000), '1h0m0s');
  });
});
