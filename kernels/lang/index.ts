// The Kern front end's public API: load a program through a SourceHost, parse, check and lower it.
// Used by the CLI, the language server, the runner and the tests; knows nothing about fs or VS Code.
import type { ImportItem, Item, SourceFile } from './ast';
import { check, type CheckMemo } from './checker';
import { makeDiagnostic } from './diagnostics';
import type { IrProgram } from './ir';
import { DEFAULT_LIMITS, type DeviceLimits } from './limits';
import { lowerProgram } from './lower';
import { parse, type ParseResult } from './parser';
import type { SemanticModel } from './semantic';
import type { Diagnostic } from './source';

export { parse } from './parser';
export type { ParseResult } from './parser';
export { reparse } from './incremental';
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
export type { CheckMemo } from './checker';
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
  /**
   * How each file's text is parsed (default: `parse`). The language server passes one that re-parses only the
   * edited items of a file it parsed before (incremental.ts); the result must be `parse(path, text)`'s.
   */
  parse?: (path: string, text: string) => ParseResult;
  /**
   * The `memo` of a check of an earlier version of these files: bodies the edit left alone (the same syntax
   * nodes, as the incremental parse keeps them) are not checked again. The result is the same as without it.
   * The earlier check's result is taken apart: with the incremental parse its later items' spans (and so its
   * diagnostics' spans) have moved, and this check renumbers the local symbols the two share. Do not read it
   * (diagnostics, semantic model, program) afterwards; the language server replaces it before re-checking.
   */
  reuse?: CheckMemo;
  /** Keep a memo in the result for the next check's `reuse` (the language server's checks). */
  memo?: boolean;
}

export interface CheckResult {
  /** All files' diagnostics, sorted by file then position. */
  diagnostics: Diagnostic[];
  files: Map<string, SourceFile>;
  /** Null when any file has an error. */
  program: IrProgram | null;
  semantic: SemanticModel;
  /** For `CheckOptions.reuse` in the next check, when `CheckOptions.memo` asked for it. */
  memo?: CheckMemo;
}

/**
 * Parses, checks and lowers `mainPath` and everything it imports. Never throws: bad input gives diagnostics,
 * and a bug in the front end gives K9001 at the start of the main file instead of an exception.
 */
export function checkProgram(mainPath: string, host: SourceHost, options: CheckOptions = {}): CheckResult {
  const files = new Map<string, SourceFile>();
  const diagnostics: Diagnostic[] = [];
  try {
    return checkProgramUnguarded(mainPath, host, options, files, diagnostics);
  } catch (err) {
    const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    diagnostics.push(makeDiagnostic('K9001', mainPath, { start: 0, end: 0 }, reason));
    sortDiagnostics(diagnostics);
    return { diagnostics, files, program: null, semantic: { symbols: [], references: [], exprTypes: [] } };
  }
}

