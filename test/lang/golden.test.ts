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

/** docs/diagnostics.md, generated from the catalogue (rewritten with --update). */
function diagnosticsDoc(): string {
  const groups: [string, string][] = [
    ['K1', 'Syntax (K1xxx)'], ['K2', 'Names, scopes and imports (K2xxx)'], ['K3', 'Types, literals and constants (K3xxx)'],
    ['K4', 'Kernels, barriers, shared memory, launches and run blocks (K4xxx)'], ['K5', 'Warnings (K5xxx)'],
    ['K9', 'Internal errors (K9xxx)'],
  ];
  const out = [
    '# Kern diagnostics',
    '',
    'Every diagnostic the Kern front end (`egpu check`, the language server) can give, with its stable code,',
    'severity, message template (`{0}`, `{1}` are filled in) and a minimal example that produces it.',
    'Generated from `kernels/lang/diagnostics.ts` by `node --import tsx --test test/lang/golden.test.ts -- --update`;',
    'each example also lives as a golden case in `test/golden/`.',
    '',
  ];
  for (const [prefix, title] of groups) {
    const codes = Object.entries(CATALOGUE).filter(([c]) => c.startsWith(prefix));
    if (!codes.length) continue;
    out.push(`# ${title}`, '');
    for (const [code, def] of codes) {
      out.push(`## ${code}: ${def.title}`, '', `- severity: ${def.severity}`, `- message: \`${def.template}\``, '', '```kern', def.example, '```', '');
    }
  }
  return out.join('\n');
}

test('docs/diagnostics.md lists every code in the catalogue', () => {
  const path = join(ROOT, 'docs/diagnostics.md');
  if (UPDATE || !existsSync(path)) writeFileSync(path, diagnosticsDoc());
  const doc = readFileSync(path, 'utf8');
  const missing = Object.keys(CATALOGUE).filter((c) => !doc.includes(`## ${c}`));
  assert.deepEqual(missing, []);
});
