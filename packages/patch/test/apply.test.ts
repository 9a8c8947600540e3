/** The PATCH dispatcher: content types, body decoding, status codes, simplified server-side apply. */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type JsonObject,
  PATCH_CONTENT_TYPES,
  PatchError,
  UnsupportedPatchTypeError,
  applyPatch,
  parsePatchContentType,
} from '../src/index.js';
import { at, deepFreeze, deployment } from './fixtures.js';

const DEPLOYMENT = { group: 'apps', kind: 'Deployment' };
const APPLY = 'application/apply-patch+yaml';

function rejectsWith(run: () => unknown, code: number, message: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof PatchError || error instanceof UnsupportedPatchTypeError, String(error));
    assert.equal(error.code, code);
    assert.match(error.toStatus().message, message);
    return true;
  });
}

describe('content types', () => {
  it('accepts parameters and any case', () => {
    assert.equal(
      parsePatchContentType('Application/Merge-Patch+JSON; charset=utf-8'),
      'application/merge-patch+json',
    );
  });

  it('anything else is a 415 listing the accepted types in Kubernetes order', () => {
    assert.throws(
      () => applyPatch('application/json', deployment(), '{}', DEPLOYMENT),
      (error: unknown) => {
        assert.ok(error instanceof UnsupportedPatchTypeError);
        assert.deepEqual(error.toStatus(), {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message:
            'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml',
          reason: 'UnsupportedMediaType',
          code: 415,
        });
        return true;
      },
    );
    rejectsWith(() => applyPatch(undefined, deployment(), '{}', DEPLOYMENT), 415, /unknown format/);
  });

  it('can refuse strategic merge patch for unknown kinds, as Kubernetes does for custom resources', () => {
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    const target = { group: 'example.com', kind: 'Widget' };
    const options = { rejectStrategicForUnknownKinds: true };
    assert.throws(
      () => applyPatch('application/strategic-merge-patch+json', widget, '{}', target, options),
      (error: unknown) => error instanceof UnsupportedPatchTypeError && !error.message.includes('strategic'),
    );
    assert.deepEqual(
      applyPatch('application/strategic-merge-patch+json', widget, '{"spec":{"a":1}}', target).spec,
      {
        a: 1,
      },
    );
    assert.deepEqual(
      applyPatch('application/strategic-merge-patch+json', deployment(), '{}', DEPLOYMENT, options),
      deployment(),
    );
  });

  it('exports the four patch media types', () => {
    assert.equal(PATCH_CONTENT_TYPES.length, 4);
  });
});

describe('body decoding', () => {
  it('accepts bytes', () => {
    const bytes = new TextEncoder().encode('{"spec":{"replicas":7}}');
    assert.equal(
      at(applyPatch('application/merge-patch+json', deployment(), bytes, DEPLOYMENT), 'spec.replicas'),
      7,
    );
  });

  it('invalid JSON or UTF-8 is a 400', () => {
    rejectsWith(
      () => applyPatch('application/merge-patch+json', deployment(), '{', DEPLOYMENT),
      400,
      /^error decoding patch: /,
    );
    rejectsWith(
      () =>
        applyPatch(
          'application/strategic-merge-patch+json',
          deployment(),
          new Uint8Array([0xff, 0xfe]),
          DEPLOYMENT,
        ),
      400,
      /not valid UTF-8/,
    );
  });

  it('merge and strategic patches must be objects', () => {
    rejectsWith(
      () => applyPatch('application/merge-patch+json', deployment(), '[1]', DEPLOYMENT),
      400,
      /cannot unmarshal array into Go value of type map/,
    );
    rejectsWith(
      () => applyPatch('application/strategic-merge-patch+json', deployment(), '"x"', DEPLOYMENT),
      400,
      /cannot unmarshal string/,
    );
  });

  it('a JSON patch whose result is not an object is a 400', () => {
    rejectsWith(
      () =>
        applyPatch(
          'application/json-patch+json',
          deployment(),
          '[{"op":"replace","path":"","value":[]}]',
          DEPLOYMENT,
        ),
      400,
      /not a JSON object/,
    );
  });

  it('patching a missing object is a 404 except for server-side apply', () => {
    rejectsWith(
      () => applyPatch('application/merge-patch+json', null, '{}', DEPLOYMENT),
      404,
      /could not find/,
    );
  });
});

