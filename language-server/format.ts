// Document and range formatting: runs the canonical formatter and returns the smallest line edits,
// keeping only those that touch the requested range. A file with syntax errors gets no edits.
import type { Range, TextEdit } from 'vscode-languageserver/node';
import { formatKern } from '../kernels/lang/format';

interface Hunk {
  /** Original lines [from, to) are replaced by `lines`. */
  from: number;
  to: number;
  lines: string[];
}

function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}

/** Line-level diff (common prefix/suffix, then LCS on what is left when it is small enough). */
export function diffLines(a: string[], b: string[]): Hunk[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const A = a.slice(pre, a.length - suf);
  const B = b.slice(pre, b.length - suf);
  if (A.length === 0 && B.length === 0) return [];
  if (A.length * B.length > 4_000_000) return [{ from: pre, to: pre + A.length, lines: B }];
  const n = A.length;
  const m = B.length;
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = A[i] === B[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const hunks: Hunk[] = [];
  let i = 0;
  let j = 0;
  let open: Hunk | null = null;
  while (i < n || j < m) {
    if (i < n && j < m && A[i] === B[j]) {
      if (open) hunks.push(open);
      open = null;
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      open ??= { from: pre + i, to: pre + i, lines: [] };
      open.lines.push(B[j]!);
      j++;
    } else {
      open ??= { from: pre + i, to: pre + i, lines: [] };
      open.to = pre + i + 1;
      i++;
    }
  }
  if (open) hunks.push(open);
  return hunks;
}

/** A hunk that replaces N lines by N lines becomes N one-line hunks, so a range can pick its own lines. */
function splitAligned(h: Hunk): Hunk[] {
  if (h.to - h.from !== h.lines.length || h.lines.length <= 1) return [h];
  return h.lines.map((line, k) => ({ from: h.from + k, to: h.from + k + 1, lines: [line] }));
}

/** Edits that turn `text` into its canonical form, or [] when it cannot be formatted. Only hunks touching `range` when given. */
export function formatEdits(path: string, text: string, range?: Range): TextEdit[] {
  const result = formatKern(path, text);
  if (!result.ok) return [];
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const a = splitLines(text);
  const b = splitLines(result.text);
  const hunks = diffLines(a, b).flatMap(splitAligned).filter((h) => !range || (h.from <= range.end.line && Math.max(h.to - 1, h.from) >= range.start.line));
  return hunks.map((h) => {
    if (h.to < a.length) {
      return { range: { start: { line: h.from, character: 0 }, end: { line: h.to, character: 0 } }, newText: h.lines.map((l) => l + eol).join('') };
    }
    // The hunk reaches the last line: replace from the break before it so no stray break is left.
    const docEnd = { line: a.length - 1, character: a[a.length - 1]!.length };
    if (h.from === 0) return { range: { start: { line: 0, character: 0 }, end: docEnd }, newText: h.lines.join(eol) };
    const start = { line: h.from - 1, character: a[h.from - 1]!.length };
    return { range: { start, end: docEnd }, newText: h.lines.map((l) => eol + l).join('') };
  });
}
