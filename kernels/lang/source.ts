// Source text helpers shared by every stage: offsets to line/column, and the diagnostic record.
import type { Span } from './ast';

export type Severity = 'error' | 'warning' | 'info';

/** A diagnostic is data: a stable code, a severity, a message and a range in one file. */
export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  /** Path of the file the range is in. */
  file: string;
  span: Span;
  /** Further locations, e.g. "declared here" or "imported from". */
  related?: { file: string; span: Span; message: string }[];
}

/** Zero-based line and UTF-16 character, as in the Language Server Protocol. */
export interface Position {
  line: number;
  character: number;
}

/** Maps offsets in a text to zero-based line/character positions and back. */
export class LineMap {
  private readonly lineStarts: number[];

  constructor(readonly text: string) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
    this.lineStarts = starts;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  position(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - this.lineStarts[lo]! };
  }

  offset(pos: Position): number {
    if (pos.line < 0) return 0;
    if (pos.line >= this.lineStarts.length) return this.text.length;
    const start = this.lineStarts[pos.line]!;
    const next = pos.line + 1 < this.lineStarts.length ? this.lineStarts[pos.line + 1]! : this.text.length;
    return Math.min(start + Math.max(0, pos.character), next);
  }
}

/** One-based line and column of an offset, for messages such as `file:3:7`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const p = new LineMap(text).position(offset);
  return { line: p.line + 1, column: p.character + 1 };
}
