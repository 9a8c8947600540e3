/**
 * The lease on Redis (ioredis). Two keys per lease, in one hash slot so the scripts may touch both on a
 * cluster too: `<prefix>{<name>}` holds `<token> <identity>` with a PX TTL, and `<prefix>{<name>}:token` is
 * the fencing-token counter (no TTL). Every operation is one Lua script, so check-and-act is atomic.
 *
 * The client fails fast: no offline queue (a command issued while disconnected rejects at once), a short
 * command timeout, no resending of unanswered commands after a reconnect, and pending commands are flushed
 * when the connection drops. A renewal therefore never hangs long, and an old renewal is never replayed
 * seconds later. Safety does not depend on any of this (the elector judges leadership by its own clock); it
 * keeps the retry cadence and failover fast. Reconnects go on forever, with capped, jittered backoff.
 */
import type { Rng } from '@kubelab/clock';
import type { Logger } from '@kubelab/telemetry';
import { Redis } from 'ioredis';
import { LeaseConfigError, LeaseStoreError } from './errors.js';
import { parseLeaseValue } from './lease-value.js';
import type { AcquireRequest, AcquireResult, LeaseRecord, LeaseStore } from './store.js';

/**
 * KEYS: lease, counter. ARGV: identity, leaseDurationMs, minToken, emptyTokenFloor, replaceValue ('' = none).
 * Returns {0, currentValue, pttl} when someone else holds the key, else {1, newValue, counterWasMissing}.
 * The counter is raised to the floor first (minToken, plus emptyTokenFloor when it was missing), then INCR'd,
 * so a token never repeats or goes down, even across a wipe, as far as the caller has seen.
 */
const ACQUIRE_LUA = `
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[5] then
  return {0, current, redis.call('PTTL', KEYS[1])}
end
local counter = redis.call('GET', KEYS[2])
local floor = tonumber(ARGV[3])
local missing = 0
if not counter then
  missing = 1
  floor = math.max(floor, tonumber(ARGV[4]))
end
if (not counter) or tonumber(counter) < floor then
  redis.call('SET', KEYS[2], string.format('%d', floor))
end
local token = redis.call('INCR', KEYS[2])
local value = string.format('%d', token) .. ' ' .. ARGV[1]
if current then
  redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
else
  redis.call('SET', KEYS[1], value, 'NX', 'PX', ARGV[2])
end
return {1, value, missing}
`;

/** KEYS: lease. ARGV: value, leaseDurationMs. Extends the TTL only if the key still holds exactly our term. */
const RENEW_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`;

/** KEYS: lease. ARGV: value. Deletes the key only if it still holds exactly our term. */
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

/** KEYS: lease. Returns {value or nil, pttl}. */
const GET_LUA = `return {redis.call('GET', KEYS[1]), redis.call('PTTL', KEYS[1])}`;

type ScriptFn = (...args: (string | number)[]) => Promise<unknown>;

export interface RedisLeaseStoreOptions {
  /** `redis://host:port[/db]`. */
  readonly url: string;
  /** The lease's name, e.g. `scheduler`; no braces. */
  readonly leaseName: string;
  /** Jitter of the reconnect backoff. */
  readonly rng: Rng;
  readonly logger: Logger;
  /**
   * A command that has no reply after this long rejects. Default 400: with the default 200 ms retry period
   * and 700 ms renew deadline, a timed-out renewal still leaves room for a second attempt before the deadline.
   */
  readonly commandTimeoutMs?: number;
  /** Upper bound of the reconnect backoff; default 500, so the lease is retaken soon after Redis returns. */
  readonly reconnectDelayMsMax?: number;
  /** Default `kubelab:lease:`. */
  readonly keyPrefix?: string;
}

/** How long opening a connection may take. */
const CONNECT_TIMEOUT_MS = 1000;

/** The lease key and counter key of a lease; they share the `{name}` hash tag. */
export function leaseKeys(
  leaseName: string,
  keyPrefix = 'kubelab:lease:',
): { lease: string; counter: string } {
  const lease = `${keyPrefix}{${leaseName}}`;
  return { lease, counter: `${lease}:token` };
}

/**
 * Opens an ioredis connection configured to fail fast and returns the {@link LeaseStore} on it.
 *
 * @example
 * const store = createRedisLeaseStore({ url: 'redis://127.0.0.1:6379', leaseName: 'scheduler', rng, logger });
 * const elector = createLeaderElector({ store, identity, clock, rng, logger, onStartedLeading, onStoppedLeading });
 */
