// The benchmark registry behind `egpu bench`: each suite runs, prints a table and returns machine-readable
// results that land in bench/results/<suite>.json. Adding a suite is one line in SUITES.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { cudaSuite } from './cuda';
import { simSuite } from './sim';

export interface BenchOptions {
  /** Smaller sizes and fewer repetitions (CI, a quick look). */
  quick: boolean;
  /** Where the suite's table goes. */
  print: (line: string) => void;
}

export interface BenchSuite {
  name: string;
  description: string;
  /** Runs the suite; the returned object (plus date, node, cpu) is written to bench/results/<name>.json. */
  run(options: BenchOptions): Promise<Record<string, unknown>>;
}

/** A suite that is a standalone script (it writes its own results file), run with node and tsx from the repo. */
export function scriptSuite(name: string, script: string, description: string): BenchSuite {
  return {
    name,
    description,
    async run(options) {
      const path = join(repoRoot(), script);
      if (!existsSync(path)) return { skipped: `${script} not found (script suites run from a source checkout)` };
      const r = spawnSync(process.execPath, ['--import', 'tsx', path, ...(options.quick ? ['--quick'] : [])], { cwd: repoRoot(), stdio: 'inherit' });
      return { script, exit_code: r.status, ...(r.error ? { error: r.error.message } : {}) };
    },
  };
}

export const SUITES: BenchSuite[] = [
  simSuite,
  scriptSuite('lsp', 'bench/lsp.ts', 'language-server latency after an edit (p50/p95)'),
  scriptSuite('llama', 'bench/llama.ts', 'tiny-model decode on the sim vs llama.cpp on CPU; matvec GB/s vs the memory roof'),
  cudaSuite,
];

/** The repository root: the folder above bench/ (source) or dist/ (bundle) that holds package.json. */
export function repoRoot(): string {
  let dir = typeof __dirname === 'string' ? __dirname : process.cwd();
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

/** Facts about the machine that make a result comparable. */
export function machine(): Record<string, unknown> {
  const list = cpus();
  return { date: new Date().toISOString(), node: process.version, cpu: list[0]?.model ?? 'unknown', cores: list.length, platform: `${platform()}-${arch()}` };
}

/** Runs the named suites (all when `names` is empty) and writes their results; returns the paths written. */
export async function runSuites(names: string[], options: BenchOptions): Promise<{ written: string[]; unknown: string[] }> {
  const unknown = names.filter((n) => !SUITES.some((s) => s.name === n));
  const chosen = names.length ? SUITES.filter((s) => names.includes(s.name)) : SUITES;
  const written: string[] = [];
  for (const suite of chosen) {
    options.print(`\n== ${suite.name}: ${suite.description}`);
    const result = await suite.run(options);
    if ('script' in result) continue;
    const dir = join(repoRoot(), 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${suite.name}.json`);
    writeFileSync(path, `${JSON.stringify({ suite: suite.name, ...machine(), quick: options.quick, ...result }, null, 2)}\n`);
    written.push(path);
  }
  return { written, unknown };
}
