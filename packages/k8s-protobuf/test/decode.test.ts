import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  PROTOBUF_CONTENT_TYPE,
  ProtobufDecodeError,
  UnsupportedProtobufKindError,
  decodeEnvelope,
  decodeKubernetesProtobuf,
  isKubernetesProtobuf,
} from '../src/index.js';
import { protoRoot, unknownType } from '../src/schema.js';

const MAGIC = [0x6b, 0x38, 0x73, 0x00];

/** Encodes `msg` as the message `type` (short names resolve under k8s.io). */
function raw(type: string, msg: Record<string, unknown>): Uint8Array {
  const t = protoRoot().lookupType(type.startsWith('k8s.io.') ? type : `k8s.io.${type}`);
  return t.encode(msg).finish();
}

/** A full body: magic + Unknown{typeMeta, raw, contentEncoding, contentType}. */
function body(
  apiVersion: string,
  kind: string,
  payload: Uint8Array,
  extra: Record<string, unknown> = {},
): Uint8Array {
  const unknown = unknownType()
    .encode({ typeMeta: { apiVersion, kind }, raw: payload, contentEncoding: '', contentType: '', ...extra })
    .finish();
  return Uint8Array.from([...MAGIC, ...unknown]);
}

function decodeError(fn: () => unknown): ProtobufDecodeError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ProtobufDecodeError, `expected ProtobufDecodeError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ProtobufDecodeError');
}

describe('isKubernetesProtobuf', () => {
  it('accepts the protobuf media type with any case and parameters', () => {
    assert.equal(PROTOBUF_CONTENT_TYPE, 'application/vnd.kubernetes.protobuf');
    assert.equal(isKubernetesProtobuf('application/vnd.kubernetes.protobuf'), true);
    assert.equal(isKubernetesProtobuf('Application/VND.Kubernetes.Protobuf ; charset=binary'), true);
  });
  it('rejects other types, missing headers and the watch stream framing', () => {
    for (const ct of [
      undefined,
      null,
      '',
      'application/json',
      'application/vnd.kubernetes.protobuf+json',
      'application/apply-patch+yaml',
      'application/vnd.kubernetes.protobuf;stream=watch',
    ]) {
      assert.equal(isKubernetesProtobuf(ct), false, String(ct));
    }
  });
});

describe('malformed bodies → ProtobufDecodeError (400)', () => {
  it('rejects a missing or wrong magic', () => {
    for (const b of [
      [],
      [0x6b, 0x38, 0x73],
      [0x6b, 0x38, 0x73, 0x01, 0x0a, 0x00],
      [...Buffer.from('{"kind":"Pod"}')],
    ]) {
      const err = decodeError(() => decodeKubernetesProtobuf(Uint8Array.from(b)));
      assert.match(err.message, /magic/);
      assert.equal(err.code, 400);
      assert.deepEqual(err.toStatus(), {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: err.message,
        reason: 'BadRequest',
        code: 400,
      });
    }
  });

  it('rejects an envelope without apiVersion or kind', () => {
    decodeError(() => decodeKubernetesProtobuf(Uint8Array.from(MAGIC)));
    decodeError(() => decodeKubernetesProtobuf(body('', 'Pod', new Uint8Array())));
    decodeError(() => decodeKubernetesProtobuf(body('v1', '', new Uint8Array())));
  });

  it('rejects truncated and corrupt envelopes', () => {
    const good = body(
      'v1',
      'ConfigMap',
      raw('api.core.v1.ConfigMap', { metadata: { name: 'c' }, data: { a: 'b' } }),
    );
    // Cut inside the raw field (the last one): the declared length overruns the buffer.
    decodeError(() => decodeKubernetesProtobuf(good.subarray(0, good.length - 3)));
    // Wire type 7 does not exist.
    decodeError(() => decodeKubernetesProtobuf(Uint8Array.from([...MAGIC, 0x0f])));
    // A length prefix far beyond the end.
    decodeError(() => decodeKubernetesProtobuf(Uint8Array.from([...MAGIC, 0x12, 0xff, 0xff, 0x03, 0x00])));
  });

  it('rejects a corrupt typed payload with the kind in the message', () => {
    const err = decodeError(() =>
      decodeKubernetesProtobuf(body('apps/v1', 'Deployment', Uint8Array.from([0x0a, 0x05, 0x0a]))),
    );
    assert.match(err.message, /Deployment in version "apps\/v1"/);
    decodeError(() => decodeKubernetesProtobuf(body('v1', 'Pod', Uint8Array.from([0x17]))));
  });

  it('rejects a content encoding it cannot undo', () => {
    const err = decodeError(() =>
      decodeKubernetesProtobuf(body('v1', 'Namespace', new Uint8Array(), { contentEncoding: 'gzip' })),
    );
    assert.match(err.message, /gzip/);
  });

  it('rejects a RawExtension that is not JSON', () => {
    const payload = raw('api.apps.v1.ControllerRevision', {
      metadata: { name: 'r' },
      data: { raw: Buffer.from('{') },
      revision: 1,
    });
    decodeError(() => decodeKubernetesProtobuf(body('apps/v1', 'ControllerRevision', payload)));
  });
});

describe('unsupported kinds → UnsupportedProtobufKindError (415)', () => {
  it('names the apiVersion and kind, and tells the user what to do', () => {
    for (const [apiVersion, kind] of [
      ['rbac.authorization.k8s.io/v1', 'Role'],
      ['apps/v1beta1', 'Deployment'],
      ['v1', 'PodSpec'],
      ['example.com/v1', 'DeleteOptions'],
      ['v1', 'constructor'],
    ] as const) {
      let caught: unknown;
      try {
        decodeKubernetesProtobuf(body(apiVersion, kind, new Uint8Array()));
      } catch (err) {
        caught = err;
      }
      assert.ok(caught instanceof UnsupportedProtobufKindError, `${apiVersion} ${kind}`);
      assert.equal(caught.apiVersion, apiVersion);
      assert.equal(caught.kind, kind);
      assert.equal(caught.code, 415);
      assert.match(caught.message, new RegExp(`${kind} in version "${apiVersion.replace('.', '\\.')}"`));
      assert.match(caught.message, /as JSON/);
      assert.equal(caught.toStatus().reason, 'UnsupportedMediaType');
      assert.equal(caught.toStatus().code, 415);
    }
  });
});

describe('Go encoding/json semantics', () => {
  it('omits zero values Go writes for non-pointer fields, keeps pointer and required ones', () => {
    // gogo-protobuf writes every non-pointer field, zero or not; JSON omits the omitempty ones.
    const payload = raw('api.apps.v1.Deployment', {
      metadata: {
        name: 'd',
        generateName: '',
        namespace: '',
        uid: '',
        resourceVersion: '',
        generation: 0,
        creationTimestamp: {},
      },
      spec: {
        replicas: 0,
        minReadySeconds: 0,
        paused: false,
        progressDeadlineSeconds: 0,
        strategy: { type: '' },
        template: {
          metadata: { name: '', creationTimestamp: {} },
          spec: {
            containers: [
              {
                name: '',
                image: '',
                workingDir: '',
                ports: [{ name: '', containerPort: 0, hostPort: 0, protocol: '' }],
              },
            ],
            restartPolicy: '',
            hostNetwork: false,
            automountServiceAccountToken: false,
          },
        },
      },
      status: { replicas: 0, observedGeneration: 0 },
    });
    assert.deepStrictEqual(decodeKubernetesProtobuf(body('apps/v1', 'Deployment', payload)), {
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: { name: 'd', creationTimestamp: null },
      spec: {
        replicas: 0,
        progressDeadlineSeconds: 0,
        strategy: {},
        template: {
          metadata: { creationTimestamp: null },
          spec: {
            containers: [{ name: '', ports: [{ containerPort: 0 }] }],
            automountServiceAccountToken: false,
          },
        },
      },
      status: {},
    });
  });

  it('renders Time as RFC 3339 seconds, MicroTime with microseconds, empty ones as null', () => {
    const payload = raw('api.core.v1.Event', {
      metadata: { name: 'e', creationTimestamp: { seconds: 1_715_000_000, nanos: 999_999_999 } },
      involvedObject: { kind: 'Pod', name: 'p' },
      firstTimestamp: {},
      lastTimestamp: { seconds: 1 },
      eventTime: { seconds: 1_715_000_000, nanos: 123_456_789 },
      series: { count: 2, lastObservedTime: {} },
      reportingComponent: '',
      reportingInstance: 'i',
    });
    const json = decodeKubernetesProtobuf(body('v1', 'Event', payload));
    assert.deepStrictEqual(json, {
      kind: 'Event',
      apiVersion: 'v1',
      metadata: { name: 'e', creationTimestamp: '2024-05-06T12:53:20Z' },
      involvedObject: { kind: 'Pod', name: 'p' },
      firstTimestamp: null,
      lastTimestamp: '1970-01-01T00:00:01Z',
      eventTime: '2024-05-06T12:53:20.123456Z',
      series: { count: 2, lastObservedTime: null },
      reportingComponent: '',
      reportingInstance: 'i',
    });
  });

  it('renders IntOrString, Quantity, bytes, int64, maps, inlined structs', () => {
    const payload = raw('api.core.v1.Pod', {
      metadata: { name: 'p', labels: { a: '', b: 'c' }, deletionGracePeriodSeconds: 0 },
      spec: {
        activeDeadlineSeconds: 2 ** 40 + 1,
        volumes: [
          {
            name: 'cm',
            volumeSource: { configMap: { localObjectReference: { name: 'cfg' }, defaultMode: 420 } },
          },
          { name: 'e', volumeSource: { emptyDir: { sizeLimit: { string: '1Gi' } } } },
        ],
        containers: [
          {
            name: 'c',
            resources: { limits: { cpu: { string: '500m' } }, requests: { memory: {} } },
            livenessProbe: {
              handler: { httpGet: { port: { type: 1, intVal: 0, strVal: 'http' } } },
              periodSeconds: 10,
            },
            readinessProbe: { handler: { tcpSocket: { port: { type: 0, intVal: 8080, strVal: '' } } } },
            env: [
              {
                name: 'S',
                valueFrom: {
                  secretKeyRef: { localObjectReference: { name: 's' }, key: 'k', optional: false },
                },
              },
            ],
          },
        ],
      },
    });
    const json = decodeKubernetesProtobuf(body('v1', 'Pod', payload));
    assert.deepStrictEqual(json, {
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: { name: 'p', labels: { a: '', b: 'c' }, deletionGracePeriodSeconds: 0 },
      spec: {
        volumes: [
          { name: 'cm', configMap: { name: 'cfg', defaultMode: 420 } },
          { name: 'e', emptyDir: { sizeLimit: '1Gi' } },
        ],
        containers: [
          {
            name: 'c',
            env: [{ name: 'S', valueFrom: { secretKeyRef: { name: 's', key: 'k', optional: false } } }],
            resources: { limits: { cpu: '500m' }, requests: { memory: '0' } },
            livenessProbe: { httpGet: { port: 'http' }, periodSeconds: 10 },
            readinessProbe: { tcpSocket: { port: 8080 } },
          },
        ],
        activeDeadlineSeconds: 2 ** 40 + 1,
      },
    });
  });

  it('renders Secret data and ConfigMap binaryData as base64, keeps stringData and empty values', () => {
    const payload = raw('api.core.v1.Secret', {
      metadata: { name: 's' },
      data: { bin: Uint8Array.of(0, 255, 1), empty: new Uint8Array() },
      stringData: { plain: 'text' },
      type: 'Opaque',
      immutable: true,
    });
    assert.deepStrictEqual(decodeKubernetesProtobuf(body('v1', 'Secret', payload)), {
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { name: 's' },
      immutable: true,
      data: { bin: 'AP8B', empty: '' },
      stringData: { plain: 'text' },
      type: 'Opaque',
    });
  });

  it('parses RawExtension and FieldsV1 as embedded JSON', () => {
    const payload = raw('api.apps.v1.ControllerRevision', {
      metadata: {
        name: 'r',
        managedFields: [
          {
            manager: 'kubectl',
            operation: 'Update',
            time: { seconds: 60 },
            fieldsType: 'FieldsV1',
            fieldsV1: { Raw: Buffer.from('{"f:data":{}}') },
          },
        ],
      },
      data: { raw: Buffer.from('{"spec":{"template":{"$patch":"replace"}}}') },
      revision: 0,
    });
    assert.deepStrictEqual(decodeKubernetesProtobuf(body('apps/v1', 'ControllerRevision', payload)), {
      kind: 'ControllerRevision',
      apiVersion: 'apps/v1',
      metadata: {
        name: 'r',
        managedFields: [
          {
            manager: 'kubectl',
            operation: 'Update',
            time: '1970-01-01T00:01:00Z',
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:data': {} },
          },
        ],
      },
      data: { spec: { template: { $patch: 'replace' } } },
      revision: 0,
    });
  });

  it('skips fields it does not know (newer kubectl versions)', () => {
    const known = raw('api.core.v1.Namespace', { metadata: { name: 'n' } });
    // Field 99, varint 1; field 98, length-delimited "x".
    const payload = Uint8Array.from([...known, 0x98, 0x06, 0x01, 0x92, 0x06, 0x01, 0x78]);
    assert.deepStrictEqual(decodeKubernetesProtobuf(body('v1', 'Namespace', payload)), {
      kind: 'Namespace',
      apiVersion: 'v1',
      metadata: { name: 'n' },
    });
  });

  it('decodes DeleteOptions in any served group version', () => {
    const payload = raw('apimachinery.pkg.apis.meta.v1.DeleteOptions', {
      gracePeriodSeconds: 0,
      preconditions: { uid: 'u' },
      propagationPolicy: 'Foreground',
      dryRun: ['All'],
    });
    for (const apiVersion of ['v1', 'apps/v1', 'meta.k8s.io/v1', 'batch/v1']) {
      assert.deepStrictEqual(decodeKubernetesProtobuf(body(apiVersion, 'DeleteOptions', payload)), {
        kind: 'DeleteOptions',
        apiVersion,
        gracePeriodSeconds: 0,
        preconditions: { uid: 'u' },
        propagationPolicy: 'Foreground',
        dryRun: ['All'],
      });
    }
  });

  it('accepts a JSON payload inside the envelope (contentType application/json)', () => {
    const json = Buffer.from('{"metadata":{"name":"j"},"kind":"Wrong"}');
    const b = body('example.com/v1', 'Widget', json, { contentType: 'application/json' });
    assert.deepStrictEqual(decodeKubernetesProtobuf(b), {
      metadata: { name: 'j' },
      kind: 'Widget',
      apiVersion: 'example.com/v1',
    });
    decodeError(() =>
      decodeKubernetesProtobuf(body('v1', 'Pod', Buffer.from('[1]'), { contentType: 'application/json' })),
    );
  });

  it('exposes the envelope', () => {
    const env = decodeEnvelope(body('v1', 'Pod', Uint8Array.of(1, 2), { contentType: 'x' }));
    assert.deepStrictEqual(
      { ...env, raw: [...env.raw] },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        raw: [1, 2],
        contentEncoding: '',
        contentType: 'x',
      },
    );
  });
});
