// `egpu bench [--quick] [SUITE…]`: runs the benchmark suites of bench/index.ts and writes bench/results/.
import { parseArgs, UsageError } from '../args';
import { runSuites, SUITES } from '../../bench/index';

export async function runBench(argv: string[]): Promise<number> {
  let quick: boolean;
  let names: string[];
  try {
    const args = parseArgs(argv, [], ['quick']);
    quick = args.flags.has('quick');
    names = args.positionals;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`egpu bench: ${err.message}\nusage: egpu bench [--quick] [${SUITES.map((s) => s.name).join('|')}…]\n`);
      return 2;
    }
    throw err;
  }
  const unknownNames = names.filter((n) => !SUITES.some((s) => s.name === n));
  if (unknownNames.length) {
    process.stderr.write(`egpu bench: unknown suite '${unknownNames[0]}'; suites: ${SUITES.map((s) => s.name).join(', ')}\n`);
    return 2;
  }
  const { written } = await runSuites(names, { quick, print: (line) => process.stdout.write(`${line}\n`) });
  for (const path of written) process.stdout.write(`results written to ${path}\n`);
  return 0;
}
