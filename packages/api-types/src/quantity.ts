/**
 * Resource quantities (`100m`, `0.5`, `128Mi`, `1G`, `2e3`), as `k8s.io/apimachinery/pkg/api/resource`.
 *
 * A quantity is held exactly as an integer count of nano-units (10^-9) plus the format its suffix implies;
 * finer precision is rounded away from zero, as Kubernetes does. Integer accessors round up (a request of
 * `0.1m` cpu counts as 1 milli-cpu; `1.5` bytes counts as 2).
 */

/** The notation a quantity was written in, which its canonical form keeps. */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** An exact quantity: `nanos` × 10^-9, and the format to print it in. */
export interface Quantity {
  readonly nanos: bigint;
  readonly format: QuantityFormat;
}

/** The regular expression Kubernetes' error message quotes. */
export const QUANTITY_REGEXP = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

const QUANTITY_PATTERN = new RegExp(QUANTITY_REGEXP);

/** A malformed quantity; the message is Kubernetes' (`quantities must match the regular expression …`). */
export class QuantityParseError extends Error {
  override readonly name = 'QuantityParseError';
  constructor(
    message: string,
    readonly input: string,
  ) {
    super(message);
  }
}

const DECIMAL_SUFFIXES: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const NANO = 1_000_000_000n;

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Divides, rounding away from zero. */
function divAway(num: bigint, den: bigint): bigint {
  const q = num / den;
  return q * den === num ? q : num < 0n ? q - 1n : q + 1n;
}

/**
 * Parses a quantity string.
 *
 * @example
 * quantityMilliValue(parseQuantity('0.5')); // 500
 * quantityValue(parseQuantity('128Mi')); // 134217728
 */
export function parseQuantity(input: string): Quantity {
  const m = /^([+-]?)([0-9]*\.?[0-9]*)(.*)$/.exec(input);
  // Built only when thrown: an Error captures a stack trace, which cost more than the parse itself.
  const wrong = () =>
    new QuantityParseError(`quantities must match the regular expression '${QUANTITY_REGEXP}'`, input);
  if (input.length === 0 || m === null) throw wrong();
  const [, sign = '', num = '', suffix = ''] = m;
  if (num === '' || num === '.' || !QUANTITY_PATTERN.test(input)) throw wrong();
  const [intPart = '', fracPart = ''] = num.split('.');
  const mantissa = BigInt((intPart || '0') + fracPart) * (sign === '-' ? -1n : 1n);
  const decimals = fracPart.length;
  let format: QuantityFormat;
  let nanos: bigint;
  if (suffix in BINARY_SUFFIXES) {
    format = 'BinarySI';
    nanos = divAway(mantissa * (1n << BigInt(BINARY_SUFFIXES[suffix] ?? 0)) * NANO, pow10(decimals));
  } else if (suffix in DECIMAL_SUFFIXES) {
    format = 'DecimalSI';
    nanos = scaleDecimal(mantissa, (DECIMAL_SUFFIXES[suffix] ?? 0) - decimals);
  } else if (/^[eE][-+]?[0-9]+$/.test(suffix)) {
    format = 'DecimalExponent';
    nanos = scaleDecimal(mantissa, Number(suffix.slice(1)) - decimals);
  } else {
    throw new QuantityParseError("unable to parse quantity's suffix", input);
  }
  return { nanos, format };
}

function scaleDecimal(mantissa: bigint, exp10: number): bigint {
  const shift = exp10 + 9;
  return shift >= 0 ? mantissa * pow10(shift) : divAway(mantissa, pow10(-shift));
}

/** Parses, returning undefined instead of throwing. */
export function tryParseQuantity(input: string): Quantity | undefined {
  try {
    return parseQuantity(input);
  } catch {
    return undefined;
  }
}

/** `Quantity.Value()`: the integer value, rounded up (bytes for memory, cores for cpu). */
export function quantityValue(q: Quantity): number {
  return Number(divAway(q.nanos, NANO));
}

