// Completion: keywords, built-ins with signatures and docs, names in scope, thread-geometry members,
// element types, kernel names after `launch`, and snippets for kernel, run, for and launch.
import { CompletionItemKind, InsertTextFormat, type CompletionItem } from 'vscode-languageserver/node';
import type { Analysis } from './documents';
import { BUILTINS, builtinSignature, GEOMETRY, GEOMETRY_WITH_MEMBERS, KEYWORD_DOCS, STORAGE_TYPES, TYPE_DOCS } from './docs';
import { describeSymbol, visibleSymbols } from './model';
import type { SymbolInfo } from '../kernels/lang/semantic';

const SNIPPETS: { label: string; detail: string; body: string }[] = [
  { label: 'kernel', detail: 'kernel with a guarded global index', body: 'kernel ${1:name}(n: u32, ${2:x}: ${3:f32}[], ${4:y}: mut ${3:f32}[]) {\n  let i = block.x * block_dim.x + thread.x;\n  if i < n {\n    ${0}\n  }\n}' },
  { label: 'run', detail: 'run block', body: 'run ${1:name} {\n  let n = ${2:1024};\n  let ${3:x} = buffer(f32, n, ${4:fill(1.0)});\n  ${0}\n}' },
  { label: 'for', detail: 'for loop', body: 'for ${1:i} in ${2:0}..${3:n} {\n  ${0}\n}' },
  { label: 'launch', detail: 'launch a kernel', body: 'launch ${1:kernel}[${2:ceil_div(n, 256)}, ${3:256}](${0});' },
];

function symbolKind(s: SymbolInfo): CompletionItemKind {
  switch (s.kind) {
    case 'const': return CompletionItemKind.Constant;
    case 'fn': return CompletionItemKind.Function;
    case 'kernel': return CompletionItemKind.Event;
    case 'param': case 'local': case 'loopvar': case 'hostvar': return CompletionItemKind.Variable;
    case 'shared': case 'buffer': return CompletionItemKind.Field;
    case 'run': return CompletionItemKind.Module;
  }
}

function symbolItem(s: SymbolInfo): CompletionItem {
  return { label: s.name, kind: symbolKind(s), detail: describeSymbol(s), sortText: `0${s.name}` };
}

/** Whether the offset sits inside a run block (host statements) by the model's run symbols or a text scan. */
function inRunBlock(analysis: Analysis, offset: number): boolean {
  const run = analysis.file?.items.find((i) => i.kind === 'Run' && i.span.start <= offset && offset <= i.span.end);
  return run !== undefined;
}

/**
 * Completion at `offset`. `current` is given when the document changed since `analysis` was made: its text
 * is read for the line being typed, and `modelOffset` (the offset mapped into the analysis) for the names in scope.
 */
export function complete(analysis: Analysis, offset: number, current?: { text: string; modelOffset: number }): CompletionItem[] {
  const text = current?.text ?? analysis.text;
  const at = current?.modelOffset ?? offset;
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const linePrefix = text.slice(lineStart, offset);
  const model = analysis.result.semantic;

  const member = /([A-Za-z_][A-Za-z0-9_]*)\s*\.\s*[A-Za-z_]*$/.exec(linePrefix);
  if (member && !/\.\.\s*[A-Za-z_]*$/.test(linePrefix)) {
    if (GEOMETRY_WITH_MEMBERS.has(member[1]!)) {
      return ['x', 'y', 'z'].map((m) => ({ label: m, kind: CompletionItemKind.Field, detail: `${member[1]}.${m}: u32`, documentation: GEOMETRY[member[1]!] }));
    }
    return [];
  }
  if (/\blaunch\s+[A-Za-z_0-9]*$/.test(linePrefix)) {
    return model.symbols.filter((s) => s.kind === 'kernel').map((s) => ({ ...symbolItem(s), kind: CompletionItemKind.Function }));
  }
  const typeContext = /(:\s*(mut\s+)?|buffer\s*\(\s*|->\s*)[A-Za-z0-9_]*$/.test(linePrefix);
  if (typeContext) {
    const names = /buffer\s*\(\s*[A-Za-z0-9_]*$/.test(linePrefix) || /(shared\s+\w+\s*:\s*|mut\s+)[A-Za-z0-9_]*$/.test(linePrefix)
      ? STORAGE_TYPES
      : [...new Set(['bool', 'i32', 'u32', 'f32', ...STORAGE_TYPES])];
    const items: CompletionItem[] = names.map((t) => ({ label: t, kind: CompletionItemKind.TypeParameter, detail: 'type', documentation: TYPE_DOCS[t] }));
    if (/:\s*[A-Za-z0-9_]*$/.test(linePrefix) && !/buffer/.test(linePrefix)) items.push({ label: 'mut', kind: CompletionItemKind.Keyword, documentation: KEYWORD_DOCS.mut });
    return items;
  }

  const host = inRunBlock(analysis, at);
  const items: CompletionItem[] = [];
  for (const s of visibleSymbols(model, analysis.path, at)) items.push(symbolItem(s));
  for (const b of BUILTINS) {
    if (host ? b.where === 'device' : b.where === 'host') continue;
    items.push({
      label: b.name,
      kind: CompletionItemKind.Function,
      detail: builtinSignature(b),
      documentation: { kind: 'markdown', value: b.doc },
      sortText: `1${b.name}`,
    });
  }
  if (!host) {
    for (const [name, doc] of Object.entries(GEOMETRY)) items.push({ label: name, kind: CompletionItemKind.Variable, detail: 'u32 built-in', documentation: doc, sortText: `1${name}` });
  }
  for (const [kw, doc] of Object.entries(KEYWORD_DOCS)) {
    items.push({ label: kw, kind: CompletionItemKind.Keyword, documentation: { kind: 'markdown', value: doc }, sortText: `2${kw}` });
  }
  const atTop = !analysis.file?.items.some((i) => i.kind !== 'Import' && i.kind !== 'Const' && i.span.start < at && at < i.span.end);
  for (const s of SNIPPETS) {
    const fits = s.label === 'kernel' || s.label === 'run' ? atTop : s.label === 'launch' ? host : !atTop;
    if (!fits) continue;
    items.push({ label: s.label, kind: CompletionItemKind.Snippet, detail: s.detail, insertText: s.body, insertTextFormat: InsertTextFormat.Snippet, sortText: `3${s.label}` });
  }
  return items;
}
