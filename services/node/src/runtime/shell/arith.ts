/** `$(( ... ))`: integer arithmetic with variables, as POSIX sh evaluates it. */
import { ShellSyntaxError } from './lexer.js';

const binary: Record<string, { prec: number; fn: (a: number, b: number) => number }> = {
  '||': { prec: 1, fn: (a, b) => Number(a !== 0 || b !== 0) },
  '&&': { prec: 2, fn: (a, b) => Number(a !== 0 && b !== 0) },
  '==': { prec: 3, fn: (a, b) => Number(a === b) },
  '!=': { prec: 3, fn: (a, b) => Number(a !== b) },
  '<': { prec: 4, fn: (a, b) => Number(a < b) },
  '<=': { prec: 4, fn: (a, b) => Number(a <= b) },
  '>': { prec: 4, fn: (a, b) => Number(a > b) },
  '>=': { prec: 4, fn: (a, b) => Number(a >= b) },
  '+': { prec: 5, fn: (a, b) => a + b },
  '-': { prec: 5, fn: (a, b) => a - b },
  '*': { prec: 6, fn: (a, b) => a * b },
  '/': { prec: 6, fn: (a, b) => divide(a, b, Math.trunc(a / b)) },
  '%': { prec: 6, fn: (a, b) => divide(a, b, a % b) },
};

function divide(_a: number, b: number, result: number): number {
  if (b === 0) throw new ShellSyntaxError('arithmetic syntax error: divide by zero');
  return result;
}

/**
 * Evaluates `expr`; names read `lookup` (unset or non-numeric → 0).
 *
 * @example
 * evalArith('i + 1', (n) => (n === 'i' ? '41' : undefined)); // 42
 */
export function evalArith(expr: string, lookup: (name: string) => string | undefined): number {
  const toks = expr.match(/\d+|[A-Za-z_]\w*|\$[A-Za-z_]\w*|\|\||&&|==|!=|<=|>=|[-+*/%()<>!]|\S/g) ?? [];
  let i = 0;
  const value = (name: string): number => {
    const n = Number.parseInt(lookup(name.replace(/^\$/, '')) ?? '0', 10);
    return Number.isNaN(n) ? 0 : n;
  };
  const primary = (): number => {
    const t = toks[i++];
    if (t === undefined) throw new ShellSyntaxError(`arithmetic syntax error: "${expr}"`);
    if (t === '(') {
      const v = parse(0);
      if (toks[i++] !== ')') throw new ShellSyntaxError(`arithmetic syntax error: "${expr}"`);
      return v;
    }
    if (t === '-') return -primary();
    if (t === '+') return primary();
    if (t === '!') return Number(primary() === 0);
    if (/^\d+$/.test(t)) return Number.parseInt(t, 10);
    if (/^\$?[A-Za-z_]\w*$/.test(t)) return value(t);
    throw new ShellSyntaxError(`arithmetic syntax error: "${expr}"`);
  };
  const parse = (minPrec: number): number => {
    let left = primary();
    for (;;) {
      const op = toks[i];
      const spec = op === undefined ? undefined : binary[op];
      if (spec === undefined || spec.prec <= minPrec) return left;
      i++;
      left = spec.fn(left, parse(spec.prec));
    }
  };
  const result = parse(0);
  if (i !== toks.length) throw new ShellSyntaxError(`arithmetic syntax error: "${expr}"`);
  return Math.trunc(result);
}
