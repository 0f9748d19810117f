// Turns the checker's diagnostics into LSP diagnostics for one file: the same codes, messages and
// ranges `egpu check` prints, with related locations across imports.
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic } from 'vscode-languageserver/node';
import type { Analysis, Workspace } from './documents';

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information } as const;

/** The diagnostics the analysis found in `file`: its main file by default, or any file its check read. */
export function diagnosticsFor(ws: Workspace, analysis: Analysis, file: string = analysis.path): LspDiagnostic[] {
  const out: LspDiagnostic[] = [];
  const map = ws.lineMapOf(analysis, file);
  for (const d of analysis.result.diagnostics) {
    if (d.file !== file) continue;
    const lsp: LspDiagnostic = {
      range: { start: map.position(d.span.start), end: map.position(d.span.end) },
      severity: SEVERITY[d.severity] ?? DiagnosticSeverity.Error,
      code: d.code,
      source: 'kern',
      message: d.message,
    };
    if (d.related?.length) {
      lsp.relatedInformation = d.related.map((r) => {
        const rmap = ws.lineMapOf(analysis, r.file);
        return { location: { uri: ws.uriOf(r.file), range: { start: rmap.position(r.span.start), end: rmap.position(r.span.end) } }, message: r.message };
      });
    }
    out.push(lsp);
  }
  return out;
}