function checkProgramUnguarded(
  mainPath: string,
  host: SourceHost,
  options: CheckOptions,
  files: Map<string, SourceFile>,
  diagnostics: Diagnostic[],
): CheckResult {
  const imports = new Map<string, { item: ImportItem; path: string }[]>();
  const syntaxErrors = new Map<string, number[]>();
  const text = host.readFile(mainPath);
  if (text === undefined) {
    diagnostics.push(makeDiagnostic('K2001', mainPath, { start: 0, end: 0 }, 'ENOENT'));
    return { diagnostics, files, program: null, semantic: { symbols: [], references: [], exprTypes: [] } };
  }
  const stack: string[] = [];
  /** Per entry of `stack` but the last: the import it is following. */
  const following: ImportItem[] = [];
  const cycleReported = new Set<ImportItem>();
  const reportCycle = (file: string, item: ImportItem, members: string[]) => {
    if (cycleReported.has(item)) return;
    cycleReported.add(item);
    diagnostics.push(makeDiagnostic('K2005', file, item.pathSpan, [...members, members[0]!].map(baseName).join(' → ')));
  };
  const load = (path: string, source: string): void => {
    const parsed = (options.parse ?? parse)(path, source);
    files.set(path, parsed.file);
    diagnostics.push(...parsed.diagnostics);
    syntaxErrors.set(path, parsed.diagnostics.filter((d) => d.severity === 'error').map((d) => d.span.start));
    stack.push(path);
    const mine: { item: ImportItem; path: string }[] = [];
    imports.set(path, mine);
    for (const item of parsed.file.items) {
      // `import launch`: the parser reported the missing path; there is nothing to look for.
      if (item.kind !== 'Import' || item.path === '') continue;
      const target = host.resolveImport(path, item.path);
      if (stack.includes(target)) {
        // Reported at this import and at every import on the way round, so each file in the cycle shows it.
        const members = stack.slice(stack.indexOf(target));
        reportCycle(path, item, members);
        for (let i = 0; i < members.length - 1; i++) {
          const at = stack.length - members.length + i;
          reportCycle(members[i]!, following[at]!, [...members.slice(i), ...members.slice(0, i)]);
        }
        continue;
      }
      if (!files.has(target)) {
        const imported = host.readFile(target);
        if (imported === undefined) {
          diagnostics.push(makeDiagnostic('K2004', path, item.pathSpan, item.path));
          continue;
        }
        following.push(item);
        load(target, imported);
        following.pop();
      }
      mine.push({ item, path: target });
    }
    stack.pop();
  };
  load(mainPath, text);
  const checked = check({
    files,
    imports: imports as Map<string, { item: Item & { kind: 'Import' }; path: string }[]>,
    limits: options.limits ?? DEFAULT_LIMITS,
    syntaxErrors,
  }, { memo: options.memo === true, reuse: options.reuse });
  diagnostics.push(...checked.diagnostics);
  diagnostics.push(...importedErrors(imports, diagnostics));
  sortDiagnostics(diagnostics);
  const failed = diagnostics.some((d) => d.severity === 'error');
  const result = { diagnostics, files } as CheckResult;
  if (options.memo || options.reuse) result.memo = checked.memo;
  // The checker builds its complete tables (and so the semantic model) only when first read.
  Object.defineProperty(result, 'semantic', { enumerable: true, configurable: true, get: () => checked.semantic });
  if (!failed && options.lazyLowering) {
    let lowered: IrProgram | undefined;
    Object.defineProperty(result, 'program', { enumerable: true, configurable: true, get: () => (lowered ??= lowerProgram(checked, mainPath)) });
  } else result.program = failed ? null : lowerProgram(checked, mainPath);
  return result;
}

/**
 * K2014 on each `import` whose file (or what that file imports, transitively) has errors, so that the
 * importer shows them in an editor and in `egpu check` even when only it is looked at. Not added where the
 * import line already has an error of its own (a cycle).
 */
function importedErrors(imports: Map<string, { item: ImportItem; path: string }[]>, diagnostics: Diagnostic[]): Diagnostic[] {
  const errorsIn = new Map<string, Diagnostic[]>();
  for (const d of diagnostics) {
    if (d.severity !== 'error') continue;
    const list = errorsIn.get(d.file);
    if (list) list.push(d);
    else errorsIn.set(d.file, [d]);
  }
  const out: Diagnostic[] = [];
  for (const [file, list] of imports) {
    for (const { item, path } of list) {
      const own = errorsIn.get(file) ?? [];
      if (own.some((d) => d.span.start < item.span.end && d.span.end > item.span.start)) continue;
      const closure = [path];
      for (let i = 0; i < closure.length; i++) {
        for (const next of imports.get(closure[i]!) ?? []) if (!closure.includes(next.path)) closure.push(next.path);
      }
      const direct = errorsIn.get(path) ?? [];
      const deeper = closure.slice(1).flatMap((f) => errorsIn.get(f) ?? []);
      const total = direct.length + deeper.length;
      if (total === 0) continue;
      const count = `${total} error${total === 1 ? '' : 's'}`;
      const phrase = deeper.length === 0 ? count : direct.length === 0 ? `${count} in the files it imports` : `${count} (${deeper.length} in the files it imports)`;
      const d = makeDiagnostic('K2014', file, item.pathSpan, item.path, phrase);
      const first = [...direct, ...deeper].sort((a, b) => (a.file === b.file ? a.span.start - b.span.start : 0))[0]!;
      d.related = [{ file: first.file, span: first.span, message: `first error: ${first.message}` }];
      out.push(d);
    }
  }
  return out;
}

function sortDiagnostics(diagnostics: Diagnostic[]): void {
  diagnostics.sort((a, b) => (a.file === b.file ? a.span.start - b.span.start || a.span.end - b.span.end : a.file < b.file ? -1 : 1));
}

function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}
