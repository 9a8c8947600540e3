/**
 * Test helper: runs the real kubectl against a tiny local HTTP server that answers discovery, records every
 * POST body and replies 201 with a JSON echo. Used by the live test and by capture-fixtures.ts.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type JsonObject,
  ProtobufDecodeError,
  UnsupportedProtobufKindError,
  decodeKubernetesProtobuf,
  isKubernetesProtobuf,
} from '../src/index.js';

export const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';

/** Whether the kubectl binary exists. */
export function haveKubectl(): boolean {
  return existsSync(KUBECTL);
}

/** One kubectl command whose protobuf request body we want, and the JSON it must decode to. */
export interface CaptureCase {
  /** Fixture name (testdata/<name>.bin and testdata/<name>.json). */
  readonly name: string;
  /** kubectl arguments after the global flags; `{dir}` is replaced by a scratch directory. */
  readonly args: readonly string[];
  /** Objects the fake server answers GETs with: request path → file under testdata/served/. */
  readonly serve?: Readonly<Record<string, string>>;
  /**
   * The expected decoding, computed from the served objects. Without it the expectation is kubectl's own
   * JSON rendering of the same command (`--dry-run=client -o json`).
   */
  readonly expect?: (served: Readonly<Record<string, JsonObject>>) => JsonObject;
}

const RICH_POD = '/api/v1/namespaces/default/pods/rich';

/** The kubectl commands that send protobuf bodies in 1.32, plus a few variants. */
export const CASES: readonly CaptureCase[] = [
  { name: 'deployment', args: ['create', 'deployment', 'nginx', '--image=nginx:1.15.12', '--replicas=3'] },
  {
    name: 'deployment-port',
    args: ['create', 'deployment', 'web', '--image=nginx:1.27', '--image=busybox:1.36', '--port=8080'],
  },
  { name: 'namespace', args: ['create', 'namespace', 'x'] },
  { name: 'configmap', args: ['create', 'configmap', 'c', '--from-literal=a=b', '--from-literal=empty='] },
  { name: 'configmap-binary', args: ['create', 'configmap', 'bin', '--from-file=blob={dir}/blob.bin'] },
  { name: 'secret', args: ['create', 'secret', 'generic', 's', '--from-literal=p=q', '--type=Opaque'] },
  {
    name: 'secret-docker',
    args: [
      'create',
      'secret',
      'docker-registry',
      'reg',
      '--docker-server=registry.example',
      '--docker-username=u',
      '--docker-password=p',
    ],
  },
  { name: 'service', args: ['create', 'service', 'clusterip', 'web', '--tcp=80:8080'] },
  {
    name: 'service-nodeport',
    args: ['create', 'service', 'nodeport', 'np', '--tcp=5678:http', '--node-port=30080'],
  },
  { name: 'job', args: ['create', 'job', 'j', '--image=busybox', '--', 'echo', 'hi'] },
  {
    name: 'cronjob',
    args: ['create', 'cronjob', 'cj', '--image=busybox', '--schedule=*/5 * * * *', '--', 'date'],
  },
  {
    // A Job built from a served CronJob's jobTemplate: pod failure policy, ephemeral volume, Indexed mode.
    name: 'job-from-cronjob',
    args: ['create', 'job', 'manual-1', '--from=cronjob/nightly'],
    serve: { '/apis/batch/v1/namespaces/default/cronjobs/nightly': 'rich-cronjob.json' },
  },
  { name: 'serviceaccount', args: ['create', 'serviceaccount', 'robot'] },
  {
    name: 'ingress',
    args: [
      'create',
      'ingress',
      'simple',
      '--class=default',
      '--rule=foo.com/bar=svc1:8080,tls=my-cert',
      '--rule=/path*=svc2:http',
      '--default-backend=defsvc:80',
      '--annotation=a=b',
    ],
  },
  { name: 'autoscale', args: ['autoscale', 'deployment', 'nginx', '--min=2', '--max=5', '--cpu-percent=80'] },
  {
    // `kubectl debug --copy-to` re-encodes a served Pod with Go's own protobuf marshalling: the decoding
    // must give back the served JSON, changed only where debug changes it.
    name: 'pod-debug-copy',
    args: [
      'debug',
      'rich',
      '--copy-to=rich-copy',
      '--set-image=sidecar=envoy:1.31',
      '--share-processes=false',
      '--keep-labels',
      '--keep-annotations',
      '--keep-liveness',
      '--keep-readiness',
      '--keep-startup',
      '--keep-init-containers',
      '--same-node',
      '--profile=legacy',
    ],
    serve: { [RICH_POD]: 'rich-pod.json' },
    expect: (served) => {
      const pod = structuredClone(served[RICH_POD]) as {
        metadata: JsonObject;
        spec: JsonObject & { containers: JsonObject[] };
      };
      pod.metadata.name = 'rich-copy';
      pod.metadata.creationTimestamp = null;
      delete pod.metadata.ownerReferences;
      delete pod.metadata.finalizers;
      const sidecar = pod.spec.containers[1];
      if (sidecar) sidecar.image = 'envoy:1.31';
      pod.spec.shareProcessNamespace = false;
      return pod as unknown as JsonObject;
    },
  },
  {
    // Without a legacy /api/v1 listing pods/eviction, drain deletes pods: DELETE with protobuf DeleteOptions.
    name: 'drain-delete-options',
    args: ['drain', 'node-1', '--force', '--grace-period=7', '--timeout=10s'],
    serve: { '/api/v1/nodes/node-1': 'node-1.json', '/api/v1/pods': 'pods-on-node-1.json' },
    expect: () => ({ kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 7 }),
  },
];

