/**
 * A per-user cap on concurrent requests (kube-apiserver's max-in-flight, per user instead of global): beyond
 * `maxPerUser` a request gets 429 TooManyRequests with `Retry-After`, which client-go retries. Long-running
 * requests (watches) are not counted, as Kubernetes exempts them.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { jsonResponse } from '../../response.js';
import { httpErrors } from '../../status.js';

export interface InFlightOptions {
  readonly maxPerUser: number;
  /** Seconds a throttled client should wait (the Retry-After header and Status details). */
  readonly retryAfterSeconds?: number;
  /** Requests that are not counted (default: `watch=true`). */
  readonly isLongRunning?: (c: Context) => boolean;
}

const WATCH_VALUES = new Set(['true', '1', 't', 'T', 'TRUE', 'True']);

/** Whether a request is a watch (`?watch=true`), which Kubernetes treats as long-running. */
export function isWatchRequest(c: Context): boolean {
  return WATCH_VALUES.has(c.req.query('watch') ?? '');
}

/**
 * The in-flight limiter; runs after authn (it keys on the `user` variable).
 *
 * @example
 * app.use('*', inFlight({ maxPerUser: 100 }));
 */
export function inFlight({
  maxPerUser,
  retryAfterSeconds = 1,
  isLongRunning = isWatchRequest,
}: InFlightOptions): MiddlewareHandler {
  const counts = new Map<string, number>();
  return async function inFlightMiddleware(c, next) {
    const user = c.get('user');
    if (user === undefined || isLongRunning(c)) return next();
    const current = counts.get(user.name) ?? 0;
    if (current >= maxPerUser) {
      return jsonResponse(429, httpErrors.tooManyRequests(retryAfterSeconds), {
        'retry-after': String(retryAfterSeconds),
      });
    }
    counts.set(user.name, current + 1);
    try {
      await next();
    } finally {
      const left = (counts.get(user.name) ?? 1) - 1;
      if (left <= 0) counts.delete(user.name);
      else counts.set(user.name, left);
    }
  };
}
