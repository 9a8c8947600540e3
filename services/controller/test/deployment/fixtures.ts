/**
 * A Deployment test bed: the ReplicaSet and Deployment controllers over one FakeApi, driven by hand (client-go
 * style: call the syncs, let the watch events land, repeat until nothing is written), with a stand-in kubelet
 * that marks chosen pods Ready.
 */
import { resources } from '@kubelab/api-client';
import type { Deployment, Pod, ReplicaSet } from '@kubelab/api-types';
import { DeploymentController } from '../../src/deployment/index.js';
import { REPLICA_SET_KIND, ReplicaSetController } from '../../src/replicaset/index.js';
import { type Harness, harness, makeReady, settle } from '../replicaset/fixtures.js';

export function deployment(
  name: string,
  replicas: number,
  image: string,
  extra: Partial<Deployment['spec']> = {},
): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'nginx', image }] } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      ...extra,
    },
  };
}

export interface Bed extends Harness {
  readonly rsc: ReplicaSetController;
  readonly dc: DeploymentController;
  /** Syncs every Deployment and ReplicaSet until a round writes nothing (events aside). */
  converge(maxRounds?: number): Promise<void>;
  /** One round: Deployments, then ReplicaSets. */
  round(): Promise<void>;
  deploymentNow(name?: string): Deployment;
  replicaSets(): ReplicaSet[];
  pods(): Pod[];
  /** Marks pods Ready (all not-ready ones, or the first `n` of them in name order). */
  readyPods(n?: number): Promise<number>;
  /** Applies `edit` to the stored Deployment through an update (bumping generation when the spec changes). */
  edit(edit: (d: Deployment) => void, name?: string): Promise<void>;
}

export async function bed(seed: number): Promise<Bed> {
  const h = harness(seed);
  const rsc = new ReplicaSetController({ ctx: h.ctx, kind: REPLICA_SET_KIND, workers: 1 });
  const dc = new DeploymentController({ ctx: h.ctx, workers: 1 });
  const nonEventWrites = () =>
    h.api.actions.filter((a) => !['get', 'list', 'watch'].includes(a.verb) && a.resource !== 'events').length;
  const round = async () => {
    await settle();
    for (const d of h.api.objects<Deployment>(resources.deployments)) {
      await dc.syncDeployment(`default/${d.metadata.name}`).catch(() => undefined);
      await settle();
    }
    for (const rs of h.api.objects<ReplicaSet>(resources.replicasets)) {
      await rsc.syncReplicaSet(`default/${rs.metadata.name}`).catch(() => undefined);
      await settle();
    }
  };
  const b: Bed = {
    ...h,
    rsc,
    dc,
    round,
    async converge(maxRounds = 30) {
      for (let i = 0; i < maxRounds; i++) {
        const before = nonEventWrites();
        await round();
        if (nonEventWrites() === before) return;
      }
      throw new Error('did not converge');
    },
    deploymentNow: (name = 'web') =>
      h.api.object<Deployment>(resources.deployments, name, 'default') as Deployment,
    replicaSets: () =>
      h.api
        .objects<ReplicaSet>(resources.replicasets)
        .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '')),
    pods: () =>
      h.api
        .objects<Pod>(resources.pods)
        .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '')),
    async readyPods(n = Number.POSITIVE_INFINITY) {
      let done = 0;
      for (const p of b.pods()) {
        if (done >= n) break;
        if (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
        await makeReady(h.api, h.clock, p);
        done++;
      }
      await settle();
      return done;
    },
    async edit(edit, name = 'web') {
      const d = b.deploymentNow(name);
      edit(d);
      await h.api.update(resources.deployments, d);
      await settle();
    },
  };
  await h.start();
  return b;
}
