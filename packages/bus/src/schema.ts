/**
 * Minimal validating decoders for JSON payloads: enough to reject a malformed message at the boundary with a
 * message that names the offending field, without pulling a schema library into every service. A decoder
 * takes `unknown` (parsed JSON) and returns a typed value or throws a {@link SchemaError}.
 */

/** Turns parsed JSON into a `T`, or throws a {@link SchemaError} naming the bad field. */
export type Decoder<T> = (value: unknown, path?: string) => T;

/** A payload does not match its schema; `path` is the field (`$` is the root, `$.details.x` a nested one). */
export class SchemaError extends Error {
  override readonly name = 'SchemaError';
  constructor(
    readonly path: string,
    readonly expected: string,
    readonly actual: unknown,
  ) {
    super(`${path}: expected ${expected}, got ${describe(actual)}`);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') return `string ${JSON.stringify(value.slice(0, 40))}`;
  return typeof value;
}

function primitive<T>(expected: string, ok: (v: unknown) => boolean): Decoder<T> {
  return (value, path = '$') => {
    if (!ok(value)) throw new SchemaError(path, expected, value);
    return value as T;
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type Shape = Record<string, Decoder<unknown>>;
/** A marker on optional fields so that `object()` can omit them when absent. */
type OptionalDecoder<T> = Decoder<T | undefined> & { readonly optional: true };
type OptionalKeys<S extends Shape> = {
  [K in keyof S]: S[K] extends OptionalDecoder<unknown> ? K : never;
}[keyof S];
type Decoded<S extends Shape> = {
  [K in Exclude<keyof S, OptionalKeys<S>>]: ReturnType<S[K]>;
} & { [K in OptionalKeys<S>]?: Exclude<ReturnType<S[K]>, undefined> };

/**
 * Decoder builders.
 *
 * @example
 * const decodePing = s.object({ seq: s.integer, note: s.optional(s.string) });
 * decodePing({ seq: 1 });        // { seq: 1 }
 * decodePing({ seq: 'x' });      // throws SchemaError "$.seq: expected integer, got string "x""
 */
export const s = {
  string: primitive<string>('string', (v) => typeof v === 'string'),
  number: primitive<number>('finite number', (v) => typeof v === 'number' && Number.isFinite(v)),
  integer: primitive<number>('integer', (v) => Number.isSafeInteger(v)),
  boolean: primitive<boolean>('boolean', (v) => typeof v === 'boolean'),
  unknown: ((value: unknown) => value) as Decoder<unknown>,

  /** A field that may be absent (or explicitly `undefined`/`null`, both read as absent). */
  optional<T>(inner: Decoder<T>): OptionalDecoder<T> {
    const d = (value: unknown, path = '$') =>
      value === undefined || value === null ? undefined : inner(value, path);
    return Object.assign(d, { optional: true as const });
  },

  array<T>(item: Decoder<T>): Decoder<T[]> {
    return (value, path = '$') => {
      if (!Array.isArray(value)) throw new SchemaError(path, 'array', value);
      return value.map((v, i) => item(v, `${path}[${i}]`));
    };
  },

  record<T>(item: Decoder<T>): Decoder<Record<string, T>> {
    return (value, path = '$') => {
      if (!isRecord(value)) throw new SchemaError(path, 'object', value);
      const out: Record<string, T> = {};
      for (const [k, v] of Object.entries(value)) out[k] = item(v, `${path}.${k}`);
      return out;
    };
  },

  /** An object with known fields; unknown fields are dropped (forward compatibility), absent optionals omitted. */
  object<S extends Shape>(shape: S): Decoder<Decoded<S>> {
    return (value, path = '$') => {
      if (!isRecord(value)) throw new SchemaError(path, 'object', value);
      const out: Record<string, unknown> = {};
      for (const [k, field] of Object.entries(shape)) {
        const decoded = field(value[k], `${path}.${k}`);
        if (decoded !== undefined) out[k] = decoded;
      }
      return out as Decoded<S>;
    };
  },
} as const;
