// Turns the checker's diagnostics into LSP diagnostics for one file: the same codes, messages and
// ranges `egpu check` prints, with related locations across imports.
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic } from 'vscode-languageserver/node';
import type { Analysis, Workspace } from './documents';

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information } as const;

export function diagnosticsFor(ws: Workspace, analysis: Analysis): LspDiagnostic[] {
  const out: LspDiagnostic[] = [];
  for (const d of analysis.result.diagnostics) {
    if (d.file !== analysis.path) continue;
    const lsp: LspDiagnostic = {
      range: { start: analysis.lineMap.position(d.span.start), end: analysis.lineMap.position(d.span.end) },
      severity: SEVERITY[d.severity] ?? DiagnosticSeverity.Error,
      code: d.code,
      source: 'kern',
      message: d.message,
    };
    if (d.related?.length) {
      lsp.relatedInformation = d.related.map((r) => {
        const map = ws.lineMapOf(analysis, r.file);
        return { location: { uri: ws.uriOf(r.file), range: { start: map.position(r.span.start), end: map.position(r.span.end) } }, message: r.message };
      });
    }
    out.push(lsp);
  }
  return out;
}