/** Where the fixtures live. */
export const TESTDATA = fileURLToPath(new URL('../testdata/', import.meta.url));

/** Reads the objects a case serves. */
export function servedObjects(c: CaptureCase): Record<string, JsonObject> {
  const out: Record<string, JsonObject> = {};
  for (const [path, file] of Object.entries(c.serve ?? {})) {
    out[path] = JSON.parse(readFileSync(join(TESTDATA, 'served', file), 'utf8')) as JsonObject;
  }
  return out;
}

/** The bytes written to {dir}/blob.bin (not valid UTF-8, so kubectl puts them under binaryData). */
export const BLOB = Uint8Array.of(0xff, 0xfe, 0x00, 0x01, 0x80, 0x6b, 0x38, 0x73);

/** A request the fake server received with a body. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly contentType: string;
  readonly body: Uint8Array;
}

type Res = {
  resource: string;
  kind: string;
  singular: string;
  scope: 'Namespaced' | 'Cluster';
  short?: string[];
  /** Subresources to advertise: `scale` (autoscaling/v1 Scale) or `eviction` (policy/v1 Eviction). */
  sub?: ('scale' | 'eviction')[];
};

const SUBRESOURCE_KINDS = {
  scale: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
  eviction: { group: 'policy', version: 'v1', kind: 'Eviction' },
};

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function group(name: string, version: string, resources: Res[]) {
  return {
    metadata: { name },
    versions: [
      {
        version,
        freshness: 'Current',
        resources: resources.map((r) => ({
          resource: r.resource,
          responseKind: { group: name, version, kind: r.kind },
          scope: r.scope,
          singularResource: r.singular,
          verbs: VERBS,
          ...(r.short ? { shortNames: r.short } : {}),
          ...(r.sub
            ? {
                subresources: r.sub.map((sub) => ({
                  subresource: sub,
                  responseKind: SUBRESOURCE_KINDS[sub],
                  verbs: sub === 'scale' ? ['get', 'patch', 'update'] : ['create'],
                })),
              }
            : {}),
        })),
      },
    ],
  };
}

