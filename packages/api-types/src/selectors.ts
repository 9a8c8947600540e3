/**
 * Label selectors, as `k8s.io/apimachinery/pkg/labels`: the string syntax (`a=b,c!=d,e in (x,y),!f`), the
 * LabelSelector struct (matchLabels/matchExpressions), one matcher for both, and the canonical string form
 * used in Scale `status.selector` and by `kubectl describe`.
 */
import type { LabelSelector } from './types/meta.js';
import { type Cause, aggregateCauses, invalid, notSupported } from './validation/field.js';
import { isQualifiedName, isValidLabelValue } from './validation/names.js';

/** `selection.Operator` values. */
export type SelectorOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

/** One parsed requirement. Values are sorted and de-duplicated, as Kubernetes keeps them in a set. */
export interface Requirement {
  key: string;
  operator: SelectorOperator;
  values: string[];
}

/**
 * A compiled selector. `empty` (no requirements) matches everything; `nothing` (a nil LabelSelector) matches
 * nothing.
 */
export interface LabelSelectorMatcher {
  readonly requirements: readonly Requirement[];
  readonly empty: boolean;
  readonly nothing: boolean;
}

/** A selector that does not parse or validate; the message is Kubernetes'. */
export class LabelSelectorError extends Error {
  override readonly name = 'LabelSelectorError';
}

const VALID_OPERATORS: SelectorOperator[] = ['in', 'notin', '=', '==', '!=', 'exists', '!', 'gt', 'lt'];
const BINARY_OPERATORS = 'in, notin, =, ==, !=, gt, lt';

function compareKeys(a: Requirement, b: Requirement): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * `labels.NewRequirement`: validates key and values for the operator. `path` prefixes field paths the way
 * Kubernetes does (nil when parsing a string, so value errors read `values[0][key]: ...`).
 */
