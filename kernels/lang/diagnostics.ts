// The diagnostics catalogue: every code the front end can give, with its severity, message template and
// a minimal example. docs/diagnostics.md is generated from / checked against this table.
//   K1xxx  lexical and syntax errors          (lexer.ts, parser.ts)
//   K2xxx  names, scopes and imports           (checker.ts)
//   K3xxx  types, literals and constants       (checker.ts)
//   K4xxx  kernels: barriers, shared memory, launches, run blocks (checker.ts)
//   K5xxx  warnings (unused, block size)       (checker.ts)
import type { Span } from './ast';
import type { Diagnostic, Severity } from './source';

export interface DiagnosticDef {
  severity: Severity;
  /** Message with `{0}`, `{1}`, … placeholders. */
  template: string;
  /** One-line title for the docs page. */
  title: string;
  /** A minimal .kern snippet that produces it. */
  example: string;
}

export const CATALOGUE = {
  // ---- K1xxx: syntax (owned by the parser)
  // ---- K2xxx..K5xxx: semantics (owned by the checker)
} satisfies Record<string, DiagnosticDef>;

export type DiagnosticCode = keyof typeof CATALOGUE;

/** Builds a diagnostic from the catalogue, filling the template's placeholders. */
export function makeDiagnostic(code: DiagnosticCode, file: string, span: Span, ...args: (string | number)[]): Diagnostic {
  const def: DiagnosticDef = CATALOGUE[code];
  const message = def.template.replace(/\{(\d+)\}/g, (_m, i: string) => String(args[Number(i)] ?? ''));
  return { code, severity: def.severity, message, file, span };
}
