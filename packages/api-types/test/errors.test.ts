/**
 * Status errors: the JSON bodies and messages of KUBECTL.md §5, byte for byte, and the predicates.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type ApiError,
  alreadyExists,
  badRequest,
  conflict,
  expired,
  forbidden,
  fromStatus,
  internal,
  invalid,
  isAlreadyExists,
  isConflict,
  isInvalid,
  isNotFound,
  isResourceExpired,
  isStatus,
  isTooManyRequests,
  methodNotSupported,
  notFound,
  notFoundPath,
  requestEntityTooLarge,
  requiredCause,
  serverTimeout,
  successStatus,
  timeout,
  tooManyRequests,
  tooOldResourceVersionMessage,
  unauthorized,
  unsupportedMediaType,
} from '../src/index.js';

describe('errors - bodies as Kubernetes sends them', () => {
  test('NotFound (grouped and core)', () => {
    assert.equal(
      JSON.stringify(notFound('deployments', 'apps', 'nope').status),
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps \\"nope\\" not found","reason":"NotFound","details":{"name":"nope","group":"apps","kind":"deployments"},"code":404}',
    );
    assert.equal(notFound('pods', '', 'nope').message, 'pods "nope" not found');
    assert.deepEqual(notFound('pods', '', 'nope').status.details, { name: 'nope', kind: 'pods' });
    assert.equal(
      JSON.stringify(notFoundPath().status),
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}',
    );
  });
  test('AlreadyExists', () => {
    const e = alreadyExists('pods', '', 'nginx');
    assert.equal(e.message, 'pods "nginx" already exists');
    assert.equal(e.code, 409);
    assert.equal(e.reason, 'AlreadyExists');
  });
  test('Conflict', () => {
    const e = conflict('deployments', 'apps', 'nginx');
    assert.equal(
      e.message,
      'Operation cannot be fulfilled on deployments.apps "nginx": the object has been modified; please apply your changes to the latest version and try again',
    );
    assert.equal(e.status.code, 409);
    assert.equal(
      conflict('leases', 'coordination.k8s.io', 'l', 'held').message,
      'Operation cannot be fulfilled on leases.coordination.k8s.io "l": held',
    );
  });
  test('Invalid', () => {
    const e = invalid('Pod', '', 'nginx', [requiredCause('spec.containers[0].image')]);
    assert.equal(
      JSON.stringify(e.status),
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Pod \\"nginx\\" is invalid: spec.containers[0].image: Required value","reason":"Invalid","details":{"name":"nginx","kind":"Pod","causes":[{"reason":"FieldValueRequired","message":"Required value","field":"spec.containers[0].image"}]},"code":422}',
    );
    const dup = requiredCause('a');
    assert.equal(
      invalid('Deployment', 'apps', 'x', [dup, dup]).message,
      'Deployment.apps "x" is invalid: a: Required value',
    );
    assert.equal(invalid('Deployment', 'apps', 'x', []).message, 'Deployment.apps "x" is invalid');
  });
  test('Expired and the watch message', () => {
    const e = expired(tooOldResourceVersionMessage(5, 10));
    assert.equal(
      JSON.stringify(e.status),
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 5 (10)","reason":"Expired","code":410}',
    );
  });
  test('the rest', () => {
    const cases: [ApiError, number, string, string][] = [
      [badRequest('bad'), 400, 'BadRequest', 'bad'],
      [unauthorized(), 401, 'Unauthorized', 'Unauthorized'],
      [
        forbidden('pods', '', 'p', 'User "x" cannot get resource'),
        403,
        'Forbidden',
        'pods "p" is forbidden: User "x" cannot get resource',
      ],
      [forbidden('pods', '', '', 'nope'), 403, 'Forbidden', 'pods is forbidden: nope'],
      [forbidden('', '', '', 'nope'), 403, 'Forbidden', 'forbidden: nope'],
      [tooManyRequests('slow down', 3), 429, 'TooManyRequests', 'slow down'],
      [
        timeout('request did not complete within 60s', 2),
        504,
        'Timeout',
        'Timeout: request did not complete within 60s',
      ],
      [
        serverTimeout('pods', '', 'create', 2),
        500,
        'ServerTimeout',
        'The create operation against pods could not be completed at this time, please try again.',
      ],
      [
        methodNotSupported('pods', '', 'watch'),
        405,
        'MethodNotAllowed',
        'watch is not supported on resources of kind "pods"',
      ],
      [
        unsupportedMediaType(['application/json', 'application/yaml']),
        415,
        'UnsupportedMediaType',
        'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml',
      ],
      [
        requestEntityTooLarge('limit is 3145728'),
        413,
        'RequestEntityTooLarge',
        'Request entity too large: limit is 3145728',
      ],
      [internal('boom'), 500, 'InternalError', 'Internal error occurred: boom'],
    ];
    for (const [err, code, reason, message] of cases) {
      assert.ok(err instanceof Error);
      assert.equal(err.name, 'ApiError');
      assert.equal(err.status.code, code, message);
      assert.equal(err.status.reason, reason);
      assert.equal(err.message, message);
      assert.equal(err.status.status, 'Failure');
    }
    assert.equal(tooManyRequests('x', 3).status.details?.retryAfterSeconds, 3);
    assert.deepEqual(internal('boom').status.details, { causes: [{ message: 'boom' }] });
    assert.deepEqual(successStatus(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      code: 200,
    });
  });
});

describe('errors - predicates on errors and on received JSON', () => {
  test('on ApiError', () => {
    assert.equal(isNotFound(notFound('pods', '', 'x')), true);
    assert.equal(isConflict(conflict('pods', '', 'x')), true);
    assert.equal(isConflict(alreadyExists('pods', '', 'x')), false);
    assert.equal(isAlreadyExists(alreadyExists('pods', '', 'x')), true);
    assert.equal(isInvalid(invalid('Pod', '', 'x', [])), true);
    assert.equal(isResourceExpired(expired('old')), true);
    assert.equal(isTooManyRequests(tooManyRequests('x', 1)), true);
    assert.equal(isNotFound(new Error('x')), false);
    assert.equal(isNotFound(undefined), false);
  });
  test('on Status JSON parsed from a response', () => {
    const body = JSON.parse(JSON.stringify(notFound('deployments', 'apps', 'nope').status));
    assert.equal(isStatus(body), true);
    assert.equal(isNotFound(body), true);
    assert.equal(isNotFound({ kind: 'Status', status: 'Failure', reason: 'Whatever', code: 404 }), true);
    assert.equal(isNotFound({ kind: 'Status', status: 'Failure', reason: 'Conflict', code: 404 }), false);
    assert.equal(isConflict({ kind: 'Status', reason: 'Conflict', code: 409 }), true);
    assert.equal(fromStatus(body).message, 'deployments.apps "nope" not found');
  });
});
