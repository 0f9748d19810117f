// The nesting limit (K1014) covers every kind of nesting, and everything the parser accepts survives every
// later pass with a margin: the deepest programs go through check, lower, PTX and JS with 450 KB of stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkProgram, LineMap } from '../../kernels/lang/index';
import { MAX_NESTING, parse } from '../../kernels/lang/parser';
import { DEEP_SHAPES, largestAccepted } from './deep-shapes';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

function checkText(text: string) {
  return checkProgram('/deep.kern', { readFile: (p) => (p === '/deep.kern' ? text : undefined), resolveImport: (_f, s) => `/${s}` });
}

test('each kind of nesting is accepted up to about MAX_NESTING levels and reported once past it', () => {
  for (const [shape, make] of Object.entries(DEEP_SHAPES)) {
    const n = largestAccepted(make);
    assert.ok(n >= MAX_NESTING - 5 && n <= MAX_NESTING, `${shape}: accepted up to ${n}`);
    const over = parse('/deep.kern', make(n + 1)).diagnostics;
    assert.deepEqual(over.map((d) => d.code), ['K1014'], shape);
  }
});

test('a 1500-term sum and 5000 prefix minuses give K1014 at the term that crosses the limit, not a crash', () => {
  const terms = Array.from({ length: 1500 }, () => 'y[0]');
  const sum = `kernel k(y: mut f32[]) {\n  y[0] = ${terms.join(' + ')} + 1.0;\n}\n`;
  const r = checkText(sum);
  assert.deepEqual(r.diagnostics.map((d) => d.code), ['K1014']);
  const at = new LineMap(sum).position(r.diagnostics[0]!.span.start);
  // Line 2 is `  y[0] = y[0] + y[0] + …`: the body and the expression take a level each, the first `y[0]` two
  // (element and index) and each further term one: the 255th term makes 257 levels.
  const crossing = Math.floor((at.character - '  y[0] = '.length) / 'y[0] + '.length) + 1;
  assert.equal(at.line, 1);
  assert.equal(crossing, MAX_NESTING - 1);
  assert.equal(sum.slice(r.diagnostics[0]!.span.start, r.diagnostics[0]!.span.end), 'y[0]');
  assert.equal(r.program, null);

  const minus = `kernel k(y: mut f32[]) {\n  y[0] = ${'-'.repeat(5000)}1.0;\n}\n`;
  const m = checkText(minus);
  assert.deepEqual(m.diagnostics.map((d) => d.code), ['K1014']);
  assert.equal(minus.slice(m.diagnostics[0]!.span.start, m.diagnostics[0]!.span.end), '-');
});

test('only the first over-deep spot of a file is reported; the rest of the file is still checked', () => {
  const line = `y[1] = ${Array(400).fill('y[0]').join(' + ')};`;
  const r = checkText(`kernel k(y: mut f32[]) {\n  ${line}\n  ${line}\n  y[2] = 1;\n}\n`);
  assert.deepEqual(r.diagnostics.map((d) => d.code), ['K1014', 'K3005']);
});

test('the deepest accepted programs survive check, lower, JS and PTX generation with 450 KB of stack', () => {
  const child = spawnSync(process.execPath, ['--stack-size=450', '--import', TSX, join(ROOT, 'test/lang/deep-passes.ts')], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  const results = JSON.parse(child.stdout) as { shape: string; n: number; passed: string[]; error?: string }[];
  assert.equal(results.length, Object.keys(DEEP_SHAPES).length);
  for (const r of results) {
    assert.equal(r.error, undefined, `${r.shape} (${r.n} levels): ${r.error}`);
    assert.deepEqual(r.passed, ['check', 'lower', 'js', 'ptx', 'ir-print', 'format'], r.shape);
  }
});
