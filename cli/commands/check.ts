// `egpu check FILE… [--json]`: prints every diagnostic of each file (and its imports) as
// `file:line:col: severity CODE: message`, or LSP-shaped JSON; exit 1 when any error was found.
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { nodeSourceHost } from '../../driver/source-host';
import { checkProgram, LineMap, type Diagnostic } from '../../kernels/lang/index';
import { parseArgs, UsageError } from '../args';

interface FileReport {
  file: string;
  diagnostics: { code: string; severity: string; message: string; range: { start: { line: number; character: number }; end: { line: number; character: number } } }[];
}

export async function runCheck(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs(argv, [], ['json']);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`egpu check: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (args.positionals.length === 0) {
    process.stderr.write('usage: egpu check FILE… [--json]\n');
    return 2;
  }
  const json = args.flags.has('json');
  const host = nodeSourceHost();
  const reports: FileReport[] = [];
  const lines: string[] = [];
  let failed = false;
  const seen = new Set<string>();
  for (const given of args.positionals) {
    const abs = resolve(given);
    // Diagnostics of imported files print with a path relative to the one given.
    const shown = (file: string): string => (file === abs ? given : relativeLike(given, abs, file));
    const text = host.readFile(abs);
    if (text === undefined) {
      failed = true;
      const reason = readError(abs);
      lines.push(`${given}: error K2001: cannot read file: ${reason}`);
      reports.push({ file: given, diagnostics: [{ code: 'K2001', severity: 'error', message: `cannot read file: ${reason}`, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }] });
      continue;
    }
    const result = checkProgram(abs, host);
    const byFile = new Map<string, Diagnostic[]>();
    byFile.set(abs, []);
    for (const d of result.diagnostics) {
      if (!byFile.has(d.file)) byFile.set(d.file, []);
      byFile.get(d.file)!.push(d);
    }
    for (const [file, diags] of byFile) {
      const key = `${file}`;
      if (file !== abs && seen.has(key)) continue;
      seen.add(key);
      const map = new LineMap(result.files.get(file)?.text ?? '');
      const report: FileReport = { file: shown(file), diagnostics: [] };
      for (const d of diags) {
        if (d.severity === 'error') failed = true;
        const start = map.position(d.span.start);
        const end = map.position(d.span.end);
        lines.push(`${shown(file)}:${start.line + 1}:${start.character + 1}: ${d.severity} ${d.code}: ${d.message}`);
        report.diagnostics.push({ code: d.code, severity: d.severity, message: d.message, range: { start, end } });
      }
      if (file === abs || diags.length) reports.push(report);
    }
  }
  if (json) process.stdout.write(JSON.stringify({ files: reports }, null, 2) + '\n');
  else if (lines.length) process.stdout.write(lines.join('\n') + '\n');
  return failed ? 1 : 0;
}

function relativeLike(given: string, abs: string, file: string): string {
  const fromGiven = relative(resolve(abs, '..'), file);
  const dir = given.includes('/') || given.includes('\\') ? given.slice(0, Math.max(given.lastIndexOf('/'), given.lastIndexOf('\\')) + 1) : '';
  return dir + fromGiven;
}

function readError(path: string): string {
  try {
    // Re-read only to name the reason (ENOENT, EISDIR, EACCES) the way the OS gives it.
    readFileSync(path);
    return 'unknown error';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? String(err);
  }
}
