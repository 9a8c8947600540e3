/**
 * The StatefulSet flow end to end (issue 5's acceptance) on a real process cluster — api ×3, the scheduler, the
 * controller manager (statefulset, endpoints, endpointslice …) and two node agents running the emulated
 * runtime — driven by the real kubectl: the headless Service `nginx` and StatefulSet `web` (2 replicas) are
 * created; a pod watch samples every change and shows web-0 Running and Ready before web-1 exists; pods carry
 * their stable identity (hostname, subdomain, labels); the Endpoints and EndpointSlices of the Service list
 * both pod IPs with their hostnames; `set image` rolls out, `rollout status|history [--revision=1]|undo` work;
 * scaling to 0 terminates web-1 before web-0.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EndpointSlice, Endpoints, Pod, StatefulSet } from '@kubelab/api-types';
import { waitFor } from '@kubelab/testkit';
import { type ApiClient, TestCluster, kubectl, kubectlOk } from '../api/helpers.js';
import { getJson as getJsonOf, upWithNodesReady } from '../cluster-helpers.js';

const cluster = new TestCluster('statefulset');
// Other process clusters on this machine use the default pod range 127.128.0.0/16 too, and two nginx pods
// given the same IP by two clusters collide on port 80: this cluster takes its own /16 of the /10.
const podNet = 129 + (process.pid % 60);
console.log(`statefulset integration: pod network 127.${podNet}.0.0/16 (from pid ${process.pid})`);
Object.assign(cluster.env, {
  KUBELAB_NODE_POD_CIDR_WAIT_MS: '2000',
  KUBELAB_CLUSTER_CIDR: `127.${podNet}.0.0/16`,
});

const service = JSON.stringify({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'nginx', labels: { app: 'nginx' } },
  spec: { clusterIP: 'None', selector: { app: 'nginx' }, ports: [{ name: 'web', port: 80 }] },
});

const statefulSet = JSON.stringify({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'web' },
  spec: {
    serviceName: 'nginx',
    replicas: 2,
    selector: { matchLabels: { app: 'nginx' } },
    template: {
      metadata: { labels: { app: 'nginx' } },
      spec: {
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'nginx', image: 'nginx:1.24', ports: [{ name: 'web', containerPort: 80 }] }],
      },
    },
  },
});

const isReady = (p: Pod) =>
  p.status?.phase === 'Running' &&
  (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);

const getJson = <T>(args: string[]) => getJsonOf<T>(cluster, args);

async function pods(): Promise<Pod[]> {
  return (await getJson<{ items: Pod[] }>(['get', 'pods', '-l', 'app=nginx'])).items;
}

/** Every pod event of app=nginx from now on, as (time-ordered) snapshots of the pods that exist. */
async function sample(api: ApiClient) {
  const state = new Map<string, Pod>();
  const snapshots: Map<string, Pod>[] = [];
  /** Pod names in the order they first showed a deletionTimestamp (or vanished). */
  const terminated: string[] = [];
  const list = await api.json<{ metadata: { resourceVersion: string }; items: Pod[] }>(
    'GET',
    '/api/v1/namespaces/default/pods?labelSelector=app%3Dnginx',
  );
  for (const p of list.items) state.set(p.metadata.name ?? '', p);
  const note = (name: string) => {
    if (!terminated.includes(name)) terminated.push(name);
  };
  const w = await api.watch(
    `/api/v1/namespaces/default/pods?labelSelector=app%3Dnginx&watch=true&resourceVersion=${list.metadata.resourceVersion}`,
    (ev) => {
      const p = ev.object as Pod;
      const name = p.metadata.name ?? '';
      if (ev.type === 'DELETED') {
        state.delete(name);
        note(name);
      } else {
        state.set(name, p);
        if (p.metadata.deletionTimestamp) note(name);
      }
      snapshots.push(new Map(state));
    },
  );
  return { snapshots, terminated, stop: () => w.close() };
}

/** Waits until both pods are Ready and run `image`; returns them. */
function waitBothAt(image: string, what: string): Promise<Pod[]> {
  return waitFor(
    async () => {
      const all = await pods();
      return all.length === 2 && all.every((p) => isReady(p) && p.spec.containers[0]?.image === image)
        ? all
        : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 500, what },
  );
}

async function rolloutStatus(): Promise<string> {
  return kubectlOk(cluster, ['rollout', 'status', 'statefulset/web', '--timeout=150s'], {
    timeoutMs: 170_000,
  });
}

