// Lookups over the checker's semantic model: the symbol under the cursor, its uses, the type of the
// smallest expression at an offset, and the names visible at a point.
import type { SemanticModel, SymbolInfo, SymbolReference } from '../kernels/lang/semantic';
import type { Span } from '../kernels/lang/ast';
import { contains } from './syntax';

export interface SymbolHit {
  symbol: SymbolInfo;
  /** The range of the name under the cursor (declaration or use). */
  span: Span;
  isDeclaration: boolean;
}

/** The symbol declared or used at `offset` in `file`. */
export function symbolAt(model: SemanticModel, file: string, offset: number): SymbolHit | null {
  for (const s of model.symbols) {
    if (s.file === file && contains(s.span, offset)) return { symbol: s, span: s.span, isDeclaration: true };
  }
  for (const r of model.references) {
    if (r.file === file && contains(r.span, offset)) {
      const symbol = model.symbols[r.symbol];
      if (symbol) return { symbol, span: r.span, isDeclaration: false };
    }
  }
  return null;
}

/** Uses of a symbol recorded in this model. */
export function referencesTo(model: SemanticModel, symbol: SymbolInfo): SymbolReference[] {
  return model.references.filter((r) => r.symbol === symbol.id);
}

/** Same declaration seen from another check (symbol ids differ between checks). */
export function sameDeclaration(a: SymbolInfo, b: SymbolInfo): boolean {
  return a.file === b.file && a.span.start === b.span.start && a.name === b.name;
}

/** The type of the smallest expression containing `offset`. */
export function exprTypeAt(model: SemanticModel, file: string, offset: number): { span: Span; type: string } | null {
  let best: { span: Span; type: string } | null = null;
  for (const e of model.exprTypes) {
    if (e.file !== file || !contains(e.span, offset)) continue;
    if (!best || e.span.end - e.span.start < best.span.end - best.span.start) best = e;
  }
  return best;
}

/** Symbols visible at `offset` in `file`: items of every file, locals whose scope holds the point and that are declared before it. */
export function visibleSymbols(model: SemanticModel, file: string, offset: number): SymbolInfo[] {
  const byName = new Map<string, SymbolInfo>();
  for (const s of model.symbols) {
    const item = s.kind === 'const' || s.kind === 'fn' || s.kind === 'kernel' || s.kind === 'run';
    if (item) {
      if (s.kind === 'run') continue;
      if (!byName.has(s.name) || s.file === file) byName.set(s.name, s);
      continue;
    }
    if (s.file !== file || !contains(s.scope, offset)) continue;
    if (s.kind !== 'param' && s.span.start > offset) continue;
    const prev = byName.get(s.name);
    // The innermost (latest-starting) scope wins, as shadowing does.
    if (!prev || prev.scope.start <= s.scope.start) byName.set(s.name, s);
  }
  return [...byName.values()];
}

export function describeSymbol(s: SymbolInfo): string {
  switch (s.kind) {
    case 'const': return `const ${s.name}: ${s.type}`;
    case 'fn': return s.type.startsWith('fn') ? `fn ${s.name}${s.type.slice(2)}` : `fn ${s.name}: ${s.type}`;
    case 'kernel': return s.type.startsWith('kernel') ? `kernel ${s.name}${s.type.slice(6)}` : `kernel ${s.name}: ${s.type}`;
    case 'run': return `run ${s.name}`;
    case 'param': return `${s.name}: ${s.type}`;
    case 'local': return `${s.mutable ? 'var' : 'let'} ${s.name}: ${s.type}`;
    case 'shared': return `shared ${s.name}: ${s.type}`;
    case 'loopvar': return `for ${s.name}: ${s.type}`;
    case 'hostvar': return `let ${s.name}: ${s.type}`;
    case 'buffer': return `let ${s.name}: ${s.type}`;
  }
}
