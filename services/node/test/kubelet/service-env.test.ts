/**
 * Service environment variables (kubelet `getServiceEnvVarMap` + `envvars.FromServices`): the pure mapping
 * against Kubernetes' documented example, and the kubelet giving a starting container the variables of the
 * services that exist at that moment (the real runtime's shell prints them through exec).
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { resources } from '@kubelab/api-client';
import type { Pod, Service, ServicePort } from '@kubelab/api-types';
import { resolveEnv, serviceEnv } from '../../src/kubelet/env.js';
import {
  type RunningKubelet,
  SEED,
  advance,
  assignPodCIDR,
  getPod,
  newFakeApi,
  newPod,
  startKubelet,
} from './harness.js';

console.log(`kubelet service env test seed ${SEED}`);

function svc(namespace: string, name: string, clusterIP: string, ports: ServicePort[]): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace, name }, spec: { clusterIP, ports } };
}

const kubernetes = svc('default', 'kubernetes', '127.96.0.1', [
  { name: 'https', port: 443, protocol: 'TCP' },
]);
const redis = svc('shop', 'redis-primary', '10.0.0.11', [{ port: 6379 }]);
const web = svc('shop', 'web', '10.0.0.12', [
  { name: 'http', port: 80 },
  { name: 'dns-udp', port: 53, protocol: 'UDP' },
]);
const headless = svc('shop', 'db', 'None', [{ port: 5432 }]);
const elsewhere = svc('other', 'cache', '10.0.0.13', [{ port: 11211 }]);

function pod(extra: Partial<Pod['spec']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'shop' },
    spec: { containers: [{ name: 'c', image: 'busybox' }], ...extra },
  };
}

describe('serviceEnv', () => {
  it("Kubernetes' variables for the pod's namespace and default/kubernetes", () => {
    const env = Object.fromEntries(serviceEnv(pod(), [kubernetes, redis, web, headless, elsewhere]));
    assert.deepEqual(env, {
      KUBERNETES_SERVICE_HOST: '127.96.0.1',
      KUBERNETES_SERVICE_PORT: '443',
      KUBERNETES_SERVICE_PORT_HTTPS: '443',
      KUBERNETES_PORT: 'tcp://127.96.0.1:443',
      KUBERNETES_PORT_443_TCP: 'tcp://127.96.0.1:443',
      KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
      KUBERNETES_PORT_443_TCP_PORT: '443',
      KUBERNETES_PORT_443_TCP_ADDR: '127.96.0.1',
      REDIS_PRIMARY_SERVICE_HOST: '10.0.0.11',
      REDIS_PRIMARY_SERVICE_PORT: '6379',
      REDIS_PRIMARY_PORT: 'tcp://10.0.0.11:6379',
      REDIS_PRIMARY_PORT_6379_TCP: 'tcp://10.0.0.11:6379',
      REDIS_PRIMARY_PORT_6379_TCP_PROTO: 'tcp',
      REDIS_PRIMARY_PORT_6379_TCP_PORT: '6379',
      REDIS_PRIMARY_PORT_6379_TCP_ADDR: '10.0.0.11',
      WEB_SERVICE_HOST: '10.0.0.12',
      WEB_SERVICE_PORT: '80',
      WEB_SERVICE_PORT_HTTP: '80',
      WEB_SERVICE_PORT_DNS_UDP: '53',
      WEB_PORT: 'tcp://10.0.0.12:80',
      WEB_PORT_80_TCP: 'tcp://10.0.0.12:80',
      WEB_PORT_80_TCP_PROTO: 'tcp',
      WEB_PORT_80_TCP_PORT: '80',
      WEB_PORT_80_TCP_ADDR: '10.0.0.12',
      WEB_PORT_53_UDP: 'udp://10.0.0.12:53',
      WEB_PORT_53_UDP_PROTO: 'udp',
      WEB_PORT_53_UDP_PORT: '53',
      WEB_PORT_53_UDP_ADDR: '10.0.0.12',
    });
  });

  it('enableServiceLinks: false keeps only the kubernetes service', () => {
    const env = serviceEnv(pod({ enableServiceLinks: false }), [kubernetes, redis]);
    assert.deepEqual(
      [...env.keys()].filter((k) => !k.startsWith('KUBERNETES_')),
      [],
    );
    assert.equal(env.get('KUBERNETES_SERVICE_HOST'), '127.96.0.1');
  });

  it('container env wins and may refer to service variables with $(VAR)', () => {
    const p = pod({
      containers: [
        {
          name: 'c',
          image: 'busybox',
          env: [
            { name: 'REDIS_PRIMARY_SERVICE_PORT', value: 'mine' },
            { name: 'REDIS_URL', value: 'redis://$(REDIS_PRIMARY_SERVICE_HOST):6379' },
          ],
        },
      ],
    });
    const env = resolveEnv(
      p,
      p.spec.containers[0] as Pod['spec']['containers'][number],
      { configMaps: new Map(), secrets: new Map(), services: [redis] },
      { podIP: '1.1.1.1', hostIP: '2.2.2.2', nodeAllocatable: { cpu: '1', memory: '1Gi' } },
    );
    assert.equal(env.REDIS_PRIMARY_SERVICE_PORT, 'mine');
    assert.equal(env.REDIS_URL, 'redis://10.0.0.11:6379');
    assert.equal(env.REDIS_PRIMARY_SERVICE_HOST, '10.0.0.11');
  });
});

describe('kubelet - service environment variables', () => {
  let running: RunningKubelet | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it('a container sees the services that existed when it started', async () => {
    const { clock, api } = newFakeApi();
    await api.create(resources.services, kubernetes, { namespace: 'default' });
    await api.create(resources.services, svc('default', 'redis', '127.96.0.20', [{ port: 6379 }]), {
      namespace: 'default',
    });
    await api.create(resources.services, elsewhere, { namespace: 'other' });
    running = await startKubelet(clock, api, { real: true });
    await assignPodCIDR(api, '127.135.0.0/24');
    const sleeper = (name: string, extra: Partial<Pod['spec']> = {}) =>
      newPod(name, { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }], ...extra });
    await api.create(resources.pods, sleeper('linked'), { namespace: 'default' });
    await api.create(resources.pods, sleeper('unlinked', { enableServiceLinks: false }), {
      namespace: 'default',
    });
    await advance(clock, 1_000);
    await api.create(resources.services, svc('default', 'late', '127.96.0.21', [{ port: 80 }]), {
      namespace: 'default',
    });
    await advance(clock, 500);
    const envOf = async (name: string) => {
      assert.equal(getPod(api, name)?.status?.phase, 'Running', name);
      const sandbox = running?.kubelet.worker('default', name)?.sandbox;
      assert.ok(sandbox, name);
      const r = await sandbox.exec('c', ['env']);
      return new Map(
        r.stdout
          .trim()
          .split('\n')
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
      );
    };
    const linked = await envOf('linked');
    assert.equal(linked.get('KUBERNETES_SERVICE_HOST'), '127.96.0.1');
    assert.equal(linked.get('KUBERNETES_SERVICE_PORT'), '443');
    assert.equal(linked.get('REDIS_SERVICE_HOST'), '127.96.0.20');
    assert.equal(linked.get('REDIS_PORT_6379_TCP_ADDR'), '127.96.0.20');
    assert.equal(linked.get('LATE_SERVICE_HOST'), undefined, 'created after the container started');
    assert.equal(linked.get('CACHE_SERVICE_HOST'), undefined, 'another namespace');
    const unlinked = await envOf('unlinked');
    assert.equal(unlinked.get('KUBERNETES_SERVICE_HOST'), '127.96.0.1');
    assert.equal(unlinked.get('REDIS_SERVICE_HOST'), undefined);
  });
});
