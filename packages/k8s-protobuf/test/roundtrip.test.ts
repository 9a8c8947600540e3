// Properties: canonical Kubernetes JSON survives encode → decode unchanged, and no byte string makes the
// decoder throw anything but its two typed errors.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type JsonObject,
  ProtobufDecodeError,
  ProtobufEncodeError,
  UnsupportedProtobufKindError,
  decodeKubernetesProtobuf,
  encodeKubernetesProtobuf,
} from '../src/index.js';
import { TESTDATA } from './kubectl-capture.js';

const RUNS = 150;

// Canonical JSON: omitempty fields are either absent or non-zero; "keep" fields may be zero.
const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/);
const text = fc.string({ minLength: 1, maxLength: 12 });
const anyText = fc.string({ maxLength: 12 });
const posInt = fc.integer({ min: 1, max: 2 ** 31 - 1 });
const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const labels = fc.dictionary(word, anyText, { maxKeys: 3 });
const intOrString = fc.oneof(fc.integer({ min: 0, max: 65535 }), word);
const quantity = fc.constantFrom('0', '1', '500m', '64Mi', '1.5Gi', '2e3');
const time = fc
  .integer({ min: 1, max: 4_102_444_800 })
  .map((s) => new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'));

function opt<T>(arb: fc.Arbitrary<T>) {
  return fc.option(arb, { nil: undefined });
}
/** A record whose undefined properties are dropped (absent fields). */
function rec<T extends Record<string, fc.Arbitrary<unknown>>>(model: T) {
  return fc
    .record(model)
    .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as JsonObject);
}
function list<T>(arb: fc.Arbitrary<T>, max = 3) {
  return opt(fc.array(arb, { minLength: 1, maxLength: max }));
}

const objectMeta = rec({
  name: word,
  namespace: opt(word),
  generateName: opt(word),
  uid: opt(text),
  resourceVersion: opt(fc.integer({ min: 1 }).map(String)),
  generation: opt(fc.integer({ min: 1, max: 2 ** 50 })),
  creationTimestamp: fc.option(time, { nil: null }),
  deletionTimestamp: opt(time),
  deletionGracePeriodSeconds: opt(fc.integer({ min: 0, max: 1000 })),
  labels: opt(fc.dictionary(word, anyText, { minKeys: 1, maxKeys: 3 })),
  annotations: opt(fc.dictionary(fc.string({ minLength: 1 }), anyText, { minKeys: 1, maxKeys: 2 })),
  ownerReferences: list(
    rec({
      apiVersion: word,
      kind: word,
      name: anyText,
      uid: anyText,
      controller: opt(fc.boolean()),
      blockOwnerDeletion: opt(fc.boolean()),
    }),
  ),
  finalizers: list(text),
});

const handler = fc.oneof(
  rec({ exec: rec({ command: list(anyText) }) }),
  rec({
    httpGet: rec({
      path: opt(text),
      port: intOrString,
      host: opt(text),
      scheme: opt(fc.constantFrom('HTTP', 'HTTPS')),
    }),
  }),
  rec({ tcpSocket: rec({ port: intOrString }) }),
  rec({ grpc: rec({ port: int32, service: opt(anyText) }) }),
);
const probe = fc
  .tuple(
    handler,
    rec({
      periodSeconds: opt(posInt),
      failureThreshold: opt(posInt),
      terminationGracePeriodSeconds: opt(fc.integer({ min: 0, max: 100 })),
    }),
  )
  .map(([h, r]) => ({ ...h, ...r }));