export function newRequirement(
  key: string,
  operator: SelectorOperator,
  values: string[],
  path = '',
): Requirement {
  const p = (child: string): string => (path === '' ? child : `${path}.${child}`);
  const causes: Cause[] = [];
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length > 0) causes.push(invalid(p('key'), key, keyErrs.join('; ')));
  const valuesRepr = values;
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0)
        causes.push(
          invalid(p('values'), valuesRepr, "for 'in', 'notin' operators, values set can't be empty"),
        );
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1)
        causes.push(invalid(p('values'), valuesRepr, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0)
        causes.push(
          invalid(p('values'), valuesRepr, 'values set must be empty for exists and does not exist'),
        );
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1)
        causes.push(
          invalid(p('values'), valuesRepr, "for 'Gt', 'Lt' operators, exactly one value is required"),
        );
      values.forEach((v, i) => {
        if (!/^[+-]?[0-9]+$/.test(v))
          causes.push(
            invalid(`${p('values')}[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"),
          );
      });
      break;
    default:
      causes.push(notSupported(p('operator'), operator, VALID_OPERATORS));
  }
  values.forEach((v, i) => {
    const errs = isValidLabelValue(v);
    if (errs.length > 0) causes.push(invalid(`${p('values')}[${i}][${key}]`, v, errs.join('; ')));
  });
  if (causes.length > 0) throw new LabelSelectorError(aggregateCauses(causes));
  return { key, operator, values: [...values] };
}

function matcherOf(requirements: Requirement[]): LabelSelectorMatcher {
  const sorted = [...requirements].sort(compareKeys);
  return { requirements: sorted, empty: sorted.length === 0, nothing: false };
}

/** The selector that matches everything (`labels.Everything()`). */
export const EVERYTHING: LabelSelectorMatcher = Object.freeze({
  requirements: [],
  empty: true,
  nothing: false,
});
/** The selector that matches nothing (`labels.Nothing()`, what a nil LabelSelector converts to). */
export const NOTHING: LabelSelectorMatcher = Object.freeze({ requirements: [], empty: false, nothing: true });

// --- lexer -------------------------------------------------------------------------------------------------

type Tok = 'error' | 'eos' | ')' | ',' | '!' | '==' | '=' | '>' | 'id' | 'in' | '<' | '!=' | 'notin' | '(';

const STRING_TO_TOKEN: Record<string, Tok> = {
  ')': ')',
  ',': ',',
  '!': '!',
  '==': '==',
  '=': '=',
  '>': '>',
  in: 'in',
  '<': '<',
  '!=': '!=',
  notin: 'notin',
  '(': '(',
};

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

function isSpecial(ch: string): boolean {
  return '=!(),><'.includes(ch);
}

function lex(s: string): { tok: Tok; lit: string }[] {
  const out: { tok: Tok; lit: string }[] = [];
  let pos = 0;
  for (let guard = 0; guard <= s.length + 1; guard++) {
    while (pos < s.length && isWhitespace(s[pos] as string)) pos++;
    if (pos >= s.length) {
      out.push({ tok: 'eos', lit: '' });
      return out;
    }
    if (isSpecial(s[pos] as string)) {
      let buf = '';
      let last: { tok: Tok; lit: string } | undefined;
      while (pos < s.length && isSpecial(s[pos] as string)) {
        buf += s[pos];
        const t = STRING_TO_TOKEN[buf];
        if (t !== undefined) {
          last = { tok: t, lit: buf };
          pos++;
        } else if (last !== undefined) break;
        else pos++;
      }
      out.push(last ?? { tok: 'error', lit: `error expected: keyword found '${buf}'` });
      if (last === undefined) return out;
      continue;
    }
    let buf = '';
    while (pos < s.length && !isSpecial(s[pos] as string) && !isWhitespace(s[pos] as string)) buf += s[pos++];
    out.push({ tok: STRING_TO_TOKEN[buf] ?? 'id', lit: buf });
  }
  out.push({ tok: 'eos', lit: '' });
  return out;
}

// --- parser ------------------------------------------------------------------------------------------------

class Parser {
  private pos = 0;
  constructor(private readonly items: { tok: Tok; lit: string }[]) {}

  /** In the Values context `in`/`notin` are plain identifiers. */
  look(values: boolean): { tok: Tok; lit: string } {
    const it = this.items[Math.min(this.pos, this.items.length - 1)] as { tok: Tok; lit: string };
    return values && (it.tok === 'in' || it.tok === 'notin') ? { tok: 'id', lit: it.lit } : it;
  }

  next(values: boolean): { tok: Tok; lit: string } {
    const it = this.look(values);
    this.pos++;
    return it;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (let guard = 0; guard <= this.items.length; guard++) {
      const { tok, lit } = this.look(true);
      if (tok === 'eos') return reqs;
      if (tok !== 'id' && tok !== '!')
        throw new LabelSelectorError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      try {
        reqs.push(this.requirement());
      } catch (err) {
        throw new LabelSelectorError(`unable to parse requirement: ${(err as Error).message}`);
      }
      const t = this.next(true);
      if (t.tok === 'eos') return reqs;
      if (t.tok !== ',') throw new LabelSelectorError(`found '${t.lit}', expected: ',' or 'end of string'`);
      const t2 = this.look(true);
      if (t2.tok !== 'id' && t2.tok !== '!') {
        throw new LabelSelectorError(`found '${t2.lit}', expected: identifier after ','`);
      }
    }
    return reqs;
  }

  private requirement(): Requirement {
    let op: SelectorOperator | undefined;
    let t = this.next(true);
    if (t.tok === '!') {
      op = '!';
      t = this.next(true);
    }
    if (t.tok !== 'id') throw new Error(`found '${t.lit}', expected: identifier`);
    const key = t.lit;
    const keyErrs = isQualifiedName(key);
    if (keyErrs.length > 0) throw new Error(`<nil>: Invalid value: "${key}": ${keyErrs.join('; ')}`);
    const after = this.look(true).tok;
    if (after === 'eos' || after === ',') op ??= 'exists';
    if (op === 'exists' || op === '!') return newRequirement(key, op, []);
    const o = this.next(false);
    const opMap: Partial<Record<Tok, SelectorOperator>> = {
      in: 'in',
      notin: 'notin',
      '=': '=',
      '==': '==',
      '!=': '!=',
      '>': 'gt',
      '<': 'lt',
    };
    const operator = opMap[o.tok];
    if (operator === undefined) throw new Error(`found '${o.lit}', expected: ${BINARY_OPERATORS}`);
    const values = operator === 'in' || operator === 'notin' ? this.valueSet() : this.exactValue();
    return newRequirement(key, operator, [...new Set(values)].sort());
  }

  private valueSet(): string[] {
    const open = this.next(true);
    if (open.tok !== '(') throw new Error(`found '${open.lit}' expected: '('`);
    const first = this.look(true);
    if (first.tok === ')') {
      this.next(true);
      return [''];
    }
    if (first.tok !== 'id' && first.tok !== ',')
      throw new Error(`found '${first.lit}', expected: ',', ')' or identifier`);
    const values = this.identifierList();
    if (this.next(true).tok !== ')') throw new Error(`found '${first.lit}', expected: ')'`);
    return values;
  }

  private identifierList(): string[] {
    const out: string[] = [];
    for (let guard = 0; guard <= this.items.length; guard++) {
      const t = this.next(true);
      if (t.tok === 'id') {
        out.push(t.lit);
        const t2 = this.look(true);
        if (t2.tok === ',') continue;
        if (t2.tok === ')') return out;
        throw new Error(`found '${t2.lit}', expected: ',' or ')'`);
      }
      if (t.tok === ',') {
        if (out.length === 0) out.push('');
        const t2 = this.look(true);
        if (t2.tok === ')') {
          out.push('');
          return out;
        }
        if (t2.tok === ',') {
          this.next(true);
          out.push('');
        }
        continue;
      }
      throw new Error(`found '${t.lit}', expected: ',', or identifier`);
    }
    return out;
  }

  private exactValue(): string[] {
    const t = this.look(true);
    if (t.tok === 'eos' || t.tok === ',') return [''];
    const v = this.next(true);
    if (v.tok === 'id') return [v.lit];
    throw new Error(`found '${v.lit}', expected: identifier`);
  }
}

/**
 * Parses a label selector string (`labels.Parse`). Throws {@link LabelSelectorError} with Kubernetes' message.
 *
 * @example
 * labelSelectorMatches(parseLabelSelector('app=nginx,tier in (web,api)'), { app: 'nginx', tier: 'web' }); // true
 */
export function parseLabelSelector(selector: string): LabelSelectorMatcher {
  return matcherOf(new Parser(lex(selector)).parse());
}

/** The selector for a `map[string]string` (RC, Service selectors): every key must equal its value. */
export function selectorFromSet(set: Record<string, string>): LabelSelectorMatcher {
  return matcherOf(Object.entries(set).map(([key, v]) => ({ key, operator: '=', values: [v] })));
}

/**
 * `metav1.LabelSelectorAsSelector`: undefined → {@link NOTHING}, `{}` → {@link EVERYTHING}. Throws
 * {@link LabelSelectorError} for an invalid operator, key or value.
 */
export function selectorFromLabelSelector(ls: LabelSelector | undefined | null): LabelSelectorMatcher {
  if (ls === undefined || ls === null) return NOTHING;
  const exprs = ls.matchExpressions ?? [];
  if (Object.keys(ls.matchLabels ?? {}).length + exprs.length === 0) return EVERYTHING;
  const reqs = Object.entries(ls.matchLabels ?? {}).map(([k, v]) => newRequirement(k, '=', [String(v)]));
  const opMap: Record<string, SelectorOperator> = {
    In: 'in',
    NotIn: 'notin',
    Exists: 'exists',
    DoesNotExist: '!',
  };
  for (const e of exprs) {
    const op = opMap[e.operator];
    if (op === undefined)
      throw new LabelSelectorError(`"${e.operator}" is not a valid label selector operator`);
    reqs.push(newRequirement(e.key, op, [...new Set(e.values ?? [])]));
  }
  return matcherOf(reqs);
}

function requirementMatches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(value as string);
    case 'notin':
    case '!=':
      return !has || !r.values.includes(value as string);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || !/^[+-]?[0-9]+$/.test(value as string) || r.values.length !== 1) return false;
      const lv = BigInt(value as string);
      const rv = BigInt(r.values[0] as string);
      return r.operator === 'gt' ? lv > rv : lv < rv;
    }
  }
}

/** True when the labels satisfy every requirement. */
export function labelSelectorMatches(
  matcher: LabelSelectorMatcher,
  labels: Record<string, string> | undefined,
): boolean {
  if (matcher.nothing) return false;
  const l = labels ?? {};
  return matcher.requirements.every((r) => requirementMatches(r, l));
}

/** Convenience: does a LabelSelector struct match these labels? Invalid selectors match nothing. */
export function matchesLabelSelector(
  ls: LabelSelector | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  try {
    return labelSelectorMatches(selectorFromLabelSelector(ls), labels);
  } catch {
    return false;
  }
}

function requirementToString(r: Requirement): string {
  const prefix = r.operator === '!' ? '!' : '';
  const ops: Record<SelectorOperator, string> = {
    '=': '=',
    '==': '==',
    '!=': '!=',
    in: ' in ',
    notin: ' notin ',
    gt: '>',
    lt: '<',
    exists: '',
    '!': '',
  };
  if (r.operator === 'exists' || r.operator === '!') return `${prefix}${r.key}`;
  const values = r.values.length === 1 ? (r.values[0] as string) : [...r.values].sort().join(',');
  const body = r.operator === 'in' || r.operator === 'notin' ? `(${values})` : values;
  return `${r.key}${ops[r.operator]}${body}`;
}

/** `Selector.String()`: requirements sorted by key, comma-joined (`app=nginx,tier in (api,web)`). */
export function selectorToString(matcher: LabelSelectorMatcher): string {
  return matcher.requirements.map(requirementToString).join(',');
}

/** The selector string of a LabelSelector (what a Scale's `status.selector` carries). `''` when invalid. */
export function labelSelectorToString(ls: LabelSelector | undefined): string {
  try {
    return selectorToString(selectorFromLabelSelector(ls));
  } catch {
    return '';
  }
}

/** `metav1.FormatLabelSelector`, as `kubectl describe` prints it: `<none>` when empty, `<error>` when invalid. */
export function formatLabelSelector(ls: LabelSelector | undefined): string {
  try {
    const s = selectorToString(selectorFromLabelSelector(ls));
    return s === '' ? '<none>' : s;
  } catch {
    return '<error>';
  }
}
