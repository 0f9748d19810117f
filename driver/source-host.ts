// The file-system SourceHost for the CLI, runner and language server: reads .kern files (or an editor's
// unsaved text through `overlay`) and resolves imports relative to the importing file.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { checkProgram, type CheckOptions, type CheckResult, type SourceHost } from '../kernels/lang/index';

/** A SourceHost over the file system; `overlay` supplies text that wins over the disk (open editors). */
export function nodeSourceHost(overlay?: (path: string) => string | undefined): SourceHost {
  return {
    readFile(path: string): string | undefined {
      const open = overlay?.(path);
      if (open !== undefined) return open;
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    },
    resolveImport(fromFile: string, spec: string): string {
      return resolve(dirname(fromFile), spec);
    },
  };
}

/** Checks and lowers one file from disk (imports resolved next to it). */
export function compileFile(path: string, options?: CheckOptions): CheckResult {
  return checkProgram(path, nodeSourceHost(), options);
}
