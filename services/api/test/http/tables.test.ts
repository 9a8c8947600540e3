import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type TableTarget, humanDuration, toTable } from '../../src/http/tables/index.js';
import { NOW_MS, TABLE_ACCEPT, ago, json, setup } from './helpers.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const POD: TableTarget = { group: '', kind: 'Pod', apiVersion: 'v1' };
const opts = { version: 'v1' as const, includeObject: 'Metadata' as const, nowMs: NOW_MS };
/** The cells of one object printed as `target`. */
const cells = (obj: Record<string, unknown>, target: TableTarget) =>
  toTable(obj, target, opts).rows[0]?.cells;
const meta = (name: string, age = 5 * MIN, extra: Record<string, unknown> = {}) => ({
  name,
  namespace: 'default',
  creationTimestamp: ago(age),
  ...extra,
});

describe('humanDuration (apimachinery duration.HumanDuration)', () => {
  test('tables - durations print like kubectl', () => {
    const cases: [number, string][] = [
      [-3000, '<invalid>'],
      [-500, '0s'],
      [5000, '5s'],
      [119_000, '119s'],
      [2 * MIN, '2m'],
      [3 * MIN + 2000, '3m2s'],
      [10 * MIN + 30_000, '10m'],
      [179 * MIN, '179m'],
      [3 * HOUR, '3h'],
      [5 * HOUR + 3 * MIN, '5h3m'],
      [30 * HOUR, '30h'],
      [2 * DAY + 3 * HOUR, '2d3h'],
      [3 * DAY, '3d'],
      [20 * DAY, '20d'],
      [3 * 365 * DAY + 12 * DAY, '3y12d'],
      [9 * 365 * DAY, '9y'],
    ];
    for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms}`);
  });
});

const container = (name: string, state: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  name,
  ready: false,
  restartCount: 0,
  image: 'nginx',
  imageID: '',
  state,
  ...extra,
});

const pod = (
  status: Record<string, unknown>,
  spec: Record<string, unknown> = {},
  metaExtra: Record<string, unknown> = {},
) => ({
  metadata: meta('web', 5 * MIN, metaExtra),
  spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec },
  status,
});

describe('Pod printer (printPod)', () => {
  test('tables - running and ready', () => {
    const p = pod({
      phase: 'Running',
      podIPs: [{ ip: '10.244.0.5' }],
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [container('app', { running: { startedAt: ago(MIN) } }, { ready: true })],
    });
    assert.deepEqual(cells({ ...p, spec: { ...p.spec, nodeName: 'node-1' } }, POD), [
      'web',
      '1/1',
      'Running',
      '0',
      '5m',
      '10.244.0.5',
      'node-1',
      '<none>',
      '<none>',
    ]);
  });

  test('tables - CrashLoopBackOff with restarts "(5m ago)"', () => {
    const p = pod({
      phase: 'Running',
      containerStatuses: [
        container(
          'app',
          { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s' } },
          {
            restartCount: 5,
            lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(5 * MIN) } },
          },
        ),
      ],
    });
    const c = cells(p, POD)!;
    assert.deepEqual(c.slice(0, 4), ['web', '0/1', 'CrashLoopBackOff', '5 (5m ago)']);
  });

  test('tables - pending states: ContainerCreating, ErrImagePull, Pending without statuses', () => {
    const creating = pod({
      phase: 'Pending',
      containerStatuses: [container('app', { waiting: { reason: 'ContainerCreating' } })],
    });
    assert.equal(cells(creating, POD)![2], 'ContainerCreating');
    const pull = pod({
      phase: 'Pending',
      containerStatuses: [container('app', { waiting: { reason: 'ErrImagePull' } })],
    });
    assert.equal(cells(pull, POD)![2], 'ErrImagePull');
    assert.equal(cells(pod({ phase: 'Pending' }), POD)![2], 'Pending');
    const ip = cells(pod({ phase: 'Pending' }), POD)!;
    assert.deepEqual(ip.slice(5), ['<none>', '<none>', '<none>', '<none>']);
  });

  test('tables - init containers: Init:0/1, Init:CrashLoopBackOff, Init:ExitCode, PodInitializing', () => {
    const spec = { initContainers: [{ name: 'init', image: 'busybox' }] };
    const running = pod(
      { phase: 'Pending', initContainerStatuses: [container('init', { running: {} })] },
      spec,
    );
    assert.equal(cells(running, POD)![2], 'Init:0/1');
    const crash = pod(
      {
        phase: 'Pending',
        initContainerStatuses: [
          container('init', { waiting: { reason: 'CrashLoopBackOff' } }, { restartCount: 2 }),
        ],
      },
      spec,
    );
    assert.deepEqual(cells(crash, POD)!.slice(2, 4), ['Init:CrashLoopBackOff', '2']);
    const failed = pod(
      { phase: 'Pending', initContainerStatuses: [container('init', { terminated: { exitCode: 3 } })] },
      spec,
    );
    assert.equal(cells(failed, POD)![2], 'Init:ExitCode:3');
    const initializing = pod(
      {
        phase: 'Pending',
        initContainerStatuses: [container('init', { terminated: { exitCode: 0, reason: 'Completed' } })],
        containerStatuses: [container('app', { waiting: { reason: 'PodInitializing' } })],
      },
      spec,
    );
    assert.equal(cells(initializing, POD)![2], 'PodInitializing');
  });

  test('tables - sidecars count in Ready; Completed; NotReady; Terminating; NodeLost', () => {
    const sidecar = pod(
      {
        phase: 'Running',
        conditions: [{ type: 'Initialized', status: 'True' }],
        initContainerStatuses: [container('proxy', { running: {} }, { ready: true, started: true })],
        containerStatuses: [container('app', { running: {} }, { ready: true })],
      },
      { initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' }] },
    );
    assert.deepEqual(cells(sidecar, POD)!.slice(1, 3), ['2/2', 'Running']);
    const done = pod({
      phase: 'Succeeded',
      containerStatuses: [container('app', { terminated: { exitCode: 0, reason: 'Completed' } })],
    });
    assert.equal(cells(done, POD)![2], 'Completed');
    assert.deepEqual(toTable(done, POD, opts).rows[0]?.conditions, [
      {
        type: 'Completed',
        status: 'True',
        reason: 'Succeeded',
        message: 'The pod has completed successfully.',
      },
    ]);
    const twoContainers = {
      ...pod({
        phase: 'Running',
        containerStatuses: [
          container('a', { terminated: { exitCode: 0, reason: 'Completed' } }),
          container('b', { running: {} }, { ready: true }),
        ],
      }),
      spec: { containers: [{ name: 'a' }, { name: 'b' }] },
    };
    assert.deepEqual(cells(twoContainers, POD)!.slice(1, 3), ['1/2', 'NotReady']);
    const terminating = pod({ phase: 'Running' }, {}, { deletionTimestamp: ago(0) });
    assert.equal(cells(terminating, POD)![2], 'Terminating');
    const lost = pod({ phase: 'Running', reason: 'NodeLost' }, {}, { deletionTimestamp: ago(0) });
    assert.equal(cells(lost, POD)![2], 'Unknown');
    const gated = pod({
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }],
    });
    assert.equal(cells(gated, POD)![2], 'SchedulingGated');
    const readinessGates = pod(
      { phase: 'Running', conditions: [{ type: 'example.com/gate', status: 'True' }] },
      { readinessGates: [{ conditionType: 'example.com/gate' }, { conditionType: 'other' }] },
    );
    assert.equal(cells(readinessGates, POD)![8], '1/2');
  });

  test('tables - columns, PartialObjectMetadata rows, list resourceVersion and continue', () => {
    const list = {
      kind: 'PodList',
      apiVersion: 'v1',
      metadata: { resourceVersion: '1040', continue: 'abc' },
      items: [pod({ phase: 'Pending' }, {}, { labels: { app: 'web' } })],
    };
    const t = toTable(list, POD, opts);
    assert.equal(t.kind, 'Table');
    assert.equal(t.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(t.metadata, { resourceVersion: '1040', continue: 'abc' });
    assert.deepEqual(
      t.columnDefinitions.map((c) => [c.name, c.priority, c.format]),
      [
        ['Name', 0, 'name'],
        ['Ready', 0, ''],
        ['Status', 0, ''],
        ['Restarts', 0, ''],
        ['Age', 0, ''],
        ['IP', 1, ''],
        ['Node', 1, ''],
        ['Nominated Node', 1, ''],
        ['Readiness Gates', 1, ''],
      ],
    );
    assert.deepEqual(t.rows[0]?.object, {
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: meta('web', 5 * MIN, { labels: { app: 'web' } }),
    });
    const full = toTable(list, POD, { ...opts, includeObject: 'Object' }).rows[0]?.object as Record<
      string,
      unknown
    >;
    assert.equal(full.kind, 'Pod');
    assert.ok(full.spec);
    assert.equal(toTable(list, POD, { ...opts, includeObject: 'None' }).rows[0]?.object, undefined);
  });
});

describe('workload printers', () => {
  const template = {
    spec: {
      containers: [
        { name: 'a', image: 'nginx:1' },
        { name: 'b', image: 'busybox' },
      ],
    },
  };
  test('tables - Deployment, ReplicaSet, StatefulSet, DaemonSet, ReplicationController', () => {
    const selector = {
      matchLabels: { app: 'web' },
      matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }],
    };
    const d = {
      metadata: meta('web', 3 * HOUR),
      spec: { replicas: 3, selector, template },
      status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    };
    assert.deepEqual(cells(d, { group: 'apps', kind: 'Deployment', apiVersion: 'apps/v1' }), [
      'web',
      '2/3',
      3,
      2,
      '3h',
      'a,b',
      'nginx:1,busybox',
      'app=web,tier in (a,b)',
    ]);
    const rs = {
      metadata: meta('web-abc'),
      spec: { replicas: 2, selector, template },
      status: { replicas: 2, readyReplicas: 1 },
    };
    assert.deepEqual(cells(rs, { group: 'apps', kind: 'ReplicaSet', apiVersion: 'apps/v1' }), [
      'web-abc',
      2,
      2,
      1,
      '5m',
      'a,b',
      'nginx:1,busybox',
      'app=web,tier in (a,b)',
    ]);
    const sts = { metadata: meta('db'), spec: { replicas: 3, template }, status: { readyReplicas: 3 } };
    assert.deepEqual(cells(sts, { group: 'apps', kind: 'StatefulSet', apiVersion: 'apps/v1' }), [
      'db',
      '3/3',
      '5m',
      'a,b',
      'nginx:1,busybox',
    ]);
    const ds = {
      metadata: meta('agent'),
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: { spec: { ...template.spec, nodeSelector: { os: 'linux' } } },
      },
      status: {
        desiredNumberScheduled: 3,
        currentNumberScheduled: 3,
        numberReady: 2,
        updatedNumberScheduled: 3,
        numberAvailable: 2,
      },
    };
    assert.deepEqual(cells(ds, { group: 'apps', kind: 'DaemonSet', apiVersion: 'apps/v1' }), [
      'agent',
      3,
      3,
      2,
      3,
      2,
      'os=linux',
      '5m',
      'a,b',
      'nginx:1,busybox',
      'app=agent',
    ]);
    const rc = {
      metadata: meta('old'),
      spec: { replicas: 1, selector: { app: 'old' }, template },
      status: { replicas: 1 },
    };
    assert.deepEqual(cells(rc, { group: '', kind: 'ReplicationController', apiVersion: 'v1' }), [
      'old',
      1,
      1,
      0,
      '5m',
      'a,b',
      'nginx:1,busybox',
      'app=old',
    ]);
  });

  test('tables - Job, ControllerRevision, HPA (v2 and v1)', () => {
    const job = {
      metadata: meta('pi', 10 * MIN),
      spec: {
        completions: 1,
        selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u' } },
        template,
      },
      status: {
        succeeded: 1,
        startTime: ago(10 * MIN),
        completionTime: ago(8 * MIN),
        conditions: [{ type: 'Complete', status: 'True' }],
      },
    };
    assert.deepEqual(cells(job, { group: 'batch', kind: 'Job', apiVersion: 'batch/v1' })!.slice(0, 5), [
      'pi',
      'Complete',
      '1/1',
      '2m',
      '10m',
    ]);
    const running = { ...job, spec: { parallelism: 2, template }, status: { startTime: ago(30_000) } };
    assert.deepEqual(cells(running, { group: 'batch', kind: 'Job', apiVersion: 'batch/v1' })!.slice(1, 4), [
      'Running',
      '0/1 of 2',
      '30s',
    ]);
    const cr = {
      metadata: meta('web-7d9', MIN, {
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u', controller: true },
        ],
      }),
      revision: 2,
    };
    assert.deepEqual(cells(cr, { group: 'apps', kind: 'ControllerRevision', apiVersion: 'apps/v1' }), [
      'web-7d9',
      'statefulset.apps/web',
      2,
      '60s',
    ]);
    const hpa = {
      metadata: meta('web'),
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' },
        minReplicas: 1,
        maxReplicas: 10,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
          },
        ],
      },
      status: {
        currentReplicas: 2,
        currentMetrics: [
          { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 50 } } },
        ],
      },
    };
    const HPA = { group: 'autoscaling', kind: 'HorizontalPodAutoscaler', apiVersion: 'autoscaling/v2' };
    assert.deepEqual(cells(hpa, HPA), ['web', 'Deployment/web', 'cpu: 50%/80%', '1', 10, 2, '5m']);
    const unknown = { ...hpa, status: { currentReplicas: 0 } };
    assert.equal(cells(unknown, HPA)![2], 'cpu: <unknown>/80%');
    const v1 = {
      metadata: meta('web'),
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'web' },
        maxReplicas: 4,
        targetCPUUtilizationPercentage: 70,
      },
      status: { currentReplicas: 1, currentCPUUtilizationPercentage: 12 },
    };
    assert.deepEqual(cells(v1, HPA), ['web', 'Deployment/web', 'cpu: 12%/70%', '<unset>', 4, 1, '5m']);
  });
});

describe('network and cluster printers', () => {
  test('tables - Service types, ports and external IPs', () => {
    const SVC = { group: '', kind: 'Service', apiVersion: 'v1' };
    const clusterIp = {
      metadata: meta('web'),
      spec: {
        type: 'ClusterIP',
        clusterIPs: ['10.96.0.10'],
        ports: [{ port: 80, protocol: 'TCP' }],
        selector: { app: 'web' },
      },
    };
    assert.deepEqual(cells(clusterIp, SVC), [
      'web',
      'ClusterIP',
      '10.96.0.10',
      '<none>',
      '80/TCP',
      '5m',
      'app=web',
    ]);
    const nodePort = {
      metadata: meta('np'),
      spec: {
        type: 'NodePort',
        clusterIPs: ['10.96.0.11'],
        ports: [
          { port: 80, nodePort: 30080, protocol: 'TCP' },
          { port: 53, nodePort: 30053, protocol: 'UDP' },
        ],
      },
    };
    assert.deepEqual(cells(nodePort, SVC)!.slice(1, 5), [
      'NodePort',
      '10.96.0.11',
      '<none>',
      '80:30080/TCP,53:30053/UDP',
    ]);
    const lb = {
      metadata: meta('lb'),
      spec: { type: 'LoadBalancer', clusterIPs: ['10.96.0.12'], ports: [] },
    };
    assert.deepEqual(cells(lb, SVC)!.slice(3, 5), ['<pending>', '<none>']);
    const lbReady = { ...lb, status: { loadBalancer: { ingress: [{ ip: '203.0.113.9' }] } } };
    assert.equal(cells(lbReady, SVC)![3], '203.0.113.9');
    const headless = { metadata: meta('h'), spec: { type: 'ClusterIP', clusterIPs: ['None'], ports: [] } };
    assert.equal(cells(headless, SVC)![2], 'None');
    const ext = { metadata: meta('x'), spec: { type: 'ExternalName', externalName: 'example.com' } };
    assert.deepEqual(cells(ext, SVC)!.slice(2, 4), ['<none>', 'example.com']);
  });

  test('tables - Endpoints truncate after three, EndpointSlice, Ingress', () => {
    const ep = {
      metadata: meta('web'),
      subsets: [
        {
          addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }, { ip: '10.0.0.4' }],
          ports: [{ port: 80, protocol: 'TCP' }],
        },
      ],
    };
    const EP = { group: '', kind: 'Endpoints', apiVersion: 'v1' };
    assert.deepEqual(cells(ep, EP), ['web', '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...', '5m']);
    assert.deepEqual(cells({ metadata: meta('none') }, EP), ['none', '<none>', '5m']);
    const slice = {
      metadata: meta('web-abc'),
      addressType: 'IPv4',
      ports: [{ port: 80 }, { name: 'https' }],
      endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }],
    };
    assert.deepEqual(
      cells(slice, { group: 'discovery.k8s.io', kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1' }),
      ['web-abc', 'IPv4', '80,https', '10.0.0.1,10.0.0.2', '5m'],
    );
    const ing = {
      metadata: meta('web'),
      spec: {
        ingressClassName: 'nginx',
        rules: [{ host: 'a.example.com' }, { host: 'b.example.com' }],
        tls: [{}],
      },
      status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } },
    };
    assert.deepEqual(
      cells(ing, { group: 'networking.k8s.io', kind: 'Ingress', apiVersion: 'networking.k8s.io/v1' }),
      ['web', 'nginx', 'a.example.com,b.example.com', '1.2.3.4', '80, 443', '5m'],
    );
  });

  test('tables - Node status, roles and wide columns', () => {
    const node = {
      metadata: meta('node-1', 2 * DAY + 3 * HOUR, {
        labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'worker' },
      }),
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: 'Ready', status: 'True' }],
        addresses: [{ type: 'InternalIP', address: '172.18.0.2' }],
        nodeInfo: {
          kubeletVersion: 'v1.32.0',
          osImage: 'kubelab',
          kernelVersion: '6.1',
          containerRuntimeVersion: 'kubelab://1',
        },
      },
    };
    assert.deepEqual(cells(node, { group: '', kind: 'Node', apiVersion: 'v1' }), [
      'node-1',
      'Ready,SchedulingDisabled',
      'control-plane,worker',
      '2d3h',
      'v1.32.0',
      '172.18.0.2',
      '<none>',
      'kubelab',
      '6.1',
      'kubelab://1',
    ]);
    const bare = { metadata: meta('n2'), status: {} };
    assert.deepEqual(cells(bare, { group: '', kind: 'Node', apiVersion: 'v1' })!.slice(1, 3), [
      'Unknown',
      '<none>',
    ]);
    const notReady = { metadata: meta('n3'), status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } };
    assert.equal(cells(notReady, { group: '', kind: 'Node', apiVersion: 'v1' })![1], 'NotReady');
  });

  test('tables - Namespace, ConfigMap, Secret, ServiceAccount, Lease, Event, generic', () => {
    assert.deepEqual(
      cells(
        { metadata: meta('dev'), status: { phase: 'Active' } },
        { group: '', kind: 'Namespace', apiVersion: 'v1' },
      ),
      ['dev', 'Active', '5m'],
    );
    assert.deepEqual(
      cells(
        { metadata: meta('cfg'), data: { a: '1', b: '2' }, binaryData: { c: '' } },
        { group: '', kind: 'ConfigMap', apiVersion: 'v1' },
      ),
      ['cfg', 3, '5m'],
    );
    assert.deepEqual(
      cells(
        { metadata: meta('s'), type: 'Opaque', data: { k: 'dg==' } },
        { group: '', kind: 'Secret', apiVersion: 'v1' },
      ),
      ['s', 'Opaque', 1, '5m'],
    );
    assert.deepEqual(
      cells({ metadata: meta('default') }, { group: '', kind: 'ServiceAccount', apiVersion: 'v1' }),
      ['default', 0, '5m'],
    );
    assert.deepEqual(
      cells(
        { metadata: meta('kube-scheduler'), spec: { holderIdentity: 'sched-1' } },
        {
          group: 'coordination.k8s.io',
          kind: 'Lease',
          apiVersion: 'coordination.k8s.io/v1',
        },
      ),
      ['kube-scheduler', 'sched-1', '5m'],
    );
    const ev = {
      metadata: meta('web.17a'),
      involvedObject: { kind: 'Pod', name: 'web', fieldPath: 'spec.containers{app}' },
      reason: 'Pulled',
      message: 'Successfully pulled image  \n',
      type: 'Normal',
      source: { component: 'kubelet', host: 'node-1' },
      firstTimestamp: ago(10 * MIN),
      lastTimestamp: ago(2 * MIN),
      count: 3,
    };
    assert.deepEqual(cells(ev, { group: '', kind: 'Event', apiVersion: 'v1' }), [
      '2m',
      'Normal',
      'Pulled',
      'pod/web',
      'spec.containers{app}',
      'kubelet, node-1',
      'Successfully pulled image',
      '10m',
      3,
      'web.17a',
    ]);
    const generic = toTable(
      { metadata: meta('x') },
      { group: 'example.com', kind: 'Widget', apiVersion: 'example.com/v1' },
      opts,
    );
    assert.deepEqual(
      generic.columnDefinitions.map((c) => c.name),
      ['Name', 'Age'],
    );
  });
});

describe('Tables over HTTP', () => {
  test('tables - the Table Accept turns get and list into meta.k8s.io/v1 Tables', async () => {
    const { handler, request } = setup();
    handler.put('pods', {
      metadata: {
        name: 'web',
        namespace: 'default',
        creationTimestamp: ago(5 * MIN),
        labels: { app: 'web' },
      },
    });
    const list = await json(
      await request('/api/v1/namespaces/default/pods?limit=500', { headers: { accept: TABLE_ACCEPT } }),
    );
    assert.equal(list.kind, 'Table');
    assert.equal((list.metadata as { resourceVersion: string }).resourceVersion, String(handler.rv));
    const rows = list.rows as { cells: unknown[]; object: { metadata: { labels: unknown } } }[];
    assert.deepEqual(rows[0]?.cells.slice(0, 5), ['web', '0/0', '', '0', '5m']);
    assert.deepEqual(rows[0]?.object.metadata.labels, { app: 'web' });
    const one = await json(
      await request('/api/v1/namespaces/default/pods/web', { headers: { accept: TABLE_ACCEPT } }),
    );
    assert.equal((one.rows as unknown[]).length, 1);
    const plain = await json(await request('/api/v1/namespaces/default/pods/web'));
    assert.equal(plain.kind, 'Pod');
    const beta = await json(
      await request('/api/v1/namespaces/default/pods', {
        headers: { accept: 'application/json;as=Table;v=v1beta1;g=meta.k8s.io' },
      }),
    );
    assert.equal(beta.apiVersion, 'meta.k8s.io/v1beta1');
  });

  test('tables - errors are never converted', async () => {
    const { request } = setup();
    const res = await request('/api/v1/namespaces/default/pods/nope', { headers: { accept: TABLE_ACCEPT } });
    assert.equal(res.status, 404);
    assert.equal((await json(res)).kind, 'Status');
  });
});
