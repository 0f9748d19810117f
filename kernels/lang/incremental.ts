// Incremental re-parse, for the language server: after an edit only the items it touched are lexed and parsed
// again; the items before it are kept as they are and those after it are kept and moved by the edit's change
// in length. The result is the whole-file parse's (test/lang/incremental.test.ts compares the two on thousands
// of random edits); where that cannot be shown cheaply, `reparse` returns null and the caller parses the file.
import type { Item, Span } from './ast';
import type { Token } from './lexer';
import { tokenize } from './lexer';
import { parseRange, type ParseResult } from './parser';

/**
 * Where two texts differ, as one region: [from, oldTo) of `before` became [from, newTo) of `now` (the common
 * prefix and suffix left out).
 */
export function changedRange(before: string, now: string): { from: number; oldTo: number; newTo: number } {
  const limit = Math.min(before.length, now.length);
  let from = 0;
  while (from < limit && before.charCodeAt(from) === now.charCodeAt(from)) from++;
  let suffix = 0;
  while (suffix < limit - from && before.charCodeAt(before.length - 1 - suffix) === now.charCodeAt(now.length - 1 - suffix)) suffix++;
  return { from, oldTo: before.length - suffix, newTo: now.length - suffix };
}

/**
 * Diagnostics whose effect reaches past their item: a keyword taken as a name and the once-per-file nesting
 * report change how later items parse; an unterminated block comment hides the rest of the file, and the
 * parser then quietly ends the items before it at the end of the file.
 */
const LEAKING_CODES: ReadonlySet<string> = new Set(['K1011', 'K1014', 'K1002']);

/** `}` and `;`: how an item that parsed cleanly ends. */
const ITEM_ENDS: ReadonlySet<number> = new Set([125, 59]);

/**
 * The parse of `text`, reusing `previous` (the parse of the file's earlier text) where the edit between them
 * left items alone; null when it cannot. Items after the edit are moved in place: `previous` no longer
 * matches its own text afterwards and must not be used again.
 */
export function reparse(previous: ParseResult, text: string): ParseResult | null {
  const file = previous.file;
  const before = file.text;
  if (before === text) return previous;

  const { from, oldTo } = changedRange(before, text);
  const delta = text.length - before.length;

  // Items k..m are parsed again: k is the first that reaches past the edit's start, m the first whose last
  // character the edit left alone. The range starts where item k-1 ends, so the gap before k is lexed again too.
  const items = file.items;
  let k = 0;
  while (k < items.length && items[k]!.span.end <= from) k++;
  let m = k;
  while (m < items.length && items[m]!.span.end <= oldTo) m++;
  const start = k > 0 ? items[k - 1]!.span.end : 0;
  // With no item after m, the range runs to the end of the file and the parse is the whole-file one from `start`.
  const tail = m >= items.length - 1;
  const oldEnd = tail ? before.length : items[m]!.span.end;
  const end = tail ? text.length : oldEnd + delta;

  // Everything outside the range must have parsed cleanly, so that the parser reaches `start` in its initial
  // state and the items after the range parse as they did. An item's error can lie past its end (the parser
  // may stop an item early and skip the rest quietly), so the items before are checked by what was reported
  // while parsing them, not by where.
  if (previous.cleanItems < k) return null;
  // The item before must end as a clean item does, with `}` or `;`: a token that text typed after it cannot join.
  if (k > 0 && !ITEM_ENDS.has(before.charCodeAt(start - 1))) return null;
  // No diagnostic before item k: not even a lexical one in the gap before it, which silences a syntax error
  // of item k-1 next to it (the parser reports nothing next to a bad character); and none after the range.
  const gapEnd = k < items.length ? items[k]!.span.start : before.length;
  for (const d of previous.diagnostics) {
    if ((k > 0 && d.span.start < gapEnd) || d.span.end > oldEnd || LEAKING_CODES.has(d.code)) return null;
  }

  let lookahead: Token | undefined;
  if (!tail) {
    // The token after the range is the first of item m+1, provided only whitespace and comments lie between
    // (stray tokens there are not always reported: the parser keeps quiet right after an error).
    const gap = tokenize(file.path, before, oldEnd, items[m + 1]!.span.start);
    if (gap.tokens.length !== 1 || gap.diagnostics.length > 0) return null;
    // At its new place; an item starts with its keyword, so a few characters of text hold the whole token.
    const nextStart = items[m + 1]!.span.start + delta;
    const windowEnd = Math.min(text.length, nextStart + 16);
    const window = tokenize(file.path, text, nextStart, windowEnd);
    const first = window.tokens[0]!;
    if (first.kind === 'eof' || first.span.start !== nextStart || first.span.end >= windowEnd) return null;
    if (window.diagnostics.some((d) => d.span.start < first.span.end)) return null;
    lookahead = first;
  }

  const range = parseRange(file.path, text, start, end, k > 0 ? items[k - 1]! : null, lookahead);
  if (!tail) {
    // The range must end as the old item m did, with its `}` or `;`, lexed the same as in the whole text, and
    // the parse must have come back to the top level exactly at the lookahead.
    const last = range.lastToken;
    if (!range.stoppedAtLookahead || !last || last.span.end !== end || (last.kind !== '}' && last.kind !== ';')) return null;
  }
  for (const d of range.diagnostics) if (LEAKING_CODES.has(d.code)) return null;

  // Accepted: from here on `previous` is taken apart.
  const after = tail ? [] : items.slice(m + 1);
  if (delta !== 0) for (const item of after) shiftNode(item, delta);
  const comments: Span[] = [];
  for (const c of file.comments) if (c.end <= start) comments.push(c);
  for (const c of range.comments) comments.push(c);
  for (const c of file.comments) {
    if (c.start < oldEnd) continue;
    if (delta !== 0) {
      c.start += delta;
      c.end += delta;
    }
    comments.push(c);
  }
  const nextItems: Item[] = items.slice(0, k);
  for (const item of range.items) nextItems.push(item);
  for (const item of after) nextItems.push(item);
  // The items after the range were clean before and stay so when the range reports nothing.
  const cleanItems = range.reported === 0 ? nextItems.length : k + range.cleanItems;
  return {
    file: { kind: 'SourceFile', path: file.path, text, items: nextItems, comments, span: { start: 0, end: text.length } },
    diagnostics: range.diagnostics,
    cleanItems,
  };
}

/** Per node kind, its own keys (every node of a kind has the same fields; the parser writes them all). */
const KEYS = new Map<string, string[]>();

/**
 * Moves every span in a syntax tree by `delta`, in place. The parser never puts one span object in two places
 * (test/lang/incremental.test.ts checks that), so each is moved once.
 */
function shiftNode(node: object, delta: number): void {
  const kind = (node as { kind?: string }).kind;
  let keys: string[] | undefined;
  if (kind === undefined) keys = Object.keys(node); // Param, Arg
  else {
    keys = KEYS.get(kind);
    if (keys === undefined) KEYS.set(kind, (keys = Object.keys(node)));
  }
  for (let i = 0; i < keys.length; i++) {
    const value = (node as Record<string, unknown>)[keys[i]!];
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (let j = 0; j < value.length; j++) {
        const element = value[j] as unknown;
        if (element !== null && typeof element === 'object') shiftValue(element, delta);
      }
    } else shiftValue(value, delta);
  }
}

function shiftValue(value: object, delta: number): void {
  const v = value as Partial<Span> & { kind?: unknown };
  if (v.kind === undefined && typeof v.start === 'number') {
    v.start += delta;
    v.end! += delta;
  } else shiftNode(value, delta);
}
