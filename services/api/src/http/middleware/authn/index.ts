import type { RequestUser } from '../../../core/handler.js';

export { type Authenticate, type AuthnOptions, PUBLIC_PATHS, authn, bearerToken } from './authn.js';

declare module 'hono' {
  interface ContextVariableMap {
    /** The authenticated caller (set by authn). */
    user: RequestUser;
  }
}
