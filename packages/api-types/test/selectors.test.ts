/**
 * Label selectors (string syntax and struct) and field selectors per kind.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  EVERYTHING,
  FieldSelectorError,
  LabelSelectorError,
  NOTHING,
  compileFieldSelector,
  convertFieldLabel,
  formatLabelSelector,
  labelSelectorMatches,
  labelSelectorToString,
  objectFields,
  parseFieldSelector,
  parseLabelSelector,
  selectorFromLabelSelector,
  selectorFromSet,
  selectorToString,
} from '../src/index.js';

describe('label selectors - parse and match', () => {
  const labels = { app: 'nginx', tier: 'web', version: '3' };
  const cases: [string, boolean][] = [
    ['', true],
    ['app=nginx', true],
    ['app==nginx', true],
    ['app!=nginx', false],
    ['app!=apache', true],
    ['missing!=x', true],
    ['app=apache', false],
    ['app', true],
    ['!app', false],
    ['!missing', true],
    ['app in (nginx,apache)', true],
    ['app in (apache)', false],
    ['app notin (apache)', true],
    ['missing notin (a)', true],
    ['app=nginx,tier=web', true],
    ['app=nginx,tier=db', false],
    ['  app = nginx , tier in ( web , db ) ', true],
    ['version>2', true],
    ['version<2', false],
    ['missing in (a,,b)', false],
    ['tier in (,web)', true],
  ];
  for (const [sel, want] of cases) {
    test(JSON.stringify(sel), () =>
      assert.equal(labelSelectorMatches(parseLabelSelector(sel), labels), want));
  }
});

describe('label selectors - errors (Kubernetes wording)', () => {
  const cases: [string, string][] = [
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['x in (a', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['x in a', "unable to parse requirement: found 'a' expected: '('"],
    ['=a', "found '=', expected: !, identifier, or 'end of string'"],
    ['a,', "found '', expected: identifier after ','"],
    ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    ['!a=b', "found '=', expected: ',' or 'end of string'"],
    [
      'a$b=c',
      `unable to parse requirement: <nil>: Invalid value: "a$b": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    ],
    [
      'a=b$',
      `unable to parse requirement: values[0][a]: Invalid value: "b$": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    ],
    [
      'a>b',
      `unable to parse requirement: values[0]: Invalid value: "b": for 'Gt', 'Lt' operators, the value must be an integer`,
    ],
  ];
  for (const [sel, message] of cases) {
    test(JSON.stringify(sel), () => {
      assert.throws(
        () => parseLabelSelector(sel),
        (err: unknown) => {
          assert.ok(err instanceof LabelSelectorError);
          assert.equal(err.message, message);
          return true;
        },
      );
    });
  }
});

describe('label selectors - struct and string form', () => {
  test('LabelSelectorAsSelector semantics: nil matches nothing, {} everything', () => {
    assert.equal(selectorFromLabelSelector(undefined), NOTHING);
    assert.equal(labelSelectorMatches(selectorFromLabelSelector(undefined), {}), false);
    assert.equal(selectorFromLabelSelector({}), EVERYTHING);
    assert.equal(labelSelectorMatches(EVERYTHING, {}), true);
  });
  test('matchLabels and matchExpressions are ANDed', () => {
    const m = selectorFromLabelSelector({
      matchLabels: { app: 'nginx' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['web', 'api'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'env', operator: 'NotIn', values: ['prod'] },
        { key: 'app', operator: 'Exists' },
      ],
    });
    assert.equal(labelSelectorMatches(m, { app: 'nginx', tier: 'api' }), true);
    assert.equal(labelSelectorMatches(m, { app: 'nginx', tier: 'api', canary: '' }), false);
    assert.equal(labelSelectorMatches(m, { app: 'nginx', tier: 'api', env: 'prod' }), false);
  });
  test('a bad operator is an error', () => {
    assert.throws(
      () => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Like' }] }),
      /"Like" is not a valid label selector operator/,
    );
  });
  test('string form: sorted by key, In values sorted (Scale status.selector, describe)', () => {
    assert.equal(labelSelectorToString({ matchLabels: { app: 'nginx' } }), 'app=nginx');
    assert.equal(
      labelSelectorToString({
        matchLabels: { tier: 'web', app: 'nginx' },
        matchExpressions: [
          { key: 'env', operator: 'In', values: ['qa', 'dev'] },
          { key: 'zone', operator: 'DoesNotExist' },
          { key: 'b', operator: 'Exists' },
        ],
      }),
      'app=nginx,b,env in (dev,qa),tier=web,!zone',
    );
    assert.equal(selectorToString(parseLabelSelector('x notin (b,a), y')), 'x notin (a,b),y');
    assert.equal(selectorToString(selectorFromSet({ run: 'nginx' })), 'run=nginx');
    assert.equal(formatLabelSelector(undefined), '<none>');
    assert.equal(formatLabelSelector({}), '<none>');
    assert.equal(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Bad' }] }), '<error>');
  });
  test('property: a selector built from a label set matches it, and its string round-trips', () => {
    const key = fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/);
    const value = fc.stringMatching(/^[a-z0-9]{0,8}$/);
    fc.assert(
      fc.property(fc.dictionary(key, value, { minKeys: 1, maxKeys: 5 }), (set) => {
        const m = selectorFromSet(set);
        assert.equal(labelSelectorMatches(m, set), true);
        const again = parseLabelSelector(selectorToString(m));
        assert.equal(selectorToString(again), selectorToString(m));
        assert.equal(labelSelectorMatches(again, set), true);
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});

describe('field selectors', () => {
  test('parse: =, ==, != and escapes', () => {
    assert.deepEqual(
      parseFieldSelector('metadata.name=a,status.phase!=Running,spec.nodeName==n1').requirements,
      [
        { field: 'metadata.name', operator: '=', value: 'a' },
        { field: 'spec.nodeName', operator: '==', value: 'n1' },
        { field: 'status.phase', operator: '!=', value: 'Running' },
      ],
    );
    assert.deepEqual(parseFieldSelector('metadata.name=a\\,b').requirements, [
      { field: 'metadata.name', operator: '=', value: 'a,b' },
    ]);
    assert.deepEqual(parseFieldSelector('').requirements, []);
  });
  test('parse errors', () => {
    assert.throws(() => parseFieldSelector('metadata.name'), {
      message: "invalid selector: 'metadata.name'; can't understand 'metadata.name'",
    });
    assert.throws(() => parseFieldSelector('a=b\\x'), {
      message: 'invalid field selector: invalid escape sequence: \\x',
    });
    assert.throws(() => parseFieldSelector('a=b=c'), {
      message: 'invalid field selector: unescaped character in value: 61',
    });
  });
  const supported: [string, string][] = [
    ['Pod', 'spec.nodeName'],
    ['Pod', 'spec.restartPolicy'],
    ['Pod', 'spec.schedulerName'],
    ['Pod', 'spec.serviceAccountName'],
    ['Pod', 'status.phase'],
    ['Pod', 'status.podIP'],
    ['Pod', 'status.nominatedNodeName'],
    ['Event', 'involvedObject.kind'],
    ['Event', 'involvedObject.namespace'],
    ['Event', 'involvedObject.name'],
    ['Event', 'involvedObject.uid'],
    ['Event', 'involvedObject.apiVersion'],
    ['Event', 'involvedObject.resourceVersion'],
    ['Event', 'involvedObject.fieldPath'],
    ['Event', 'reason'],
    ['Event', 'reportingComponent'],
    ['Event', 'source'],
    ['Event', 'type'],
    ['Secret', 'type'],
    ['Node', 'spec.unschedulable'],
    ['Namespace', 'status.phase'],
    ['ReplicaSet', 'status.replicas'],
    ['ReplicationController', 'status.replicas'],
    ['Job', 'status.successful'],
    ['Service', 'spec.clusterIP'],
    ['Deployment', 'metadata.name'],
    ['Deployment', 'metadata.namespace'],
    ['ConfigMap', 'metadata.namespace'],
  ];
  for (const [kind, field] of supported) {
    test(`${kind} supports ${field}`, () => assert.equal(convertFieldLabel(kind, field), field));
  }
  test('Pod spec.host is an alias of spec.nodeName', () =>
    assert.equal(convertFieldLabel('Pod', 'spec.host'), 'spec.nodeName'));
  test('unsupported fields: the kind-specific and the default messages', () => {
    assert.throws(
      () => compileFieldSelector('Pod', 'spec.foo=bar'),
      (e: unknown) => {
        assert.ok(e instanceof FieldSelectorError);
        assert.equal(e.message, 'field label not supported: spec.foo');
        return true;
      },
    );
    assert.throws(() => compileFieldSelector('Node', 'metadata.namespace=x'), {
      message: 'field label not supported: metadata.namespace',
    });
    assert.throws(() => compileFieldSelector('Deployment', 'spec.replicas=1'), {
      message: '"spec.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"',
    });
  });
  test('matching pods', () => {
    const pod = {
      metadata: { name: 'p', namespace: 'default' },
      spec: {
        nodeName: 'node-1',
        restartPolicy: 'Always',
        schedulerName: 'default-scheduler',
        serviceAccountName: 'default',
      },
      status: { phase: 'Running', podIPs: [{ ip: '10.0.0.5' }] },
    };
    assert.equal(compileFieldSelector('Pod', 'spec.nodeName=node-1,status.phase=Running')(pod), true);
    assert.equal(compileFieldSelector('Pod', 'spec.nodeName!=node-1')(pod), false);
    assert.equal(compileFieldSelector('Pod', 'status.podIP=10.0.0.5')(pod), true);
    assert.equal(compileFieldSelector('Pod', 'spec.nodeName=')({ metadata: { name: 'q' }, spec: {} }), true);
    assert.equal(compileFieldSelector('Pod', 'metadata.name=p,metadata.namespace=default')(pod), true);
    assert.equal(objectFields('Pod', pod)['spec.hostNetwork'], 'false');
  });
  test('matching events the way kubectl describe asks', () => {
    const ev = {
      metadata: { name: 'p.1', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'p', namespace: 'default', uid: 'u1' },
      reason: 'Scheduled',
      source: { component: 'default-scheduler' },
      type: 'Normal',
    };
    const match = compileFieldSelector(
      'Event',
      'involvedObject.name=p,involvedObject.namespace=default,involvedObject.uid=u1',
    );
    assert.equal(match(ev), true);
    assert.equal(compileFieldSelector('Event', 'source=default-scheduler,type=Normal')(ev), true);
    assert.equal(compileFieldSelector('Event', 'involvedObject.kind=Deployment')(ev), false);
  });
  test('other kinds', () => {
    assert.equal(
      compileFieldSelector('Node', 'spec.unschedulable=false')({ metadata: { name: 'n' }, spec: {} }),
      true,
    );
    assert.equal(
      compileFieldSelector(
        'Namespace',
        'status.phase=Active',
      )({ metadata: { name: 'n' }, status: { phase: 'Active' } }),
      true,
    );
    assert.equal(
      compileFieldSelector(
        'Secret',
        'type=Opaque',
      )({ metadata: { name: 's', namespace: 'd' }, type: 'Opaque' }),
      true,
    );
    assert.equal(
      compileFieldSelector('ReplicaSet', 'status.replicas=0')({ metadata: { name: 'r', namespace: 'd' } }),
      true,
    );
    assert.equal(
      compileFieldSelector(
        'Job',
        'status.successful=1',
      )({ metadata: { name: 'j', namespace: 'd' }, status: { succeeded: 1 } }),
      true,
    );
    assert.equal('metadata.namespace' in objectFields('Node', { metadata: { name: 'n' } }), false);
  });
});
