/**
 * The HTTP front against the real kubectl (v1.32, /usr/bin/kubectl): an HTTPS server on a free 127.0.0.1 port
 * with the cluster PKI, a kubeconfig with the CA and a bearer token, a fresh --cache-dir, and the fake handler.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ADMIN_USER, ensureClusterPki, issueToken, verifyToken } from '@kubelab/pki';
import { FakeClock } from '@kubelab/testkit';
import { createHttpApp } from '../../src/http/app.js';
import { type HttpsServer, startHttpsServer } from '../../src/http/server.js';
import { FakeHandler } from './fake-handler.js';
import { NOW_MS, ago } from './helpers.js';

const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';
const MIN = 60_000;

const dir = mkdtempSync(join(tmpdir(), 'kubelab-kubectl-'));
const handler = new FakeHandler();
let server: HttpsServer | undefined;
let kubeconfig = '';
const children = new Set<ChildProcess>();

function seed() {
  const running = (name: string, extra: Record<string, unknown> = {}) => ({
    metadata: { name, namespace: 'default', creationTimestamp: ago(5 * MIN), labels: { app: 'web' } },
    spec: { nodeName: 'node-1', containers: [{ name: 'nginx', image: 'nginx:1.27' }] },
    status: {
      phase: 'Running',
      podIP: '10.244.0.5',
      podIPs: [{ ip: '10.244.0.5' }],
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [
        {
          name: 'nginx',
          ready: true,
          restartCount: 0,
          image: 'nginx:1.27',
          imageID: '',
          state: { running: {} },
        },
      ],
    },
    ...extra,
  });
  handler.put('pods', running('web-1'));
  handler.put('pods', {
    ...running('crashy'),
    status: {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'nginx',
          ready: false,
          restartCount: 4,
          image: 'nginx',
          imageID: '',
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { exitCode: 1, finishedAt: ago(2 * MIN) } },
        },
      ],
    },
  });
  const template = {
    metadata: { labels: { app: 'web' } },
    spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] },
  };
  handler.put(
    'deployments',
    {
      metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(10 * MIN), generation: 1 },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template },
      status: {
        observedGeneration: 1,
        replicas: 2,
        updatedReplicas: 2,
        readyReplicas: 2,
        availableReplicas: 2,
      },
    },
    'apps',
  );
  handler.put(
    'replicasets',
    {
      metadata: { name: 'web-7c5ddbdf54', namespace: 'default', creationTimestamp: ago(10 * MIN) },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template },
      status: { replicas: 2, readyReplicas: 2 },
    },
    'apps',
  );
  handler.put('services', {
    metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(10 * MIN) },
    spec: {
      type: 'NodePort',
      clusterIP: '10.96.0.10',
      clusterIPs: ['10.96.0.10'],
      ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }],
      selector: { app: 'web' },
    },
  });
}

before(async () => {
  const pki = ensureClusterPki(join(dir, 'pki'), { wallNowMs: Date.now() });
  const token = issueToken(pki.tokenSecret, ADMIN_USER);
  const { app } = createHttpApp({
    handler,
    clock: new FakeClock(0, NOW_MS),
    authenticate: (t) => verifyToken(pki.tokenSecret, t),
    ready: () => true,
    id: 'api-test',
  });
  server = await startHttpsServer({
    app,
    port: 0,
    host: '127.0.0.1',
    tls: { key: pki.serving.keyPem, cert: pki.serving.certPem },
  });
  kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: kubelab',
      '  cluster:',
      `    server: https://127.0.0.1:${server.port}`,
      `    certificate-authority: ${pki.paths.caCert}`,
      'users:',
      '- name: admin',
      '  user:',
      `    token: ${token}`,
      'contexts:',
      '- name: kubelab',
      '  context: {cluster: kubelab, user: admin, namespace: default}',
      'current-context: kubelab',
      '',
    ].join('\n'),
  );
  seed();
});

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const baseArgs = () => [
  '--kubeconfig',
  kubeconfig,
  '--cache-dir',
  join(dir, 'cache'),
  '--request-timeout',
  '20s',
];

/** Runs kubectl to completion (asynchronously: the server lives in this process). */
function kubectl(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(KUBECTL, [...baseArgs(), ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      children.delete(child);
      const code = err
        ? typeof (err as { code?: unknown }).code === 'number'
          ? (err as { code: number }).code
          : 1
        : 0;
      resolve({ code, stdout, stderr });
    });
    children.add(child);
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Splits kubectl table output into rows of whitespace-separated columns. */
const table = (out: string) =>
  out
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s{2,}/));

