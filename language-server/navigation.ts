// Go to definition, find references, rename (across imports; built-ins refused) and document highlights,
// all from the checker's symbols and references.
import { DocumentHighlightKind, type DocumentHighlight, type Location, type WorkspaceEdit, type TextEdit, type Range } from 'vscode-languageserver/node';
import type { Analysis, Workspace } from './documents';
import { referencesTo, sameDeclaration, symbolAt } from './model';
import { BUILTIN_BY_NAME, GEOMETRY, KEYWORD_DOCS, TYPE_DOCS } from './docs';
import { wordAt } from './syntax';
import type { SymbolInfo } from '../kernels/lang/semantic';
import type { Span } from '../kernels/lang/ast';

function location(ws: Workspace, analysis: Analysis, file: string, span: Span): Location {
  const map = ws.lineMapOf(analysis, file);
  return { uri: ws.uriOf(file), range: { start: map.position(span.start), end: map.position(span.end) } };
}

export function definition(ws: Workspace, analysis: Analysis, offset: number): Location | null {
  const hit = symbolAt(analysis.result.semantic, analysis.path, offset);
  if (!hit) return null;
  return location(ws, analysis, hit.symbol.file, hit.symbol.span);
}

/** Every use of the symbol at `offset`: in this file's check and in every other file that sees the same declaration. */
export function findUses(ws: Workspace, analysis: Analysis, offset: number): { symbol: SymbolInfo; locations: { file: string; span: Span; write: boolean; analysis: Analysis; declaration: boolean }[] } | null {
  const hit = symbolAt(analysis.result.semantic, analysis.path, offset);
  if (!hit) return null;
  const target = hit.symbol;
  const seen = new Set<string>();
  const out: { file: string; span: Span; write: boolean; analysis: Analysis; declaration: boolean }[] = [];
  const push = (a: Analysis, file: string, span: Span, write: boolean, declaration: boolean) => {
    const key = `${file}:${span.start}:${span.end}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ file, span, write, analysis: a, declaration });
  };
  const collect = (a: Analysis) => {
    const model = a.result.semantic;
    const local = model.symbols.find((s) => sameDeclaration(s, target));
    if (!local) return;
    push(a, local.file, local.span, false, true);
    for (const r of referencesTo(model, local)) push(a, r.file, r.span, r.write, false);
  };
  collect(analysis);
  const isItem = target.kind === 'const' || target.kind === 'fn' || target.kind === 'kernel';
  if (isItem) {
    for (const p of ws.workspaceFiles()) {
      if (p === analysis.path) continue;
      const text = ws.readText(p);
      if (text === undefined || !text.includes(target.name)) continue;
      const other = ws.analyze(p);
      if (other) collect(other);
    }
  }
  out.sort((a, b) => (a.file === b.file ? a.span.start - b.span.start : a.file < b.file ? -1 : 1));
  return { symbol: target, locations: out };
}

export function references(ws: Workspace, analysis: Analysis, offset: number, includeDeclaration: boolean): Location[] {
  const uses = findUses(ws, analysis, offset);
  if (!uses) return [];
  return uses.locations.filter((l) => includeDeclaration || !l.declaration).map((l) => location(ws, l.analysis, l.file, l.span));
}

export function highlights(analysis: Analysis, offset: number): DocumentHighlight[] {
  const model = analysis.result.semantic;
  const hit = symbolAt(model, analysis.path, offset);
  if (!hit) return [];
  const range = (span: Span): Range => ({ start: analysis.lineMap.position(span.start), end: analysis.lineMap.position(span.end) });
  // A compound assignment (`acc += …`) is recorded as a read and a write of the same range: the write wins.
  const byStart = new Map<number, { span: Span; write: boolean }>();
  if (hit.symbol.file === analysis.path) byStart.set(hit.symbol.span.start, { span: hit.symbol.span, write: true });
  for (const r of referencesTo(model, hit.symbol)) {
    if (r.file !== analysis.path) continue;
    const prev = byStart.get(r.span.start);
    byStart.set(r.span.start, { span: r.span, write: r.write || (prev?.write ?? false) });
  }
  return [...byStart.values()]
    .sort((a, b) => a.span.start - b.span.start)
    .map((h): DocumentHighlight => ({ range: range(h.span), kind: h.write ? DocumentHighlightKind.Write : DocumentHighlightKind.Read }));
}

export class RenameError extends Error {}

function isBuiltinName(name: string): boolean {
  return BUILTIN_BY_NAME.has(name) || name in GEOMETRY || name in KEYWORD_DOCS || name in TYPE_DOCS;
}

/** The range to rename at `offset`, or a RenameError saying why not. */
export function prepareRename(analysis: Analysis, offset: number): { range: Range; placeholder: string } {
  const hit = symbolAt(analysis.result.semantic, analysis.path, offset);
  if (!hit) {
    const word = wordAt(analysis.text, offset);
    if (word && isBuiltinName(word.word)) throw new RenameError(`cannot rename '${word.word}': it is a Kern built-in`);
    throw new RenameError('nothing to rename here: put the cursor on a name declared in your code');
  }
  return {
    range: { start: analysis.lineMap.position(hit.span.start), end: analysis.lineMap.position(hit.span.end) },
    placeholder: hit.symbol.name,
  };
}

export function rename(ws: Workspace, analysis: Analysis, offset: number, newName: string): WorkspaceEdit {
  prepareRename(analysis, offset);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(newName)) throw new RenameError(`'${newName}' is not a valid Kern name`);
  if (isBuiltinName(newName)) throw new RenameError(`'${newName}' is a Kern keyword or built-in; pick another name`);
  const uses = findUses(ws, analysis, offset);
  if (!uses) return { changes: {} };
  const changes: Record<string, TextEdit[]> = {};
  for (const l of uses.locations) {
    const loc = location(ws, l.analysis, l.file, l.span);
    (changes[loc.uri] ??= []).push({ range: loc.range, newText: newName });
  }
  return { changes };
}