const ns = 'Namespaced' as const;
const CORE = group('', 'v1', [
  { resource: 'namespaces', kind: 'Namespace', singular: 'namespace', scope: 'Cluster', short: ['ns'] },
  { resource: 'configmaps', kind: 'ConfigMap', singular: 'configmap', scope: ns, short: ['cm'] },
  { resource: 'secrets', kind: 'Secret', singular: 'secret', scope: ns },
  { resource: 'services', kind: 'Service', singular: 'service', scope: ns, short: ['svc'] },
  { resource: 'pods', kind: 'Pod', singular: 'pod', scope: ns, short: ['po'], sub: ['eviction'] },
  { resource: 'nodes', kind: 'Node', singular: 'node', scope: 'Cluster', short: ['no'] },
  {
    resource: 'serviceaccounts',
    kind: 'ServiceAccount',
    singular: 'serviceaccount',
    scope: ns,
    short: ['sa'],
  },
]);
const GROUPS = [
  group('apps', 'v1', [
    {
      resource: 'deployments',
      kind: 'Deployment',
      singular: 'deployment',
      scope: ns,
      short: ['deploy'],
      sub: ['scale'],
    },
    { resource: 'replicasets', kind: 'ReplicaSet', singular: 'replicaset', scope: ns, short: ['rs'] },
  ]),
  group('batch', 'v1', [
    { resource: 'jobs', kind: 'Job', singular: 'job', scope: ns },
    { resource: 'cronjobs', kind: 'CronJob', singular: 'cronjob', scope: ns, short: ['cj'] },
  ]),
  group('autoscaling', 'v2', [
    {
      resource: 'horizontalpodautoscalers',
      kind: 'HorizontalPodAutoscaler',
      singular: 'horizontalpodautoscaler',
      scope: ns,
      short: ['hpa'],
    },
  ]),
  group('networking.k8s.io', 'v1', [
    { resource: 'ingresses', kind: 'Ingress', singular: 'ingress', scope: ns, short: ['ing'] },
  ]),
  group('policy', 'v1', [
    {
      resource: 'poddisruptionbudgets',
      kind: 'PodDisruptionBudget',
      singular: 'poddisruptionbudget',
      scope: ns,
      short: ['pdb'],
    },
  ]),
  group('rbac.authorization.k8s.io', 'v1', [
    { resource: 'roles', kind: 'Role', singular: 'role', scope: ns },
  ]),
];
// autoscaling also serves v1 (kubectl picks the preferred, first listed, version).
GROUPS[2]?.versions.push({
  version: 'v1',
  freshness: 'Current',
  resources: [
    {
      resource: 'horizontalpodautoscalers',
      responseKind: { group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler' },
      scope: ns,
      singularResource: 'horizontalpodautoscaler',
      verbs: VERBS,
      shortNames: ['hpa'],
    },
  ],
});

const DISCOVERY_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** The Deployment `autoscale` reads before it builds the HPA. */
const NGINX_DEPLOYMENT = {
  kind: 'Deployment',
  apiVersion: 'apps/v1',
  metadata: {
    name: 'nginx',
    namespace: 'default',
    uid: 'u-1',
    resourceVersion: '1',
    labels: { app: 'nginx' },
  },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'nginx' } },
    template: {
      metadata: { labels: { app: 'nginx' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx:1.15.12' }] },
    },
  },
  status: {},
};

function send(res: ServerResponse, code: number, type: string, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function notFound(res: ServerResponse, what: string) {
  send(res, 404, 'application/json', {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `${what} not found`,
    reason: 'NotFound',
    code: 404,
  });
}

/** A running fake API server. */
export interface FakeServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Serves `obj` as JSON on GET `path` (e.g. `/api/v1/namespaces/default/pods/rich`). */
  serve(path: string, obj: unknown): void;
  close(): Promise<void>;
}

