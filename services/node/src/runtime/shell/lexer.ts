/**
 * The shell's tokenizer: words keep their quoting and `$` expansions as parts (expanded only when the
 * command runs, so `$?` and loop variables see current values); operators and redirections are tokens.
 */
import type { Word, WordPart } from './ast.js';

export type Token =
  | {
      readonly k: 'word';
      readonly word: Word /** Set when the word is one unquoted literal (keywords). */;
      readonly raw?: string;
    }
  | { readonly k: 'op'; readonly op: '&&' | '||' | ';' | '&' | '|' | '(' | ')' | '\n' }
  | { readonly k: 'redir'; readonly fd: 0 | 1 | 2; readonly op: '>' | '>>' | '<' | '>&' };

/** A script the shell cannot parse; the message is what sh prints after `sh: `. */
export class ShellSyntaxError extends Error {
  override readonly name = 'ShellSyntaxError';
}

const opChars = new Set([';', '&', '|', '<', '>', '(', ')', '\n']);
const nameStart = /[A-Za-z_]/;
const nameChar = /[A-Za-z0-9_]/;

/** Splits a script into tokens. Throws {@link ShellSyntaxError} on unterminated quotes. */
export function tokenize(src: string): Token[] {
  return new Lexer(src).all();
}

/** Lexes `src` as the parts of one word (for `${VAR:-default}` arguments). */
export function lexWordParts(src: string, quoted: boolean): WordPart[] {
  const lx = new Lexer(src);
  return quoted ? lx.readDoubleQuotedBody(true) : [...lx.readWord().parts];
}

class Lexer {
  private i = 0;
  constructor(private readonly s: string) {}

  all(): Token[] {
    const out: Token[] = [];
    for (;;) {
      this.skipBlanks();
      if (this.i >= this.s.length) return out;
      const c = this.s[this.i] as string;
      if (c === '#') {
        while (this.i < this.s.length && this.s[this.i] !== '\n') this.i++;
        continue;
      }
      const tok = this.readOperator();
      if (tok) out.push(tok);
      else {
        const word = this.readWord();
        const only = word.parts[0];
        const raw = word.parts.length === 1 && only?.t === 'lit' && !only.quoted ? only.v : undefined;
        out.push(raw === undefined ? { k: 'word', word } : { k: 'word', word, raw });
      }
    }
  }

  private skipBlanks(): void {
    for (;;) {
      const c = this.s[this.i];
      if (c === ' ' || c === '\t' || c === '\r') this.i++;
      else if (c === '\\' && this.s[this.i + 1] === '\n') this.i += 2;
      else return;
    }
  }

  private readOperator(): Token | undefined {
    const rest = this.s.slice(this.i, this.i + 3);
    const redir = /^([012])?(>>|>&|>|<)/.exec(rest);
    if (redir) {
      this.i += redir[0].length;
      const op = redir[2] as '>' | '>>' | '<' | '>&';
      const fd = (redir[1] === undefined ? (op === '<' ? 0 : 1) : Number(redir[1])) as 0 | 1 | 2;
      return { k: 'redir', fd, op };
    }
    for (const op of ['&&', '||', ';', '&', '|', '(', ')', '\n'] as const) {
      if (rest.startsWith(op)) {
        this.i += op.length;
        return { k: 'op', op };
      }
    }
    return undefined;
  }

  readWord(): Word {
    const parts: WordPart[] = [];
    let lit = '';
    const flush = () => {
      if (lit !== '') parts.push({ t: 'lit', v: lit, quoted: false });
      lit = '';
    };
    while (this.i < this.s.length) {
      const c = this.s[this.i] as string;
      if (c === ' ' || c === '\t' || c === '\r' || opChars.has(c)) break;
      if (c === '\\') {
        const next = this.s[this.i + 1];
        this.i += 2;
        if (next !== undefined && next !== '\n') {
          flush();
          parts.push({ t: 'lit', v: next, quoted: true });
        }
      } else if (c === "'") {
        flush();
        const end = this.s.indexOf("'", this.i + 1);
        if (end < 0) throw new ShellSyntaxError('syntax error: unterminated quoted string');
        parts.push({ t: 'lit', v: this.s.slice(this.i + 1, end), quoted: true });
        this.i = end + 1;
      } else if (c === '"') {
        flush();
        this.i++;
        const inner = this.readDoubleQuotedBody(false);
        // "" must still produce an (empty) field.
        parts.push(...(inner.length === 0 ? [{ t: 'lit', v: '', quoted: true } as const] : inner));
      } else if (c === '$' || c === '`') {
        flush();
        parts.push(this.readExpansion(false));
      } else {
        lit += c;
        this.i++;
      }
    }
    flush();
    return { parts };
  }