const resources = rec({
  limits: opt(fc.dictionary(fc.constantFrom('cpu', 'memory', 'nvidia.com/gpu'), quantity, { minKeys: 1 })),
  requests: opt(
    fc.dictionary(fc.constantFrom('cpu', 'memory', 'ephemeral-storage'), quantity, { minKeys: 1 }),
  ),
});
const envVar = fc.oneof(
  rec({ name: anyText, value: opt(text) }),
  rec({ name: anyText, valueFrom: rec({ fieldRef: rec({ apiVersion: opt(word), fieldPath: anyText }) }) }),
  rec({
    name: anyText,
    valueFrom: rec({ configMapKeyRef: rec({ name: opt(word), key: anyText, optional: opt(fc.boolean()) }) }),
  }),
  rec({ name: anyText, valueFrom: rec({ resourceFieldRef: rec({ resource: anyText, divisor: quantity }) }) }),
);
const container = rec({
  name: anyText,
  image: opt(text),
  command: list(anyText),
  args: list(anyText),
  ports: list(rec({ name: opt(word), containerPort: int32, protocol: opt(fc.constantFrom('TCP', 'UDP')) })),
  envFrom: list(rec({ prefix: opt(text), secretRef: rec({ name: opt(word), optional: opt(fc.boolean()) }) })),
  env: list(envVar),
  resources,
  volumeMounts: list(
    rec({ name: anyText, readOnly: opt(fc.constant(true)), mountPath: anyText, subPath: opt(text) }),
  ),
  livenessProbe: opt(probe),
  readinessProbe: opt(probe),
  lifecycle: opt(
    rec({
      preStop: opt(rec({ sleep: rec({ seconds: fc.integer({ min: 0, max: 100 }) }) })),
      postStart: opt(handler.filter((h) => !('grpc' in h))),
    }),
  ),
  imagePullPolicy: opt(fc.constantFrom('Always', 'IfNotPresent', 'Never')),
  securityContext: opt(
    rec({
      runAsUser: opt(fc.integer({ min: 0, max: 65535 })),
      privileged: opt(fc.boolean()),
      capabilities: opt(rec({ drop: list(word) })),
    }),
  ),
  stdin: opt(fc.constant(true)),
});
const volume = fc
  .tuple(
    anyText,
    fc.oneof(
      rec({ emptyDir: rec({ medium: opt(fc.constant('Memory')), sizeLimit: opt(quantity) }) }),
      rec({
        configMap: rec({
          name: opt(word),
          items: list(rec({ key: anyText, path: anyText, mode: opt(int32) })),
          defaultMode: opt(int32),
        }),
      }),
      rec({ secret: rec({ secretName: opt(word), optional: opt(fc.boolean()) }) }),
      rec({ hostPath: rec({ path: anyText, type: opt(fc.constantFrom('', 'Directory')) }) }),
      rec({ persistentVolumeClaim: rec({ claimName: anyText, readOnly: opt(fc.constant(true)) }) }),
    ),
  )
  .map(([name, source]) => ({ name, ...source }));
const podSpec = rec({
  volumes: list(volume),
  initContainers: list(container, 1),
  containers: fc.array(container, { minLength: 1, maxLength: 2 }),
  restartPolicy: opt(fc.constantFrom('Always', 'OnFailure', 'Never')),
  terminationGracePeriodSeconds: opt(fc.integer({ min: 0, max: 2 ** 40 })),
  dnsPolicy: opt(fc.constantFrom('ClusterFirst', 'Default')),
  nodeSelector: opt(fc.dictionary(word, anyText, { minKeys: 1, maxKeys: 2 })),
  serviceAccountName: opt(word),
  automountServiceAccountToken: opt(fc.boolean()),
  hostNetwork: opt(fc.constant(true)),
  hostname: opt(word),
  subdomain: opt(word),
  tolerations: list(
    rec({
      key: opt(text),
      operator: opt(fc.constantFrom('Exists', 'Equal')),
      effect: opt(text),
      tolerationSeconds: opt(fc.integer({ min: 0, max: 1000 })),
    }),
  ),
  affinity: opt(
    rec({
      nodeAffinity: rec({
        preferredDuringSchedulingIgnoredDuringExecution: list(
          rec({
            weight: int32,
            preference: rec({
              matchExpressions: list(rec({ key: anyText, operator: anyText, values: list(anyText) })),
            }),
          }),
        ),
      }),
    }),
  ),
});
const template = rec({ metadata: objectMeta, spec: podSpec });
const selector = rec({
  matchLabels: opt(fc.dictionary(word, anyText, { minKeys: 1, maxKeys: 2 })),
  matchExpressions: list(rec({ key: anyText, operator: anyText, values: list(anyText) })),
});

