/**
 * Realistic objects as a Kubernetes API server stores them (defaults filled in), and helpers shared by the
 * patch tests. Every fixture is deep-frozen, so any test that mutates an input fails with a TypeError.
 */

import type { JsonObject, JsonValue } from '../src/index.js';

/** Recursively freezes `value` and returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
    Object.freeze(value);
  }
  return value;
}

/** A JSON object parsed from text (as the server receives it), deep-frozen. */
export function body(text: string): JsonObject {
  return deepFreeze(JSON.parse(text) as JsonObject);
}

/** Reads a nested value by dotted path with numeric list indices, for terse assertions. */
export function at(value: JsonValue | undefined, path: string): JsonValue | undefined {
  let node = value;
  for (const part of path.split('.')) {
    if (node === undefined || node === null || typeof node !== 'object') return undefined;
    node = Array.isArray(node) ? node[Number(part)] : (node as JsonObject)[part];
  }
  return node;
}

function container(name: string, image: string, ports: number[]): JsonObject {
  return {
    name,
    image,
    ports: ports.map((containerPort) => ({ containerPort, protocol: 'TCP' })),
    resources: {},
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
  };
}

/** A Deployment with two containers (`a` serving 80 and 443, `b`), RollingUpdate, revision annotations. */
export function deployment(): JsonObject {
  return deepFreeze({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'default',
      uid: '6a3c5b8e-1111-4c1e-9d5f-000000000001',
      resourceVersion: '1042',
      generation: 3,
      creationTimestamp: '2024-05-01T10:00:00Z',
      labels: { app: 'web' },
      annotations: {
        'deployment.kubernetes.io/revision': '3',
        'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"apps/v1","kind":"Deployment"}',
      },
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      template: {
        metadata: { creationTimestamp: null, labels: { app: 'web' } },
        spec: {
          containers: [container('a', 'nginx:1', [80, 443]), container('b', 'busybox:1.36', [])],
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 30,
          dnsPolicy: 'ClusterFirst',
          securityContext: {},
          schedulerName: 'default-scheduler',
        },
      },
    },
    status: {
      observedGeneration: 3,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      conditions: [
        { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
      ],
    },
  } satisfies JsonObject);
}

/** The single-container `nginx` Deployment of KUBECTL.md's `set image`/`edit`/`rollout` examples. */
export function nginxDeployment(): JsonObject {
  const d = structuredClone(deployment()) as JsonObject & { spec: JsonObject };
  const template = d.spec.template as { spec: { containers: JsonValue[] }; metadata: JsonObject };
  template.spec.containers = [container('nginx', 'nginx:1.7.9', [80])];
  (d.metadata as JsonObject).name = 'nginx';
  template.metadata.labels = { app: 'nginx' };
  return deepFreeze(d);
}

/** A StatefulSet whose pod template has grown fields since the revision being rolled back to. */
export function statefulSet(): JsonObject {
  return deepFreeze({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default', uid: '6a3c5b8e-2222-4c1e-9d5f-000000000002' },
    spec: {
      replicas: 3,
      serviceName: 'nginx',
      selector: { matchLabels: { app: 'nginx' } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      template: {
        metadata: {
          labels: { app: 'nginx' },
          annotations: { 'kubectl.kubernetes.io/restartedAt': '2024-05-01T10:00:00Z' },
        },
        spec: {
          initContainers: [{ name: 'init', image: 'busybox:1.36' }],
          containers: [
            { name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80, name: 'web' }] },
            { name: 'exporter', image: 'nginx-exporter:1' },
          ],
          volumes: [{ name: 'scratch', emptyDir: {} }],
        },
      },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'] } }],
    },
  } satisfies JsonObject);
}

/** A Pod with env, volumes, tolerations, owner references, finalizers and status conditions. */
export function pod(): JsonObject {
  return deepFreeze({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-0',
      namespace: 'default',
      finalizers: ['example.com/a', 'example.com/b'],
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'uid-rs-1', controller: true },
        { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'uid-cm-1' },
      ],
    },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'app:1',
          env: [
            { name: 'MODE', value: 'prod' },
            { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            { name: 'DEBUG', value: 'false' },
          ],
          envFrom: [{ configMapRef: { name: 'base' } }],
          volumeMounts: [
            { name: 'data', mountPath: '/data' },
            { name: 'cache', mountPath: '/cache' },
          ],
        },
      ],
      volumes: [
        { name: 'data', emptyDir: {} },
        { name: 'cache', emptyDir: { medium: 'Memory' } },
      ],
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }],
      imagePullSecrets: [{ name: 'regcred' }],
    },
    status: {
      phase: 'Running',
      conditions: [
        { type: 'PodScheduled', status: 'True' },
        { type: 'Ready', status: 'False', reason: 'ContainersNotReady' },
      ],
    },
  } satisfies JsonObject);
}
