/** Shared fixtures for the runtime tests. */
import { type Clock, seededRng } from '@kubelab/clock';
import {
  type ContainerSpec,
  type RuntimeConfig,
  type SandboxSpec,
  createRuntime,
} from '../../src/runtime/index.js';

/** A runtime with instant pulls and a printed seed. */
export function testRuntime(clock: Clock, extra: Partial<RuntimeConfig> = {}) {
  const seed = Number(process.env.TEST_SEED ?? 42);
  return createRuntime({ clock, rng: seededRng(seed), pullLatency: { minMs: 0, maxMs: 0 }, ...extra });
}

export function sandboxSpec(podIP: string, extra: Partial<SandboxSpec> = {}): SandboxSpec {
  return {
    uid: `uid-${podIP}`,
    namespace: 'default',
    name: 'pod',
    podIP,
    hostname: 'pod',
    volumes: new Map(),
    ...extra,
  };
}

export function container(name: string, image: string, extra: Partial<ContainerSpec> = {}): ContainerSpec {
  return { name, image, env: {}, ports: [], volumeMounts: [], ...extra };
}

/** Lets promise continuations (and socket callbacks) run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}
