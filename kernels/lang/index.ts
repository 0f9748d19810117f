// The Kern front end's public API: load a program through a SourceHost, parse, check and lower it.
// Used by the CLI, the language server, the runner and the tests; knows nothing about fs or VS Code.
import type { ImportItem, Item, SourceFile } from './ast';
import { check } from './checker';
import { makeDiagnostic } from './diagnostics';
import type { IrProgram } from './ir';
import { DEFAULT_LIMITS, type DeviceLimits } from './limits';
import { lowerProgram } from './lower';
import { parse } from './parser';
import type { SemanticModel } from './semantic';
import type { Diagnostic } from './source';

export { parse } from './parser';
export { tokenize } from './lexer';
export { LineMap, lineColumn } from './source';
export type { Diagnostic, Position, Severity } from './source';
export type { SemanticModel, SymbolInfo, SymbolKind, SymbolReference, ExprType } from './semantic';
export type * from './ast';
export type * from './ir';
export { DEFAULT_LIMITS } from './limits';
export type { DeviceLimits } from './limits';
export { CATALOGUE, makeDiagnostic } from './diagnostics';
export type { DiagnosticCode, DiagnosticDef } from './diagnostics';
export { BUILTINS, KEYWORD_DOCS, TYPE_DOCS } from './builtins';
export type { BuiltinDef } from './builtins';

/** Where source text comes from: the file system, an editor's open documents, or a test's strings. */
export interface SourceHost {
  /** The file's text, or undefined when it cannot be read. */
  readFile(path: string): string | undefined;
  /** The path an `import "spec";` in `fromFile` refers to. */
  resolveImport(fromFile: string, spec: string): string;
}

export interface CheckOptions {
  limits?: DeviceLimits;
  /**
   * Lower to IR only when `program` is first read (the language server rarely needs it). The value is the
   * same as without the option; only when the work is done differs.
   */
  lazyLowering?: boolean;
}

export interface CheckResult {
  /** All files' diagnostics, sorted by file then position. */
  diagnostics: Diagnostic[];
  files: Map<string, SourceFile>;
  /** Null when any file has an error. */
  program: IrProgram | null;
  semantic: SemanticModel;
}

/** Parses, checks and lowers `mainPath` and everything it imports. Never throws for bad input. */
export function checkProgram(mainPath: string, host: SourceHost, options: CheckOptions = {}): CheckResult {
  const files = new Map<string, SourceFile>();
  const imports = new Map<string, { item: ImportItem; path: string }[]>();
  const diagnostics: Diagnostic[] = [];
  const text = host.readFile(mainPath);
  if (text === undefined) {
    diagnostics.push(makeDiagnostic('K2001', mainPath, { start: 0, end: 0 }, 'ENOENT'));
    return { diagnostics, files, program: null, semantic: { symbols: [], references: [], exprTypes: [] } };
  }
  const stack: string[] = [];
  const load = (path: string, source: string): void => {
    const parsed = parse(path, source);
    files.set(path, parsed.file);
    diagnostics.push(...parsed.diagnostics);
    stack.push(path);
    const mine: { item: ImportItem; path: string }[] = [];
    imports.set(path, mine);
    for (const item of parsed.file.items) {
      if (item.kind !== 'Import') continue;
      const target = host.resolveImport(path, item.path);
      if (stack.includes(target)) {
        const cycle = [...stack.slice(stack.indexOf(target)), target].map(baseName).join(' → ');
        diagnostics.push(makeDiagnostic('K2005', path, item.pathSpan, cycle));
        continue;
      }
      if (!files.has(target)) {
        const imported = host.readFile(target);
        if (imported === undefined) {
          diagnostics.push(makeDiagnostic('K2004', path, item.pathSpan, item.path));
          continue;
        }
        load(target, imported);
      }
      mine.push({ item, path: target });
    }
    stack.pop();
  };
  load(mainPath, text);
  const checked = check({ files, imports: imports as Map<string, { item: Item & { kind: 'Import' }; path: string }[]>, limits: options.limits ?? DEFAULT_LIMITS });
  diagnostics.push(...checked.diagnostics);
  diagnostics.sort((a, b) => (a.file === b.file ? a.span.start - b.span.start || a.span.end - b.span.end : a.file < b.file ? -1 : 1));
  const failed = diagnostics.some((d) => d.severity === 'error');
  if (!failed && options.lazyLowering) {
    let lowered: IrProgram | undefined;
    const result = { diagnostics, files, semantic: checked.semantic } as CheckResult;
    Object.defineProperty(result, 'program', { enumerable: true, configurable: true, get: () => (lowered ??= lowerProgram(checked, mainPath)) });
    return result;
  }
  let program: IrProgram | null = null;
  if (!failed) program = lowerProgram(checked, mainPath);
  return { diagnostics, files, program, semantic: checked.semantic };
}

function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}
