// Semantic tokens: kernels, fns, buffer vs scalar parameters, mutable vs read-only bindings, shared
// arrays and built-ins, on top of the TextMate grammar's keywords, literals and comments.
import type { SemanticTokens, SemanticTokensLegend } from 'vscode-languageserver/node';
import { tokenize } from '../kernels/lang/lexer';
import type { SymbolInfo } from '../kernels/lang/semantic';
import type { Analysis } from './documents';
import { BUILTIN_BY_NAME, GEOMETRY, GEOMETRY_WITH_MEMBERS, TYPE_DOCS } from './docs';

export const TOKEN_TYPES = ['kernel', 'function', 'parameter', 'variable', 'property', 'type', 'namespace'] as const;
export const TOKEN_MODIFIERS = ['declaration', 'readonly', 'mutable', 'buffer', 'shared', 'defaultLibrary'] as const;
export const LEGEND: SemanticTokensLegend = { tokenTypes: [...TOKEN_TYPES], tokenModifiers: [...TOKEN_MODIFIERS] };

type TokenType = (typeof TOKEN_TYPES)[number];
type TokenModifier = (typeof TOKEN_MODIFIERS)[number];

function classify(s: SymbolInfo): { type: TokenType; modifiers: TokenModifier[] } {
  const isBuffer = s.type.endsWith('[]') || s.kind === 'buffer';
  const mods: TokenModifier[] = [];
  if (isBuffer) mods.push('buffer');
  switch (s.kind) {
    case 'kernel': return { type: 'kernel', modifiers: [] };
    case 'fn': return { type: 'function', modifiers: [] };
    case 'run': return { type: 'namespace', modifiers: [] };
    case 'const': return { type: 'variable', modifiers: ['readonly'] };
    case 'shared': return { type: 'variable', modifiers: ['shared', 'mutable'] };
    case 'param': return { type: 'parameter', modifiers: [...mods, s.mutable ? 'mutable' : 'readonly'] };
    default: return { type: 'variable', modifiers: [...mods, s.mutable ? 'mutable' : 'readonly'] };
  }
}

/** One entry per token, as [line, char, length, type, modifiers]; encoded relative by `encode`. */
export function semanticTokens(analysis: Analysis): SemanticTokens {
  const model = analysis.result.semantic;
  const byStart = new Map<number, { symbol: SymbolInfo; declaration: boolean }>();
  for (const s of model.symbols) if (s.file === analysis.path) byStart.set(s.span.start, { symbol: s, declaration: true });
  for (const r of model.references) {
    const s = model.symbols[r.symbol];
    if (s && r.file === analysis.path && !byStart.has(r.span.start)) byStart.set(r.span.start, { symbol: s, declaration: false });
  }
  const tokens = tokenize(analysis.path, analysis.text).tokens;
  const rows: [number, number, number, number, number][] = [];
  const push = (start: number, end: number, type: TokenType, modifiers: TokenModifier[]) => {
    const pos = analysis.lineMap.position(start);
    const bits = modifiers.reduce((acc, m) => acc | (1 << TOKEN_MODIFIERS.indexOf(m)), 0);
    rows.push([pos.line, pos.character, end - start, TOKEN_TYPES.indexOf(type), bits]);
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'ident') continue;
    const known = byStart.get(t.span.start);
    if (known) {
      const c = classify(known.symbol);
      push(t.span.start, t.span.end, c.type, known.declaration ? ['declaration', ...c.modifiers] : c.modifiers);
      continue;
    }
    const prev = tokens[i - 1];
    const prevPrev = tokens[i - 2];
    if (prev?.kind === '.' && prevPrev?.kind === 'ident' && GEOMETRY_WITH_MEMBERS.has(prevPrev.text)) {
      push(t.span.start, t.span.end, 'property', ['defaultLibrary', 'readonly']);
    } else if (tokens[i + 1]?.kind === '(' && BUILTIN_BY_NAME.has(t.text)) {
      push(t.span.start, t.span.end, 'function', ['defaultLibrary']);
    } else if (t.text in TYPE_DOCS) {
      push(t.span.start, t.span.end, 'type', ['defaultLibrary']);
    } else if (t.text in GEOMETRY) {
      push(t.span.start, t.span.end, 'variable', ['defaultLibrary', 'readonly']);
    }
  }
  const data: number[] = [];
  let lastLine = 0;
  let lastChar = 0;
  for (const [line, char, length, type, mods] of rows) {
    data.push(line - lastLine, line === lastLine ? char - lastChar : char, length, type, mods);
    lastLine = line;
    lastChar = char;
  }
  return { data };
}
