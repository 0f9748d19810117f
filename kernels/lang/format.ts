// The canonical Kern formatter: 2-space indent, one statement per line, spaces around binary operators,
// comments kept exactly where they were, at most one blank line. Idempotent; refuses files with syntax errors.
import { tokenize } from './lexer';
import { parse } from './parser';

export interface FormatOptions {
  /** Spaces per indent level (default 2). */
  indent?: number;
}

export type FormatResult = { ok: true; text: string } | { ok: false; reason: string };

interface Piece {
  text: string;
  start: number;
  end: number;
  comment: 'line' | 'block' | null;
}

const OPERAND_END = /^([A-Za-z_][A-Za-z0-9_]*|[0-9][0-9A-Za-z_.+-]*|\.[0-9][0-9A-Za-z_.+-]*|"[^]*")$/;
const KEYWORDS = new Set([
  'const', 'fn', 'kernel', 'run', 'let', 'var', 'mut', 'shared', 'if', 'else', 'for', 'in', 'step', 'while',
  'break', 'continue', 'return', 'launch', 'read', 'expect', 'within', 'repeat', 'buffer', 'true', 'false', 'import',
]);
const VALUE_KEYWORDS = new Set(['true', 'false']);
const CALLABLE_KEYWORDS = new Set(['buffer']);
const BINARY = new Set([
  '||', '&&', '==', '!=', '<', '<=', '>', '>=', '|', '^', '&', '<<', '>>', '+', '-', '*', '/', '%', '~=',
  '=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>=', '->',
]);

function endsOperand(p: Piece | undefined): boolean {
  if (!p || p.comment) return false;
  if (p.text === ')' || p.text === ']') return true;
  if (KEYWORDS.has(p.text)) return VALUE_KEYWORDS.has(p.text);
  return OPERAND_END.test(p.text);
}

function isIdentLike(p: Piece): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(p.text) && (!KEYWORDS.has(p.text) || CALLABLE_KEYWORDS.has(p.text));
}

/** Formats a whole file. Returns `ok: false` (and no text) when the file has syntax errors. */
export function formatKern(path: string, text: string, options: FormatOptions = {}): FormatResult {
  const parsed = parse(path, text);
  const syntaxErrors = parsed.diagnostics.filter((d) => d.severity === 'error');
  if (syntaxErrors.length > 0) {
    return { ok: false, reason: `not formatted: the file has ${syntaxErrors.length} syntax error${syntaxErrors.length === 1 ? '' : 's'}` };
  }
  const lexed = tokenize(path, text);
  if (lexed.diagnostics.some((d) => d.severity === 'error')) return { ok: false, reason: 'not formatted: the file has lexical errors' };
  const pieces: Piece[] = [];
  for (const t of lexed.tokens) {
    if (t.text.length === 0 || t.span.end <= t.span.start) continue;
    pieces.push({ text: t.text, start: t.span.start, end: t.span.end, comment: null });
  }
  for (const c of lexed.comments) {
    const body = text.slice(c.start, c.end);
    pieces.push({ text: body, start: c.start, end: c.end, comment: body.startsWith('//') ? 'line' : 'block' });
  }
  pieces.sort((a, b) => a.start - b.start);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return { ok: true, text: layout(text, pieces, options.indent ?? 2).join(eol) };
}

function layout(text: string, pieces: Piece[], indentWidth: number): string[] {
  const lines: string[] = [];
  let line = '';
  let depth = 0;
  let prev: Piece | undefined;
  let lastCode: Piece | undefined;
  // Tracks which `-`, `!`, `~` are unary so no space follows them.
  let prevUnary = false;

  const newline = (blank: boolean) => {
    lines.push(line.trimEnd());
    if (blank) lines.push('');
    line = '';
  };
  const indentFor = (p: Piece) => {
    const continuation = !p.comment && lastCode !== undefined && ![';', '{', '}'].includes(lastCode.text) && p.text !== '}';
    const level = depth + (continuation ? 1 : 0);
    return ' '.repeat(Math.max(0, level) * indentWidth);
  };

  for (const p of pieces) {
    if (p.text === '}') depth = Math.max(0, depth - 1);
    if (prev === undefined) {
      line = indentFor(p) + p.text;
    } else {
      const between = text.slice(prev.end, p.start);
      const originalNewlines = countNewlines(between);
      let breakLine: boolean;
      if (prev.comment === 'line') breakLine = true;
      else if (p.comment) breakLine = originalNewlines > 0;
      else if (prev.comment === 'block') breakLine = originalNewlines > 0 && lastCode !== undefined && [';', '{', '}'].includes(lastCode.text);
      else if (prev.text === '{') breakLine = p.text !== '}';
      else if (prev.text === ';') breakLine = true;
      else if (prev.text === '}') breakLine = p.text !== 'else';
      else if (p.text === '}') breakLine = true;
      else breakLine = false;

      if (breakLine) {
        const afterOpen = prev.text === '{' && !prev.comment;
        const beforeClose = p.text === '}' && !p.comment;
        newline(originalNewlines >= 2 && !afterOpen && !beforeClose);
        line = indentFor(p) + p.text;
      } else if (p.comment === 'line' || (p.comment === 'block' && originalNewlines === 0 && /^[ \t]+$/.test(between))) {
        line += (between.length > 0 && /^[ \t]+$/.test(between) ? between : ' ') + p.text;
      } else {
        line += (spaceBetween(prev, p, prevUnary) ? ' ' : '') + p.text;
      }
    }
    if (!p.comment) {
      prevUnary = (p.text === '-' || p.text === '!' || p.text === '~') && !endsOperand(lastCode);
      lastCode = p;
    }
    if (p.text === '{' && !p.comment) depth++;
    prev = p;
  }
  if (prev !== undefined) newline(false);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  lines.push('');
  return lines;
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13 && s.charCodeAt(i + 1) !== 10) n++;
  }
  return n;
}

function spaceBetween(prev: Piece, next: Piece, prevUnary: boolean): boolean {
  const a = prev.text;
  const b = next.text;
  if (prev.comment || next.comment) return true;
  if (a === '{' && b === '}') return false;
  if (b === ',' || b === ';' || b === ')' || b === ']' || b === '.' || b === '..' || b === ':') return false;
  if (a === '(' || a === '[' || a === '.' || a === '..') return false;
  if (prevUnary) return false;
  if (b === '(') return !(isIdentLike(prev) || a === ')' || a === ']');
  if (b === '[') return !(isIdentLike(prev) || a === ')' || a === ']');
  if (BINARY.has(a) || BINARY.has(b)) return true;
  return true;
}
