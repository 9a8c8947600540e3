/** Services, pods and a running controller over a FakeApi with a FakeClock, for the endpoint controllers' tests. */
import type { Pod, Service } from '@kubelab/api-types';
import type { Controller, ControllerContext } from '@kubelab/controller-kit';
import { fakeContext } from '@kubelab/controller-kit/testing';
import { FakeClock, sleep, waitFor } from '@kubelab/testkit';

export const T0 = Date.UTC(2026, 10, 25, 10, 0, 0);

export function service(name: string, extra: Partial<Service['spec']> = {}): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', labels: { team: 'web' } },
    spec: {
      selector: { app: 'nginx' },
      clusterIP: '10.96.0.10',
      ports: [
        { name: 'http', port: 80, targetPort: 'web', protocol: 'TCP' },
        { name: 'metrics', port: 9000, targetPort: 9113, protocol: 'TCP' },
      ],
      ...extra,
    },
  };
}

export interface PodOpts {
  ready?: boolean;
  ip?: string;
  node?: string;
  labels?: Record<string, string>;
  /** Named container port `web` (default 8080); `null` for none. */
  webPort?: number | null;
  hostname?: string;
  subdomain?: string;
  phase?: string;
}

export function pod(name: string, o: PodOpts = {}): Pod {
  const p: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: o.labels ?? { app: 'nginx' } },
    spec: {
      nodeName: o.node ?? 'node-0',
      containers: [
        {
          name: 'nginx',
          image: 'nginx',
          ports:
            o.webPort === null ? [] : [{ name: 'web', containerPort: o.webPort ?? 8080, protocol: 'TCP' }],
        },
      ],
    },
    status: {
      phase: o.phase ?? 'Running',
      ...(o.ip === undefined ? {} : { podIP: o.ip, podIPs: [{ ip: o.ip }] }),
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
  if (o.hostname) p.spec.hostname = o.hostname;
  if (o.subdomain) p.spec.subdomain = o.subdomain;
  return p;
}

/** Runs `make(ctx)` over a fresh FakeApi; `until` polls with the fake clock moving. */
export function startController(make: (ctx: ControllerContext) => Controller, seed = 1) {
  const clock = new FakeClock(0, T0);
  const { ctx, api } = fakeContext({ clock, seed });
  const controller = make(ctx);
  const ac = new AbortController();
  ctx.informers.start(ac.signal);
  const running = controller.run(ac.signal);
  const settle = async () => {
    for (let i = 0; i < 5; i++) {
      await sleep(5);
      clock.advance(50);
    }
  };
  const until = <T>(check: () => T, what: string) =>
    waitFor(
      async () => {
        clock.advance(50);
        return check();
      },
      { timeoutMs: 5000, what },
    );
  const stop = async () => {
    ac.abort();
    await running;
    await ctx.informers.shutdown();
  };
  return { api, clock, ctx, settle, until, stop };
}
