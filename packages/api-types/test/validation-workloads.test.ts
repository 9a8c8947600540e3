/**
 * Workload and Service validation: selectors against template labels, restart policies, strategies, update
 * immutability, Service ports and cluster IPs, ConfigMap/Secret keys, Job restart policy.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Deployment,
  type Job,
  applyDefaults,
  invalid,
  validateCreate,
  validateUpdate,
} from '../src/index.js';
import { lines, makeDeployment, makeService, makeStatefulSet } from './fixtures.js';

describe('validation - Deployment', () => {
  test('valid', () => assert.deepEqual(validateCreate('Deployment', makeDeployment()), []));
  test('selector must match template labels (the KUBECTL.md message)', () => {
    const d = makeDeployment(() => {}, { app: 'web' });
    const causes = validateCreate('Deployment', d);
    assert.deepEqual(lines(causes), [
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    ]);
    assert.equal(
      invalid('Deployment', 'apps', 'nginx', causes).message,
      'Deployment.apps "nginx" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    );
  });
  test('missing selector: required, and nothing matches', () => {
    const d = makeDeployment((x) => {
      delete (x.spec as Partial<Deployment['spec']>).selector;
    });
    assert.deepEqual(lines(validateCreate('Deployment', d)), [
      'spec.selector: Required value',
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: `selector` does not match template `labels`',
    ]);
  });
  test('empty selector', () => {
    const d = makeDeployment((x) => {
      x.spec.selector = {};
    });
    assert.deepEqual(lines(validateCreate('Deployment', d)), [
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
    ]);
  });
  test('matchExpressions selectors match too', () => {
    const d = makeDeployment((x) => {
      x.spec.selector = { matchExpressions: [{ key: 'app', operator: 'In', values: ['nginx', 'web'] }] };
    });
    assert.deepEqual(validateCreate('Deployment', d), []);
  });
  test('template restartPolicy must be Always', () => {
    const d = makeDeployment((x) => {
      x.spec.template.spec.restartPolicy = 'Never';
    });
    assert.deepEqual(lines(validateCreate('Deployment', d)), [
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
    ]);
  });
  test('template pod spec errors carry the template path', () => {
    const d = makeDeployment((x) => {
      x.spec.template.spec.containers = [{ name: 'nginx' }];
    });
    assert.deepEqual(lines(validateCreate('Deployment', d)), [
      'spec.template.spec.containers[0].image: Required value',
    ]);
  });
  test('strategy rules', () => {
    const both0 = makeDeployment((x) => {
      x.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } };
    });
    assert.deepEqual(lines(validateCreate('Deployment', both0)), [
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0',
    ]);
    const recreate = makeDeployment((x) => {
      x.spec.strategy = { type: 'Recreate', rollingUpdate: { maxSurge: 1 } };
    });
    assert.deepEqual(lines(validateCreate('Deployment', recreate)), [
      "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
    ]);
    const over = makeDeployment((x) => {
      x.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '120%' } };
    });
    assert.deepEqual(lines(validateCreate('Deployment', over)), [
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"120%"}: must not be greater than 100%',
    ]);
  });
  test('negative replicas', () => {
    const d = makeDeployment((x) => {
      x.spec.replicas = -1;
    });
    assert.deepEqual(lines(validateCreate('Deployment', d)), [
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });
  test('progressDeadlineSeconds must exceed minReadySeconds', () => {
    const d = makeDeployment((x) => {
      x.spec.minReadySeconds = 700;
    });
    assert.deepEqual(lines(validateCreate('Deployment', d)), [
      'spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds',
    ]);
  });
  test('update: selector is immutable (the message kubectl users know)', () => {
    const old = makeDeployment();
    const next = makeDeployment(
      (x) => {
        x.spec.selector = { matchLabels: { app: 'nginx2' } };
      },
      { app: 'nginx2' },
    );
    assert.deepEqual(lines(validateUpdate('Deployment', next, old)), [
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"nginx2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    ]);
  });
  test('update: scaling and new images are fine', () => {
    const old = makeDeployment();
    const next = makeDeployment((x) => {
      x.spec.replicas = 5;
      x.spec.template.spec.containers = [{ name: 'nginx', image: 'nginx:1.19' }];
    });
    assert.deepEqual(validateUpdate('Deployment', next, old), []);
  });
});

describe('validation - ReplicaSet, RC, DaemonSet, StatefulSet', () => {
  test('ReplicaSet empty selector says "deployment", as Kubernetes does', () => {
    const rs = applyDefaults('ReplicaSet', {
      ...makeDeployment(),
      kind: 'ReplicaSet',
      spec: { ...makeDeployment().spec, selector: {} },
    });
    assert.deepEqual(lines(validateCreate('ReplicaSet', rs)), [
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
    ]);
  });
  test('ReplicationController map selector', () => {
    const rc = applyDefaults('ReplicationController', {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'rc', namespace: 'default' },
      spec: {
        selector: { app: 'a' },
        template: { metadata: { labels: { app: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
      },
    });
    assert.deepEqual(lines(validateCreate('ReplicationController', rc)), [
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"b"}: `selector` does not match template `labels`',
    ]);
  });
  test('DaemonSet', () => {
    const ds = applyDefaults('DaemonSet', { ...makeDeployment(), kind: 'DaemonSet' });
    assert.deepEqual(validateCreate('DaemonSet', ds), []);
  });
  test('StatefulSet create and the update allow-list', () => {
    const old = makeStatefulSet();
    assert.deepEqual(validateCreate('StatefulSet', old), []);
    const scaled = makeStatefulSet((s) => {
      s.spec.replicas = 3;
      s.spec.template.spec.containers = [{ name: 'nginx', image: 'nginx:2' }];
    });
    assert.deepEqual(validateUpdate('StatefulSet', scaled, old), []);
    const renamed = makeStatefulSet((s) => {
      s.spec.serviceName = 'other';
    });
    assert.deepEqual(lines(validateUpdate('StatefulSet', renamed, old)), [
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ]);
  });
  test('StatefulSet podManagementPolicy', () => {
    const s = makeStatefulSet((x) => {
      x.spec.podManagementPolicy = 'Random';
    });
    assert.deepEqual(lines(validateCreate('StatefulSet', s)), [
      `spec.podManagementPolicy: Invalid value: "Random": must be 'OrderedReady' or 'Parallel'`,
    ]);
  });
});

describe('validation - Job', () => {
  const job = (restartPolicy?: string): Job =>
    applyDefaults('Job', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'pi', namespace: 'default', uid: 'u1' },
      spec: {
        template: {
          spec: { ...(restartPolicy ? { restartPolicy } : {}), containers: [{ name: 'pi', image: 'perl' }] },
        },
      },
    });
  test('Never is fine', () => assert.deepEqual(validateCreate('Job', job('Never')), []));
  test('an omitted restartPolicy is reported as required', () => {
    assert.deepEqual(lines(validateCreate('Job', job())), [
      'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
    ]);
  });
  test('the selector is immutable', () => {
    const n = job('Never');
    n.spec.selector = { matchLabels: { x: 'y' } };
    assert.ok(
      lines(validateUpdate('Job', n, job('Never'))).some((l) =>
        l.startsWith('spec.selector: Invalid value: v1.LabelSelector{'),
      ),
    );
  });
});

describe('validation - Service', () => {
  const cases: [string, Parameters<typeof makeService>[0], string[]][] = [
    ['valid', { selector: { app: 'web' }, ports: [{ port: 80 }] }, []],
    ['ports required', { selector: { app: 'web' } }, ['spec.ports: Required value']],
    ['headless needs no ports', { clusterIP: 'None', selector: { app: 'web' } }, []],
    [
      'names required when several ports',
      { ports: [{ port: 80 }, { port: 443 }] },
      ['spec.ports[0].name: Required value', 'spec.ports[1].name: Required value'],
    ],
    [
      'unique port names',
      {
        ports: [
          { name: 'http', port: 80 },
          { name: 'http', port: 8080 },
        ],
      },
      ['spec.ports[1].name: Duplicate value: "http"'],
    ],
    [
      'port range',
      { ports: [{ port: 0 }] },
      [
        'spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
        'spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive',
      ],
    ],
    [
      'nodePort not allowed on ClusterIP',
      { ports: [{ port: 80, nodePort: 30080 }] },
      ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
    ],
    [
      'nodePort range',
      { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] },
      [
        'spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767',
      ],
    ],
    [
      'duplicate nodePort',
      {
        type: 'NodePort',
        ports: [
          { name: 'a', port: 80, nodePort: 30080 },
          { name: 'b', port: 81, nodePort: 30080 },
        ],
      },
      ['spec.ports[1].nodePort: Duplicate value: 30080'],
    ],
    [
      'duplicate port/protocol',
      {
        ports: [
          { name: 'a', port: 80 },
          { name: 'b', port: 80, targetPort: 81 },
        ],
      },
      [
        'spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
      ],
    ],
    [
      'type',
      { type: 'Internal', ports: [{ port: 80 }] },
      [
        'spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
      ],
    ],
    [
      'bad cluster IP',
      { clusterIP: '10.0.0.300', ports: [{ port: 80 }] },
      [
        'spec.clusterIPs[0]: Invalid value: "10.0.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      ],
    ],
    ['ExternalName needs a name', { type: 'ExternalName' }, ['spec.externalName: Required value']],
  ];
  for (const [name, spec, want] of cases) {
    test(name, () => assert.deepEqual(lines(validateCreate('Service', makeService(spec))), want));
  }
  test('a custom node port range', () => {
    const s = makeService({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] });
    assert.deepEqual(lines(validateCreate('Service', s, { nodePortMin: 31000, nodePortMax: 31999 })), [
      'spec.ports[0].nodePort: Invalid value: 30080: provided port is not in the valid range. The range of valid ports is 31000-31999',
    ]);
  });
  test('update: the cluster IP may not change', () => {
    const old = makeService({ clusterIP: '10.96.0.10', ports: [{ port: 80 }] });
    const next = makeService({ clusterIP: '10.96.0.11', ports: [{ port: 80 }] });
    assert.deepEqual(lines(validateUpdate('Service', next, old)), [
      'spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set',
    ]);
    assert.deepEqual(validateUpdate('Service', old, old), []);
  });
});

describe('validation - ConfigMap, Secret, others', () => {
  test('config keys', () => {
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'default' },
      data: { 'a b': 'x', ok: 'y' },
    };
    assert.deepEqual(lines(validateCreate('ConfigMap', cm)), [
      `data[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
    ]);
  });
  test('immutable ConfigMap', () => {
    const old = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'default' },
      data: { a: '1' },
      immutable: true,
    };
    const next = { ...old, data: { a: '2' } };
    assert.deepEqual(lines(validateUpdate('ConfigMap', next, old)), [
      'data: Forbidden: field is immutable when `immutable` is set',
    ]);
  });
  test('TLS secrets need both keys; type is immutable', () => {
    const s = applyDefaults('Secret', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'default' },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': 'eA==' },
    });
    assert.deepEqual(lines(validateCreate('Secret', s)), ['data[tls.key]: Required value']);
    const o = applyDefaults('Secret', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'default' },
    });
    const n = { ...o, type: 'kubernetes.io/basic-auth', data: { username: 'eA==' } };
    assert.deepEqual(lines(validateUpdate('Secret', n, o)), [
      'type: Invalid value: "kubernetes.io/basic-auth": field is immutable',
    ]);
  });
  test('HPA bounds', () => {
    const h = applyDefaults('HorizontalPodAutoscaler', {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'h', namespace: 'default' },
      spec: { scaleTargetRef: { kind: 'Deployment', name: '' }, minReplicas: 3, maxReplicas: 2 },
    });
    assert.deepEqual(lines(validateCreate('HorizontalPodAutoscaler', h)), [
      'spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`',
      'spec.scaleTargetRef.name: Required value',
    ]);
  });
  test('Lease and Event', () => {
    assert.deepEqual(
      lines(
        validateCreate('Lease', {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: 'n', namespace: 'kube-node-lease' },
          spec: { leaseDurationSeconds: 0 },
        }),
      ),
      ['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0'],
    );
    assert.deepEqual(
      lines(
        validateCreate('Event', {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name: 'e.1', namespace: 'default' },
          involvedObject: { kind: 'Pod', name: 'p', namespace: 'other' },
        }),
      ),
      ['involvedObject.namespace: Invalid value: "other": does not match event.namespace'],
    );
  });
  test('kinds without specific rules get metadata validation', () => {
    assert.deepEqual(
      lines(
        validateCreate('ServiceAccount', {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: 'Bad', namespace: 'default' },
        }),
      ).length,
      1,
    );
    const sa = {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'sa', namespace: 'default', generation: 2 },
    };
    assert.deepEqual(
      lines(validateUpdate('ServiceAccount', { ...sa, metadata: { ...sa.metadata, generation: 1 } }, sa)),
      ['metadata.generation: Invalid value: 1: must not be decremented'],
    );
  });
});