const kinds: fc.Arbitrary<JsonObject>[] = [
  rec({
    apiVersion: fc.constant('apps/v1'),
    kind: fc.constant('Deployment'),
    metadata: objectMeta,
    spec: rec({
      replicas: opt(fc.integer({ min: 0, max: 100 })),
      selector: opt(selector),
      template,
      strategy: rec({
        type: opt(fc.constantFrom('RollingUpdate', 'Recreate')),
        rollingUpdate: opt(rec({ maxSurge: opt(intOrString), maxUnavailable: opt(intOrString) })),
      }),
      minReadySeconds: opt(posInt),
      revisionHistoryLimit: opt(fc.integer({ min: 0, max: 10 })),
      paused: opt(fc.constant(true)),
    }),
    status: rec({
      replicas: opt(posInt),
      conditions: list(
        rec({
          type: anyText,
          status: anyText,
          lastUpdateTime: fc.option(time, { nil: null }),
          reason: opt(text),
        }),
      ),
      collisionCount: opt(fc.integer({ min: 0, max: 5 })),
    }),
  }),
  rec({
    apiVersion: fc.constant('batch/v1'),
    kind: fc.constant('Job'),
    metadata: objectMeta,
    spec: rec({
      parallelism: opt(fc.integer({ min: 0, max: 9 })),
      backoffLimit: opt(fc.integer({ min: 0, max: 9 })),
      suspend: opt(fc.boolean()),
      completionMode: opt(fc.constantFrom('NonIndexed', 'Indexed')),
      template,
    }),
  }),
  rec({
    apiVersion: fc.constant('v1'),
    kind: fc.constant('Service'),
    metadata: objectMeta,
    spec: rec({
      ports: list(
        rec({
          name: opt(word),
          protocol: opt(fc.constantFrom('TCP', 'UDP')),
          port: int32,
          targetPort: opt(intOrString),
          nodePort: opt(posInt),
        }),
      ),
      selector: opt(labels.filter((l) => Object.keys(l).length > 0)),
      clusterIP: opt(text),
      type: opt(fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer')),
      ipFamilyPolicy: opt(fc.constantFrom('SingleStack', '')),
      allocateLoadBalancerNodePorts: opt(fc.boolean()),
    }),
    status: rec({ loadBalancer: rec({ ingress: list(rec({ ip: opt(text), ipMode: opt(word) })) }) }),
  }),
  rec({
    apiVersion: fc.constant('v1'),
    kind: fc.constant('Secret'),
    metadata: objectMeta,
    immutable: opt(fc.boolean()),
    data: opt(
      fc.dictionary(
        word,
        fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b).toString('base64')),
        { minKeys: 1, maxKeys: 3 },
      ),
    ),
    stringData: opt(fc.dictionary(word, anyText, { minKeys: 1, maxKeys: 2 })),
    type: opt(fc.constantFrom('Opaque', 'kubernetes.io/tls')),
  }),
  rec({
    apiVersion: fc.constantFrom('autoscaling/v2'),
    kind: fc.constant('HorizontalPodAutoscaler'),
    metadata: objectMeta,
    spec: rec({
      scaleTargetRef: rec({ kind: anyText, name: anyText, apiVersion: opt(text) }),
      minReplicas: opt(fc.integer({ min: 0, max: 9 })),
      maxReplicas: int32,
      metrics: list(
        rec({
          type: fc.constantFrom('Resource', 'Pods'),
          resource: opt(
            rec({
              name: anyText,
              target: rec({
                type: anyText,
                averageUtilization: opt(fc.integer({ min: 0, max: 100 })),
                averageValue: opt(quantity),
              }),
            }),
          ),
        }),
      ),
      behavior: opt(
        rec({
          scaleDown: opt(
            rec({
              stabilizationWindowSeconds: opt(fc.integer({ min: 0, max: 600 })),
              policies: list(rec({ type: anyText, value: int32, periodSeconds: int32 })),
            }),
          ),
        }),
      ),
    }),
    status: rec({ desiredReplicas: int32, currentReplicas: opt(posInt), lastScaleTime: opt(time) }),
  }),
  rec({
    apiVersion: fc.constant('coordination.k8s.io/v1'),
    kind: fc.constant('Lease'),
    metadata: objectMeta,
    spec: rec({
      holderIdentity: opt(anyText),
      leaseDurationSeconds: opt(int32),
      renewTime: opt(
        fc
          .tuple(time, fc.integer({ min: 0, max: 999_999 }))
          .map(([t, us]) => t.replace('Z', `.${String(us).padStart(6, '0')}Z`)),
      ),
      leaseTransitions: opt(fc.integer({ min: 0, max: 99 })),
    }),
  }),
];

