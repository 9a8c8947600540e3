/**
 * Bearer tokens that the api verifies without any state: `kl1.<identity>.<mac>`, where identity is the
 * base64url JSON `{"u": name, "g": groups}` and mac is base64url HMAC-SHA256(cluster secret, "kl1." + identity).
 *
 * A token is a pure function of (secret, identity), so the launcher can hand every service its token and any
 * api replica holding the secret can check any token. There is no expiry and no revocation short of rotating
 * the secret (which invalidates every token): this is a lab cluster's credential, not a production one.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'kl1';

/** Who a token speaks for. Kubernetes adds `system:authenticated` to every authenticated user. */
export interface TokenIdentity {
  readonly name: string;
  readonly groups: readonly string[];
}

/** The admin user kubectl runs as: in `system:masters`, like kubeadm's `kubernetes-admin`. */
export const ADMIN_USER = 'kubelab-admin';

/**
 * The groups kubelab gives a well-known user name: `kubelab-admin` → `system:masters`, `system:node:<n>` →
 * `system:nodes`; anything else (`system:kube-scheduler`, `system:kube-controller-manager`) gets none.
 *
 * @example
 * identityFor('system:node:node-1'); // { name: 'system:node:node-1', groups: ['system:nodes'] }
 */
export function identityFor(name: string): TokenIdentity {
  if (name === ADMIN_USER) return { name, groups: ['system:masters'] };
  if (name.startsWith('system:node:')) return { name, groups: ['system:nodes'] };
  return { name, groups: [] };
}

function mac(secret: Uint8Array, payload: string): Buffer {
  return createHmac('sha256', secret).update(`${PREFIX}.${payload}`).digest();
}

/**
 * The bearer token for an identity (a user name gets {@link identityFor}'s groups).
 *
 * @example
 * const token = issueToken(secret, 'system:kube-scheduler');
 */
export function issueToken(secret: Uint8Array, identity: string | TokenIdentity): string {
  const id = typeof identity === 'string' ? identityFor(identity) : identity;
  const payload = Buffer.from(JSON.stringify({ u: id.name, g: [...id.groups] })).toString('base64url');
  return `${PREFIX}.${payload}.${mac(secret, payload).toString('base64url')}`;
}

/**
 * The identity a token was issued for, or undefined when it is malformed or its MAC does not verify. The
 * result always includes `system:authenticated`.
 */
export function verifyToken(secret: Uint8Array, token: string): TokenIdentity | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX) return undefined;
  const [, payload = '', sent = ''] = parts;
  const expected = mac(secret, payload);
  const given = Buffer.from(sent, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      u?: unknown;
      g?: unknown;
    };
    if (typeof decoded.u !== 'string' || decoded.u === '') return undefined;
    const groups = Array.isArray(decoded.g)
      ? decoded.g.filter((g): g is string => typeof g === 'string')
      : [];
    return { name: decoded.u, groups: [...new Set([...groups, 'system:authenticated'])] };
  } catch {
    return undefined;
  }
}