describe('server-side apply (simplified)', () => {
  const config = JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web', tier: 'front' } },
    spec: { replicas: 4, template: { spec: { containers: [{ name: 'a', image: 'nginx:3' }] } } },
  });

  it('creates from the configuration when the object does not exist', () => {
    const created = applyPatch(APPLY, null, config, DEPLOYMENT);
    assert.equal(at(created, 'spec.replicas'), 4);
    assert.equal(at(created, 'metadata.name'), 'web');
  });

  it('merges the configuration over the live object with strategic merge semantics', () => {
    const result = applyPatch(APPLY, deployment(), config, { ...DEPLOYMENT, version: 'v1' });
    assert.equal(at(result, 'spec.replicas'), 4);
    assert.deepEqual(at(result, 'metadata.labels'), { app: 'web', tier: 'front' });
    const containers = at(result, 'spec.template.spec.containers') as JsonObject[];
    assert.deepEqual(
      containers.map((c) => [c.name, c.image]),
      [
        ['a', 'nginx:3'],
        ['b', 'busybox:1.36'],
      ],
    );
    assert.equal(
      at(result, 'spec.template.spec.containers.0.terminationMessagePath'),
      '/dev/termination-log',
    );
  });

  it('accepts YAML, parsed as YAML 1.1 like Kubernetes, keeping timestamps as strings', () => {
    const yaml = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: cfg',
      '  annotations:',
      '    when: 2024-05-01T10:00:00Z',
      'data:',
      '  enabled: "yes"',
      'binaryData: {}',
      'immutable: yes',
    ].join('\n');
    const result = applyPatch(APPLY, null, yaml, { group: '', kind: 'ConfigMap' });
    assert.deepEqual(result, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg', annotations: { when: '2024-05-01T10:00:00Z' } },
      data: { enabled: 'yes' },
      binaryData: {},
      immutable: true,
    });
  });

  it('refuses bad YAML, multiple documents, non-JSON values and non-objects with 400', () => {
    const cm = { group: '', kind: 'ConfigMap' };
    rejectsWith(() => applyPatch(APPLY, null, 'a: [', cm), 400, /^error decoding YAML: /);
    rejectsWith(
      () => applyPatch(APPLY, null, 'kind: ConfigMap\n---\nkind: ConfigMap', cm),
      400,
      /multiple documents/,
    );
    rejectsWith(
      () => applyPatch(APPLY, null, 'apiVersion: v1\nkind: ConfigMap\nx: .inf', cm),
      400,
      /not representable/,
    );
    rejectsWith(() => applyPatch(APPLY, null, '- 1', cm), 400, /must be an object/);
  });

  it('checks apiVersion, kind and managedFields like the API server', () => {
    const cm = { group: '', kind: 'ConfigMap', version: 'v1' };
    rejectsWith(
      () => applyPatch(APPLY, null, '{"apiVersion":"v2","kind":"ConfigMap"}', cm),
      400,
      /^Incorrect version specified in apply patch. Specified patch version: v2, expected: v1$/,
    );
    rejectsWith(
      () => applyPatch(APPLY, null, '{"apiVersion":"v1","kind":"Secret"}', cm),
      400,
      /Incorrect kind/,
    );
    rejectsWith(
      () => applyPatch(APPLY, null, '{"kind":"ConfigMap"}', { group: '', kind: 'ConfigMap' }),
      400,
      /apiVersion/,
    );
    rejectsWith(
      () =>
        applyPatch(APPLY, null, '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"managedFields":[]}}', cm),
      400,
      /^metadata.managedFields must be nil$/,
    );
  });

  it('never mutates the live object', () => {
    const live = deepFreeze(structuredClone(deployment()));
    applyPatch(APPLY, live, config, DEPLOYMENT);
    assert.deepEqual(live, deployment());
  });
});
