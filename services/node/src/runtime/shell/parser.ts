/** A recursive-descent parser for the emulated shell: lists, && ||, pipes, while/until/for/if, groups. */
import type { AndOr, Command, List, Pipeline, Redirect, Word } from './ast.js';
import { ShellSyntaxError, type Token, tokenize } from './lexer.js';

const reserved = new Set(['do', 'done', 'then', 'else', 'elif', 'fi', '}', 'in']);

/**
 * Parses a whole script.
 *
 * @example
 * parseScript('touch /tmp/healthy; sleep 30 && echo done');
 */
export function parseScript(src: string): List {
  const p = new Parser(tokenize(src));
  const list = p.list(new Set());
  p.expectEnd();
  return list;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: readonly Token[]) {}

  private peek(): Token | undefined {
    return this.toks[this.i];
  }

  private isKeyword(tok: Token | undefined, kw: string): boolean {
    return tok?.k === 'word' && tok.raw === kw;
  }

  private isOp(tok: Token | undefined, op: string): boolean {
    return tok?.k === 'op' && tok.op === op;
  }

  expectEnd(): void {
    const tok = this.peek();
    if (tok !== undefined) throw new ShellSyntaxError(`syntax error: unexpected ${describe(tok)}`);
  }

  private expectKeyword(kw: string): void {
    const tok = this.peek();
    if (!this.isKeyword(tok, kw)) {
      throw new ShellSyntaxError(
        `syntax error: unexpected ${tok ? describe(tok) : 'end of file'} (expecting "${kw}")`,
      );
    }
    this.i++;
  }

  private skipNewlines(): void {
    while (this.isOp(this.peek(), '\n')) this.i++;
  }

  /** A list up to EOF, `)` or one of the `stop` keywords (left unconsumed). */
  list(stop: ReadonlySet<string>): List {
    const items: AndOr[] = [];
    for (;;) {
      while (this.isOp(this.peek(), '\n') || this.isOp(this.peek(), ';')) this.i++;
      const tok = this.peek();
      if (tok === undefined || this.isOp(tok, ')')) break;
      if (tok.k === 'word' && tok.raw !== undefined && stop.has(tok.raw)) break;
      const item = this.andOr();
      const sep = this.peek();
      if (this.isOp(sep, '&')) {
        this.i++;
        items.push({ ...item, background: true });
      } else {
        items.push(item);
        if (this.isOp(sep, ';') || this.isOp(sep, '\n')) this.i++;
        else if (
          sep !== undefined &&
          !this.isOp(sep, ')') &&
          !(sep.k === 'word' && stop.has(sep.raw ?? ''))
        ) {
          throw new ShellSyntaxError(`syntax error: unexpected ${describe(sep)}`);
        }
      }
    }
    return { items };
  }

  private andOr(): AndOr {
    const first = this.pipeline();
    const rest: { op: '&&' | '||'; pipeline: Pipeline }[] = [];
    for (;;) {
      const tok = this.peek();
      if (!(tok?.k === 'op' && (tok.op === '&&' || tok.op === '||'))) break;
      this.i++;
      this.skipNewlines();
      rest.push({ op: tok.op, pipeline: this.pipeline() });
    }
    return { first, rest, background: false };
  }

  private pipeline(): Pipeline {
    let negate = false;
    if (this.isKeyword(this.peek(), '!')) {
      negate = true;
      this.i++;
    }
    const commands = [this.command()];
    while (this.isOp(this.peek(), '|')) {
      this.i++;
      this.skipNewlines();
      commands.push(this.command());
    }
    return { negate, commands };
  }

  private command(): Command {
    const tok = this.peek();
    if (tok === undefined) throw new ShellSyntaxError('syntax error: unexpected end of file');
    if (tok.k === 'word') {
      switch (tok.raw) {
        case 'while':
        case 'until':
          return this.whileLoop(tok.raw === 'until');
        case 'for':
          return this.forLoop();
        case 'if':
          return this.ifClause();
        case '{':
          return this.group(false);
      }
      if (tok.raw !== undefined && reserved.has(tok.raw)) {
        throw new ShellSyntaxError(`syntax error: unexpected "${tok.raw}"`);
      }
    }
    if (this.isOp(tok, '(')) return this.group(true);
    return this.simple();
  }

  private whileLoop(until: boolean): Command {
    this.i++;
    const cond = this.list(new Set(['do']));
    this.expectKeyword('do');
    const body = this.list(new Set(['done']));
    this.expectKeyword('done');
    return { kind: 'while', until, cond, body, redirects: this.redirects() };
  }

  private forLoop(): Command {
    this.i++;
    const nameTok = this.peek();
    if (nameTok?.k !== 'word' || nameTok.raw === undefined || !/^[A-Za-z_]\w*$/.test(nameTok.raw)) {
      throw new ShellSyntaxError('syntax error: bad for loop variable');
    }
    this.i++;
    let items: Word[] | undefined;
    this.skipNewlines();
    if (this.isKeyword(this.peek(), 'in')) {
      this.i++;
      items = [];
      for (let tok = this.peek(); tok?.k === 'word'; tok = this.peek()) {
        items.push(tok.word);
        this.i++;
      }
    }
    while (this.isOp(this.peek(), ';') || this.isOp(this.peek(), '\n')) this.i++;
    this.expectKeyword('do');
    const body = this.list(new Set(['done']));
    this.expectKeyword('done');
    const base = { kind: 'for' as const, name: nameTok.raw, body, redirects: this.redirects() };
    return items === undefined ? base : { ...base, items };
  }

  private ifClause(): Command {
    this.i++;
    const clauses: { cond: List; body: List }[] = [];
    const stops = new Set(['elif', 'else', 'fi']);
    for (;;) {
      const cond = this.list(new Set(['then']));
      this.expectKeyword('then');
      const body = this.list(stops);
      clauses.push({ cond, body });
      if (this.isKeyword(this.peek(), 'elif')) {
        this.i++;
        continue;
      }
      break;
    }
    let otherwise: List | undefined;
    if (this.isKeyword(this.peek(), 'else')) {
      this.i++;
      otherwise = this.list(new Set(['fi']));
    }
    this.expectKeyword('fi');
    const redirects = this.redirects();
    return otherwise === undefined
      ? { kind: 'if', clauses, redirects }
      : { kind: 'if', clauses, otherwise, redirects };
  }

  private group(subshell: boolean): Command {
    this.i++;
    const body = this.list(new Set(['}']));
    if (subshell) {
      if (!this.isOp(this.peek(), ')')) throw new ShellSyntaxError('syntax error: missing )');
      this.i++;
    } else this.expectKeyword('}');
    return { kind: 'group', subshell, body, redirects: this.redirects() };
  }

  private redirects(): Redirect[] {
    const out: Redirect[] = [];
    for (let tok = this.peek(); tok?.k === 'redir'; tok = this.peek()) out.push(this.redirect(tok));
    return out;
  }

  private redirect(tok: Extract<Token, { k: 'redir' }>): Redirect {
    this.i++;
    const target = this.peek();
    if (target?.k !== 'word') throw new ShellSyntaxError('syntax error: unexpected redirection');
    this.i++;
    return { fd: tok.fd, op: tok.op, target: target.word };
  }

  private simple(): Command {
    const assigns: { name: string; value: Word }[] = [];
    const words: Word[] = [];
    const redirects: Redirect[] = [];
    for (let tok = this.peek(); tok !== undefined; tok = this.peek()) {
      if (tok.k === 'redir') redirects.push(this.redirect(tok));
      else if (tok.k === 'word') {
        const assign = words.length === 0 ? splitAssignment(tok.word) : undefined;
        if (assign) assigns.push(assign);
        else words.push(tok.word);
        this.i++;
      } else break;
    }
    if (words.length === 0 && assigns.length === 0 && redirects.length === 0) {
      const tok = this.peek();
      throw new ShellSyntaxError(`syntax error: unexpected ${tok ? describe(tok) : 'end of file'}`);
    }
    return { kind: 'simple', assigns, words, redirects };
  }
}

/** `NAME=value` (the name part unquoted) → the assignment, else undefined. */
function splitAssignment(word: Word): { name: string; value: Word } | undefined {
  const first = word.parts[0];
  if (first?.t !== 'lit' || first.quoted) return undefined;
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(first.v);
  if (!m) return undefined;
  const restLit = first.v.slice(m[0].length);
  const parts = [...(restLit === '' ? [] : [{ ...first, v: restLit }]), ...word.parts.slice(1)];
  return { name: m[1] as string, value: { parts } };
}

function describe(tok: Token): string {
  if (tok.k === 'op') return tok.op === '\n' ? 'newline' : `"${tok.op}"`;
  if (tok.k === 'redir') return 'redirection';
  return 'word';
}