/** `Quantity.MilliValue()`: the value in thousandths, rounded up (milli-cpu). */
export function quantityMilliValue(q: Quantity): number {
  return Number(divAway(q.nanos, 1_000_000n));
}

/** Orders two quantities by value: -1, 0 or 1. */
export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  return a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
}

/** The sum, in the first operand's format. */
export function addQuantities(a: Quantity, b: Quantity): Quantity {
  return { nanos: a.nanos + b.nanos, format: a.format };
}

/** The difference a − b, in the first operand's format. */
export function subtractQuantities(a: Quantity, b: Quantity): Quantity {
  return { nanos: a.nanos - b.nanos, format: a.format };
}

const DECIMAL_BY_EXP: Record<number, string> = {
  [-9]: 'n',
  [-6]: 'u',
  [-3]: 'm',
  0: '',
  3: 'k',
  6: 'M',
  9: 'G',
  12: 'T',
  15: 'P',
  18: 'E',
};
const BINARY_BY_SHIFT = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

function formatDecimal(nanos: bigint, format: QuantityFormat): string {
  const negative = nanos < 0n;
  let v = negative ? -nanos : nanos;
  let exp = -9;
  while (v % 10n === 0n) {
    v /= 10n;
    exp += 1;
  }
  while (((exp % 3) + 3) % 3 !== 0) {
    v *= 10n;
    exp -= 1;
  }
  let suffix: string;
  if (format === 'DecimalExponent') suffix = exp === 0 ? '' : `e${exp}`;
  else {
    if (exp > 18) {
      v *= pow10(exp - 18);
      exp = 18;
    }
    suffix = DECIMAL_BY_EXP[exp] ?? '';
  }
  return `${negative ? '-' : ''}${v}${suffix}`;
}

/**
 * The canonical string Kubernetes prints (`Quantity.String()`): `0.5` → `500m`, `1000` → `1k`, `1.5Gi` →
 * `1536Mi`, `2e3` → `2e3`. Binary quantities below 1Ki or with a fraction print in decimal.
 */
export function formatQuantity(q: Quantity): string {
  if (q.nanos === 0n) return '0';
  if (q.format === 'BinarySI') {
    const abs = q.nanos < 0n ? -q.nanos : q.nanos;
    if (abs >= 1024n * NANO && q.nanos % NANO === 0n) {
      let n = q.nanos / NANO;
      let shift = 0;
      while (shift < 6 && n % 1024n === 0n) {
        n /= 1024n;
        shift += 1;
      }
      return `${n}${BINARY_BY_SHIFT[shift]}`;
    }
    return formatDecimal(q.nanos, 'DecimalSI');
  }
  return formatDecimal(q.nanos, q.format);
}

/** Re-renders a quantity string canonically (`"0.5"` → `"500m"`). Throws on malformed input. */
export function canonicalQuantity(input: string): string {
  return formatQuantity(parseQuantity(input));
}

/** Milli-units of a quantity string (cpu); `undefined` counts as 0. Throws on malformed input. */
export function milliValueOf(input: string | undefined): number {
  return input === undefined ? 0 : quantityMilliValue(parseQuantity(input));
}

/** Integer value of a quantity string (bytes, pods); `undefined` counts as 0. Throws on malformed input. */
export function integerValueOf(input: string | undefined): number {
  return input === undefined ? 0 : quantityValue(parseQuantity(input));
}

/** Formats milli-cpu canonically: 1500 → `1500m`, 2000 → `2`. */
export function formatMilli(milli: number): string {
  return formatQuantity({ nanos: BigInt(Math.round(milli)) * 1_000_000n, format: 'DecimalSI' });
}

/** Formats a byte count in binary SI: 134217728 → `128Mi`, 1000 → `1k`. */
export function formatBytes(bytes: number): string {
  return formatQuantity({ nanos: BigInt(Math.round(bytes)) * NANO, format: 'BinarySI' });
}