/** Starts the fake server on 127.0.0.1 and a free port. */
export async function startFakeServer(): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const objects = new Map<string, unknown>([
    ['/apis/apps/v1/namespaces/default/deployments/nginx', NGINX_DEPLOYMENT],
  ]);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = new Uint8Array(Buffer.concat(chunks));
      const path = (req.url ?? '').split('?')[0] ?? '';
      const contentType = req.headers['content-type'] ?? '';
      if (req.method === 'GET') {
        if (path === '/version') {
          return send(res, 200, 'application/json', {
            major: '1',
            minor: '32',
            gitVersion: 'v1.32.4',
            platform: 'linux/amd64',
          });
        }
        const disc = { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {} };
        if (path === '/api') return send(res, 200, DISCOVERY_TYPE, { ...disc, items: [CORE] });
        if (path === '/apis') return send(res, 200, DISCOVERY_TYPE, { ...disc, items: GROUPS });
        if (objects.has(path)) return send(res, 200, 'application/json', objects.get(path));
        return notFound(res, path);
      }
      requests.push({ method: req.method ?? '', url: req.url ?? '', contentType, body });
      if (req.method === 'PATCH' && objects.has(path))
        return send(res, 200, 'application/json', objects.get(path));
      let echo: unknown;
      try {
        echo = isKubernetesProtobuf(contentType)
          ? decodeKubernetesProtobuf(body)
          : JSON.parse(Buffer.from(body).toString('utf8'));
      } catch (err) {
        if (err instanceof ProtobufDecodeError || err instanceof UnsupportedProtobufKindError) {
          return send(res, err.code, 'application/json', err.toStatus());
        }
        return send(res, 400, 'application/json', {
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          code: 400,
        });
      }
      send(res, 201, 'application/json', echo);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    serve: (path, obj) => {
      objects.set(path, obj);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Result of one kubectl run. */
export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A scratch kubeconfig + cache dir pointing at `url`. */
export interface KubectlEnv {
  readonly dir: string;
  run(args: readonly string[]): Promise<KubectlResult>;
  cleanup(): void;
}

/** Creates a scratch directory with a kubeconfig for `url` and the blob file used by configmap-binary. */
export function kubectlEnv(url: string): KubectlEnv {
  const dir = mkdtempSync(join(tmpdir(), 'k8s-protobuf-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: fake\n  cluster:\n    server: ${url}`,
      'users:',
      '- name: fake\n  user: {}',
      'contexts:',
      '- name: fake\n  context:\n    cluster: fake\n    user: fake\n    namespace: default',
      'current-context: fake',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'blob.bin'), BLOB);
  return {
    dir,
    run: (args) =>
      new Promise((resolve) => {
        const full = [
          `--kubeconfig=${kubeconfig}`,
          `--cache-dir=${join(dir, 'cache')}`,
          ...args.map((a) => a.replaceAll('{dir}', dir)),
        ];
        execFile(
          KUBECTL,
          full,
          { timeout: 30_000, env: { ...process.env, HOME: dir, KUBECONFIG: kubeconfig } },
          (err, stdout, stderr) => {
            const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
            resolve({ code, stdout, stderr });
          },
        );
      }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The JSON kubectl itself renders for the command (`--dry-run=client -o json`). */
export async function dryRunJson(env: KubectlEnv, args: readonly string[]): Promise<unknown> {
  const dash = args.indexOf('--');
  const flags = ['--dry-run=client', '-o', 'json'];
  const full = dash < 0 ? [...args, ...flags] : [...args.slice(0, dash), ...flags, ...args.slice(dash)];
  const r = await env.run(full);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} --dry-run=client failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Runs `args` for real against `server` and returns the request bodies it POSTed. */
export async function capturePosts(
  env: KubectlEnv,
  server: FakeServer,
  args: readonly string[],
): Promise<{ result: KubectlResult; posts: RecordedRequest[] }> {
  const before = server.requests.length;
  const result = await env.run(args);
  return { result, posts: server.requests.slice(before) };
}

/** What one case produced: the kubectl result, its protobuf request, and the expected decoding. */
export interface CaseRun {
  readonly result: KubectlResult;
  readonly request: RecordedRequest | undefined;
  readonly expected: JsonObject;
}

/** Runs one case against `server` (serving its objects first) and computes its expectation. */
export async function runCase(env: KubectlEnv, server: FakeServer, c: CaptureCase): Promise<CaseRun> {
  const served = servedObjects(c);
  for (const [path, obj] of Object.entries(served)) server.serve(path, obj);
  const { result, posts } = await capturePosts(env, server, c.args);
  const request = posts.find((p) => isKubernetesProtobuf(p.contentType));
  const expected = c.expect ? c.expect(served) : ((await dryRunJson(env, c.args)) as JsonObject);
  return { result, request, expected };
}
