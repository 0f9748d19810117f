// Folding ranges: item bodies and nested blocks, multi-line block comments, runs of line comments and
// groups of imports.
import { FoldingRangeKind, type FoldingRange } from 'vscode-languageserver/node';
import type { SourceFile } from '../kernels/lang/ast';
import type { LineMap } from '../kernels/lang/source';
import { walk } from './syntax';

export function foldingRanges(file: SourceFile, map: LineMap): FoldingRange[] {
  const out: FoldingRange[] = [];
  const line = (offset: number) => map.position(offset).line;
  walk(file, (node) => {
    if (node.kind !== 'Block') return;
    const start = line(node.span.start);
    // Fold up to the line before the closing brace so `}` stays visible.
    const end = line(node.span.end) - 1;
    if (end > start) out.push({ startLine: start, endLine: end });
  });
  let runStart = -1;
  let runEnd = -1;
  const flush = () => {
    if (runStart >= 0 && runEnd > runStart) out.push({ startLine: runStart, endLine: runEnd, kind: FoldingRangeKind.Comment });
    runStart = runEnd = -1;
  };
  for (const c of file.comments) {
    const a = line(c.start);
    const b = line(Math.max(c.start, c.end - 1));
    const isLine = file.text.startsWith('//', c.start);
    if (!isLine) {
      flush();
      if (b > a) out.push({ startLine: a, endLine: b, kind: FoldingRangeKind.Comment });
      continue;
    }
    const ownLine = file.text.slice(file.text.lastIndexOf('\n', c.start - 1) + 1, c.start).trim() === '';
    if (!ownLine) {
      flush();
      continue;
    }
    if (runStart >= 0 && a === runEnd + 1) runEnd = a;
    else {
      flush();
      runStart = runEnd = a;
    }
  }
  flush();
  const imports = file.items.filter((i) => i.kind === 'Import');
  if (imports.length > 1) {
    const a = line(imports[0]!.span.start);
    const b = line(imports[imports.length - 1]!.span.end);
    if (b > a) out.push({ startLine: a, endLine: b, kind: FoldingRangeKind.Imports });
  }
  out.sort((x, y) => x.startLine - y.startLine || y.endLine - x.endLine);
  return out;
}
