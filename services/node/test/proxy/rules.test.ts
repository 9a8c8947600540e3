import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EndpointSlice, Service } from '@kubelab/api-types';
import { type ProxyRule, computeProxyRules } from '../../src/proxy/rules.js';
import { ep, port, service, slice } from './fixtures.js';

const NODE = { name: 'node-0', nodePortAddresses: ['127.0.100.1'] };

/** The rules in a compact form: `key kind service:portName -> backends [affinity]`. */
function summarize(rules: readonly ProxyRule[]): string[] {
  return rules.map((r) => {
    const backends = r.backends.map((b) => `${b.ip}:${b.port}`).join(',');
    const affinity = r.affinityTimeoutMs === undefined ? '' : ` affinity=${r.affinityTimeoutMs}`;
    return `${r.key} ${r.kind} ${r.service}:${r.portName} -> [${backends}]${affinity}`;
  });
}

const web = (extra: Partial<Service['spec']> = {}, status?: Service['status']) =>
  service(
    'web',
    { clusterIP: '127.96.0.10', ports: [port(80, { name: 'http', targetPort: 8080 })], ...extra },
    status,
  );
const webSlice = (endpoints = [ep('127.128.0.2'), ep('127.128.0.3')]) =>
  slice('web-abc', 'web', [{ name: 'http', port: 8080, protocol: 'TCP' }], endpoints);

interface Case {
  readonly name: string;
  readonly services: Service[];
  readonly slices: EndpointSlice[];
  readonly want: string[];
}

