/**
 * The process cluster's shape, as pure data: which processes `kubelab up` starts, with which command line,
 * ports and environment. No I/O here; the supervisor turns these specs into child processes.
 */
import { natsServerCommand, redisServerCommand } from '@kubelab/binaries';
import { nodeAddress, processNetwork } from './network.js';

/** Roles of the processes in a kubelab cluster. */
export const Role = {
  Nats: 'nats',
  Redis: 'redis',
  Api: 'api',
  Scheduler: 'scheduler',
  Controller: 'controller',
  Node: 'node',
  Dns: 'dns',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

/** The kubelab services (everything but the external servers), in start order. */
export const SERVICE_ROLES = [Role.Api, Role.Scheduler, Role.Controller, Role.Node, Role.Dns] as const;
export type ServiceRole = (typeof SERVICE_ROLES)[number];

export interface ProcessSpec {
  /** Unique name, e.g. `api-0`; what `kubelab kill|restart|logs` take. */
  readonly name: string;
  readonly role: Role;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** The TCP port it serves on 127.0.0.1, if any (nats, redis, api HTTPS). */
  readonly port?: number;
}

export interface TopologyOptions {
  /** Worker node processes (default 2). */
  readonly nodes: number;
  readonly replicas: Readonly<Record<ServiceRole, number>>;
  readonly home: string;
  readonly natsPort: number;
  readonly redisPort: number;
  /** One HTTPS port per api replica. */
  readonly apiPorts: readonly number[];
  /** Absolute path of the repository root (where services/ lives). */
  readonly repoRoot: string;
  /** The node binary running the services. */
  readonly nodeBin: string;
  /** The cluster's network slot (see network.ts); default 0. */
  readonly networkSlot?: number;
  /** Extra environment passed to every service (LOG_LEVEL, OTEL_*, KUBELAB_* tuning). */
  readonly extraEnv?: Readonly<Record<string, string>>;
  /** Environment for one service process (its bearer token, …). */
  readonly serviceEnv?: (name: string, role: ServiceRole) => Readonly<Record<string, string>>;
  /** nats-server's configuration file (see {@link natsConfig}), passed with `-c`; none: its defaults. */
  readonly natsConfigFile?: string;
}

/**
 * NATS' largest message. nats-server's default, 1 MiB, is below what the api must send in one reply: an
 * object may be up to 1.5 MiB (etcd's request limit) and a list page of 500 pods (client-go's page size,
 * `listAll`'s default) is ~1.2 MB, so with the default every informer's pod list failed with
 * MAX_PAYLOAD_EXCEEDED once a namespace held ~450 pods. 8 MiB is the largest size NATS recommends.
 */
export const NATS_MAX_PAYLOAD_BYTES = 8 * 1024 * 1024;

/** The nats-server configuration file's text: the listen address stays on the command line. */
export function natsConfig(): string {
  return `# written by kubelab up\nmax_payload: ${NATS_MAX_PAYLOAD_BYTES}\n`;
}

/** The user a service's token speaks for (Kubernetes' names for the control-plane components). */
export function serviceIdentity(name: string, role: ServiceRole): string {
  switch (role) {
    case 'api':
      return 'system:apiserver';
    case 'scheduler':
      return 'system:kube-scheduler';
    case 'controller':
      return 'system:kube-controller-manager';
    case 'node':
      return `system:node:${name}`;
    case 'dns':
      return 'system:kube-dns';
  }
}

/** Default replica counts: 3 api (a Raft group), 2 scheduler, 2 controller (one active each), 2 dns. */
export function defaultReplicas(nodes: number): Record<ServiceRole, number> {
  return { api: 3, scheduler: 2, controller: 2, node: nodes, dns: 2 };
}

/** Every process of the cluster, external servers first, then services in start order. */
export function buildTopology(o: TopologyOptions): ProcessSpec[] {
  if (o.apiPorts.length !== o.replicas.api) throw new Error('one api port per api replica is required');
  const natsUrl = `nats://127.0.0.1:${o.natsPort}`;
  const redisUrl = `redis://127.0.0.1:${o.redisPort}`;
  const nats = natsServerCommand({ port: o.natsPort });
  const natsArgs = o.natsConfigFile ? [...nats.args, '-c', o.natsConfigFile] : nats.args;
  const redis = redisServerCommand({ port: o.redisPort, dir: `${o.home}/data/redis` });
  const specs: ProcessSpec[] = [
    { name: 'nats', role: Role.Nats, command: nats.command, args: natsArgs, env: {}, port: o.natsPort },
    { name: 'redis', role: Role.Redis, command: redis.command, args: redis.args, env: {}, port: o.redisPort },
  ];
  const apiPeers = o.apiPorts.map((_, i) => `api-${i}`).join(',');
  for (const role of SERVICE_ROLES) {
    for (let i = 0; i < o.replicas[role]; i++) {
      const name = `${role}-${i}`;
      const port = role === Role.Api ? o.apiPorts[i] : undefined;
      const env: Record<string, string> = {
        ...processNetwork(o.networkSlot ?? 0),
        ...o.extraEnv,
        KUBELAB_ROLE: role,
        KUBELAB_ID: name,
        KUBELAB_HOME: o.home,
        KUBELAB_DATA_DIR: `${o.home}/data/${name}`,
        NATS_URL: natsUrl,
        REDIS_URL: redisUrl,
        KUBELAB_API_PEERS: apiPeers,
        ...o.serviceEnv?.(name, role),
      };
      if (port !== undefined) env.KUBELAB_HTTP_PORT = String(port);
      if (role === Role.Node) env.KUBELAB_NODE_IP = nodeAddress(i, o.networkSlot ?? 0);
      specs.push({
        name,
        role,
        command: o.nodeBin,
        args: ['--import', 'tsx', `${o.repoRoot}/services/${role}/src/main.ts`],
        env,
        ...(port === undefined ? {} : { port }),
      });
    }
  }
  return specs;
}
