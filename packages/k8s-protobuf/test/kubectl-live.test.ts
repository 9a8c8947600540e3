// Runs the real kubectl against a local fake server and decodes the protobuf bodies it sends, comparing
// them with kubectl's own JSON rendering of the same command. Skipped only when kubectl is absent.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeKubernetesProtobuf, isKubernetesProtobuf } from '../src/index.js';
import {
  CASES,
  type FakeServer,
  KUBECTL,
  type KubectlEnv,
  capturePosts,
  haveKubectl,
  kubectlEnv,
  runCase,
  startFakeServer,
} from './kubectl-capture.js';

const skip = haveKubectl() ? false : `kubectl not found at ${KUBECTL} (set KUBECTL=/path/to/kubectl)`;

describe('live kubectl 1.32', { skip }, () => {
  let server: FakeServer;
  let env: KubectlEnv;
  before(async () => {
    server = await startFakeServer();
    env = kubectlEnv(server.url);
  });
  after(async () => {
    env?.cleanup();
    await server?.close();
  });

  it('is kubectl 1.32', async () => {
    const r = await env.run(['version', '--client', '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const v = JSON.parse(r.stdout) as { clientVersion: { gitVersion: string } };
    assert.match(v.clientVersion.gitVersion, /^v1\.32\./);
  });

  for (const c of CASES) {
    it(`kubectl ${c.args.slice(0, 3).join(' ')} (${c.name})`, async () => {
      const { result, request, expected } = await runCase(env, server, c);
      assert.equal(result.code, 0, `kubectl failed: ${result.stderr}`);
      assert.ok(
        request,
        `no protobuf request (got: ${server.requests.map((r) => r.contentType).join(', ')})`,
      );
      assert.deepStrictEqual(decodeKubernetesProtobuf(request.body), expected);
    });
  }

  it('an unsupported kind gets a 415 whose message kubectl prints', async () => {
    const { result, posts } = await capturePosts(env, server, [
      'create',
      'role',
      'r',
      '--verb=get',
      '--resource=pods',
    ]);
    const post = posts.find((p) => isKubernetesProtobuf(p.contentType));
    assert.ok(post, 'kubectl create role did not send protobuf');
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /cannot decode Role in version "rbac.authorization.k8s.io\/v1"/);
    assert.match(result.stderr, /UnsupportedMediaType/);
  });
});