describe('statefulset - web with its headless Service on a process cluster', { timeout: 900_000 }, () => {
  let api: ApiClient;

  before(async () => {
    api = await upWithNodesReady(cluster, 2);
  });

  after(async () => {
    api?.agent.destroy();
    await cluster.down();
  });

  it('creates web-0, and web-1 only once web-0 is Running and Ready', async () => {
    assert.match(
      await kubectlOk(cluster, ['create', '-f', '-'], { input: service }),
      /service\/nginx created/,
    );
    const s = await sample(api);
    const out = await kubectlOk(cluster, ['create', '-f', '-'], { input: statefulSet });
    assert.match(out, /statefulset.apps\/web created/);
    const status = await rolloutStatus();
    s.stop();
    console.log(`rollout status said:\n${status}`);
    // kubectl reports a defaulted partition (0) as a partitioned roll out, as against a real cluster.
    assert.match(status, /partitioned roll out complete: 2 new pods have been updated\.\.\./);
    const firstWithWeb1 = s.snapshots.findIndex((snap) => snap.has('web-1'));
    assert.ok(firstWithWeb1 >= 0, 'web-1 was seen');
    const before1 = s.snapshots[firstWithWeb1] as Map<string, Pod>;
    const web0 = before1.get('web-0');
    assert.ok(web0 && isReady(web0), 'web-0 was Running and Ready when web-1 first appeared');
    const firstWithWeb0 = s.snapshots.findIndex((snap) => snap.has('web-0'));
    assert.ok(firstWithWeb0 < firstWithWeb1, 'web-0 existed first');
    console.log(
      `sampled ${s.snapshots.length} pod events; web-0 at #${firstWithWeb0}, web-1 at #${firstWithWeb1}`,
    );

    const sts = await getJson<StatefulSet>(['get', 'statefulset', 'web']);
    assert.equal(sts.status?.readyReplicas, 2);
    assert.equal(sts.status?.currentRevision, sts.status?.updateRevision);
    for (const p of await pods()) {
      const name = p.metadata.name ?? '';
      assert.equal(p.spec.hostname, name);
      assert.equal(p.spec.subdomain, 'nginx');
      assert.equal(p.metadata.labels?.['statefulset.kubernetes.io/pod-name'], name);
      assert.equal(p.metadata.labels?.['controller-revision-hash'], sts.status?.updateRevision);
      assert.ok(p.spec.nodeName, `${name} scheduled`);
    }
    const get = await kubectlOk(cluster, ['get', 'sts', 'web']);
    assert.match(get, /web\s+2\/2/);
  });

  it('Endpoints and EndpointSlices of the headless Service list both pod IPs with hostnames', async () => {
    const ips = new Map((await pods()).map((p) => [p.metadata.name ?? '', p.status?.podIP ?? '']));
    assert.equal(ips.size, 2);
    const ep = await waitFor(
      async () => {
        const e = await getJson<Endpoints>(['get', 'endpoints', 'nginx']);
        return (e.subsets?.[0]?.addresses?.length ?? 0) === 2 ? e : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: 'Endpoints with 2 ready addresses' },
    );
    const addrs = ep.subsets?.[0]?.addresses ?? [];
    for (const a of addrs) {
      assert.equal(a.ip, ips.get(a.hostname ?? ''), `${a.hostname} has its pod IP`);
      assert.equal(a.targetRef?.name, a.hostname);
    }
    assert.deepEqual(ep.subsets?.[0]?.ports, [{ name: 'web', port: 80, protocol: 'TCP' }]);
    const slices = (
      await getJson<{ items: EndpointSlice[] }>([
        'get',
        'endpointslices',
        '-l',
        'kubernetes.io/service-name=nginx',
      ])
    ).items;
    assert.equal(slices.length, 1);
    const slice = slices[0] as EndpointSlice;
    assert.match(slice.metadata.name ?? '', /^nginx-[a-z0-9]{5}$/);
    assert.deepEqual(slice.endpoints.map((e) => e.addresses[0]).sort(), [...ips.values()].sort());
    assert.ok(slice.endpoints.every((e) => e.conditions?.ready === true && e.hostname === e.targetRef?.name));
    console.log(await kubectlOk(cluster, ['get', 'endpoints,endpointslices', '-o', 'wide']));
  });

  it('set image rolls out; rollout history, history --revision=1 and undo work', async () => {
    const before1 = await getJson<StatefulSet>(['get', 'statefulset', 'web']);
    await kubectlOk(cluster, ['set', 'image', 'statefulset/web', 'nginx=nginx:1.25']);
    await rolloutStatus();
    const ps = await waitBothAt('nginx:1.25', 'both pods at nginx:1.25');
    assert.equal(ps.length, 2);
    const history = await kubectlOk(cluster, ['rollout', 'history', 'statefulset/web']);
    console.log(history);
    assert.match(history, /statefulset.apps\/web/);
    assert.match(history, /REVISION\s+CHANGE-CAUSE/);
    assert.match(history, /^1\s+<none>/m);
    assert.match(history, /^2\s+<none>/m);
    const rev1 = await kubectlOk(cluster, ['rollout', 'history', 'statefulset/web', '--revision=1']);
    assert.match(rev1, /Image:\s+nginx:1\.24/);
    const undo = await kubectlOk(cluster, ['rollout', 'undo', 'statefulset/web']);
    assert.match(undo, /statefulset.apps\/web rolled back/);
    await rolloutStatus();
    await waitBothAt('nginx:1.24', 'both pods back at nginx:1.24');
    const after1 = await getJson<StatefulSet>(['get', 'statefulset', 'web']);
    assert.equal(after1.status?.updateRevision, before1.status?.updateRevision, 'undo reuses revision 1');
    assert.match(await kubectlOk(cluster, ['rollout', 'history', 'statefulset/web']), /^3\s+<none>/m);
  });

  it('scale to 0 removes web-1 first, then web-0', async () => {
    const s = await sample(api);
    await kubectlOk(cluster, ['scale', 'statefulset/web', '--replicas=0']);
    await waitFor(async () => ((await pods()).length === 0 ? true : undefined), {
      timeoutMs: 90_000,
      intervalMs: 500,
      what: 'no pods left',
    });
    s.stop();
    console.log(`termination order: ${s.terminated.join(', ')}`);
    assert.deepEqual(s.terminated, ['web-1', 'web-0']);
    const goneFirst = s.snapshots.findIndex((snap) => !snap.has('web-1'));
    const web0Terminating = s.snapshots.findIndex((snap) => snap.get('web-0')?.metadata.deletionTimestamp);
    assert.ok(goneFirst >= 0 && goneFirst < web0Terminating, 'web-0 terminates only after web-1 is gone');
    const sts = await getJson<StatefulSet>(['get', 'statefulset', 'web']);
    assert.equal(sts.status?.replicas ?? 0, 0);
  });
});
