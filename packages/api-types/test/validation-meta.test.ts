/**
 * Names, labels, annotations and label selectors: Kubernetes' exact field paths and messages.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type KubeObject, applyDefaults, validateCreate, validateLabelSelector } from '../src/index.js';
import { lines, makeDeployment, makePod, makeService, makeStatefulSet } from './fixtures.js';

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const QUALIFIED_NAME_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

function ns(name: string): KubeObject {
  return applyDefaults('Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

describe('validation - object names', () => {
  test('pod names are DNS-1123 subdomains', () => {
    assert.deepEqual(lines(validateCreate('Pod', makePod({}, 'Foo_Bar'))), [
      `metadata.name: Invalid value: "Foo_Bar": ${SUBDOMAIN_MSG}`,
    ]);
    assert.deepEqual(validateCreate('Pod', makePod({}, 'a.b-c')), []);
  });
  test('name or generateName is required', () => {
    const p = makePod();
    p.metadata.name = '';
    assert.deepEqual(lines(validateCreate('Pod', p)), [
      'metadata.name: Required value: name or generateName is required',
    ]);
  });
  test('generateName: a trailing dash is fine, bad characters are not', () => {
    const p = makePod();
    p.metadata.generateName = 'nginx-';
    assert.deepEqual(validateCreate('Pod', p), []);
    p.metadata.generateName = 'Nginx-';
    assert.deepEqual(lines(validateCreate('Pod', p)), [
      `metadata.generateName: Invalid value: "Nginx-": ${SUBDOMAIN_MSG}`,
    ]);
  });
  test('too long', () => {
    assert.deepEqual(lines(validateCreate('Pod', makePod({}, 'a'.repeat(254)))), [
      `metadata.name: Invalid value: "${'a'.repeat(254)}": must be no more than 253 characters`,
    ]);
  });
  test('namespaces are DNS-1123 labels', () => {
    assert.deepEqual(lines(validateCreate('Namespace', ns('Dev_1'))), [
      `metadata.name: Invalid value: "Dev_1": ${LABEL_MSG}`,
    ]);
    assert.deepEqual(lines(validateCreate('Namespace', ns('a.b'))), [
      'metadata.name: Invalid value: "a.b": must not contain dots',
    ]);
    assert.deepEqual(validateCreate('Namespace', ns('dev')), []);
  });
  test('a namespaced object needs a namespace; a cluster one may not have one', () => {
    const p = makePod();
    delete p.metadata.namespace;
    assert.deepEqual(lines(validateCreate('Pod', p)), ['metadata.namespace: Required value']);
    const n = ns('dev');
    n.metadata.namespace = 'default';
    assert.deepEqual(lines(validateCreate('Namespace', n)), [
      'metadata.namespace: Forbidden: not allowed on this type',
    ]);
  });
  test('services are DNS-1035 labels (must start with a letter)', () => {
    assert.deepEqual(lines(validateCreate('Service', makeService({ ports: [{ port: 80 }] }, '1web'))), [
      `metadata.name: Invalid value: "1web": ${DNS1035_MSG}`,
    ]);
  });
  test('statefulsets are DNS-1123 labels', () => {
    const s = makeStatefulSet();
    s.metadata.name = 'web.v1';
    assert.deepEqual(lines(validateCreate('StatefulSet', s)), [
      'metadata.name: Invalid value: "web.v1": must not contain dots',
    ]);
  });
  test('deployments are subdomains', () => {
    const d = makeDeployment();
    d.metadata.name = 'web.v1';
    assert.deepEqual(validateCreate('Deployment', d), []);
  });
});

describe('validation - labels and annotations', () => {
  test('bad label key and value are reported at metadata.labels', () => {
    const p = makePod();
    p.metadata.labels = { 'app!': 'x', tier: 'web server' };
    assert.deepEqual(lines(validateCreate('Pod', p)), [
      `metadata.labels: Invalid value: "app!": ${QUALIFIED_NAME_MSG}`,
      `metadata.labels: Invalid value: "web server": ${LABEL_VALUE_MSG}`,
    ]);
  });
  test('prefixed keys', () => {
    const p = makePod();
    p.metadata.labels = { 'example.com/app': 'x', '/app': 'y' };
    assert.deepEqual(lines(validateCreate('Pod', p)), [
      'metadata.labels: Invalid value: "/app": prefix part must be non-empty',
    ]);
  });
  test('label values are at most 63 characters', () => {
    const p = makePod();
    p.metadata.labels = { a: 'x'.repeat(64) };
    assert.deepEqual(lines(validateCreate('Pod', p)), [
      `metadata.labels: Invalid value: "${'x'.repeat(64)}": must be no more than 63 characters`,
    ]);
  });
  test('annotations: keys are case-insensitive qualified names, total size at most 256 KiB', () => {
    const p = makePod();
    p.metadata.annotations = { 'Example.com/Note': 'ok' };
    assert.deepEqual(validateCreate('Pod', p), []);
    p.metadata.annotations = { big: 'x'.repeat(256 * 1024) };
    assert.deepEqual(lines(validateCreate('Pod', p)), [
      'metadata.annotations: Too long: must have at most 262144 bytes',
    ]);
  });
  test('template labels are reported at spec.template.labels', () => {
    const d = makeDeployment(() => {}, { app: 'nginx', 'tier!': 'web' });
    assert.deepEqual(lines(validateCreate('Deployment', d)), [
      `spec.template.labels: Invalid value: "tier!": ${QUALIFIED_NAME_MSG}`,
    ]);
  });
  test('an unconvertible selector skips the template checks, as in Kubernetes', () => {
    const d = makeDeployment(
      (x) => {
        x.spec.selector = { matchLabels: { 'app!': 'nginx' } };
      },
      { 'app!': 'nginx' },
    );
    assert.deepEqual(lines(validateCreate('Deployment', d)), [
      `spec.selector.matchLabels: Invalid value: "app!": ${QUALIFIED_NAME_MSG}`,
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app!":"nginx"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: invalid label selector',
    ]);
  });
});

describe('validation - label selectors', () => {
  const cases: [string, Parameters<typeof validateLabelSelector>[0], string[]][] = [
    ['matchLabels ok', { matchLabels: { app: 'x' } }, []],
    [
      'In without values',
      { matchExpressions: [{ key: 'app', operator: 'In' }] },
      ["s.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"],
    ],
    [
      'Exists with values',
      { matchExpressions: [{ key: 'app', operator: 'Exists', values: ['a'] }] },
      [
        "s.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      ],
    ],
    [
      'bad operator',
      { matchExpressions: [{ key: 'app', operator: 'Like', values: ['a'] }] },
      ['s.matchExpressions[0].operator: Invalid value: "Like": not a valid selector operator'],
    ],
    [
      'bad value',
      { matchExpressions: [{ key: 'app', operator: 'In', values: ['a b'] }] },
      [`s.matchExpressions[0].values[0]: Invalid value: "a b": ${LABEL_VALUE_MSG}`],
    ],
  ];
  for (const [name, sel, want] of cases) {
    test(name, () => assert.deepEqual(lines(validateLabelSelector(sel, 's')), want));
  }
});
