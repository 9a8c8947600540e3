/**
 * The value stored under a lease key: `<token> <identity>` (PURE). Renew and release compare the WHOLE value,
 * not just the identity, so a process only ever extends or deletes the term it was granted: a restarted
 * replica that reuses its predecessor's identity cannot renew the dead predecessor's term (it has to wait for
 * it to expire and take a new token).
 */
import { LeaseValueError } from './errors.js';

/** What a lease key says: who holds it and under which fencing token. */
export interface LeaseHolder {
  readonly identity: string;
  /** The fencing token of the holder's term; strictly increases with every new term of this lease. */
  readonly token: number;
}

/** Identities are non-empty and free of whitespace, so `<token> <identity>` splits unambiguously. */
export function isValidIdentity(identity: string): boolean {
  return identity.length > 0 && identity.length <= 256 && !/\s/.test(identity);
}

/** Formats a holder as the stored value. */
export function formatLeaseValue(holder: LeaseHolder): string {
  return `${holder.token} ${holder.identity}`;
}

/** Parses a stored value; throws {@link LeaseValueError} if it is not `<positive integer> <identity>`. */
export function parseLeaseValue(value: string): LeaseHolder {
  const match = /^([1-9][0-9]*) (\S+)$/.exec(value);
  const token = Number(match?.[1]);
  const identity = match?.[2];
  if (identity === undefined || !Number.isSafeInteger(token)) throw new LeaseValueError(value);
  return { identity, token };
}
