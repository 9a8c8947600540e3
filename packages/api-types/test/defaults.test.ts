/**
 * Admission defaults (SetDefaults_* and the Pod admission plugins): table-driven, and always pure.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Deployment,
  type Job,
  type KubeObject,
  type Pod,
  type Service,
  applyDefaults,
  carryOverServiceAllocations,
  computeQOSClass,
  defaultPod,
  defaultPullPolicy,
  imageTag,
} from '../src/index.js';

function pod(spec: Partial<Pod['spec']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec },
  };
}

describe('defaults - imagePullPolicy', () => {
  const cases: [string, string | undefined, 'Always' | 'IfNotPresent'][] = [
    ['nginx', 'latest', 'Always'],
    ['nginx:latest', 'latest', 'Always'],
    ['nginx:1.15.12', '1.15.12', 'IfNotPresent'],
    [`nginx@sha256:${'a'.repeat(64)}`, '', 'IfNotPresent'],
    [`nginx:latest@sha256:${'a'.repeat(64)}`, 'latest', 'Always'],
    ['localhost:5000/nginx', 'latest', 'Always'],
    ['localhost:5000/nginx:1.0', '1.0', 'IfNotPresent'],
    ['registry.k8s.io/pause:3.10', '3.10', 'IfNotPresent'],
    ['docker.io/library/busybox', 'latest', 'Always'],
    ['NGINX', undefined, 'IfNotPresent'],
    ['', undefined, 'IfNotPresent'],
  ];
  for (const [image, tag, policy] of cases) {
    test(JSON.stringify(image), () => {
      assert.equal(imageTag(image), tag);
      assert.equal(defaultPullPolicy(image), policy);
      const c = defaultPod(pod({ containers: [{ name: 'c', image }] })).spec.containers[0];
      assert.equal(c?.imagePullPolicy, policy);
    });
  }
  test('an explicit policy is kept', () => {
    const c = defaultPod(pod({ containers: [{ name: 'c', image: 'nginx', imagePullPolicy: 'Never' }] })).spec
      .containers[0];
    assert.equal(c?.imagePullPolicy, 'Never');
  });
});

describe('defaults - Pod', () => {
  test('spec-level defaults and admission additions', () => {
    const p = defaultPod(pod());
    assert.equal(p.spec.restartPolicy, 'Always');
    assert.equal(p.spec.terminationGracePeriodSeconds, 30);
    assert.equal(p.spec.dnsPolicy, 'ClusterFirst');
    assert.equal(p.spec.schedulerName, 'default-scheduler');
    assert.deepEqual(p.spec.securityContext, {});
    assert.equal(p.spec.serviceAccountName, 'default');
    assert.equal(p.spec.serviceAccount, 'default');
    assert.equal(p.spec.enableServiceLinks, true);
    assert.equal(p.spec.priority, 0);
    assert.equal(p.spec.preemptionPolicy, 'PreemptLowerPriority');
    assert.deepEqual(p.spec.tolerations, [
      {
        key: 'node.kubernetes.io/not-ready',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 300,
      },
      {
        key: 'node.kubernetes.io/unreachable',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 300,
      },
    ]);
    assert.deepEqual(p.status, { phase: 'Pending', qosClass: 'BestEffort' });
  });
  test('container defaults', () => {
    const c = defaultPod(
      pod({ containers: [{ name: 'c', image: 'nginx:1', ports: [{ containerPort: 80 }] }] }),
    ).spec.containers[0];
    assert.deepEqual(c, {
      name: 'c',
      image: 'nginx:1',
      ports: [{ containerPort: 80, protocol: 'TCP' }],
      resources: {},
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      imagePullPolicy: 'IfNotPresent',
    });
  });
  test('init containers get container defaults too', () => {
    const p = defaultPod(pod({ initContainers: [{ name: 'i', image: 'busybox' }] }));
    assert.equal(p.spec.initContainers?.[0]?.terminationMessagePolicy, 'File');
    assert.equal(p.spec.initContainers?.[0]?.imagePullPolicy, 'Always');
  });
  test('probe defaults, httpGet path and scheme', () => {
    const p = defaultPod(
      pod({
        containers: [
          {
            name: 'c',
            image: 'nginx',
            livenessProbe: { httpGet: { port: 80 } },
            readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 5 },
          },
        ],
      }),
    );
    const c = p.spec.containers[0];
    assert.deepEqual(c?.livenessProbe, {
      httpGet: { port: 80, path: '/', scheme: 'HTTP' },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
    assert.equal(c?.readinessProbe?.periodSeconds, 5);
    assert.equal(c?.readinessProbe?.timeoutSeconds, 1);
  });
  test('requests default to limits; QoS follows', () => {
    const p = defaultPod(
      pod({
        containers: [{ name: 'c', image: 'nginx', resources: { limits: { cpu: '1', memory: '1Gi' } } }],
      }),
    );
    assert.deepEqual(p.spec.containers[0]?.resources?.requests, { cpu: '1', memory: '1Gi' });
    assert.equal(p.status?.qosClass, 'Guaranteed');
    assert.equal(
      computeQOSClass({ containers: [{ name: 'c', resources: { requests: { cpu: '100m' } } }] }),
      'Burstable',
    );
  });
  test('volumes: emptyDir when no source, 0644 default modes', () => {
    const p = defaultPod(
      pod({
        volumes: [
          { name: 'a' },
          { name: 'b', configMap: { name: 'cm' } },
          { name: 'c', secret: { secretName: 's' } },
        ],
      }),
    );
    assert.deepEqual(p.spec.volumes, [
      { name: 'a', emptyDir: {} },
      { name: 'b', configMap: { name: 'cm', defaultMode: 420 } },
      { name: 'c', secret: { secretName: 's', defaultMode: 420 } },
    ]);
  });
  test('existing values, tolerations and status are kept; the input is not mutated', () => {
    const input = pod({
      restartPolicy: 'Never',
      serviceAccountName: 'builder',
      tolerations: [{ operator: 'Exists' }],
    });
    const frozen = structuredClone(input);
    const p = defaultPod(input);
    assert.deepEqual(input, frozen);
    assert.equal(p.spec.restartPolicy, 'Never');
    assert.equal(p.spec.serviceAccountName, 'builder');
    assert.deepEqual(p.spec.tolerations, [{ operator: 'Exists' }]);
    const running = defaultPod({ ...pod(), status: { phase: 'Running' } });
    assert.deepEqual(running.status, { phase: 'Running' });
  });
  test('priority of system classes', () => {
    assert.equal(defaultPod(pod({ priorityClassName: 'system-node-critical' })).spec.priority, 2000001000);
  });
});

describe('defaults - workloads', () => {
  const deploy: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'nginx' } },
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx' }] },
      },
    },
  };
  test('Deployment', () => {
    const d = applyDefaults('Deployment', deploy);
    assert.equal(d.spec.replicas, 1);
    assert.deepEqual(d.spec.strategy, {
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' },
    });
    assert.equal(d.spec.revisionHistoryLimit, 10);
    assert.equal(d.spec.progressDeadlineSeconds, 600);
    assert.equal(d.spec.template.spec.restartPolicy, 'Always');
    assert.equal(d.spec.template.spec.containers[0]?.imagePullPolicy, 'Always');
    // Pod-only admission defaults do not reach templates.
    assert.equal(d.spec.template.spec.enableServiceLinks, undefined);
    assert.equal(d.spec.template.spec.serviceAccountName, undefined);
    assert.equal(deploy.spec.replicas, undefined);
  });
  test('Deployment with Recreate gets no rollingUpdate', () => {
    const d = applyDefaults('Deployment', {
      ...deploy,
      spec: { ...deploy.spec, strategy: { type: 'Recreate' } },
    });
    assert.deepEqual(d.spec.strategy, { type: 'Recreate' });
  });
  test('ReplicaSet and ReplicationController', () => {
    const rs = applyDefaults('ReplicaSet', { ...deploy, kind: 'ReplicaSet' });
    assert.equal((rs.spec as { replicas?: number }).replicas, 1);
    const rc = applyDefaults('ReplicationController', {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'rc', namespace: 'default' },
      spec: {
        template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
      },
    });
    assert.deepEqual((rc.spec as { selector?: unknown }).selector, { app: 'x' });
    assert.deepEqual(rc.metadata.labels, { app: 'x' });
  });
  test('StatefulSet', () => {
    const s = applyDefaults('StatefulSet', { ...deploy, kind: 'StatefulSet' }) as unknown as {
      spec: Record<string, unknown>;
    };
    assert.equal(s.spec.replicas, 1);
    assert.equal(s.spec.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(s.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.equal(s.spec.revisionHistoryLimit, 10);
    assert.deepEqual(s.spec.persistentVolumeClaimRetentionPolicy, {
      whenDeleted: 'Retain',
      whenScaled: 'Retain',
    });
  });
  test('DaemonSet', () => {
    const s = applyDefaults('DaemonSet', { ...deploy, kind: 'DaemonSet' }) as unknown as {
      spec: Record<string, unknown>;
    };
    assert.deepEqual(s.spec.updateStrategy, {
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
    });
  });
  test('Job: counts, policies and the generated selector', () => {
    const job: Job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'pi', namespace: 'default', uid: 'u-1' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl' }] } } },
    };
    const j = applyDefaults('Job', job);
    assert.equal(j.spec.completions, 1);
    assert.equal(j.spec.parallelism, 1);
    assert.equal(j.spec.backoffLimit, 6);
    assert.equal(j.spec.completionMode, 'NonIndexed');
    assert.equal(j.spec.suspend, false);
    assert.equal(j.spec.podReplacementPolicy, 'TerminatingOrFailed');
    assert.deepEqual(j.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } });
    assert.deepEqual(j.spec.template.metadata?.labels, {
      'batch.kubernetes.io/controller-uid': 'u-1',
      'batch.kubernetes.io/job-name': 'pi',
      'controller-uid': 'u-1',
      'job-name': 'pi',
    });
  });
});

describe('defaults - Service, Namespace, Secret, HPA', () => {
  const svc = (spec: Service['spec']): Service => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 's', namespace: 'default' },
    spec,
  });
  test('ClusterIP service', () => {
    const s = applyDefaults(
      'Service',
      svc({ selector: { app: 'a' }, ports: [{ port: 80 }, { port: 443, targetPort: 'https' }] }),
    );
    assert.equal(s.spec.type, 'ClusterIP');
    assert.equal(s.spec.sessionAffinity, 'None');
    assert.deepEqual(s.spec.ports, [
      { port: 80, protocol: 'TCP', targetPort: 80 },
      { port: 443, targetPort: 'https', protocol: 'TCP' },
    ]);
    assert.equal(s.spec.internalTrafficPolicy, 'Cluster');
    assert.equal(s.spec.externalTrafficPolicy, undefined);
    assert.equal(s.spec.ipFamilyPolicy, 'SingleStack');
    assert.deepEqual(s.spec.ipFamilies, ['IPv4']);
    assert.deepEqual(s.status, { loadBalancer: {} });
  });
  test('NodePort and LoadBalancer services', () => {
    assert.equal(
      applyDefaults('Service', svc({ type: 'NodePort', ports: [{ port: 80 }] })).spec.externalTrafficPolicy,
      'Cluster',
    );
    const lb = applyDefaults('Service', svc({ type: 'LoadBalancer', ports: [{ port: 80 }] }));
    assert.equal(lb.spec.allocateLoadBalancerNodePorts, true);
  });
  test('ClientIP affinity gets its timeout; clusterIPs mirror clusterIP', () => {
    const s = applyDefaults(
      'Service',
      svc({ sessionAffinity: 'ClientIP', clusterIP: '10.96.0.9', ports: [{ port: 80 }] }),
    );
    assert.deepEqual(s.spec.sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
    assert.deepEqual(s.spec.clusterIPs, ['10.96.0.9']);
  });
  test('ExternalName gets no IP families', () => {
    const s = applyDefaults('Service', svc({ type: 'ExternalName', externalName: 'example.com' }));
    assert.equal(s.spec.ipFamilies, undefined);
    assert.equal(s.spec.internalTrafficPolicy, undefined);
  });
  test('updates keep allocated cluster IP and node ports', () => {
    const old = svc({
      type: 'NodePort',
      clusterIP: '10.96.0.9',
      clusterIPs: ['10.96.0.9'],
      ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }],
    });
    const next = carryOverServiceAllocations(
      svc({ type: 'NodePort', ports: [{ port: 80, protocol: 'TCP' }] }),
      old,
    );
    assert.equal(next.spec.clusterIP, '10.96.0.9');
    assert.equal(next.spec.ports?.[0]?.nodePort, 30080);
  });
  test('Namespace', () => {
    const ns = applyDefaults('Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev' } });
    assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
    assert.deepEqual(ns.status, { phase: 'Active' });
    assert.deepEqual(ns.metadata.labels, { 'kubernetes.io/metadata.name': 'dev' });
  });
  test('Secret: Opaque and stringData merged', () => {
    const s = applyDefaults('Secret', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'default' },
      stringData: { user: 'admin' },
    });
    assert.equal(s.type, 'Opaque');
    assert.deepEqual(s.data, { user: 'YWRtaW4=' });
    assert.equal('stringData' in s, false);
  });
  test('HPA v2: minReplicas, cpu metric, behavior only when given', () => {
    const base = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'h', namespace: 'default' },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'd', apiVersion: 'apps/v1' }, maxReplicas: 5 },
    };
    const h = applyDefaults('HorizontalPodAutoscaler', base) as unknown as { spec: Record<string, unknown> };
    assert.equal(h.spec.minReplicas, 1);
    assert.deepEqual(h.spec.metrics, [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
      },
    ]);
    assert.equal(h.spec.behavior, undefined);
    const hb = applyDefaults('HorizontalPodAutoscaler', {
      ...base,
      spec: { ...base.spec, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } },
    }) as unknown as { spec: { behavior: Record<string, unknown> } };
    assert.deepEqual(hb.spec.behavior, {
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: 'Max',
        policies: [
          { type: 'Pods', value: 4, periodSeconds: 15 },
          { type: 'Percent', value: 100, periodSeconds: 15 },
        ],
      },
      scaleDown: {
        selectPolicy: 'Max',
        policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
        stabilizationWindowSeconds: 60,
      },
    });
  });
  test('HPA v1 only gets minReplicas', () => {
    const h = applyDefaults('HorizontalPodAutoscaler', {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'h', namespace: 'default' },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, maxReplicas: 5 },
    }) as unknown as { spec: Record<string, unknown> };
    assert.deepEqual(h.spec, {
      scaleTargetRef: { kind: 'Deployment', name: 'd' },
      maxReplicas: 5,
      minReplicas: 1,
    });
  });
  test('kinds without defaults come back as a copy', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } };
    const out = applyDefaults('ConfigMap', cm);
    assert.deepEqual(out, cm);
    assert.notEqual(out, cm);
  });
});

describe('strategy - prepare for create and update', () => {
  test('create clears status and starts generation', async () => {
    const { prepareForCreate } = await import('../src/index.js');
    const d = prepareForCreate('Deployment', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: {},
      status: { replicas: 9 },
    } as KubeObject);
    assert.equal(d.status, undefined);
    assert.equal(d.metadata.generation, 1);
    const n = prepareForCreate('Node', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n' },
      status: { phase: 'x' },
    });
    assert.deepEqual(n.status, { phase: 'x' });
    const cm = prepareForCreate('ConfigMap', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
    } as KubeObject);
    assert.equal(cm.metadata.generation, undefined);
  });
  test('update keeps status, bumps generation on spec (and Deployment annotation) changes', async () => {
    const { prepareForUpdate, prepareForStatusUpdate } = await import('../src/index.js');
    const old: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', generation: 3 },
      spec: { replicas: 1 },
      status: { replicas: 1 },
    };
    const same = prepareForUpdate('Deployment', { ...old, status: { replicas: 5 } }, old);
    assert.equal(same.metadata.generation, 3);
    assert.deepEqual(same.status, { replicas: 1 });
    assert.equal(
      prepareForUpdate('Deployment', { ...old, spec: { replicas: 2 } }, old).metadata.generation,
      4,
    );
    assert.equal(
      prepareForUpdate('Deployment', { ...old, metadata: { ...old.metadata, annotations: { a: 'b' } } }, old)
        .metadata.generation,
      4,
    );
    const st = prepareForStatusUpdate({ ...old, spec: { replicas: 7 }, status: { replicas: 2 } }, old);
    assert.deepEqual(st.spec, { replicas: 1 });
    assert.deepEqual(st.status, { replicas: 2 });
  });
});
