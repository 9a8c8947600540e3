/**
 * End to end: real kubectl → HTTPS front → ApiCore (production admission) → replicated store on a local
 * one-member log. Exercises the request shapes KUBECTL.md lists: client-side and server-side apply, protobuf
 * `create deployment`, `run`, `scale` (merge patch on /scale), `label`, `get -w`, `delete`.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { seededRng, systemClock } from '@kubelab/clock';
import { ADMIN_USER, ensureClusterPki, issueToken, verifyToken } from '@kubelab/pki';
import { ApiCore } from '../../src/core/api-core.js';
import { kubeAdmission } from '../../src/core/kube-admission.js';
import { createHttpApp } from '../../src/http/app.js';
import { type HttpsServer, startHttpsServer } from '../../src/http/server.js';
import { LocalLog } from '../../src/store/command-log.js';
import { ReplicatedStore } from '../../src/store/replicated-store.js';
import { ADMIN, TOKEN } from './fake-handler.js';
import { TABLE_ACCEPT } from './helpers.js';

const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';
const dir = mkdtempSync(join(tmpdir(), 'kubelab-e2e-'));
const children = new Set<ChildProcess>();
let server: HttpsServer | undefined;
let kubeconfig = '';
let closeWatches: () => void = () => undefined;

function newCore() {
  const log = new LocalLog();
  const store = new ReplicatedStore({ log, clock: systemClock });
  log.attach(store.applyEntry);
  return new ApiCore({
    store,
    admission: kubeAdmission(),
    clock: systemClock,
    rng: seededRng(1),
    newUid: randomUUID,
  });
}

const core = newCore();

before(async () => {
  for (const name of ['default', 'kube-system']) {
    const r = await core.handle(
      { verb: 'create', group: '', version: 'v1', resource: 'namespaces', body: { metadata: { name } } },
      ADMIN,
    );
    assert.equal(r.code, 201);
  }
  const pki = ensureClusterPki(join(dir, 'pki'), { wallNowMs: Date.now() });
  const http = createHttpApp({
    handler: core,
    clock: systemClock,
    authenticate: (t) => (t === TOKEN ? ADMIN : verifyToken(pki.tokenSecret, t)),
    ready: () => true,
    id: 'api-e2e',
  });
  closeWatches = () => http.closeWatches();
  server = await startHttpsServer({
    app: http.app,
    port: 0,
    host: '127.0.0.1',
    tls: { key: pki.serving.keyPem, cert: pki.serving.certPem },
    beforeClose: closeWatches,
  });
  kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: k\n  cluster:\n    server: https://127.0.0.1:${server.port}\n    certificate-authority: ${pki.paths.caCert}\nusers:\n- name: admin\n  user:\n    token: ${issueToken(pki.tokenSecret, ADMIN_USER)}\ncontexts:\n- name: k\n  context: {cluster: k, user: admin, namespace: default}\ncurrent-context: k\n`,
  );
});

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

function kubectl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      KUBECTL,
      ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), '--request-timeout', '20s', ...args],
      { timeout: 30_000 },
      (err, stdout, stderr) => {
        children.delete(child);
        resolve({ code: err ? Number((err as { code?: unknown }).code) || 1 : 0, stdout, stderr });
      },
    );
    children.add(child);
  });
}

const DEPLOYMENT = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: ${image}
        ports:
        - containerPort: 80
`;

describe('in-process through ApiCore', () => {
  test('e2e - create, get as Table, list, patch and delete through app.request', async () => {
    const http = createHttpApp({
      handler: core,
      clock: systemClock,
      authenticate: (t) => (t === TOKEN ? ADMIN : undefined),
      ready: () => true,
      id: 'x',
    });
    const call = (path: string, init: RequestInit = {}) =>
      http.app.request(path, {
        ...init,
        headers: { authorization: `Bearer ${TOKEN}`, ...(init.headers as Record<string, string>) },
      });
    const created = await call('/api/v1/namespaces/default/configmaps', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'inproc' },
        data: { a: '1' },
      }),
    });
    assert.equal(created.status, 201);
    const table = (await (
      await call('/api/v1/namespaces/default/configmaps/inproc', { headers: { accept: TABLE_ACCEPT } })
    ).json()) as {
      rows: { cells: unknown[] }[];
    };
    assert.deepEqual(table.rows[0]?.cells.slice(0, 2), ['inproc', 1]);
    const patched = await call('/api/v1/namespaces/default/configmaps/inproc', {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: '{"data":{"b":"2"}}',
    });
    assert.equal(patched.status, 200);
    assert.deepEqual(((await patched.json()) as { data: unknown }).data, { a: '1', b: '2' });
    const dup = await call('/api/v1/namespaces/default/configmaps', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'inproc' } }),
    });
    assert.equal(dup.status, 409);
    assert.equal(
      (await call('/api/v1/namespaces/default/configmaps/inproc', { method: 'DELETE' })).status,
      200,
    );
    assert.equal((await call('/api/v1/namespaces/default/configmaps/inproc')).status, 404);
  });
});

describe('real kubectl through ApiCore', { skip: !existsSync(KUBECTL) }, () => {
  test('e2e - autoscale posts an HPA (stored as autoscaling/v2), get hpa shows it in both versions', async () => {
    const file = join(dir, 'hpa-deploy.yaml');
    writeFileSync(file, DEPLOYMENT('nginx:1.27').replaceAll('web', 'scaled'));
    let r = await kubectl(['apply', '-f', file]);
    assert.equal(r.code, 0, r.stderr);
    r = await kubectl(['autoscale', 'deployment', 'scaled', '--cpu-percent=50', '--min=1', '--max=5']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'horizontalpodautoscaler.autoscaling/scaled autoscaled');
    r = await kubectl(['get', 'hpa']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE\nscaled\s+Deployment\/scaled\s+cpu: <unknown>\/50%\s+1\s+5\s+0\s+\d+s\n$/,
    );
    r = await kubectl([
      'get',
      'horizontalpodautoscalers.v2.autoscaling',
      'scaled',
      '-o',
      'jsonpath={.apiVersion} {.spec.metrics[0].resource.target.averageUtilization}',
    ]);
    assert.equal(r.stdout, 'autoscaling/v2 50');
    r = await kubectl([
      'get',
      'horizontalpodautoscalers.v1.autoscaling',
      'scaled',
      '-o',
      'jsonpath={.apiVersion} {.spec.targetCPUUtilizationPercentage} {.spec.minReplicas}',
    ]);
    assert.equal(r.stdout, 'autoscaling/v1 50 1');
    r = await kubectl([
      'patch',
      'horizontalpodautoscalers.v1.autoscaling',
      'scaled',
      '--type=merge',
      '-p',
      '{"spec":{"maxReplicas":7}}',
    ]);
    assert.equal(r.code, 0, r.stderr);
    r = await kubectl(['get', 'hpa', 'scaled', '-o', 'jsonpath={.spec.maxReplicas}']);
    assert.equal(r.stdout, '7');
    r = await kubectl(['delete', 'hpa', 'scaled']);
    assert.equal(r.code, 0, r.stderr);
  });

  test('e2e - apply (client-side), scale, label, apply again, create deployment (protobuf), delete', async () => {
    const file = join(dir, 'deploy.yaml');
    writeFileSync(file, DEPLOYMENT('nginx:1.27'));
    let r = await kubectl(['apply', '-f', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'deployment.apps/web created');

    r = await kubectl(['get', 'deploy', 'web']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+0\/2\s+0\s+0\s+\d+s\n$/);

    r = await kubectl(['scale', 'deployment', 'web', '--replicas=3']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'deployment.apps/web scaled');
    r = await kubectl(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}']);
    assert.equal(r.stdout, '3');

    r = await kubectl(['label', 'deployment', 'web', 'tier=frontend']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'deployment.apps/web labeled');

    writeFileSync(file, DEPLOYMENT('nginx:1.28'));
    r = await kubectl(['apply', '-f', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'deployment.apps/web configured');
    r = await kubectl([
      'get',
      'deploy',
      'web',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image} {.metadata.labels.tier}',
    ]);
    assert.equal(r.stdout, 'nginx:1.28 frontend');

    r = await kubectl(['create', 'deployment', 'api', '--image=nginx:1.27', '--replicas=2']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'deployment.apps/api created');
    r = await kubectl(['get', 'deployments', '-o', 'wide']);
    assert.match(r.stdout, /api\s+0\/2\s+0\s+0\s+\d+s\s+nginx\s+nginx:1\.27\s+app=api/);

    r = await kubectl(['delete', 'deployment', 'api']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'deployment.apps "api" deleted');
  });

  test('e2e - run, get pods -w sees a new pod, server-side apply, strict validation', async () => {
    let r = await kubectl(['run', 'nginx', '--image=nginx']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'pod/nginx created');

    const child = spawn(
      KUBECTL,
      ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), 'get', 'pods', '-w'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.add(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const waitFor = async (re: RegExp) => {
      const deadline = Date.now() + 15_000;
      while (!re.test(out)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} in:\n${out}`);
        await new Promise((res) => setTimeout(res, 50));
      }
    };
    await waitFor(/nginx\s+0\/1\s+Pending\s+0\s+\d+s/);
    // Give kubectl a moment to open the watch, then create through the API.
    await new Promise((res) => setTimeout(res, 300));
    r = await kubectl(['run', 'second', '--image=busybox']);
    assert.equal(r.code, 0, r.stderr);
    await waitFor(/second\s+0\/1\s+Pending\s+0\s+\d+s/);
    child.kill('SIGTERM');
    children.delete(child);

    const cm = join(dir, 'cm.yaml');
    writeFileSync(cm, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: "1"\n');
    r = await kubectl(['apply', '--server-side', '-f', cm]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'configmap/cfg serverside-applied');
    r = await kubectl(['get', 'configmap', 'cfg']);
    assert.match(r.stdout, /cfg\s+1\s+\d+s/);

    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec:\n  containers:\n  - name: c\n',
    );
    r = await kubectl(['create', '-f', bad]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /The Pod "bad" is invalid: spec\.containers\[0\]\.image: Required value/);

    r = await kubectl(['delete', 'pod', 'second', '--wait=false']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'pod "second" deleted');
  });
});
