/**
 * Field errors shaped like apimachinery's `field.Error`: a reason (the StatusCause type), the field path and
 * the message body (`ErrorBody()`), which renders the bad value the way Go's fmt does (`%q` for strings, plain
 * numbers, `%#v` for maps, slices and structs). The messages are what kubectl prints, so they matter byte for
 * byte.
 */

/** The cause reasons validation produces. */
export type CauseReason =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError';

/** One validation failure; the same fields as a Status cause. */
export interface Cause {
  reason: CauseReason;
  /** `ErrorBody()`: the type's text, the rendered bad value and the detail (`Invalid value: "x": detail`). */
  message: string;
  /** The field path, e.g. `spec.containers[0].image`. */
  field: string;
}

/**
 * A value already rendered in Go syntax (`v1.LabelSelector{...}`), used where Kubernetes prints a struct with
 * `%#v`.
 */
export class GoRepr {
  constructor(readonly text: string) {}
}

const escapes: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '"': '\\"',
  '\\': '\\\\',
};

/** Go's `strconv.Quote` for the common cases: escapes quotes, backslashes and control characters. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const esc = escapes[ch];
    if (esc !== undefined) out += esc;
    else {
      const code = ch.codePointAt(0) ?? 0;
      if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
      else out += ch;
    }
  }
  return `${out}"`;
}

/** `%#v` of a `map[string]string` (keys sorted, as Go's fmt prints maps). `undefined` is the nil map. */
export function goStringMap(m: Record<string, string> | undefined): string {
  if (m === undefined || m === null) return 'map[string]string(nil)';
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${goQuote(k)}:${goQuote(m[k] ?? '')}`).join(', ')}}`;
}

/** `%#v` of a `[]string`. `undefined` is the nil slice. */
export function goStringSlice(values: readonly string[] | undefined): string {
  if (values === undefined || values === null) return '[]string(nil)';
  return `[]string{${values.map(goQuote).join(', ')}}`;
}

/** Renders a bad value as `field.Error.ErrorBody` would. */
export function formatBadValue(value: unknown): string {
  if (value instanceof GoRepr) return value.text;
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return goStringSlice(value);
  if (typeof value === 'object' && Object.values(value).every((v) => typeof v === 'string')) {
    return goStringMap(value as Record<string, string>);
  }
  return JSON.stringify(value);
}

function withDetail(s: string, detail: string): string {
  return detail.length > 0 ? `${s}: ${detail}` : s;
}

/** `field.Required`: `Required value[: detail]`. */
export function required(field: string, detail = ''): Cause {
  return { reason: 'FieldValueRequired', field, message: withDetail('Required value', detail) };
}

/** `field.Invalid`: `Invalid value: <value>: detail`. */
export function invalid(field: string, value: unknown, detail: string): Cause {
  return {
    reason: 'FieldValueInvalid',
    field,
    message: withDetail(`Invalid value: ${formatBadValue(value)}`, detail),
  };
}

/** `field.Duplicate`: `Duplicate value: <value>`. */
export function duplicate(field: string, value: unknown): Cause {
  return { reason: 'FieldValueDuplicate', field, message: `Duplicate value: ${formatBadValue(value)}` };
}

/** `field.NotFound`: `Not found: <value>`. */
export function notFound(field: string, value: unknown): Cause {
  return { reason: 'FieldValueNotFound', field, message: `Not found: ${formatBadValue(value)}` };
}

/** `field.NotSupported`: `Unsupported value: <value>: supported values: "a", "b"`. */
export function notSupported(field: string, value: unknown, valid: readonly string[]): Cause {
  const detail = valid.length > 0 ? `supported values: ${valid.map(goQuote).join(', ')}` : '';
  return {
    reason: 'FieldValueNotSupported',
    field,
    message: withDetail(`Unsupported value: ${formatBadValue(value)}`, detail),
  };
}

/** `field.Forbidden`: `Forbidden: detail`. */
export function forbidden(field: string, detail: string): Cause {
  return { reason: 'FieldValueForbidden', field, message: withDetail('Forbidden', detail) };
}

/** `field.TooLong`: `Too long: must have at most <n> bytes`. */
export function tooLong(field: string, maxLength: number): Cause {
  return { reason: 'FieldValueTooLong', field, message: `Too long: must have at most ${maxLength} bytes` };
}

/** `field.Error.Error()`: `<field>: <message>`. */
export function causeToString(cause: Cause): string {
  return `${cause.field}: ${cause.message}`;
}

/**
 * `ErrorList.ToAggregate().Error()`: one error prints alone; several print as `[a, b]`; identical messages
 * are collapsed first. Empty for no causes.
 */
export function aggregateCauses(causes: readonly Cause[]): string {
  const seen: string[] = [];
  for (const c of causes) {
    const s = causeToString(c);
    if (!seen.includes(s)) seen.push(s);
  }
  if (seen.length === 0) return '';
  if (seen.length === 1) return seen[0] as string;
  return `[${seen.join(', ')}]`;
}

/** `validation.InclusiveRangeError`. */
export function inclusiveRangeError(lo: number, hi: number): string {
  return `must be between ${lo} and ${hi}, inclusive`;
}

/** `ValidateNonnegativeField`: `Invalid value: -1: must be greater than or equal to 0`. */
export function validateNonnegative(value: unknown, field: string): Cause[] {
  return typeof value === 'number' && value < 0
    ? [invalid(field, value, 'must be greater than or equal to 0')]
    : [];
}

/** `ValidateImmutableField`: deep-compares and reports `field is immutable` with the new value. */
export function validateImmutable(
  newValue: unknown,
  oldValue: unknown,
  field: string,
  shown?: unknown,
): Cause[] {
  return deepEqual(newValue, oldValue) ? [] : [invalid(field, shown ?? newValue, 'field is immutable')];
}

/**
 * Semantic deep equality of JSON values, treating a missing field, `null`, an empty map and an empty list as
 * equal (Go's zero values after decoding). Used by the update rules.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (isEmpty(a) && isEmpty(b)) return true;
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!deepEqual(ao[k], bo[k])) return false;
  return true;
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.keys(v).length === 0;
}
