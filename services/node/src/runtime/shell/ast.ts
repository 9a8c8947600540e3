/** The emulated shell's syntax tree (a small subset of POSIX sh). */

/** A piece of a word; `quoted` parts are not field-split. */
export type WordPart =
  | { readonly t: 'lit'; readonly v: string; readonly quoted: boolean }
  | {
      readonly t: 'var';
      readonly name: string;
      readonly op?: ':-' | '-' | ':=';
      readonly arg?: Word;
      readonly quoted: boolean;
    }
  | { readonly t: 'cmd'; readonly src: string; readonly quoted: boolean }
  | { readonly t: 'arith'; readonly src: string; readonly quoted: boolean };

export interface Word {
  readonly parts: readonly WordPart[];
}

export interface Redirect {
  /** 1 (stdout), 2 (stderr) or 0 (stdin). */
  readonly fd: 0 | 1 | 2;
  readonly op: '>' | '>>' | '<' | '>&';
  /** The file (or, for `>&`, the fd number as a word). */
  readonly target: Word;
}

export type Command =
  | {
      readonly kind: 'simple';
      readonly assigns: readonly { readonly name: string; readonly value: Word }[];
      readonly words: readonly Word[];
      readonly redirects: readonly Redirect[];
    }
  | {
      readonly kind: 'while';
      readonly until: boolean;
      readonly cond: List;
      readonly body: List;
      readonly redirects: readonly Redirect[];
    }
  | {
      readonly kind: 'for';
      readonly name: string;
      readonly items?: readonly Word[];
      readonly body: List;
      readonly redirects: readonly Redirect[];
    }
  | {
      readonly kind: 'if';
      readonly clauses: readonly { readonly cond: List; readonly body: List }[];
      readonly otherwise?: List;
      readonly redirects: readonly Redirect[];
    }
  | {
      readonly kind: 'group';
      readonly subshell: boolean;
      readonly body: List;
      readonly redirects: readonly Redirect[];
    };

export interface Pipeline {
  readonly negate: boolean;
  readonly commands: readonly Command[];
}

export interface AndOr {
  readonly first: Pipeline;
  readonly rest: readonly { readonly op: '&&' | '||'; readonly pipeline: Pipeline }[];
  /** Run in the background (`&`). */
  readonly background: boolean;
}

export interface List {
  readonly items: readonly AndOr[];
}