  /** Reads after an opening `"` up to the closing one (or to the end when `toEnd`). */
  readDoubleQuotedBody(toEnd: boolean): WordPart[] {
    const parts: WordPart[] = [];
    let lit = '';
    const flush = () => {
      if (lit !== '') parts.push({ t: 'lit', v: lit, quoted: true });
      lit = '';
    };
    for (;;) {
      if (this.i >= this.s.length) {
        if (toEnd) break;
        throw new ShellSyntaxError('syntax error: unterminated quoted string');
      }
      const c = this.s[this.i] as string;
      if (c === '"' && !toEnd) {
        this.i++;
        break;
      }
      if (c === '\\' && '$`"\\\n'.includes(this.s[this.i + 1] ?? '')) {
        if (this.s[this.i + 1] !== '\n') lit += this.s[this.i + 1];
        this.i += 2;
      } else if (c === '$' || c === '`') {
        flush();
        parts.push(this.readExpansion(true));
      } else {
        lit += c;
        this.i++;
      }
    }
    flush();
    return parts;
  }

  private readExpansion(quoted: boolean): WordPart {
    const s = this.s;
    if (s[this.i] === '`') {
      const end = s.indexOf('`', this.i + 1);
      if (end < 0) throw new ShellSyntaxError('syntax error: unterminated `');
      const src = s.slice(this.i + 1, end);
      this.i = end + 1;
      return { t: 'cmd', src, quoted };
    }
    this.i++; // '$'
    const c = s[this.i] ?? '';
    if (s.startsWith('((', this.i)) {
      const end = this.matchParen(this.i + 1);
      if (s[end + 1] !== ')') throw new ShellSyntaxError('syntax error: missing ))');
      const src = s.slice(this.i + 2, end);
      this.i = end + 2;
      return { t: 'arith', src, quoted };
    }
    if (c === '(') {
      const end = this.matchParen(this.i);
      const src = s.slice(this.i + 1, end);
      this.i = end + 1;
      return { t: 'cmd', src, quoted };
    }
    if (c === '{') return this.readBraced(quoted);
    if ('?$#@*!0123456789-'.includes(c) && c !== '') {
      this.i++;
      return { t: 'var', name: c, quoted };
    }
    if (nameStart.test(c)) {
      const start = this.i;
      while (this.i < s.length && nameChar.test(s[this.i] as string)) this.i++;
      return { t: 'var', name: s.slice(start, this.i), quoted };
    }
    return { t: 'lit', v: '$', quoted };
  }

  private readBraced(quoted: boolean): WordPart {
    const end = this.s.indexOf('}', this.i);
    if (end < 0) throw new ShellSyntaxError('syntax error: missing }');
    const body = this.s.slice(this.i + 1, end);
    this.i = end + 1;
    const m = /^([A-Za-z_][A-Za-z0-9_]*|[?$#@*!0-9])(?:(:-|-|:=)(.*))?$/s.exec(body);
    if (!m) throw new ShellSyntaxError('syntax error: bad substitution');
    const name = m[1] as string;
    if (m[2] === undefined) return { t: 'var', name, quoted };
    const op = m[2] as ':-' | '-' | ':=';
    return { t: 'var', name, op, arg: { parts: lexWordParts(m[3] ?? '', quoted) }, quoted };
  }

  /** Index of the `)` matching the `(` at `open`, skipping quotes. */
  private matchParen(open: number): number {
    let depth = 0;
    for (let j = open; j < this.s.length; j++) {
      const c = this.s[j];
      if (c === "'") {
        j = this.s.indexOf("'", j + 1);
        if (j < 0) break;
      } else if (c === '\\') j++;
      else if (c === '(') depth++;
      else if (c === ')' && --depth === 0) return j;
    }
    throw new ShellSyntaxError('syntax error: unterminated (');
  }
}
