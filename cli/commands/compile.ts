// `egpu compile FILE --target ptx|js [--kernel NAME] [--arch sm_XX]`: prints the PTX module or the simulator's
// JavaScript for a file's kernels; compile errors print as diagnostics (like `egpu check`) and exit 1.
import { resolve } from 'node:path';
import { renderPtx, DEFAULT_PTX_TARGET } from '../../kernels/codegen/ptx';
import { renderKernelJs } from '../../kernels/codegen/js';
import { compileFile } from '../../driver/source-host';
import { flagValue, parseArgs, UsageError } from '../args';
import { formatDiagnostic } from '../diagnostics';

const USAGE = 'usage: egpu compile FILE --target ptx|js [--kernel NAME] [--arch sm_80]\n';

export async function runCompile(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs(argv, ['target', 'kernel', 'arch'], ['help']);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`egpu compile: ${err.message}\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  if (args.flags.has('help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [file, ...extra] = args.positionals;
  if (!file || extra.length) {
    process.stderr.write(`egpu compile: ${file ? 'one file at a time' : 'no file given'}\n${USAGE}`);
    return 2;
  }
  const target = flagValue(args, 'target') ?? 'ptx';
  if (target !== 'ptx' && target !== 'js') {
    process.stderr.write(`egpu compile: unknown --target '${target}' (ptx or js)\n`);
    return 2;
  }
  const arch = flagValue(args, 'arch') ?? DEFAULT_PTX_TARGET;
  if (!/^sm_\d+[a-z]?$/.test(arch)) {
    process.stderr.write(`egpu compile: unknown --arch '${arch}' (e.g. sm_80, sm_90)\n`);
    return 2;
  }

  const path = resolve(file);
  const result = compileFile(path);
  for (const d of result.diagnostics) process.stderr.write(formatDiagnostic(d, result.files) + '\n');
  if (!result.program) return 1;

  let kernels = result.program.kernels;
  const wanted = flagValue(args, 'kernel');
  if (wanted !== undefined) {
    kernels = kernels.filter((k) => k.name === wanted);
    if (kernels.length === 0) {
      const names = result.program.kernels.map((k) => k.name);
      process.stderr.write(`egpu compile: no kernel '${wanted}' in ${file}; ${names.length ? `available: ${names.join(', ')}` : 'it has no kernels'}\n`);
      return 1;
    }
  }
  if (target === 'ptx') process.stdout.write(renderPtx(kernels, { target: arch }));
  else process.stdout.write(kernels.map((k) => renderKernelJs(k)).join('\n\n') + '\n');
  return 0;
}
