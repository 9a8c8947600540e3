/**
 * Name generation: `metadata.generateName` suffixes (`utilrand.String(5)`) and the `pod-template-hash`
 * (FNV-32a rendered through `rand.SafeEncodeString`), with randomness injected.
 */

/** The alphabet Kubernetes draws random name suffixes from: no vowels, no confusable digits. */
export const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** Anything that yields floats in [0, 1): a function, or an object with `next()` like `@kubelab/clock`'s Rng. */
export type RandomSource = (() => number) | { next(): number };

/** Max length of a name Kubernetes generates (`maxNameLength` 63) and the random suffix length. */
export const MAX_GENERATED_NAME_LENGTH = 63;
export const GENERATE_NAME_SUFFIX_LENGTH = 5;

function draw(rng: RandomSource): number {
  return typeof rng === 'function' ? rng() : rng.next();
}

/**
 * A random string over {@link SAFE_ALPHANUMS} (`utilrand.String(n)`).
 *
 * @example
 * randomSuffix(seededRng(1)); // e.g. 'x7k2q'
 */
export function randomSuffix(rng: RandomSource, length = GENERATE_NAME_SUFFIX_LENGTH): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    const idx = Math.min(SAFE_ALPHANUMS.length - 1, Math.floor(draw(rng) * SAFE_ALPHANUMS.length));
    out += SAFE_ALPHANUMS[idx];
  }
  return out;
}

/**
 * `names.SimpleNameGenerator.GenerateName`: the prefix (cut to 58 characters) plus 5 random characters.
 *
 * @example
 * generateName('nginx-7d9c-', seededRng(3)); // 'nginx-7d9c-' + 5 characters
 */
export function generateName(base: string, rng: RandomSource): string {
  const max = MAX_GENERATED_NAME_LENGTH - GENERATE_NAME_SUFFIX_LENGTH;
  const prefix = base.length > max ? base.slice(0, max) : base;
  return `${prefix}${randomSuffix(rng)}`;
}

/** FNV-1a 32-bit over the UTF-8 bytes of a string. */
export function fnv32a(input: string | Uint8Array): number {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  let h = 0x811c9dc5;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** `rand.SafeEncodeString`: maps each character to {@link SAFE_ALPHANUMS} by code point modulo 27. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (const ch of s) out += SAFE_ALPHANUMS[(ch.codePointAt(0) ?? 0) % SAFE_ALPHANUMS.length];
  return out;
}

/** JSON with object keys sorted, so equal templates hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * `controller.ComputeHash`: FNV-32a of the pod template (canonical JSON here, where Kubernetes hashes a Go
 * dump, so values differ from a real cluster's but are just as stable), plus the collision count when set,
 * rendered as the decimal hash through {@link safeEncodeString}. Used for the `pod-template-hash` label and
 * ReplicaSet names.
 *
 * @example
 * computePodTemplateHash(deployment.spec.template, deployment.status?.collisionCount); // e.g. '7d9c8b5f6'
 */
export function computePodTemplateHash(template: unknown, collisionCount?: number): string {
  const bytes = new TextEncoder().encode(canonicalJson(template));
  let data = bytes;
  if (collisionCount !== undefined && collisionCount !== null) {
    const extra = new Uint8Array(8);
    new DataView(extra.buffer).setUint32(0, collisionCount >>> 0, true);
    data = new Uint8Array(bytes.length + 8);
    data.set(bytes, 0);
    data.set(extra, bytes.length);
  }
  return safeEncodeString(String(fnv32a(data)));
}
