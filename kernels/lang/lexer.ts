// The Kern lexer: turns source text into tokens with exact spans, collecting comments and lexical
// diagnostics (bad characters, unterminated comments and strings, malformed numbers) instead of throwing.
import type { Span } from './ast';
import { makeDiagnostic } from './diagnostics';
import type { Diagnostic } from './source';

export const KEYWORDS = [
  'const', 'fn', 'kernel', 'run', 'let', 'var', 'mut', 'shared', 'if', 'else', 'for', 'in', 'step', 'while',
  'break', 'continue', 'return', 'launch', 'read', 'expect', 'within', 'repeat', 'buffer', 'true', 'false',
  'import',
] as const;

export type Keyword = (typeof KEYWORDS)[number];

/** Operators and punctuation, longest first so that the lexer can match greedily. */
export const PUNCTUATION = [
  '<<=', '>>=',
  '==', '!=', '<=', '>=', '<<', '>>', '&&', '||', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '~=', '..', '->',
  '+', '-', '*', '/', '%', '&', '|', '^', '~', '!', '<', '>', '=', '.', ',', ';', ':', '(', ')', '[', ']', '{', '}',
] as const;

export type Punctuation = (typeof PUNCTUATION)[number];

/**
 * `ident`, `int`, `float`, `string`, a keyword (its own text) or a punctuation mark (its own text).
 * The token list always ends with one `eof` token whose span is empty and sits at the end of the text.
 */
export type TokenKind = 'ident' | 'int' | 'float' | 'string' | 'eof' | Keyword | Punctuation;

export interface Token {
  kind: TokenKind;
  /** The exact source text of the token (strings keep their quotes). */
  text: string;
  span: Span;
}

export interface TokenizeResult {
  tokens: Token[];
  comments: Span[];
  diagnostics: Diagnostic[];
}

const KEYWORD_SET: ReadonlySet<string> = new Set(KEYWORDS);

/** Punctuation grouped by first character, longest first, so each position tries only a few candidates. */
const PUNCTUATION_BY_FIRST = new Map<string, Punctuation[]>();
for (const p of PUNCTUATION) {
  const list = PUNCTUATION_BY_FIRST.get(p[0]!) ?? [];
  list.push(p);
  PUNCTUATION_BY_FIRST.set(p[0]!, list);
}

export function isKeyword(text: string): text is Keyword {
  return KEYWORD_SET.has(text);
}

/** The exact value of an integer literal's text (`1_000`, `0xff`, `0b1010`); 0 for a malformed one. */
export function intLiteralValue(text: string): bigint {
  const digits = text.includes('_') ? text.replace(/_/g, '') : text;
  try {
    return BigInt(digits);
  } catch {
    return 0n;
  }
}

/** The value of a float literal's text (`1.0`, `.5`, `1e-5`); 0 for a malformed one. */
export function floatLiteralValue(text: string): number {
  const value = Number(text.includes('_') ? text.replace(/_/g, '') : text);
  if (!Number.isNaN(value)) return value;
  const prefix = Number.parseFloat(text.replace(/_/g, ''));
  return Number.isNaN(prefix) ? 0 : prefix;
}

/** The contents of a string literal's text, without its quotes (Kern strings have no escapes). */
export function stringLiteralValue(text: string): string {
  const body = text.startsWith('"') ? text.slice(1) : text;
  return body.endsWith('"') ? body.slice(0, -1) : body;
}

// Character tests on UTF-16 codes: no one-character strings and no string compares in the hot loop.
function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isIdentStartCode(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isIdentPartCode(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (c >= 48 && c <= 57);
}

function isWhitespaceCode(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11 || c === 0xfeff;
}

/** The punctuation mark starting at `pos` (longest match, not past `end`), or null. */
function punctuationAt(text: string, pos: number, end: number): Punctuation | null {
  const candidates = PUNCTUATION_BY_FIRST.get(text[pos]!);
  if (candidates === undefined) return null;
  for (const p of candidates) if (p.length === 1 || (pos + p.length <= end && text.startsWith(p, pos))) return p;
  return null;
}

/** How a bad character is shown in a message: quoted when printable, as U+XXXX otherwise. */
function describeCharacter(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0) || code === 0xfffd) return hex;
  return code < 0x80 ? `'${ch}'` : `'${ch}' (${hex})`;
}

/**
 * Splits Kern source into tokens. Never throws; problems become diagnostics and lexing continues.
 * With `start` and `end`, lexes only that range of `text` (offsets stay those of the whole text, and the `eof`
 * token sits at `end`): the incremental re-parse of one item.
 */