describe('round trip (fast-check)', () => {
  it('decode(encode(x)) equals x for canonical Deployments, Jobs, Services, Secrets, HPAs, Leases', () => {
    fc.assert(
      fc.property(fc.oneof(...kinds), (obj) => {
        assert.deepStrictEqual(decodeKubernetesProtobuf(encodeKubernetesProtobuf(obj)), obj);
      }),
      { numRuns: RUNS },
    );
  });

  it('the encoder is strict about unknown fields and wrong types', () => {
    const base = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } };
    assert.throws(() => encodeKubernetesProtobuf({ ...base, datta: {} }), ProtobufEncodeError);
    assert.throws(
      () => encodeKubernetesProtobuf({ ...base, metadata: { name: 'c', labells: {} } }),
      /metadata\.labells/,
    );
    assert.throws(() => encodeKubernetesProtobuf({ ...base, data: { a: 1 } }), /data\.a/);
    assert.throws(
      () => encodeKubernetesProtobuf({ ...base, metadata: { name: 'c', creationTimestamp: 'yesterday' } }),
      ProtobufEncodeError,
    );
    assert.throws(() => encodeKubernetesProtobuf({ kind: 'ConfigMap' }), ProtobufEncodeError);
    assert.throws(
      () => encodeKubernetesProtobuf({ apiVersion: 'v1', kind: 'Widget' }),
      UnsupportedProtobufKindError,
    );
    // Lenient mode drops what it cannot place.
    const lenient = encodeKubernetesProtobuf({ ...base, datta: {} }, { strict: false });
    assert.deepStrictEqual(decodeKubernetesProtobuf(lenient), { ...base, kind: 'ConfigMap' });
  });
});

describe('fuzz (fast-check)', () => {
  const fixtures = readdirSync(TESTDATA)
    .filter((f) => f.endsWith('.bin'))
    .map((f) => new Uint8Array(readFileSync(join(TESTDATA, f))));

  function onlyTypedErrors(bytes: Uint8Array) {
    try {
      const out = decodeKubernetesProtobuf(bytes);
      assert.equal(typeof out.kind, 'string');
      assert.equal(typeof out.apiVersion, 'string');
      JSON.stringify(out);
    } catch (err) {
      if (!(err instanceof ProtobufDecodeError || err instanceof UnsupportedProtobufKindError)) throw err;
    }
  }

  it('random bytes after the magic only ever raise the typed errors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (tail) =>
        onlyTypedErrors(Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...tail])),
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('corrupted and truncated kubectl bodies only ever raise the typed errors', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...fixtures),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat()),
        (fixture, flips, cut) => {
          const bytes = Uint8Array.from(fixture);
          for (const [at, value] of flips) bytes[4 + (at % (bytes.length - 4))] = value;
          onlyTypedErrors(cut === null ? bytes : bytes.subarray(0, 4 + (cut % (bytes.length - 3))));
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });
});
