/**
 * Issue 6's pod acceptance with the seed's own pod files (k8s-notes.zh.txt, typos corrected), on a process
 * cluster of 3 api replicas, the scheduler, the controller manager and 3 node agents, through the real
 * kubectl (`kubectl create -f -` of YAML, `get pod`, `get pod -w`, `logs`, `exec`) and real HTTP/TCP from
 * this process to pod IPs. No pod presets spec.nodeName (the scheduler places them) except the one that must
 * land where an image is already cached. CrashLoopBackOff and heartbeat durations are shortened through the
 * environment; the seed's 90 s slow starter is scaled to 9 s with 1 s probe periods (probes count in whole
 * seconds, and the kubelet has no time scale).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '@kubelab/testkit';
import { TestCluster, kubectl, kubectlOk } from '../api/helpers.js';
import {
  PodWatch,
  SHORT_DURATIONS,
  condition,
  getPod,
  httpGet,
  secondsBetween,
  waitNodesReady,
  waitPod,
} from './helpers.js';

const cluster = new TestCluster('seed-pods');
Object.assign(cluster.env, SHORT_DURATIONS);

const create = (yaml: string) => kubectlOk(cluster, ['create', '-f', '-'], { input: yaml });

describe('seed pods (issue 6 acceptance)', { timeout: 900_000 }, () => {
  before(async () => {
    await cluster.up(3);
    await cluster.apiLeader(60_000);
    await waitNodesReady(cluster, 3);
  });
  after(async () => {
    await cluster.down();
  });

  it('nginx.yaml: scheduled, Running with a pod IP, and HTTP to podIP:80 answers', async () => {
    const out = await create(`
apiVersion: v1 # pod的版本号
kind: Pod
metadata:
  name: nginx
spec:
  containers:
  - name: nginx
    image: nginx:1.15.12
    ports:
    - containerPort: 80
`);
    assert.match(out, /pod\/nginx created/);
    const p = await waitPod(
      cluster,
      'nginx',
      (x) => x.status?.phase === 'Running' && !!x.status.podIP,
      'Running',
    );
    assert.match(p.spec?.nodeName ?? '', /^node-[0-2]$/, 'the scheduler bound it to one of the 3 nodes');
    assert.equal(condition(p, 'PodScheduled'), 'True');
    const podIP = p.status?.podIP ?? '';
    assert.match(podIP, /^127\./);
    const res = await waitFor(() => httpGet(podIP, 80).catch(() => undefined), {
      timeoutMs: 15_000,
      intervalMs: 200,
      what: `GET http://${podIP}/`,
    });
    assert.equal(res.status, 200);
    assert.match(res.body, /<title>Welcome to nginx!<\/title>/);
    assert.match(await kubectlOk(cluster, ['get', 'pod', 'nginx']), /^nginx\s+1\/1\s+Running\s+0\s+\S+$/m);
    const wide = await kubectlOk(cluster, ['get', 'pod', 'nginx', '-o', 'wide']);
    assert.ok(wide.includes(podIP) && wide.includes(p.spec?.nodeName ?? '?'), wide);
    // The access log shows the request this process made.
    assert.match(await kubectlOk(cluster, ['logs', 'nginx']), /"GET \/ HTTP\/1\.1" 200 /);
  });

  it('kubectl run nginx-run --image=nginx:1.15.12: Running', async () => {
    assert.match(
      await kubectlOk(cluster, ['run', 'nginx-run', '--image=nginx:1.15.12']),
      /pod\/nginx-run created/,
    );
    const p = await waitPod(cluster, 'nginx-run', (x) => x.status?.phase === 'Running', 'Running');
    assert.equal(p.metadata.labels?.run, 'nginx-run');
  });

  it('command [sleep, "10"] with restartPolicy Never: Running, then Completed/Succeeded after about 10 s', async () => {
    await create(`
apiVersion: v1
kind: Pod
metadata:
  name: sleeper
spec:
  containers:
  - name: nginx
    image: nginx:1.15.12
    imagePullPolicy: IfNotPresent
    command:
    - sleep
    - "10"
    ports:
    - containerPort: 80
  restartPolicy: Never
`);
    const running = await waitPod(cluster, 'sleeper', (x) => x.status?.phase === 'Running', 'Running');
    assert.ok(running.status?.containerStatuses?.[0]?.state?.running);
    const done = await waitPod(cluster, 'sleeper', (x) => x.status?.phase === 'Succeeded', 'Succeeded');
    const term = done.status?.containerStatuses?.[0]?.state?.terminated;
    assert.equal(term?.reason, 'Completed');
    assert.equal(term?.exitCode, 0);
    const ran = secondsBetween(term?.startedAt, term?.finishedAt);
    assert.ok(ran >= 9 && ran <= 12, `the container ran ${ran} s (sleep 10)`);
    assert.equal(done.status?.containerStatuses?.[0]?.restartCount, 0);
    assert.match(await kubectlOk(cluster, ['get', 'pod', 'sleeper']), /^sleeper\s+0\/1\s+Completed\s+0\s/m);
  });

  it('sh -c "sleep 10; nginx" with readiness httpGet (httpHeaders) and liveness tcpSocket: READY 0/1, then 1/1', async () => {
    const watch = new PodWatch(cluster);
    try {
      await create(`
apiVersion: v1
kind: Pod
metadata:
  name: probed
spec:
  containers:
  - name: nginx
    image: nginx:1.15.12
    imagePullPolicy: IfNotPresent
    command:
    - sh
    - -c
    - sleep 10; nginx -g "daemon off;"
    readinessProbe:
      httpGet:
        path: /index.html
        port: 80
        scheme: HTTP
        httpHeaders:
        - name: end-user
          value: jason
      initialDelaySeconds: 10
      timeoutSeconds: 2
      periodSeconds: 5
      successThreshold: 1
      failureThreshold: 2
    livenessProbe:
      tcpSocket:
        port: 80
      initialDelaySeconds: 10
      timeoutSeconds: 2
      periodSeconds: 5
      successThreshold: 1
      failureThreshold: 2
    ports:
    - containerPort: 80
  restartPolicy: Never
`);
      const notReady = await watch.until(
        'probed',
        (r) => r.status === 'Running' && r.ready === '0/1',
        'Running 0/1',
      );
      const ready = await watch.until('probed', (r) => r.ready === '1/1', '1/1');
      console.log(`# kubectl get pod probed -w\n${watch.dump('probed')}`);
      assert.equal(ready.status, 'Running');
      assert.equal(ready.restarts, 0);
      assert.ok(ready.atMs > notReady.atMs);
      // Nothing reads 1/1 before the probe could pass: nginx listens after 10 s, the first probe is at 10 s.
      const p = await getPod(cluster, 'probed');
      assert.ok(p);
      const cs = p.status?.containerStatuses?.[0];
      assert.equal(cs?.ready, true);
      assert.equal(cs?.restartCount, 0, 'the tcpSocket liveness probe never failed twice in a row');
      const readyAt = p.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime;
      const gate = secondsBetween(cs?.state?.running?.startedAt, readyAt);
      assert.ok(gate >= 9, `Ready ${gate} s after the container started (initialDelaySeconds 10)`);
      // The kubelet's probe requests reached nginx: its access log shows them with kube-probe's agent.
      assert.match(
        await kubectlOk(cluster, ['logs', 'probed']),
        /"GET \/index\.html HTTP\/1\.1" 200 .*kube-probe\//,
      );
    } finally {
      watch.stop();
    }
  });

  it('a failing liveness probe: RESTARTS climbs, CrashLoopBackOff shown, the back-off doubles', async () => {
    const watch = new PodWatch(cluster);
    try {
      await create(`
apiVersion: v1
kind: Pod
metadata:
  name: unhealthy
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: nginx
    image: nginx:1.15.12
    imagePullPolicy: IfNotPresent
    livenessProbe:
      httpGet:
        path: /healthz
        port: 80
      periodSeconds: 1
      failureThreshold: 1
`);
      await watch.until('unhealthy', (r) => r.restarts >= 3, 'RESTARTS ≥ 3', 180_000);
      console.log(`# kubectl get pod unhealthy -w\n${watch.dump('unhealthy')}`);
      const rows = watch.of('unhealthy');
      assert.ok(
        rows.some((r) => r.status === 'CrashLoopBackOff'),
        'kubectl showed CrashLoopBackOff between restarts',
      );
      // Restart k happens after a back-off of 2 s · 2^(k-1) (KUBELAB_CRASH_BACKOFF_INITIAL_MS=2000), plus the
      // ~1 s the failing probe needs: the gap between restarts grows.
      const firstAt = (n: number) => rows.find((r) => r.restarts >= n)?.atMs ?? Number.NaN;
      const gap12 = firstAt(2) - firstAt(1);
      const gap23 = firstAt(3) - firstAt(2);
      assert.ok(gap23 > gap12 + 1000, `back-off grows: ${gap12} ms then ${gap23} ms between restarts`);
      const p = await getPod(cluster, 'unhealthy');
      const cs = p?.status?.containerStatuses?.[0];
      assert.ok((cs?.restartCount ?? 0) >= 3);
      assert.equal(cs?.lastState?.terminated?.exitCode, 0, 'nginx exits 0 on the SIGTERM of the kill');
      const events = await kubectlOk(cluster, [
        'get',
        'events',
        '--field-selector',
        'involvedObject.name=unhealthy',
      ]);
      assert.match(events, /Liveness probe failed: HTTP probe failed with statuscode: 404/);
      assert.match(events, /Container nginx failed liveness probe, will be restarted/);
      assert.match(events, /Back-off restarting failed container nginx/);
    } finally {
      watch.stop();
    }
  });

  it("a slow starter (the seed's 90 s, scaled to 9 s): survives with a startupProbe, is killed without one", async () => {
    const starter = (name: string, startup: string) => `
apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: nginx:1.15.12
    imagePullPolicy: IfNotPresent
    command: [sh, -c, 'sleep 9; nginx -g "daemon off;"']
    ports:
    - containerPort: 80
${startup}
    livenessProbe:
      tcpSocket:
        port: 80
      initialDelaySeconds: 2
      periodSeconds: 1
      failureThreshold: 2
    readinessProbe:
      httpGet:
        path: /
        port: 80
      periodSeconds: 1
`;
    const watch = new PodWatch(cluster);
    try {
      await create(
        starter(
          'slow-with-startup',
          `    startupProbe:
      tcpSocket:
        port: 80
      periodSeconds: 1
      failureThreshold: 20`,
        ),
      );
      await create(starter('slow-without-startup', ''));
      const ready = await watch.until('slow-with-startup', (r) => r.ready === '1/1', '1/1');
      assert.equal(ready.restarts, 0);
      const killed = await watch.until('slow-without-startup', (r) => r.restarts >= 1, 'RESTARTS ≥ 1');
      console.log(
        `# kubectl get pod -w\n${watch.dump('slow-with-startup')}\n${watch.dump('slow-without-startup')}`,
      );
      const withStartup = await getPod(cluster, 'slow-with-startup');
      const cs = withStartup?.status?.containerStatuses?.[0];
      assert.equal(cs?.started, true);
      assert.equal(cs?.restartCount, 0, 'the startupProbe held liveness back for the 9 s start');
      const started = secondsBetween(
        cs?.state?.running?.startedAt,
        withStartup?.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime,
      );
      assert.ok(started >= 8, `Ready ${started} s after start (the app needs 9 s)`);
      // The one without a startupProbe never became ready before liveness killed it.
      assert.ok(
        watch
          .of('slow-without-startup')
          .filter((r) => r.atMs <= killed.atMs)
          .every((r) => r.ready === '0/1'),
        'never 1/1 before its first kill',
      );
      const events = await kubectlOk(cluster, [
        'get',
        'events',
        '--field-selector',
        'involvedObject.name=slow-without-startup',
      ]);
      assert.match(events, /Liveness probe failed: dial tcp 127\.[\d.]+:80: connect: connection refused/);
      assert.match(events, /Container app failed liveness probe, will be restarted/);
      const withEvents = await kubectlOk(cluster, [
        'get',
        'events',
        '--field-selector',
        'involvedObject.name=slow-with-startup',
      ]);
      assert.doesNotMatch(withEvents, /will be restarted/);
    } finally {
      watch.stop();
    }
  });

  it('an init container runs before the main one: Init:0/1, then Running', async () => {
    const watch = new PodWatch(cluster);
    try {
      await create(`
apiVersion: v1
kind: Pod
metadata:
  name: with-init
spec:
  initContainers:
  - name: init
    image: busybox
    command: [sh, -c, 'sleep 4; echo initialized by init > /work/state']
    volumeMounts:
    - name: work
      mountPath: /work
  containers:
  - name: main
    image: busybox
    command: [sh, -c, 'cat /work/state; sleep 3600']
    volumeMounts:
    - name: work
      mountPath: /work
  volumes:
  - name: work
    emptyDir: {}
`);
      await watch.until('with-init', (r) => r.status === 'Init:0/1', 'Init:0/1');
      await watch.until('with-init', (r) => r.status === 'Running' && r.ready === '1/1', 'Running 1/1');
      console.log(`# kubectl get pod with-init -w\n${watch.dump('with-init')}`);
      const rows = watch.of('with-init');
      const firstRunning = rows.findIndex((r) => r.status === 'Running');
      assert.ok(
        rows.slice(firstRunning).every((r) => !r.status.startsWith('Init:')),
        'no Init: status after Running',
      );
      const p = await getPod(cluster, 'with-init');
      const init = p?.status?.initContainerStatuses?.[0]?.state?.terminated;
      assert.equal(init?.reason, 'Completed');
      const main = p?.status?.containerStatuses?.[0]?.state?.running;
      assert.ok(secondsBetween(init?.finishedAt, main?.startedAt) >= 0, 'main started after init finished');
      assert.equal(condition(p ?? ({} as never), 'Initialized'), 'True');
      // The main container saw what the init container wrote into the shared emptyDir.
      assert.equal(await kubectlOk(cluster, ['logs', 'with-init', '-c', 'main']), 'initialized by init\n');
      assert.equal(await kubectlOk(cluster, ['logs', 'with-init', '-c', 'init']), '');
    } finally {
      watch.stop();
    }
  });

  it('imagePullPolicy Never: ErrImageNeverPull on an uncached image, Running where the image is cached', async () => {
    await create(`
apiVersion: v1
kind: Pod
metadata:
  name: never-uncached
spec:
  containers:
  - name: nginx
    image: nginx:1.16.0
    imagePullPolicy: Never
`);
    const p = await waitPod(
      cluster,
      'never-uncached',
      (x) => x.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImageNeverPull',
      'ErrImageNeverPull',
    );
    assert.equal(p.status?.phase, 'Pending');
    assert.match(
      p.status?.containerStatuses?.[0]?.state?.waiting?.message ?? '',
      /Container image "nginx:1\.16\.0" is not present with pull policy of Never/,
    );
    assert.match(
      await kubectlOk(cluster, ['get', 'pod', 'never-uncached']),
      /^never-uncached\s+0\/1\s+ErrImageNeverPull\s+0\s/m,
    );
    // The same policy on the node that pulled nginx:1.15.12 for the first pod starts at once.
    const node = (await getPod(cluster, 'nginx'))?.spec?.nodeName;
    assert.ok(node);
    await create(`
apiVersion: v1
kind: Pod
metadata:
  name: never-cached
spec:
  nodeName: ${node}
  containers:
  - name: nginx
    image: nginx:1.15.12
    imagePullPolicy: Never
`);
    await waitPod(cluster, 'never-cached', (x) => x.status?.phase === 'Running', 'Running');
  });

  it('kubectl logs and kubectl exec … -- cat /etc/hostname', async () => {
    await create(`
apiVersion: v1
kind: Pod
metadata:
  name: talker
spec:
  terminationGracePeriodSeconds: 3
  containers:
  - name: shell
    image: busybox
    command: [sh, -c, 'echo hello from talker; echo second line; sleep 3600']
`);
    await waitPod(cluster, 'talker', (x) => x.status?.phase === 'Running', 'Running');
    let last = '';
    const logs = await waitFor(
      async () => {
        const r = await kubectl(cluster, ['logs', 'talker']);
        last = `exit ${r.code}, stdout ${JSON.stringify(r.stdout)}, stderr ${JSON.stringify(r.stderr)}`;
        return r.code === 0 && r.stdout.includes('second line') ? r.stdout : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 300, what: 'kubectl logs talker to show both lines' },
    ).catch(async (err: Error) => {
      const pod = await kubectl(cluster, ['get', 'pod', 'talker', '-o', 'yaml']);
      const node = (await getPod(cluster, 'talker'))?.spec?.nodeName ?? 'node-0';
      const log = readFileSync(join(cluster.home, 'logs', `${node}.log`), 'utf8')
        .split('\n')
        .filter((l) => /talker|error|warn/i.test(l));
      assert.fail(`${err.message}; last: ${last}\n${pod.stdout}\n${node} log:\n${log.slice(-40).join('\n')}`);
    });
    assert.equal(logs, 'hello from talker\nsecond line\n');
    assert.equal(await kubectlOk(cluster, ['logs', 'talker', '--tail=1']), 'second line\n');
    assert.equal(await kubectlOk(cluster, ['exec', 'talker', '--', 'cat', '/etc/hostname']), 'talker\n');
    assert.equal(await kubectlOk(cluster, ['exec', 'nginx', '--', 'cat', '/etc/hostname']), 'nginx\n');
    const failed = await kubectl(cluster, ['exec', 'talker', '--', 'sh', '-c', 'exit 3']);
    assert.equal(failed.code, 3, `exit code passes through: ${failed.stderr}`);
  });

  it('kubectl delete pod completes through graceful termination', async () => {
    const r = await kubectl(cluster, ['delete', 'pod', 'nginx', 'talker', '--timeout=90s'], {
      timeoutMs: 120_000,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /pod "nginx" deleted/);
    assert.equal(await getPod(cluster, 'nginx'), undefined);
  });
});