export function tokenize(path: string, text: string, start = 0, end = text.length): TokenizeResult {
  // Sized up front from the text (Kern averages a token per 3–4 characters; past that it grows): growing a big
  // array step by step allocates several times its size, and young-generation collections copy it each time.
  const tokens: Token[] = new Array<Token>(((end - start) >> 2) + 16);
  let count = 0;
  const comments: Span[] = [];
  const diagnostics: Diagnostic[] = [];
  const length = end;
  let pos = start;

  while (pos < length) {
    const c = text.charCodeAt(pos);
    const next = pos + 1 < length ? text.charCodeAt(pos + 1) : -1;

    if (isWhitespaceCode(c)) {
      pos++;
      continue;
    }

    if (c === 47 /* / */ && next === 47) {
      const start = pos;
      while (pos < length) {
        const d = text.charCodeAt(pos);
        if (d === 10 || d === 13) break;
        pos++;
      }
      comments.push({ start, end: pos });
      continue;
    }

    if (c === 47 /* / */ && next === 42 /* * */) {
      const start = pos;
      const close = text.indexOf('*/', pos + 2);
      if (close < 0 || close + 2 > length) {
        pos = length;
        diagnostics.push(makeDiagnostic('K1002', path, { start, end: start + 2 }));
      } else {
        pos = close + 2;
      }
      comments.push({ start, end: pos });
      continue;
    }

    if (isIdentStartCode(c)) {
      const start = pos;
      pos++;
      while (pos < length && isIdentPartCode(text.charCodeAt(pos))) pos++;
      const word = text.slice(start, pos);
      tokens[count++] = { kind: isKeyword(word) ? word : 'ident', text: word, span: { start, end: pos } };
      continue;
    }

    if (isDigitCode(c) || (c === 46 /* . */ && isDigitCode(next))) {
      const number = lexNumber(path, text, pos, length, diagnostics);
      tokens[count++] = number;
      pos = number.span.end;
      continue;
    }

    if (c === 34 /* " */) {
      const start = pos;
      pos++;
      while (pos < length) {
        const d = text.charCodeAt(pos);
        if (d === 34 || d === 10 || d === 13) break;
        pos++;
      }
      if (pos < length && text.charCodeAt(pos) === 34) {
        pos++;
      } else {
        diagnostics.push(makeDiagnostic('K1003', path, { start, end: pos }));
      }
      tokens[count++] = { kind: 'string', text: text.slice(start, pos), span: { start, end: pos } };
      continue;
    }

    const punct = punctuationAt(text, pos, length);
    if (punct !== null) {
      tokens[count++] = { kind: punct, text: punct, span: { start: pos, end: pos + punct.length } };
      pos += punct.length;
      continue;
    }

    const code = text.codePointAt(pos) ?? 0;
    const width = code > 0xffff && pos + 2 <= length ? 2 : 1;
    const ch = text.slice(pos, pos + width);
    diagnostics.push(makeDiagnostic('K1001', path, { start: pos, end: pos + width }, describeCharacter(ch)));
    pos += width;
  }

  tokens[count++] = { kind: 'eof', text: '', span: { start: length, end: length } };
  tokens.length = count;
  return { tokens, comments, diagnostics };
}

/** The UTF-16 code at `i`, or -1 at or past `end` (so that no character test matches there). */
function codeAt(text: string, i: number, end: number): number {
  return i < end ? text.charCodeAt(i) : -1;
}

/** Lexes one number starting at `start` (not past `length`) and returns its token. */
function lexNumber(path: string, text: string, start: number, length: number, diagnostics: Diagnostic[]): Token {
  let pos = start;
  let kind: 'int' | 'float' = 'int';
  let problem: string | null = null;

  const radix = codeAt(text, pos, length) === 48 /* 0 */ ? codeAt(text, pos + 1, length) : -1;
  if (radix === 120 || radix === 88 || radix === 98 || radix === 66 /* x X b B */) {
    const hex = radix === 120 || radix === 88;
    pos += 2;
    let sawDigit = false;
    while (pos < length) {
      const d = text.charCodeAt(pos);
      if (d === 95 /* _ */) {
        pos++;
        continue;
      }
      if (!isDigitCode(d) && !((d >= 97 && d <= 102) || (d >= 65 && d <= 70))) break;
      sawDigit = true;
      if (!hex && d !== 48 && d !== 49 && problem === null) problem = `'${text[pos]!}' is not a binary digit`;
      pos++;
    }
    if (!sawDigit && problem === null) {
      problem = hex ? "expected hexadecimal digits after '0x'" : "expected binary digits after '0b'";
    }
  } else {
    while (isDigitCode(codeAt(text, pos, length)) || codeAt(text, pos, length) === 95) pos++;
    if (codeAt(text, pos, length) === 46 /* . */ && codeAt(text, pos + 1, length) !== 46) {
      kind = 'float';
      pos++;
      if (!isDigitCode(codeAt(text, pos, length))) {
        const written = text.slice(start, pos);
        if (problem === null) problem = `expected a digit after the decimal point; write '${written}0'`;
      }
      while (isDigitCode(codeAt(text, pos, length)) || codeAt(text, pos, length) === 95) pos++;
    }
    const e = codeAt(text, pos, length);
    if ((e === 101 || e === 69 /* e E */) &&
      (isDigitCode(codeAt(text, pos + 1, length)) || ((codeAt(text, pos + 1, length) === 43 || codeAt(text, pos + 1, length) === 45 /* + - */) && isDigitCode(codeAt(text, pos + 2, length))))) {
      kind = 'float';
      pos += 2;
      while (isDigitCode(codeAt(text, pos, length)) || codeAt(text, pos, length) === 95) pos++;
    } else if ((e === 101 || e === 69) && problem === null) {
      kind = 'float';
      pos++;
      if (codeAt(text, pos, length) === 43 || codeAt(text, pos, length) === 45) pos++;
      problem = 'expected digits in the exponent';
    }
  }

  // A letter or digit glued to the number (`10u`, `0xffg`, `1.5f`) is part of the mistake, not a new name.
  if (isIdentPartCode(codeAt(text, pos, length))) {
    const suffixStart = pos;
    while (isIdentPartCode(codeAt(text, pos, length))) pos++;
    if (problem === null) problem = `unexpected '${text.slice(suffixStart, pos)}' after the digits`;
  }

  const written = text.slice(start, pos);
  if (problem !== null) diagnostics.push(makeDiagnostic('K1004', path, { start, end: pos }, written, problem));
  return { kind, text: written, span: { start, end: pos } };
}
