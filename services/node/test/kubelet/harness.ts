/**
 * A kubelet over controller-kit's FakeApi with real informers and a FakeClock, startable more than once over
 * the same api (a node agent restart). The runtime is the hollow one by default (scripted exec answers) or
 * the real emulator with instant pulls (`real: true`), whose shell, sleep and probes run on the FakeClock.
 */
import { SharedInformerFactory, resources } from '@kubelab/api-client';
import type { Node, Pod } from '@kubelab/api-types';
import { seededRng } from '@kubelab/clock';
import { createEventRecorder } from '@kubelab/controller-kit';
import { FakeApi } from '@kubelab/controller-kit/testing';
import { silentLogger } from '@kubelab/telemetry';
import { FakeClock } from '@kubelab/testkit';
import { readNodeConfig } from '../../src/config.js';
import { createHollowRuntime } from '../../src/kubelet/hollow-runtime.js';
import { Kubelet } from '../../src/kubelet/kubelet.js';
import { createRuntime } from '../../src/runtime/index.js';
import type { ContainerRuntime, ExecResult } from '../../src/runtime/types.js';

export const SEED = Number(process.env.TEST_SEED ?? 7);

/** A running kubelet and how to stop it (as the process would: abort, stop, close the runtime). */
export interface RunningKubelet {
  readonly kubelet: Kubelet;
  readonly runtime: ContainerRuntime;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Extra environment for readNodeConfig. */
  readonly env?: NodeJS.ProcessEnv;
  /** The real runtime emulator instead of the hollow one. */
  readonly real?: boolean;
  /** Hollow runtime exec answers. */
  readonly exec?: (container: string, command: readonly string[]) => ExecResult;
}

/** A fresh FakeClock and a FakeApi over it, seeded with {@link SEED}. */
export function newFakeApi(): { clock: FakeClock; api: FakeApi } {
  const clock = new FakeClock();
  return { clock, api: new FakeApi({ clock, rng: seededRng(SEED) }) };
}

/** Lets promise continuations run. */
export async function flush(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/** Advances the clock in `stepMs` steps, letting promises settle between them. */
export async function advance(clock: FakeClock, ms: number, stepMs = 100): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) {
    clock.advance(Math.min(stepMs, ms - t));
    await flush();
  }
}

/** Starts a kubelet for node-0 over `api`. */
export async function startKubelet(
  clock: FakeClock,
  api: FakeApi,
  opts: StartOptions = {},
): Promise<RunningKubelet> {
  const logger = silentLogger();
  const rng = seededRng(SEED);
  const config = readNodeConfig({
    KUBELAB_ID: 'node-0',
    KUBELAB_NODE_IP: '127.0.100.1',
    KUBELAB_CRASH_BACKOFF_INITIAL_MS: '1000',
    KUBELAB_CRASH_BACKOFF_MAX_MS: '4000',
    KUBELAB_IMAGE_BACKOFF_INITIAL_MS: '1000',
    ...opts.env,
  });
  const runtime = opts.real
    ? createRuntime({ clock, rng, pullLatency: { minMs: 0, maxMs: 0 } })
    : createHollowRuntime({
        clock,
        unknownImages: new Set(['nosuch']),
        exec: opts.exec ?? (() => ({ exitCode: 0, stdout: '', stderr: '' })),
      });
  const informers = new SharedInformerFactory({ client: api, clock, rng, logger });
  const kubelet = new Kubelet({
    client: api,
    informers,
    clock,
    log: logger,
    config,
    nodes: [
      {
        id: {
          nodeName: 'node-0',
          nodeIP: '127.0.100.1',
          capacity: config.capacity,
          labels: {},
          taints: [],
          arch: 'amd64',
          kernelVersion: '6.0',
          machineID: 'm',
          bootID: 'b',
        },
        runtime,
        events: createEventRecorder({ client: api, clock, logger, component: 'kubelet', host: 'node-0' }),
        fallbackPodCIDR: config.fallbackPodCIDR,
      },
    ],
    lightweight: false,
  });
  const abort = new AbortController();
  informers.start(abort.signal);
  const started = kubelet.start(abort.signal);
  await flush();
  await started;
  return {
    kubelet,
    runtime,
    stop: async () => {
      abort.abort();
      await flush();
      await kubelet.stop();
      await informers.shutdown();
    },
  };
}

/** Gives node-0 a pod CIDR, as the node IPAM controller would. */
export async function assignPodCIDR(api: FakeApi, cidr: string): Promise<void> {
  const node = api.object<Node>(resources.nodes, 'node-0');
  if (node === undefined) throw new Error('node-0 is not registered');
  await api.update(resources.nodes, { ...structuredClone(node), spec: { ...node.spec, podCIDR: cidr } });
}

/** A pod bound to node-0 in `default`. */
export function newPod(name: string, spec: Partial<Pod['spec']>): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      nodeName: 'node-0',
      restartPolicy: 'Always',
      containers: [{ name: 'c', image: 'nginx' }],
      ...spec,
    },
  };
}

export const getPod = (api: FakeApi, name: string) => api.object<Pod>(resources.pods, name, 'default');
