/**
 * The environment every kubelab service reads (through its main.ts, the only place that touches
 * `process.env`). Pure: takes the environment as an argument, so it is testable and explicit.
 */

export interface ServiceEnv {
  readonly role: string;
  readonly id: string;
  readonly natsUrl: string;
  readonly redisUrl: string;
  readonly dataDir: string | undefined;
  readonly httpPort: number | undefined;
  readonly logLevel: string;
  /** This service's bearer token for the api (issued by the launcher from the cluster's token secret). */
  readonly token: string | undefined;
  readonly lease: {
    readonly leaseDurationMs: number | undefined;
    readonly renewDeadlineMs: number | undefined;
    readonly retryPeriodMs: number | undefined;
  };
}

export class ServiceEnvError extends Error {
  override readonly name = 'ServiceEnvError';
}

function int(env: NodeJS.ProcessEnv, key: string): number | undefined {
  const raw = env[key];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0)
    throw new ServiceEnvError(`${key} must be a positive integer, got "${raw}"`);
  return n;
}

/**
 * Reads and checks the service environment.
 *
 * @example
 * const env = readServiceEnv(process.env, 'scheduler'); // env.id === 'scheduler-0' under the launcher
 */
export function readServiceEnv(env: NodeJS.ProcessEnv, role: string): ServiceEnv {
  const id = env.KUBELAB_ID ?? `${role}-0`;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(id)) {
    throw new ServiceEnvError(`KUBELAB_ID must be a DNS-1123 label such as "${role}-0", got "${id}"`);
  }
  return {
    role,
    id,
    natsUrl: env.NATS_URL ?? 'nats://127.0.0.1:4222',
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    dataDir: env.KUBELAB_DATA_DIR,
    httpPort: int(env, 'KUBELAB_HTTP_PORT'),
    logLevel: env.LOG_LEVEL ?? 'info',
    token: env.KUBELAB_TOKEN,
    lease: {
      leaseDurationMs: int(env, 'KUBELAB_LEASE_DURATION_MS'),
      renewDeadlineMs: int(env, 'KUBELAB_LEASE_RENEW_DEADLINE_MS'),
      retryPeriodMs: int(env, 'KUBELAB_LEASE_RETRY_PERIOD_MS'),
    },
  };
}
