/** Small builders of defaulted objects for the validation tests. */
import {
  type Deployment,
  type Pod,
  type PodSpec,
  type Service,
  type StatefulSet,
  applyDefaults,
} from '../src/index.js';

export function podSpec(overrides: Partial<PodSpec> = {}): PodSpec {
  return { containers: [{ name: 'nginx', image: 'nginx:1.15.12' }], ...overrides };
}

export function makePod(overrides: Partial<PodSpec> = {}, name = 'nginx'): Pod {
  return applyDefaults('Pod', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: podSpec(overrides),
  });
}

export function makeDeployment(
  mutate: (d: Deployment) => void = () => {},
  labels: Record<string, string> = { app: 'nginx' },
): Deployment {
  const d: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'nginx', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'nginx' } },
      template: { metadata: { labels }, spec: podSpec() },
    },
  };
  mutate(d);
  return applyDefaults('Deployment', d);
}

export function makeStatefulSet(mutate: (s: StatefulSet) => void = () => {}): StatefulSet {
  const s: StatefulSet = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      serviceName: 'web',
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: podSpec() },
    },
  };
  mutate(s);
  return applyDefaults('StatefulSet', s);
}

export function makeService(spec: Service['spec'], name = 'web'): Service {
  return applyDefaults('Service', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec,
  });
}

/** `field: message` lines, which is what kubectl shows. */
export function lines(causes: readonly { field: string; message: string }[]): string[] {
  return causes.map((c) => `${c.field}: ${c.message}`);
}
