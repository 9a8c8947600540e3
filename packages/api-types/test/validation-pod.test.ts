/**
 * Pod validation: required fields, unique names, ports, restart policy, probes, env, volumes, resources and
 * the update rules, with Kubernetes' field paths and messages.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Pod, type PodSpec, invalid, validateCreate, validateUpdate } from '../src/index.js';
import { lines, makePod } from './fixtures.js';

function check(spec: Partial<PodSpec>): string[] {
  return lines(validateCreate('Pod', makePod(spec)));
}

const c = (extra: Record<string, unknown> = {}) => ({ name: 'nginx', image: 'nginx', ...extra });

describe('validation - pod spec', () => {
  const cases: [string, Partial<PodSpec>, string[]][] = [
    ['valid', {}, []],
    ['containers required', { containers: [] }, ['spec.containers: Required value']],
    ['image required', { containers: [{ name: 'nginx' }] }, ['spec.containers[0].image: Required value']],
    [
      'container name required',
      { containers: [{ name: '', image: 'nginx' }] },
      ['spec.containers[0].name: Required value'],
    ],
    [
      'container name is a DNS label',
      { containers: [{ name: 'Web', image: 'nginx' }] },
      [
        `spec.containers[0].name: Invalid value: "Web": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      ],
    ],
    [
      'duplicate container names',
      { containers: [c(), c()] },
      ['spec.containers[1].name: Duplicate value: "nginx"'],
    ],
    [
      'init container names are unique across both lists',
      { initContainers: [c()] },
      ['spec.initContainers[0].name: Duplicate value: "nginx"'],
    ],
    [
      'duplicate port names in a container',
      {
        containers: [
          c({
            ports: [
              { name: 'http', containerPort: 80 },
              { name: 'http', containerPort: 8080 },
            ],
          }),
        ],
      },
      ['spec.containers[0].ports[1].name: Duplicate value: "http"'],
    ],
    [
      'the same port name in two containers is fine',
      {
        containers: [
          c({ ports: [{ name: 'http', containerPort: 80 }] }),
          { name: 'b', image: 'b', ports: [{ name: 'http', containerPort: 81 }] },
        ],
      },
      [],
    ],
    [
      'port out of range',
      { containers: [c({ ports: [{ containerPort: 70000 }] })] },
      [
        'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      ],
    ],
    [
      'port required',
      { containers: [c({ ports: [{ containerPort: 0 }] })] },
      ['spec.containers[0].ports[0].containerPort: Required value'],
    ],
    [
      'hostPort out of range',
      { containers: [c({ ports: [{ containerPort: 80, hostPort: -1 }] })] },
      ['spec.containers[0].ports[0].hostPort: Invalid value: -1: must be between 1 and 65535, inclusive'],
    ],
    [
      'bad port name',
      { containers: [c({ ports: [{ name: 'HTTP', containerPort: 80 }] })] },
      [
        'spec.containers[0].ports[0].name: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      ],
    ],
    [
      'bad protocol',
      { containers: [c({ ports: [{ containerPort: 80, protocol: 'HTTP' }] })] },
      [
        'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
      ],
    ],
    [
      'restartPolicy',
      { restartPolicy: 'Sometimes' },
      [
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
      ],
    ],
    [
      'dnsPolicy',
      { dnsPolicy: 'Google' },
      [
        'spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
      ],
    ],
    [
      'imagePullPolicy',
      { containers: [c({ imagePullPolicy: 'Sometimes' })] },
      [
        'spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"',
      ],
    ],
    [
      'probe without a handler',
      { containers: [c({ livenessProbe: { periodSeconds: 5 } })] },
      ['spec.containers[0].livenessProbe: Required value: must specify a handler type'],
    ],
    [
      'probe with two handlers',
      { containers: [c({ readinessProbe: { exec: { command: ['true'] }, httpGet: { port: 80 } } })] },
      ['spec.containers[0].readinessProbe.httpGet: Forbidden: may not specify more than 1 handler type'],
    ],
    [
      'liveness successThreshold must be 1',
      { containers: [c({ livenessProbe: { tcpSocket: { port: 80 }, successThreshold: 2 } })] },
      ['spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1'],
    ],
    [
      'probe ports and negatives',
      { containers: [c({ startupProbe: { httpGet: { port: 0 }, initialDelaySeconds: -1 } })] },
      [
        'spec.containers[0].startupProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive',
        'spec.containers[0].startupProbe.initialDelaySeconds: Invalid value: -1: must be greater than or equal to 0',
      ],
    ],
    [
      'exec needs a command',
      { containers: [c({ livenessProbe: { exec: {} } })] },
      ['spec.containers[0].livenessProbe.exec.command: Required value'],
    ],
    [
      'env name required; "=" not allowed',
      { containers: [c({ env: [{ name: '' }, { name: 'A=B', value: 'x' }, { name: 'my.var-1' }] })] },
      [
        'spec.containers[0].env[0].name: Required value',
        'spec.containers[0].env[0].name: Invalid value: "": environment variable name must be non-empty',
        `spec.containers[0].env[1].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than '='`,
      ],
    ],
    [
      'env valueFrom with a value',
      {
        containers: [
          c({ env: [{ name: 'A', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }),
        ],
      },
      [
        'spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
      ],
    ],
    [
      'duplicate volume names',
      {
        volumes: [
          { name: 'data', emptyDir: {} },
          { name: 'data', emptyDir: {} },
        ],
      },
      ['spec.volumes[1].name: Duplicate value: "data"'],
    ],
    [
      'volume with two sources',
      { volumes: [{ name: 'data', emptyDir: {}, hostPath: { path: '/x' } }] },
      ['spec.volumes[0].emptyDir: Forbidden: may not specify more than 1 volume type'],
    ],
    [
      'volumeMount must reference a volume',
      { containers: [c({ volumeMounts: [{ name: 'data', mountPath: '/data' }] })] },
      ['spec.containers[0].volumeMounts[0].name: Not found: "data"'],
    ],
    [
      'volumeMount mountPath required and unique',
      {
        volumes: [{ name: 'data', emptyDir: {} }],
        containers: [
          c({
            volumeMounts: [
              { name: 'data', mountPath: '/data' },
              { name: 'data', mountPath: '/data' },
            ],
          }),
        ],
      },
      ['spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/data": must be unique'],
    ],
    [
      'requests above limits',
      { containers: [c({ resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } })] },
      [
        'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
      ],
    ],
    [
      'unknown resource name',
      { containers: [c({ resources: { requests: { gpu: '1' } } })] },
      [
        'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers',
      ],
    ],
    [
      'activeDeadlineSeconds range',
      { activeDeadlineSeconds: 0 },
      ['spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive'],
    ],
    [
      'init containers may not have probes unless restartable',
      { initContainers: [{ name: 'init', image: 'busybox', readinessProbe: { exec: { command: ['x'] } } }] },
      [
        'spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always',
      ],
    ],
    [
      'regular containers may not set restartPolicy',
      { containers: [c({ restartPolicy: 'Always' })] },
      ['spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers'],
    ],
    [
      'toleration with empty key must use Exists',
      { tolerations: [{ operator: 'Equal', value: 'x' }] },
      [
        'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
      ],
    ],
  ];
  for (const [name, spec, want] of cases) {
    test(name, () => assert.deepEqual(check(spec), want));
  }
  test('image with surrounding whitespace', () => {
    assert.deepEqual(check({ containers: [c({ image: ' nginx' })] }), [
      'spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace',
    ]);
  });
});

describe('validation - Invalid Status message', () => {
  test('one cause: `<Kind> "<name>" is invalid: <field>: <message>`', () => {
    const err = invalid(
      'Pod',
      '',
      'nginx',
      validateCreate('Pod', makePod({ containers: [{ name: 'nginx' }] })),
    );
    assert.equal(err.message, 'Pod "nginx" is invalid: spec.containers[0].image: Required value');
    assert.deepEqual(err.status.details, {
      name: 'nginx',
      kind: 'Pod',
      causes: [
        { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].image' },
      ],
    });
  });
  test('several causes are bracketed and comma-joined', () => {
    const causes = validateCreate(
      'Pod',
      makePod({ restartPolicy: 'Sometimes', containers: [{ name: 'nginx' }] }),
    );
    assert.equal(
      invalid('Pod', '', 'nginx', causes).message,
      'Pod "nginx" is invalid: [spec.containers[0].image: Required value, spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"]',
    );
  });
});

describe('validation - pod updates', () => {
  const old = (): Pod => {
    const p = makePod();
    p.metadata.uid = 'u';
    p.metadata.resourceVersion = '5';
    return p;
  };
  test('changing the image is allowed', () => {
    const n = old();
    (n.spec.containers[0] as { image: string }).image = 'nginx:1.16';
    assert.deepEqual(validateUpdate('Pod', n, old()), []);
  });
  test('adding a toleration is allowed, removing one is not', () => {
    const n = old();
    n.spec.tolerations = [...(n.spec.tolerations ?? []), { key: 'k', operator: 'Exists' }];
    assert.deepEqual(validateUpdate('Pod', n, old()), []);
    const removed = old();
    removed.spec.tolerations = [];
    assert.deepEqual(lines(validateUpdate('Pod', removed, old())).slice(0, 1), [
      'spec.tolerations[0]: Forbidden: existing toleration can not be modified except its tolerationSeconds',
    ]);
  });
  test('changing anything else is forbidden with the updatable-fields message', () => {
    const n = old();
    n.spec.containers[0] = {
      ...(n.spec.containers[0] as object),
      ports: [{ containerPort: 81, protocol: 'TCP' }],
    } as never;
    const causes = validateUpdate('Pod', n, old());
    assert.equal(causes.length, 1);
    assert.equal(causes[0]?.field, 'spec');
    assert.equal(causes[0]?.reason, 'FieldValueForbidden');
    assert.ok(
      causes[0]?.message.startsWith(
        'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n',
      ),
    );
  });
  test('adding a container', () => {
    const n = old();
    n.spec.containers.push({
      name: 'b',
      image: 'b',
      terminationMessagePolicy: 'File',
      imagePullPolicy: 'Always',
    });
    assert.deepEqual(lines(validateUpdate('Pod', n, old())), [
      'spec.containers: Forbidden: pod updates may not add or remove containers',
    ]);
  });
  test('activeDeadlineSeconds may only shrink', () => {
    const o = old();
    o.spec.activeDeadlineSeconds = 100;
    const n = structuredClone(o);
    n.spec.activeDeadlineSeconds = 50;
    assert.deepEqual(validateUpdate('Pod', n, o), []);
    n.spec.activeDeadlineSeconds = 200;
    assert.deepEqual(lines(validateUpdate('Pod', n, o)), [
      'spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value',
    ]);
  });
  test('metadata identity is immutable', () => {
    const n = old();
    n.metadata.uid = 'other';
    n.metadata.name = 'other';
    assert.deepEqual(lines(validateUpdate('Pod', n, old())), [
      'metadata.name: Invalid value: "other": field is immutable',
      'metadata.uid: Invalid value: "other": field is immutable',
    ]);
  });
});
