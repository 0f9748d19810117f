// Golden tests for the front end: test/golden/<name>.kern against <name>.errors.txt, and the IR of every
// example in kernels/examples against test/golden/ir/<example>.ir.txt. `-- --update` or UPDATE_GOLDENS=1 rewrites them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { checkProgram, LineMap, CATALOGUE, type SourceHost } from '../../kernels/lang/index';
import { printProgram } from '../../kernels/lang/ir-print';

const ROOT = resolve(import.meta.dirname, '../..');
const GOLDEN = join(ROOT, 'test/golden');
const EXAMPLES = join(ROOT, 'kernels/examples');
const UPDATE = process.argv.includes('--update') || process.env.UPDATE_GOLDENS === '1';

const host: SourceHost = {
  readFile(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  resolveImport: (from, spec) => resolve(dirname(from), spec),
};

/** `name.kern(3,7): error K1003: message`, one line per diagnostic, paths relative to the golden folder. */
export function renderDiagnostics(path: string, base: string): string {
  const result = checkProgram(path, host);
  return result.diagnostics
    .map((d) => {
      const p = new LineMap(result.files.get(d.file)?.text ?? '').position(d.span.start);
      return `${relative(base, d.file).replace(/\\/g, '/')}(${p.line + 1},${p.character + 1}): ${d.severity} ${d.code}: ${d.message}\n`;
    })
    .join('');
}

function compare(file: string, actual: string): void {
  if (UPDATE || !existsSync(file)) {
    writeFileSync(file, actual);
    if (!UPDATE) assert.fail(`${relative(ROOT, file)} was missing and has been written; review it and run again`);
    return;
  }
  assert.equal(actual, readFileSync(file, 'utf8'), `${relative(ROOT, file)} differs (run with UPDATE_GOLDENS=1 to accept)`);
}

const cases = readdirSync(GOLDEN).filter((f) => f.endsWith('.kern')).sort();

for (const name of cases) {
  test(`golden ${name}`, () => {
    compare(join(GOLDEN, name.replace(/\.kern$/, '.errors.txt')), renderDiagnostics(join(GOLDEN, name), GOLDEN));
  });
}

const examples = existsSync(EXAMPLES) ? readdirSync(EXAMPLES).filter((f) => f.endsWith('.kern')).sort() : [];

for (const name of examples) {
  test(`example ${name} checks clean and its IR matches`, () => {
    const result = checkProgram(join(EXAMPLES, name), host);
    const lines = result.diagnostics.map((d) => `${d.code} ${d.message}`);
    assert.deepEqual(lines, [], `${name} should check without diagnostics`);
    assert.ok(result.program, `${name} should lower`);
    compare(join(GOLDEN, 'ir', name.replace(/\.kern$/, '.ir.txt')), printProgram(result.program));
  });
}

test('every K2xxx-K5xxx code has a golden case that produces it', () => {
  const produced = new Set<string>();
  for (const name of readdirSync(GOLDEN).filter((f) => f.endsWith('.errors.txt'))) {
    for (const m of readFileSync(join(GOLDEN, name), 'utf8').matchAll(/ (K\d{4}): /g)) produced.add(m[1]!);
  }
  // K2001 (unreadable main file) cannot be a golden case: test/cli/check.test.ts covers it.
  const missing = Object.keys(CATALOGUE).filter((c) => /^K[2-5]/.test(c) && c !== 'K2001' && !produced.has(c));
  assert.deepEqual(missing, []);
});

test('docs/diagnostics.md lists every code in the catalogue', () => {
  const doc = readFileSync(join(ROOT, 'docs/diagnostics.md'), 'utf8');
  const missing = Object.keys(CATALOGUE).filter((c) => !doc.includes(`## ${c}`));
  assert.deepEqual(missing, []);
});
