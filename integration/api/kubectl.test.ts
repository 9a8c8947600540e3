/**
 * Acceptance: the real kubectl v1.32 against a kubelab process cluster (`kubelab up`, 3 api replicas over
 * HTTPS). Asserts on kubectl's own printed output and exit codes, the way a user sees them (KUBECTL.md).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '@kubelab/testkit';
import { TestCluster, kubectl, kubectlOk } from './helpers.js';

const cluster = new TestCluster('kubectl');
const k = (...args: string[]) => kubectl(cluster, args);
const ok = (...args: string[]) => kubectlOk(cluster, args);
let dir = '';

function manifest(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const podYaml = (name: string, extra = '') => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels:
    app: web
spec:
  containers:
  - name: nginx
    image: nginx:1.25
    ports:
    - containerPort: 80
${extra}`;

const deployYaml = (replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: applied
  labels:
    app: applied
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: applied
  template:
    metadata:
      labels:
        app: applied
    spec:
      containers:
      - name: app
        image: nginx:1.25
`;

async function getJson<T = Record<string, unknown>>(...args: string[]): Promise<T> {
  return JSON.parse(await ok('get', ...args, '-o', 'json')) as T;
}

/** The data rows of a kubectl table (header dropped), each split on runs of 2+ spaces. */
function rows(stdout: string): string[][] {
  return stdout
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s{2,}/));
}