export function createRedisLeaseStore(opts: RedisLeaseStoreOptions): LeaseStore {
  if (!/^[^{}\s]+$/.test(opts.leaseName)) {
    throw new LeaseConfigError(
      'leaseName',
      `leaseName must be non-empty without braces or spaces: ${opts.leaseName}`,
    );
  }
  const keys = leaseKeys(opts.leaseName, opts.keyPrefix);
  const delayMax = opts.reconnectDelayMsMax ?? 500;
  const redis = new Redis(opts.url, {
    enableOfflineQueue: false,
    commandTimeout: opts.commandTimeoutMs ?? 400,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // 0: when the connection drops, reject the commands in flight at once instead of holding them.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // Forever (always a number), exponential from 50 ms, capped, with ±50% jitter so replicas spread out.
    retryStrategy: (attempt) =>
      Math.round(Math.min(delayMax, 25 * 2 ** Math.min(attempt, 10)) * (0.5 + opts.rng.next())),
  });
  watchConnection(redis, opts.logger.child({ lease: opts.leaseName }));
  redis.defineCommand('kubelabLeaseAcquire', { numberOfKeys: 2, lua: ACQUIRE_LUA });
  redis.defineCommand('kubelabLeaseRenew', { numberOfKeys: 1, lua: RENEW_LUA });
  redis.defineCommand('kubelabLeaseRelease', { numberOfKeys: 1, lua: RELEASE_LUA });
  redis.defineCommand('kubelabLeaseGet', { numberOfKeys: 1, lua: GET_LUA });
  const scripts = redis as unknown as Record<string, ScriptFn>;
  // The first commands wait (up to the connect timeout) for the connection that is being opened: without the
  // offline queue they would fail at once, and every start logged "lease store unreachable" and lost a retry
  // period before its first acquire.
  // The attempt ends with 'ready', or with 'error'/'close' (refused, or no answer within the connect timeout).
  const outcomes = ['ready', 'error', 'close'] as const;
  let firstConnect: Promise<void> | undefined = new Promise<void>((resolve) => {
    const done = () => {
      for (const e of outcomes) redis.off(e, done);
      firstConnect = undefined;
      resolve();
    };
    for (const e of outcomes) redis.once(e, done);
  });
  const run = async (op: LeaseStoreError['operation'], name: string, ...args: (string | number)[]) => {
    const fn = scripts[name];
    if (fn === undefined) throw new Error(`script ${name} is not defined`);
    if (firstConnect !== undefined) await firstConnect;
    try {
      return await fn.apply(redis, args);
    } catch (err) {
      throw new LeaseStoreError(op, { cause: err });
    }
  };

  return {
    leaseName: opts.leaseName,
    async tryAcquire(req: AcquireRequest): Promise<AcquireResult> {
      const reply = (await run(
        'acquire',
        'kubelabLeaseAcquire',
        keys.lease,
        keys.counter,
        req.identity,
        req.leaseDurationMs,
        Math.floor(req.minToken),
        Math.floor(req.emptyTokenFloor),
        req.replaceValue ?? '',
      )) as [number, string, number];
      const [acquired, value, extra] = reply;
      const holder = parseLeaseValue(value);
      return acquired === 1
        ? { acquired: true, holder, counterWasMissing: extra === 1 }
        : { acquired: false, holder, ttlMs: extra };
    },
    async renew(value, leaseDurationMs) {
      return (await run('renew', 'kubelabLeaseRenew', keys.lease, value, leaseDurationMs)) === 1;
    },
    async release(value) {
      return (await run('release', 'kubelabLeaseRelease', keys.lease, value)) === 1;
    },
    async get(): Promise<LeaseRecord | undefined> {
      const [value, ttlMs] = (await run('get', 'kubelabLeaseGet', keys.lease)) as [string | null, number];
      return value === null ? undefined : { ...parseLeaseValue(value), ttlMs };
    },
    async close() {
      if (redis.status === 'ready') {
        await redis.quit().catch(() => redis.disconnect());
      } else {
        redis.disconnect();
      }
    },
  };
}

/**
 * Logs connection transitions once each (not every failed reconnect), and keeps ioredis from printing
 * "Unhandled error event" for the errors it emits while Redis is away.
 */
function watchConnection(redis: Redis, logger: Logger): void {
  let up = false;
  let downLogged = false;
  redis.on('ready', () => {
    up = true;
    downLogged = false;
    logger.info({ event: 'redis_ready' }, 'redis connection ready');
  });
  redis.on('close', () => {
    if (!up) return;
    up = false;
    logger.warn({ event: 'redis_closed' }, 'redis connection closed; reconnecting');
  });
  redis.on('error', (err: Error) => {
    if (downLogged) {
      logger.debug({ err: err.message }, 'redis error');
      return;
    }
    downLogged = true;
    logger.warn({ event: 'redis_error', err: err.message }, 'redis error; retrying with backoff');
  });
}
