/**
 * Broken invariants crash (STYLE.md principle 4, TigerStyle): `assert()` throws {@link AssertionError}, which
 * nobody catches. Expected protocol outcomes are the sentinel errors of types.ts and errors.ts instead.
 */

/** A programmer error: the raft state is inconsistent and the process must not go on. */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

/**
 * Throws an {@link AssertionError} unless `cond` holds. Pass a constant string on hot paths; build a detailed
 * message only in the failure branch (`if (!ok) fail(\`...\`)`), so the happy path allocates nothing.
 */
export function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new AssertionError(msg);
}

/** Throws an {@link AssertionError}; for failure branches that build a detailed message. */
export function fail(msg: string): never {
  throw new AssertionError(msg);
}