describe('kubectl v1.32 against kubelab', { timeout: 240_000 }, () => {
  before(async () => {
    await cluster.up(0);
    dir = cluster.scratch('manifests');
    // The api serves once a leader is elected; the built-in namespaces are there then.
    await waitFor(async () => (await k('get', 'namespace', 'default')).code === 0, {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: 'kubectl get namespace default',
    });
  });

  after(async () => {
    await cluster.down();
  });

  it('api-resources lists the served kinds with short names', async () => {
    const out = await ok('api-resources');
    assert.match(out, /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND$/m);
    assert.match(out, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    assert.match(out, /^pods\s+po\s+v1\s+true\s+Pod$/m);
    assert.match(out, /^services\s+svc\s+v1\s+true\s+Service$/m);
    assert.match(out, /^configmaps\s+cm\s+v1\s+true\s+ConfigMap$/m);
    assert.match(out, /^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
    assert.match(out, /^replicasets\s+rs\s+apps\/v1\s+true\s+ReplicaSet$/m);
    const names = await ok('api-resources', '--api-group=apps', '-o', 'name');
    assert.ok(names.split('\n').includes('deployments.apps'), names);
  });

  it('create -f creates a pod; a second create is AlreadyExists', async () => {
    const file = manifest('pod.yaml', podYaml('nginx'));
    assert.equal(await ok('create', '-f', file), 'pod/nginx created\n');
    const again = await k('create', '-f', file);
    assert.equal(again.code, 1);
    assert.equal(
      again.stderr.trim(),
      `Error from server (AlreadyExists): error when creating "${file}": pods "nginx" already exists`,
    );
  });

  it('create deployment|namespace|configmap|service (protobuf bodies)', async () => {
    assert.equal(
      await ok('create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=2'),
      'deployment.apps/web created\n',
    );
    const deploy = await getJson<{
      spec: {
        replicas: number;
        selector: { matchLabels: Record<string, string> };
        template: { spec: { containers: { name: string; image: string }[] } };
      };
    }>('deployment', 'web');
    assert.equal(deploy.spec.replicas, 2);
    assert.deepEqual(deploy.spec.selector.matchLabels, { app: 'web' });
    assert.deepEqual(
      deploy.spec.template.spec.containers.map((c) => [c.name, c.image]),
      [['nginx', 'nginx:1.25']],
    );

    assert.equal(await ok('create', 'namespace', 'team-a'), 'namespace/team-a created\n');
    assert.match(await ok('get', 'namespace', 'team-a'), /^team-a\s+Active\s+\d+s$/m);

    assert.equal(
      await ok('create', 'configmap', 'cfg', '--from-literal=a=1', '--from-literal=b=two'),
      'configmap/cfg created\n',
    );
    assert.deepEqual((await getJson<{ data: unknown }>('configmap', 'cfg')).data, { a: '1', b: 'two' });
    assert.equal(
      await ok('create', 'configmap', 'in-team', '-n', 'team-a', '--from-literal=x=y'),
      'configmap/in-team created\n',
    );
    assert.match(await ok('get', 'cm', '-n', 'team-a'), /^in-team\s+1\s+\d+s$/m);

    assert.equal(
      await ok('create', 'service', 'clusterip', 'svc1', '--tcp=80:8080'),
      'service/svc1 created\n',
    );
    const svc = await getJson<{ spec: { type: string; ports: unknown[]; selector: unknown } }>('svc', 'svc1');
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.deepEqual(svc.spec.ports, [{ name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 }]);
    assert.deepEqual(svc.spec.selector, { app: 'svc1' });
  });

  it('a ClusterIP service gets a cluster IP allocated', async () => {
    const svc = await getJson<{ spec: { clusterIP?: string; clusterIPs?: string[] } }>('svc', 'svc1');
    assert.match(svc.spec.clusterIP ?? '', /^\d+\.\d+\.\d+\.\d+$/, 'spec.clusterIP is allocated');
    assert.deepEqual(svc.spec.clusterIPs, [svc.spec.clusterIP]);
    const [row] = rows(await ok('get', 'svc', 'svc1'));
    assert.equal(row?.[2], svc.spec.clusterIP, 'the CLUSTER-IP column shows it');
  });

  it('apply -f creates, then reports unchanged, then configured', async () => {
    const file = manifest('deploy.yaml', deployYaml(2));
    assert.equal(await ok('apply', '-f', file), 'deployment.apps/applied created\n');
    assert.equal(await ok('apply', '-f', file), 'deployment.apps/applied unchanged\n');
    writeFileSync(file, deployYaml(3));
    assert.equal(await ok('apply', '-f', file), 'deployment.apps/applied configured\n');
    const d = await getJson<{
      spec: { replicas: number };
      metadata: { annotations: Record<string, string> };
    }>('deploy', 'applied');
    assert.equal(d.spec.replicas, 3);
    const last = JSON.parse(
      d.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'] ?? '{}',
    );
    assert.equal(last.spec.replicas, 3, 'the last-applied annotation is kept verbatim');
    assert.equal(await ok('apply', '-f', file), 'deployment.apps/applied unchanged\n');
  });

  it('get prints tables, -o yaml|json|wide, --show-labels and -l', async () => {
    const table = await ok('get', 'pods');
    assert.match(table, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
    assert.match(table, /^nginx\s+0\/1\s+Pending\s+0\s+\d+s$/m);

    const yaml = await ok('get', 'pod', 'nginx', '-o', 'yaml');
    assert.match(yaml, /^apiVersion: v1$/m);
    assert.match(yaml, /^kind: Pod$/m);
    assert.match(yaml, /^ {2}name: nginx$/m);
    assert.match(yaml, /^ {2}- image: nginx:1\.25$/m);
    assert.match(yaml, /^ {2}resourceVersion: "\d+"$/m);

    const json = JSON.parse(await ok('get', 'pod', 'nginx', '-o', 'json'));
    assert.equal(json.kind, 'Pod');
    assert.equal(json.apiVersion, 'v1');
    assert.equal(json.metadata.namespace, 'default');
    assert.match(json.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.equal(json.spec.containers[0].ports[0].protocol, 'TCP', 'server-side defaults');
    assert.equal(json.spec.restartPolicy, 'Always');
    assert.equal(json.status.phase, 'Pending');

    // The controllers run too: Deployment pods (pod-template-hash) are not this test's.
    const list = JSON.parse(await ok('get', 'pods', '-o', 'json', '-l', '!pod-template-hash'));
    assert.equal(list.kind, 'List');
    assert.deepEqual(
      list.items.map((i: { metadata: { name: string } }) => i.metadata.name),
      ['nginx'],
    );

    const wide = await ok('get', 'pods', '-o', 'wide');
    assert.match(
      wide,
      /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/m,
    );
    assert.match(wide, /^nginx\s+0\/1\s+Pending\s+0\s+\d+s\s+<none>\s+<none>\s+<none>\s+<none>$/m);

    const labels = await ok('get', 'pods', '--show-labels');
    assert.match(labels, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+LABELS$/m);
    assert.match(labels, /^nginx\s+.*\s+app=web$/m);

    await ok('run', 'other', '--image=busybox:1.36', '--labels=app=other');
    assert.deepEqual(
      rows(await ok('get', 'pods', '-l', 'app=web,!pod-template-hash')).map((r) => r[0]),
      ['nginx'],
    );
    assert.deepEqual(
      rows(await ok('get', 'pods', '-l', 'app in (web,other),!pod-template-hash')).map((r) => r[0]),
      ['nginx', 'other'],
    );
    assert.deepEqual(
      rows(await ok('get', 'pods', '-l', 'app!=web,!pod-template-hash')).map((r) => r[0]),
      ['other'],
    );
    const none = await k('get', 'pods', '-l', 'app=nope');
    assert.equal(none.code, 0);
    assert.equal(none.stdout, '');
    assert.equal(none.stderr.trim(), 'No resources found in default namespace.');

    const multi = await ok('get', 'deploy,svc');
    assert.match(multi, /^deployment\.apps\/web\s+\d\/2\s+\d+\s+\d+\s+\d+s$/m);
    assert.match(multi, /^service\/svc1\s+ClusterIP\s/m);
    await ok('delete', 'pod', 'other');
  });

  it('get -w prints a row for each change, and nothing twice', async () => {
    const child = spawn(
      'kubectl',
      [
        '--kubeconfig',
        cluster.kubeconfig,
        '--cache-dir',
        cluster.cacheDir,
        'get',
        'pods',
        '-w',
        '--output-watch-events',
      ],
      { env: cluster.env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      err += c;
    });
    try {
      await waitFor(() => /^ADDED\s+nginx\s/m.test(out), {
        timeoutMs: 15_000,
        what: `the initial list\n${out}${err}`,
      });
      await ok('run', 'watched', '--image=busybox:1.36');
      await waitFor(() => /^ADDED\s+watched\s/m.test(out), {
        timeoutMs: 10_000,
        what: `the ADDED row\n${out}${err}`,
      });
      await ok('label', 'pod', 'watched', 'seen=yes');
      await waitFor(() => /^MODIFIED\s+watched\s/m.test(out), {
        timeoutMs: 10_000,
        what: `the MODIFIED row\n${out}${err}`,
      });
      await ok('delete', 'pod', 'watched');
      await waitFor(() => /^DELETED\s+watched\s/m.test(out), {
        timeoutMs: 10_000,
        what: `the DELETED row\n${out}${err}`,
      });
      await new Promise((r) => setTimeout(r, 500));
      const lines = out.trim().split('\n');
      assert.match(lines[0] ?? '', /^EVENT\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
      // The list's pods are ADDED once; the watch that follows must not replay them (MODIFIED rows from the
      // controllers and the scheduler writing status meanwhile are real changes).
      assert.equal(
        lines.filter((l) => /^ADDED\s+nginx\s/.test(l)).length,
        1,
        `no replay of existing pods:\n${out}`,
      );
      const watched = lines.filter((l) => /^\S+\s+watched\s/.test(l)).map((l) => l.split(/\s+/)[0]);
      // ADDED, the label's MODIFIED, DELETED, and any status writes of the running scheduler in between.
      assert.equal(watched[0], 'ADDED', out);
      assert.equal(watched[watched.length - 1], 'DELETED', out);
      assert.ok(watched.length >= 3 && watched.length <= 5, `ADDED, MODIFIED…, DELETED:\n${out}`);
      for (const l of lines.filter((x) => /^\S+\s+watched\s/.test(x))) {
        assert.match(l, /^(ADDED|MODIFIED|DELETED)\s+watched\s+0\/1\s+Pending\s+0\s+\d+s$/);
      }
      assert.equal(child.exitCode, null, 'the watch is still open');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('describe pod prints the pod', async () => {
    const out = await ok('describe', 'pod', 'nginx');
    assert.match(out, /^Name:\s+nginx$/m);
    assert.match(out, /^Namespace:\s+default$/m);
    assert.match(out, /^Service Account:\s+default$/m);
    assert.match(out, /^Labels:\s+app=web$/m);
    assert.match(out, /^Status:\s+Pending$/m);
    assert.match(out, /^ {4}Image:\s+nginx:1\.25$/m);
    assert.match(out, /^ {4}Port:\s+80\/TCP$/m);
    assert.match(out, /^QoS Class:\s+BestEffort$/m);
    // The scheduler (no nodes in this cluster) may have reported FailedScheduling by now.
    assert.match(out, /^Events:/m);
  });

  it('edit applies the change the editor made', async () => {
    const editor = join(dir, 'editor.sh');
    writeFileSync(editor, '#!/bin/sh\nsed -i "s/image: nginx:1.25/image: nginx:1.27/" "$1"\n');
    chmodSync(editor, 0o755);
    const r = await kubectl(cluster, ['edit', 'deployment', 'web'], {
      env: { EDITOR: editor, KUBE_EDITOR: editor },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'deployment.apps/web edited\n');
    const image = await ok(
      'get',
      'deploy',
      'web',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image}',
    );
    assert.equal(image, 'nginx:1.27');
    // An editor that changes nothing: kubectl says so and sends no patch.
    const noop = join(dir, 'noop.sh');
    writeFileSync(noop, '#!/bin/sh\ntrue\n');
    chmodSync(noop, 0o755);
    const unchanged = await kubectl(cluster, ['edit', 'deployment', 'web'], {
      env: { EDITOR: noop, KUBE_EDITOR: noop },
    });
    assert.equal(unchanged.code, 0);
    assert.match(unchanged.stderr, /Edit cancelled, no changes made\./);
  });

  it('label adds, refuses to overwrite without --overwrite, and removes', async () => {
    assert.equal(await ok('label', 'pod', 'nginx', 'tier=front'), 'pod/nginx labeled\n');
    assert.deepEqual(
      rows(await ok('get', 'pods', '-l', 'tier=front')).map((r) => r[0]),
      ['nginx'],
    );
    const clash = await k('label', 'pod', 'nginx', 'tier=back');
    assert.equal(clash.code, 1);
    assert.match(clash.stderr, /'tier' already has a value \(front\), and --overwrite is false/);
    assert.equal(await ok('label', 'pod', 'nginx', 'tier=back', '--overwrite'), 'pod/nginx labeled\n');
    assert.equal(await ok('label', 'pod', 'nginx', 'tier-'), 'pod/nginx unlabeled\n');
    const labels = await getJson<{ metadata: { labels: unknown } }>('pod', 'nginx');
    assert.deepEqual(labels.metadata.labels, { app: 'web' });
  });

  it('run creates a pod with the run label', async () => {
    assert.equal(await ok('run', 'runpod', '--image=busybox:1.36'), 'pod/runpod created\n');
    const pod = await getJson<{
      metadata: { labels: unknown };
      spec: { containers: { name: string; image: string }[] };
    }>('pod', 'runpod');
    assert.deepEqual(pod.metadata.labels, { run: 'runpod' });
    assert.deepEqual(
      pod.spec.containers.map((c) => [c.name, c.image]),
      [['runpod', 'busybox:1.36']],
    );
  });

  it('delete removes the object; a get afterwards is NotFound', async () => {
    assert.equal(await ok('delete', 'pod', 'runpod'), 'pod "runpod" deleted\n');
    const gone = await k('get', 'pod', 'runpod');
    assert.equal(gone.code, 1);
    assert.equal(gone.stderr.trim(), 'Error from server (NotFound): pods "runpod" not found');
    assert.equal(await ok('delete', 'cm', 'in-team', '-n', 'team-a'), 'configmap "in-team" deleted\n');
    const missing = await k('delete', 'pod', 'runpod');
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim(), 'Error from server (NotFound): pods "runpod" not found');
  });

  it('explain pod.spec.containers', async () => {
    const out = await ok('explain', 'pod.spec.containers');
    assert.match(out, /^KIND:\s+Pod$/m);
    assert.match(out, /^VERSION:\s+v1$/m);
    assert.match(out, /^FIELD: containers <\[\]Container>$/m);
    assert.match(out, /^ {2}image\t<string>$/m);
    assert.match(out, /^ {2}name\t<string> -required-$/m);
  });

  it('scale, set image, rollout pause and resume patch the deployment', async () => {
    assert.equal(await ok('scale', 'deployment', 'web', '--replicas=5'), 'deployment.apps/web scaled\n');
    assert.equal(await ok('get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}'), '5');
    const stale = await k('scale', 'deployment', 'web', '--replicas=6', '--current-replicas=2');
    assert.equal(stale.code, 1, 'scale with a wrong --current-replicas is refused');
    assert.match(stale.stderr, /Expected .*2, was 5/);

    assert.equal(
      await ok('set', 'image', 'deployment/web', 'nginx=nginx:1.28'),
      'deployment.apps/web image updated\n',
    );
    assert.equal(
      await ok('get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'),
      'nginx:1.28',
    );

    assert.equal(await ok('rollout', 'pause', 'deployment/web'), 'deployment.apps/web paused\n');
    assert.equal(await ok('get', 'deploy', 'web', '-o', 'jsonpath={.spec.paused}'), 'true');
    const twice = await k('rollout', 'pause', 'deployment/web');
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /deployments\.apps "web" is already paused/);
    assert.equal(await ok('rollout', 'resume', 'deployment/web'), 'deployment.apps/web resumed\n');
    assert.equal(await ok('get', 'deploy', 'web', '-o', 'jsonpath={.spec.paused}'), '');
  });

  it('patch --type=json applies RFC 6902 operations', async () => {
    assert.equal(
      await ok(
        'patch',
        'deployment',
        'web',
        '--type=json',
        '-p',
        '[{"op":"replace","path":"/spec/replicas","value":7},{"op":"add","path":"/metadata/labels/extra","value":"yes"}]',
      ),
      'deployment.apps/web patched\n',
    );
    const d = await getJson<{ spec: { replicas: number }; metadata: { labels: unknown } }>('deploy', 'web');
    assert.equal(d.spec.replicas, 7);
    assert.deepEqual(d.metadata.labels, { app: 'web', extra: 'yes' });
    const bad = await k(
      'patch',
      'deployment',
      'web',
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/spec/nothing/here","value":1}]',
    );
    assert.equal(bad.code, 1, 'replace on a missing path fails');
    const failedTest = await k(
      'patch',
      'deployment',
      'web',
      '--type=json',
      '-p',
      '[{"op":"test","path":"/spec/replicas","value":1}]',
    );
    assert.equal(failedTest.code, 1, 'a failing test op fails the patch');
    assert.equal(await ok('get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}'), '7');
  });

  it('invalid manifests are rejected with the field named', async () => {
    const badName = manifest('bad-name.yaml', podYaml('Bad_Name'));
    const r1 = await k('create', '-f', badName);
    assert.equal(r1.code, 1);
    assert.match(
      r1.stderr,
      /^The Pod "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/m,
    );

    const noImage = manifest(
      'no-image.yaml',
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: noimg\nspec:\n  containers:\n  - name: c\n',
    );
    const r2 = await k('create', '-f', noImage);
    assert.equal(r2.code, 1);
    assert.equal(r2.stderr.trim(), 'The Pod "noimg" is invalid: spec.containers[0].image: Required value');

    const badReplicas = await k('create', 'deployment', 'neg', '--image=nginx', '--replicas=-1');
    assert.equal(badReplicas.code, 1);
    assert.match(badReplicas.stderr, /spec\.replicas: Invalid value: -1: must be greater than or equal to 0/);

    for (const name of ['Bad_Name', 'noimg', 'neg']) {
      assert.equal((await k('get', 'pod,deploy', name)).code, 1, `${name} was not stored`);
    }
  });

  it('an unknown field is a strict decoding error (fieldValidation=Strict); Warn warns, Ignore drops', async () => {
    const file = manifest(
      'unknown-field.yaml',
      podYaml('unknown-field')
        .replace('spec:\n', 'spec:\n  bogusField: 1\n')
        .replace('    image: nginx:1.25\n', '    image: nginx:1.25\n    imagePullPolic: Always\n'),
    );
    const r = await k('create', '-f', file);
    assert.equal(r.code, 1, `kubectl create fails\n${r.stdout}${r.stderr}`);
    assert.equal(
      r.stderr.trim(),
      `Error from server (BadRequest): error when creating "${file}": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.bogusField", unknown field "spec.containers[0].imagePullPolic"`,
    );
    assert.equal((await k('get', 'pod', 'unknown-field')).code, 1, 'the pod was not stored');

    const warned = await k('create', '-f', file, '--validate=warn');
    assert.equal(warned.code, 0, warned.stderr);
    assert.match(warned.stderr, /^Warning: unknown field "spec\.bogusField"$/m);
    assert.match(warned.stderr, /^Warning: unknown field "spec\.containers\[0\]\.imagePullPolic"$/m);
    const stored = await getJson<{ spec: Record<string, unknown> }>('pod', 'unknown-field');
    assert.equal('bogusField' in stored.spec, false, 'the unknown field was dropped');
    await ok('delete', 'pod', 'unknown-field', '--wait=false');

    const ignored = await k('apply', '-f', file, '--validate=false');
    assert.equal(ignored.code, 0, ignored.stderr);
    assert.doesNotMatch(ignored.stderr, /unknown field/);
    await ok('delete', 'pod', 'unknown-field', '--wait=false');
  });

  it('an unknown resource type is a kubectl error', async () => {
    const r = await k('get', 'widgets');
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'error: the server doesn\'t have a resource type "widgets"');
  });

  it('get of a missing object is NotFound', async () => {
    const r = await k('get', 'pod', 'nope');
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim(), 'Error from server (NotFound): pods "nope" not found');
    const d = await k('get', 'deployment', 'nope');
    assert.equal(d.stderr.trim(), 'Error from server (NotFound): deployments.apps "nope" not found');
  });

  it('replace with a stale resourceVersion is a Conflict', async () => {
    const file = join(dir, 'cfg.yaml');
    writeFileSync(file, await ok('get', 'configmap', 'cfg', '-o', 'yaml'));
    await ok('label', 'configmap', 'cfg', 'bumped=yes'); // moves the resourceVersion on
    writeFileSync(file, readFileSync(file, 'utf8').replace('a: "1"', 'a: "2"'));
    const r = await k('replace', '-f', file);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      `Error from server (Conflict): error when replacing "${file}": Operation cannot be fulfilled on configmaps "cfg": the object has been modified; please apply your changes to the latest version and try again`,
    );
    assert.equal(await ok('get', 'cm', 'cfg', '-o', 'jsonpath={.data.a}'), '1', 'nothing was written');
    // With the current resourceVersion the same replace goes through.
    writeFileSync(file, (await ok('get', 'configmap', 'cfg', '-o', 'yaml')).replace('a: "1"', 'a: "2"'));
    assert.equal(await ok('replace', '-f', file), 'configmap/cfg replaced\n');
    assert.equal(await ok('get', 'cm', 'cfg', '-o', 'jsonpath={.data.a}'), '2');
  });

  it('replace -f of a hand-written manifest (no resourceVersion, uid or creationTimestamp) replaces', async () => {
    const cm = (v: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\ndata:\n  v: "${v}"\n`;
    const file = manifest('plain-cm.yaml', cm('1'));
    assert.equal(await ok('create', '-f', file), 'configmap/plain created\n');
    const uid = await ok('get', 'cm', 'plain', '-o', 'jsonpath={.metadata.uid}');
    writeFileSync(file, cm('2'));
    const r = await k('replace', '-f', file);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'configmap/plain replaced\n');
    assert.equal(await ok('get', 'cm', 'plain', '-o', 'jsonpath={.data.v} {.metadata.uid}'), `2 ${uid}`);
  });

  it('--dry-run=server does not persist', async () => {
    assert.equal(
      await ok('create', 'configmap', 'dry', '--from-literal=a=1', '--dry-run=server'),
      'configmap/dry created (server dry run)\n',
    );
    assert.equal(
      await ok('run', 'drypod', '--image=nginx', '--dry-run=server'),
      'pod/drypod created (server dry run)\n',
    );
    const file = manifest('dry-deploy.yaml', deployYaml(1).replaceAll('applied', 'dry-applied'));
    assert.equal(
      await ok('apply', '-f', file, '--dry-run=server'),
      'deployment.apps/dry-applied created (server dry run)\n',
    );
    assert.equal(
      await ok('delete', 'pod', 'nginx', '--dry-run=server'),
      'pod "nginx" deleted (server dry run)\n',
    );
    for (const [kind, name] of [
      ['configmap', 'dry'],
      ['pod', 'drypod'],
      ['deployment', 'dry-applied'],
    ] as const) {
      const r = await k('get', kind, name);
      assert.equal(r.code, 1, `${kind}/${name} was not persisted`);
      assert.match(r.stderr, /NotFound/);
    }
    assert.equal((await k('get', 'pod', 'nginx')).code, 0, 'the dry-run delete left the pod');
  });

  it('scale --dry-run=server answers with a Scale and does not persist', async () => {
    const rv = await ok('get', 'deploy', 'web', '-o', 'jsonpath={.metadata.resourceVersion}');
    const r = await k('scale', 'deployment', 'web', '--replicas=1', '--dry-run=server');
    assert.equal(await ok('get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}'), '7');
    assert.equal(await ok('get', 'deploy', 'web', '-o', 'jsonpath={.metadata.resourceVersion}'), rv);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'deployment.apps/web scaled (server dry run)\n');
  });

  it('delete -f removes what the manifest names', async () => {
    const file = join(dir, 'pod.yaml');
    assert.equal(await ok('delete', '-f', file), 'pod "nginx" deleted\n');
    assert.equal((await k('get', 'pod', 'nginx')).code, 1);
    assert.equal(
      await ok('delete', 'deployment', 'web', 'applied'),
      'deployment.apps "web" deleted\ndeployment.apps "applied" deleted\n',
    );
    const r = await k('get', 'deploy');
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim(), 'No resources found in default namespace.');
  });
});