describe('real kubectl', { skip: !existsSync(KUBECTL) }, () => {
  test('kubectl - api-resources lists the registry (aggregated discovery)', async () => {
    const r = await kubectl(['api-resources']);
    assert.equal(r.code, 0, r.stderr);
    const rows = table(r.stdout);
    assert.deepEqual(rows[0], ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
    assert.ok(
      rows.some((row) => row.join(' ') === 'pods po v1 true Pod'),
      r.stdout,
    );
    assert.ok(
      rows.some((row) => row.join(' ') === 'deployments deploy apps/v1 true Deployment'),
      r.stdout,
    );
  });

  test('kubectl - get pods prints the server-side Table, -o wide and --show-labels', async () => {
    const r = await kubectl(['get', 'pods']);
    assert.equal(r.code, 0, r.stderr);
    const rows = table(r.stdout);
    assert.deepEqual(rows[0], ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    assert.deepEqual(
      rows.find((x) => x[0] === 'crashy'),
      ['crashy', '0/1', 'CrashLoopBackOff', '4 (2m ago)', '5m'],
    );
    assert.deepEqual(
      rows.find((x) => x[0] === 'web-1'),
      ['web-1', '1/1', 'Running', '0', '5m'],
    );

    const wide = table((await kubectl(['get', 'pods', '-o', 'wide'])).stdout);
    assert.deepEqual(wide[0], [
      'NAME',
      'READY',
      'STATUS',
      'RESTARTS',
      'AGE',
      'IP',
      'NODE',
      'NOMINATED NODE',
      'READINESS GATES',
    ]);
    assert.deepEqual(wide.find((x) => x[0] === 'web-1')?.slice(5), [
      '10.244.0.5',
      'node-1',
      '<none>',
      '<none>',
    ]);

    const labels = table((await kubectl(['get', 'pods', '--show-labels'])).stdout);
    assert.equal(labels[0]?.at(-1), 'LABELS');
    assert.equal(labels.find((x) => x[0] === 'web-1')?.at(-1), 'app=web');

    const all = table((await kubectl(['get', 'pods', '-A'])).stdout);
    assert.deepEqual(all[0]?.slice(0, 2), ['NAMESPACE', 'NAME']);
    assert.deepEqual(all.find((x) => x[1] === 'web-1')?.slice(0, 2), ['default', 'web-1']);
  });

  test('kubectl - get deploy,rs,svc prefixes names by kind', async () => {
    const r = await kubectl(['get', 'deploy,rs,svc']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deployment\.apps\/web\s+2\/2\s+2\s+2\s+10m/);
    assert.match(r.stdout, /replicaset\.apps\/web-7c5ddbdf54\s+2\s+2\s+2\s+10m/);
    assert.match(r.stdout, /service\/web\s+NodePort\s+10\.96\.0\.10\s+<none>\s+80:30080\/TCP\s+10m/);
  });

  test('kubectl - get pod -o yaml prints the object', async () => {
    const r = await kubectl(['get', 'pod', 'web-1', '-o', 'yaml']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^apiVersion: v1\nkind: Pod\n/);
    assert.match(r.stdout, /name: web-1/);
    const missing = await kubectl(['get', 'pod', 'nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Error from server \(NotFound\): pods "nope" not found/);
  });

  test('kubectl - create -f validates through /openapi/v3 and POSTs with fieldValidation=Strict', async () => {
    const manifest = join(dir, 'pod.yaml');
    writeFileSync(
      manifest,
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: created\nspec:\n  containers:\n  - name: c\n    image: busybox\n',
    );
    const r = await kubectl(['create', '-f', manifest]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'pod/created created');
    const call = handler.calls.findLast((c) => c.req.verb === 'create');
    assert.equal(call?.req.query?.fieldValidation, 'Strict');
    assert.equal(call?.req.query?.fieldManager, 'kubectl-create');
    const again = await kubectl(['create', '-f', manifest]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /AlreadyExists/);
  });

  test('kubectl - explain pod.spec.containers reads the v3 schemas', async () => {
    const r = await kubectl(['explain', 'pod.spec.containers']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /KIND:\s+Pod\nVERSION:\s+v1/);
    assert.match(r.stdout, /FIELD: containers <\[\]Container>/);
    assert.match(r.stdout, /A single application container that you want to run within a pod\./);
    assert.match(r.stdout, /image\t<string>/);
    assert.match(r.stdout, /name\t<string> -required-/);
    const deploy = await kubectl(['explain', 'deployment.spec.strategy']);
    assert.equal(deploy.code, 0, deploy.stderr);
    assert.match(deploy.stdout, /GROUP:\s+apps/);
    assert.match(deploy.stdout, /rollingUpdate\t<RollingUpdateDeployment>/);
  });

  test('kubectl - get pods -w prints the list, then watch events as they come', async () => {
    const child = spawn(KUBECTL, [...baseArgs(), 'get', 'pods', '-w'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const waitFor = async (re: RegExp) => {
      const deadline = Date.now() + 15_000;
      while (!re.test(out)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} in:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await waitFor(/web-1\s+1\/1\s+Running/);
    // The watch starts from the list's resourceVersion; push an event once it is open.
    const deadline = Date.now() + 10_000;
    while (![...handler.watchers].some((w) => w.req.resource === 'pods')) {
      if (Date.now() > deadline) throw new Error('kubectl never opened the watch');
      await new Promise((r) => setTimeout(r, 50));
    }
    const watchReq = [...handler.watchers].find((w) => w.req.resource === 'pods')?.req;
    assert.equal(watchReq?.query?.resourceVersion, String(handler.rv));
    handler.emit('ADDED', 'pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'late', namespace: 'default', creationTimestamp: ago(1000), resourceVersion: '999' },
      spec: { containers: [{ name: 'c', image: 'x' }] },
      status: { phase: 'Pending' },
    });
    await waitFor(/late\s+0\/1\s+Pending\s+0\s+1s/);
    child.kill('SIGTERM');
    children.delete(child);
  });

  test('kubectl - rollout status completes and exits (watch headers are flushed)', async () => {
    const started = Date.now();
    const r = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=20s']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deployment "web" successfully rolled out/);
    assert.ok(Date.now() - started < 15_000, 'did not hang after success');
  });

  test('kubectl - a wrong token is refused', async () => {
    const bad = join(dir, 'bad-kubeconfig');
    const { readFileSync } = await import('node:fs');
    writeFileSync(bad, readFileSync(kubeconfig, 'utf8').replace(/token: .*/, 'token: kl1.forged.token'));
    const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        KUBECTL,
        ['--kubeconfig', bad, '--cache-dir', join(dir, 'cache-bad'), 'get', 'pods'],
        (err, _o, stderr) => resolve({ code: err ? 1 : 0, stderr }),
      );
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /You must be logged in to the server/);
  });
});
