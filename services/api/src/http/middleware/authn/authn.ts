/**
 * Bearer-token authentication (no anonymous access): every request but the public health and version
 * endpoints must carry `Authorization: Bearer <token>` that `authenticate` accepts; otherwise 401 with the
 * Unauthorized Status kubectl turns into "You must be logged in to the server (Unauthorized)".
 */
import type { MiddlewareHandler } from 'hono';
import type { RequestUser } from '../../../core/handler.js';
import { jsonResponse } from '../../response.js';
import { httpErrors } from '../../status.js';

/** Resolves a bearer token to a user, or undefined when the token is not valid. */
export type Authenticate = (token: string) => RequestUser | undefined | Promise<RequestUser | undefined>;

/** Paths Kubernetes serves to unauthenticated clients (system:public-info-viewer). */
export const PUBLIC_PATHS: readonly string[] = ['/version', '/healthz', '/livez', '/readyz'];

export interface AuthnOptions {
  readonly authenticate: Authenticate;
  /** Exact paths (and their `/…` sub-paths) that need no token. */
  readonly publicPaths?: readonly string[];
}

const isPublic = (path: string, publicPaths: readonly string[]) =>
  publicPaths.some((p) => path === p || path.startsWith(`${p}/`));

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive). */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

/**
 * The authentication middleware; sets the `user` context variable.
 *
 * @example
 * app.use('*', authn({ authenticate: (t) => verifyToken(secret, t) }));
 */
export function authn({ authenticate, publicPaths = PUBLIC_PATHS }: AuthnOptions): MiddlewareHandler {
  return async function authnMiddleware(c, next) {
    if (isPublic(c.req.path, publicPaths)) return next();
    const token = bearerToken(c.req.header('authorization'));
    const user = token === undefined ? undefined : await authenticate(token);
    if (user === undefined) {
      return jsonResponse(401, httpErrors.unauthorized(), {
        'www-authenticate': 'Bearer realm="kubernetes"',
      });
    }
    c.set('user', user);
    return next();
  };
}
