// Diagnostics as the CLI prints them: `file:line:col: error CODE: message`, 1-based, path relative to the
// working folder. `egpu run` and `egpu compile` share it; texts come from the check when it has them.
import { readFileSync } from 'node:fs';
import { LineMap, type Diagnostic } from '../kernels/lang/source';
import type { SourceFile } from '../kernels/lang/ast';
import { displayPath } from '../driver/report';

const lineMaps = new Map<string, LineMap | null>();

function lineMap(file: string, files?: Map<string, SourceFile>): LineMap | null {
  let map = lineMaps.get(file);
  if (map === undefined) {
    const text = files?.get(file)?.text;
    if (text !== undefined) map = new LineMap(text);
    else {
      try {
        map = new LineMap(readFileSync(file, 'utf8'));
      } catch {
        map = null;
      }
    }
    lineMaps.set(file, map);
  }
  return map;
}

/** `file:line:col: error CODE: message`; `files` (the check's parsed files) saves reading them again. */
export function formatDiagnostic(d: Diagnostic, files?: Map<string, SourceFile>): string {
  const map = lineMap(d.file, files);
  const pos = map ? map.position(d.span.start) : { line: 0, character: 0 };
  return `${displayPath(d.file)}:${pos.line + 1}:${pos.character + 1}: ${d.severity} ${d.code}: ${d.message}`;
}
