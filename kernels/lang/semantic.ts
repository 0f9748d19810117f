// What the checker learned about names and types, kept for the language server (hover, completion,
// go to definition, references, rename, symbols, inlay hints, semantic tokens).
import type { Span } from './ast';

export type SymbolKind =
  | 'const' | 'fn' | 'kernel' | 'run'
  | 'param' | 'local' | 'shared' | 'loopvar'
  /** Run-block names: host scalars and device buffers. */
  | 'hostvar' | 'buffer';

export interface SymbolInfo {
  /** Dense id, index into SemanticModel.symbols. */
  id: number;
  name: string;
  kind: SymbolKind;
  /** File and range of the declaring name. */
  file: string;
  span: Span;
  /** Range of the whole declaration (item, statement or parameter). */
  declSpan: Span;
  /** Display type: `u32`, `mut f32[]`, `f16[256]`, `fn(x: f32) -> f32`, `kernel(n: u32, x: f32[])`, `buffer f32[16777216]`. */
  type: string;
  /** Mutable binding (`var`, `mut` buffer, run buffer). */
  mutable: boolean;
  /** Whether the type was written (false for `let x = e`, used for inlay hints). */
  typeWritten: boolean;
  /** Name of the enclosing item (`saxpy`), or null for top-level items. */
  container: string | null;
  /** Range of the scope the name is visible in (its block), for completion. Items: the whole file. */
  scope: Span;
  /** Constant value, when known at compile time. */
  constValue?: number;
}

export interface SymbolReference {
  symbol: number;
  file: string;
  span: Span;
  /** Assignment target (for document highlights: write vs read). */
  write: boolean;
}

/** The type of one expression, by its range. */
export interface ExprType {
  file: string;
  span: Span;
  type: string;
}

export interface SemanticModel {
  symbols: SymbolInfo[];
  /** Every use of a symbol (declarations are not repeated here; see SymbolInfo.span). */
  references: SymbolReference[];
  exprTypes: ExprType[];
}