const cases: Case[] = [
  {
    name: 'ClusterIP service with two ready endpoints',
    services: [web()],
    slices: [webSlice()],
    want: ['TCP/127.96.0.10:80 ClusterIP default/web:http -> [127.128.0.2:8080,127.128.0.3:8080]'],
  },
  {
    name: 'not-ready endpoints are left out; ready unset counts as ready',
    services: [web()],
    slices: [webSlice([ep('127.128.0.2', { ready: false }), ep('127.128.0.3', {}), ep('127.128.0.4')])],
    want: ['TCP/127.96.0.10:80 ClusterIP default/web:http -> [127.128.0.3:8080,127.128.0.4:8080]'],
  },
  {
    name: 'no ready endpoints: the rule stays, without backends',
    services: [web()],
    slices: [webSlice([ep('127.128.0.2', { ready: false, serving: false })])],
    want: ['TCP/127.96.0.10:80 ClusterIP default/web:http -> []'],
  },
  {
    name: 'no slices at all',
    services: [web()],
    slices: [],
    want: ['TCP/127.96.0.10:80 ClusterIP default/web:http -> []'],
  },
  {
    name: 'only terminating serving endpoints: they are used (ProxyTerminatingEndpoints)',
    services: [web()],
    slices: [
      webSlice([
        ep('127.128.0.2', { ready: false, serving: true, terminating: true }),
        ep('127.128.0.3', { ready: false, serving: false, terminating: true }),
      ]),
    ],
    want: ['TCP/127.96.0.10:80 ClusterIP default/web:http -> [127.128.0.2:8080]'],
  },
  {
    name: 'terminating endpoints are not used while a ready one exists',
    services: [web()],
    slices: [
      webSlice([ep('127.128.0.2', { ready: false, serving: true, terminating: true }), ep('127.128.0.3')]),
    ],
    want: ['TCP/127.96.0.10:80 ClusterIP default/web:http -> [127.128.0.3:8080]'],
  },
  {
    name: 'headless service: no rules',
    services: [web({ clusterIP: 'None' })],
    slices: [webSlice()],
    want: [],
  },
  {
    name: 'ExternalName service: no rules',
    services: [service('ext', { type: 'ExternalName', externalName: 'example.com', ports: [port(80)] })],
    slices: [],
    want: [],
  },
  {
    name: 'service without a cluster IP yet: no ClusterIP rule',
    services: [web({ clusterIP: '' })],
    slices: [webSlice()],
    want: [],
  },
  {
    name: 'NodePort service: ClusterIP and node address',
    services: [
      service('web', {
        type: 'NodePort',
        clusterIP: '127.96.0.10',
        ports: [port(80, { name: 'http', nodePort: 30080 })],
      }),
    ],
    slices: [webSlice([ep('127.128.0.2')])],
    want: [
      'TCP/127.0.100.1:30080 NodePort default/web:http -> [127.128.0.2:8080]',
      'TCP/127.96.0.10:80 ClusterIP default/web:http -> [127.128.0.2:8080]',
    ],
  },
  {
    name: 'LoadBalancer service: ClusterIP, NodePort and ingress IP',
    services: [
      service(
        'web',
        {
          type: 'LoadBalancer',
          clusterIP: '127.96.0.10',
          ports: [port(80, { name: 'http', nodePort: 30080 })],
        },
        { loadBalancer: { ingress: [{ ip: '127.200.0.1' }, { hostname: 'lb.example.com' }] } },
      ),
    ],
    slices: [webSlice([ep('127.128.0.2')])],
    want: [
      'TCP/127.0.100.1:30080 NodePort default/web:http -> [127.128.0.2:8080]',
      'TCP/127.200.0.1:80 LoadBalancer default/web:http -> [127.128.0.2:8080]',
      'TCP/127.96.0.10:80 ClusterIP default/web:http -> [127.128.0.2:8080]',
    ],
  },
  {
    name: 'LoadBalancer without ingress yet: ClusterIP and NodePort only',
    services: [
      service('web', {
        type: 'LoadBalancer',
        clusterIP: '127.96.0.10',
        ports: [port(80, { name: 'http', nodePort: 30080 })],
      }),
    ],
    slices: [webSlice([ep('127.128.0.2')])],
    want: [
      'TCP/127.0.100.1:30080 NodePort default/web:http -> [127.128.0.2:8080]',
      'TCP/127.96.0.10:80 ClusterIP default/web:http -> [127.128.0.2:8080]',
    ],
  },
  {
    name: 'a ClusterIP service ignores a stray ingress status',
    services: [web({}, { loadBalancer: { ingress: [{ ip: '127.200.0.1' }] } })],
    slices: [webSlice([ep('127.128.0.2')])],
    want: ['TCP/127.96.0.10:80 ClusterIP default/web:http -> [127.128.0.2:8080]'],
  },
  {
    name: 'external IPs are served like the ClusterIP',
    services: [web({ externalIPs: ['127.201.0.5'] })],
    slices: [webSlice([ep('127.128.0.2')])],
    want: [
      'TCP/127.201.0.5:80 ExternalIP default/web:http -> [127.128.0.2:8080]',
      'TCP/127.96.0.10:80 ClusterIP default/web:http -> [127.128.0.2:8080]',
    ],
  },
  {
    name: 'ports resolve by name: each service port gets its slice port',
    services: [
      service('dns', {
        clusterIP: '127.96.0.10',
        ports: [
          port(53, { name: 'dns', protocol: 'UDP' }),
          port(53, { name: 'dns-tcp', protocol: 'TCP' }),
          port(9153, { name: 'metrics' }),
        ],
      }),
    ],
    slices: [
      slice(
        'dns-1',
        'dns',
        [
          { name: 'dns-tcp', port: 1053, protocol: 'TCP' },
          { name: 'dns', port: 1053, protocol: 'UDP' },
          { name: 'metrics', port: 9153, protocol: 'TCP' },
        ],
        [ep('127.128.0.7')],
      ),
    ],
    want: [
      'TCP/127.96.0.10:53 ClusterIP default/dns:dns-tcp -> [127.128.0.7:1053]',
      'TCP/127.96.0.10:9153 ClusterIP default/dns:metrics -> [127.128.0.7:9153]',
      'UDP/127.96.0.10:53 ClusterIP default/dns:dns -> [127.128.0.7:1053]',
    ],
  },
  {
    name: 'a port name missing from the slice has no backends; SCTP is ignored',
    services: [
      service('web', {
        clusterIP: '127.96.0.10',
        ports: [
          port(80, { name: 'http' }),
          port(81, { name: 'admin' }),
          port(82, { name: 's', protocol: 'SCTP' }),
        ],
      }),
    ],
    slices: [webSlice([ep('127.128.0.2')])],
    want: [
      'TCP/127.96.0.10:80 ClusterIP default/web:http -> [127.128.0.2:8080]',
      'TCP/127.96.0.10:81 ClusterIP default/web:admin -> []',
    ],
  },
  {
    name: 'unnamed port matches the unnamed slice port',
    services: [service('web', { clusterIP: '127.96.0.10', ports: [port(80)] })],
    slices: [slice('web-1', 'web', [{ port: 8080 }], [ep('127.128.0.2')])],
    want: ['TCP/127.96.0.10:80 ClusterIP default/web: -> [127.128.0.2:8080]'],
  },
  {
    name: 'endpoints merge over slices, deduplicated, sorted',
    services: [web()],
    slices: [
      slice('web-1', 'web', [{ name: 'http', port: 8080 }], [ep('127.128.1.9'), ep('127.128.0.3')]),
      slice(
        'web-2',
        'web',
        [{ name: 'http', port: 8080 }],
        [ep('127.128.0.3', { ready: false }), ep('127.128.0.20')],
      ),
    ],
    want: [
      'TCP/127.96.0.10:80 ClusterIP default/web:http -> [127.128.0.20:8080,127.128.0.3:8080,127.128.1.9:8080]',
    ],
  },
  {
    name: 'slices of other services, namespaces and address types are ignored',
    services: [web()],
    slices: [
      slice('other', 'other', [{ name: 'http', port: 8080 }], [ep('127.128.0.5')]),
      slice('web-x', 'web', [{ name: 'http', port: 8080 }], [ep('127.128.0.6')], 'prod'),
      { ...webSlice([ep('fd00::1')]), addressType: 'IPv6' },
      webSlice([ep('127.128.0.2')]),
    ],
    want: ['TCP/127.96.0.10:80 ClusterIP default/web:http -> [127.128.0.2:8080]'],
  },
  {
    name: 'sessionAffinity ClientIP: default timeout 10800 s',
    services: [web({ sessionAffinity: 'ClientIP' })],
    slices: [webSlice([ep('127.128.0.2')])],
    want: ['TCP/127.96.0.10:80 ClusterIP default/web:http -> [127.128.0.2:8080] affinity=10800000'],
  },
  {
    name: 'sessionAffinity ClientIP with a timeout',
    services: [
      web({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }),
    ],
    slices: [webSlice([ep('127.128.0.2')])],
    want: ['TCP/127.96.0.10:80 ClusterIP default/web:http -> [127.128.0.2:8080] affinity=60000'],
  },
  {
    name: 'traffic policies Local: internal for the ClusterIP, external for the NodePort',
    services: [
      service('web', {
        type: 'NodePort',
        clusterIP: '127.96.0.10',
        externalTrafficPolicy: 'Local',
        ports: [port(80, { name: 'http', nodePort: 30080 })],
      }),
      service('api', {
        clusterIP: '127.96.0.11',
        internalTrafficPolicy: 'Local',
        ports: [port(80, { name: 'http' })],
      }),
    ],
    slices: [
      webSlice([ep('127.128.0.2', { ready: true }, 'node-0'), ep('127.128.1.2', { ready: true }, 'node-1')]),
      slice('api-1', 'api', [{ name: 'http', port: 8080 }], [ep('127.128.1.3', { ready: true }, 'node-1')]),
    ],
    want: [
      'TCP/127.0.100.1:30080 NodePort default/web:http -> [127.128.0.2:8080]',
      'TCP/127.96.0.10:80 ClusterIP default/web:http -> [127.128.0.2:8080,127.128.1.2:8080]',
      'TCP/127.96.0.11:80 ClusterIP default/api:http -> []',
    ],
  },
  {
    name: 'two services claiming one external IP: the first by namespace/name wins',
    services: [
      service('b', {
        clusterIP: '127.96.0.12',
        externalIPs: ['127.201.0.1'],
        ports: [port(80, { name: 'http' })],
      }),
      service('a', {
        clusterIP: '127.96.0.11',
        externalIPs: ['127.201.0.1'],
        ports: [port(80, { name: 'http' })],
      }),
    ],
    slices: [],
    want: [
      'TCP/127.201.0.1:80 ExternalIP default/a:http -> []',
      'TCP/127.96.0.11:80 ClusterIP default/a:http -> []',
      'TCP/127.96.0.12:80 ClusterIP default/b:http -> []',
    ],
  },
];

describe('proxy rules', () => {
  for (const c of cases) {
    it(`rules - ${c.name}`, () => {
      assert.deepEqual(summarize(computeProxyRules(c.services, c.slices, NODE)), c.want);
    });
  }

  it('rules - do not depend on input order', () => {
    const services = [
      web(),
      service('api', { clusterIP: '127.96.0.11', ports: [port(80, { name: 'http' })] }),
    ];
    const slices = [webSlice(), slice('api-1', 'api', [{ name: 'http', port: 8080 }], [ep('127.128.0.9')])];
    const a = computeProxyRules(services, slices, NODE);
    const b = computeProxyRules([...services].reverse(), [...slices].reverse(), NODE);
    assert.deepEqual(a, b);
  });

  it('rules - carry the node name of endpoints', () => {
    const rules = computeProxyRules(
      [web()],
      [webSlice([ep('127.128.0.2', { ready: true }, 'node-3')])],
      NODE,
    );
    assert.deepEqual(rules[0]?.backends, [{ ip: '127.128.0.2', port: 8080, nodeName: 'node-3' }]);
  });
});
