/**
 * JSON value types and the few helpers every patch engine needs.
 *
 * Patch bodies come from the network, so keys such as `__proto__` are ordinary data here. Reading and writing
 * object members therefore goes through {@link getOwn}/{@link setOwn}/{@link hasOwn}, which never touch the
 * prototype chain (a plain `obj[key] = v` with `key === '__proto__'` would replace the prototype instead of
 * storing a member).
 */

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/** A JSON object (never an array, never null). */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** The coarse JSON kind of a value, used to decide whether two values can be merged. */
export type JsonKind = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

/** True for a JSON object: not null, not an array. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The {@link JsonKind} of `value`. */
export function kindOf(value: JsonValue): JsonKind {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as 'boolean' | 'number' | 'string' | 'object';
}

/** True when `obj` has `key` as an own member (prototype members such as `toString` do not count). */
export function hasOwn(obj: JsonObject, key: string): boolean {
  return Object.hasOwn(obj, key);
}

/** The own member `key` of `obj`, or `undefined` when absent. */
export function getOwn(obj: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Stores `value` as the own member `key` of `obj`, even when `key` is `__proto__`. */
export function setOwn(obj: JsonObject, key: string, value: JsonValue): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/** Removes the own member `key` of `obj` if present. */
export function deleteOwn(obj: JsonObject, key: string): void {
  if (Object.hasOwn(obj, key)) delete obj[key];
}

/** A deep copy that shares nothing with `value` (patch engines never mutate their inputs). */
export function cloneJson<T extends JsonValue>(value: T): T {
  return structuredClone(value);
}

/** Structural equality of two JSON values; object member order is ignored, array order is not. */
export function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i] as JsonValue));
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((k) => hasOwn(b, k) && jsonEqual(a[k] as JsonValue, b[k] as JsonValue));
}

/**
 * Checks that `value` is plain JSON data (finite numbers, plain objects and arrays, no `undefined`), as a
 * parser of untrusted text may produce more (YAML gives `Infinity`, `Date`, `Map`...). Returns a description
 * of the first offending value, or `undefined` when the value is valid JSON.
 */
export function findNonJson(value: unknown, path = ''): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${path || '/'}: ${value}`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = findNonJson(value[i], `${path}/${i}`);
      if (bad !== undefined) return bad;
    }
    return undefined;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const key of Object.keys(value)) {
      const bad = findNonJson((value as Record<string, unknown>)[key], `${path}/${key}`);
      if (bad !== undefined) return bad;
    }
    return undefined;
  }
  return `${path || '/'}: unsupported ${typeof value} value`;
}

/** A short, bounded rendering of a value for error messages. */
export function preview(value: unknown, maxChars = 200): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > maxChars ? `${text.slice(0, maxChars)}...` : text;
}
