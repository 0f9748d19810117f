// `egpu check` end to end: text and --json output, exit codes, unreadable files and imported files' paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '../..');
// The tsx loader by absolute URL, so the child resolves it from any working directory.
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

function egpu(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', TSX, join(ROOT, 'cli/main.ts'), ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'egpu-check-'));
mkdirSync(join(dir, 'lib'));
writeFileSync(join(dir, 'good.kern'), 'kernel k(y: mut f32[]) {\n  y[0] = 1.0;\n}\n');
writeFileSync(join(dir, 'bad.kern'), 'import "lib/helpers.kern";\nkernel k(y: mut f32[]) {\n  let unused = 2.0;\n  y[0] = 1;\n}\n');
writeFileSync(join(dir, 'lib/helpers.kern'), 'fn f() -> f32 {\n  return z;\n}\n');

test('text output: file:line:col: severity CODE: message, sorted, paths as given; exit 1 on errors', () => {
  const r = egpu(['check', 'good.kern', 'bad.kern', 'missing.kern'], dir);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, [
    'bad.kern:1:8: error K2014: imported file `lib/helpers.kern` has 1 error',
    'bad.kern:3:7: warning K5001: unused variable `unused` (prefix it with `_` to silence this)',
    'bad.kern:4:10: error K3005: integer literal `1` used where `f32` is expected; write `1.0`',
    'lib/helpers.kern:2:10: error K2002: cannot find `z` in this scope',
    'missing.kern: error K2001: cannot read file: ENOENT',
    '',
  ].join('\n'));
});

test('a clean file exits 0 and prints nothing', () => {
  const r = egpu(['check', 'good.kern'], dir);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, '');
});

test('--json gives 0-based LSP ranges per file', () => {
  const r = egpu(['check', 'bad.kern', '--json'], dir);
  assert.equal(r.code, 1);
  const out = JSON.parse(r.stdout) as { files: { file: string; diagnostics: { code: string; severity: string; message: string; range: unknown }[] }[] };
  assert.deepEqual(out.files.map((f) => f.file), ['bad.kern', 'lib/helpers.kern']);
  assert.deepEqual(out.files[0]!.diagnostics[2], {
    code: 'K3005', severity: 'error', message: 'integer literal `1` used where `f32` is expected; write `1.0`',
    range: { start: { line: 3, character: 9 }, end: { line: 3, character: 10 } },
  });
});

test('an imported file\'s errors: listed under its path and summarised on the import line, as the language server shows them', () => {
  const r = egpu(['check', 'bad.kern', '--json'], dir);
  const out = JSON.parse(r.stdout) as { files: { file: string; diagnostics: { code: string; message: string; range: { start: unknown } }[] }[] };
  assert.deepEqual(out.files[0]!.diagnostics[0], {
    code: 'K2014', severity: 'error', message: 'imported file `lib/helpers.kern` has 1 error',
    range: { start: { line: 0, character: 7 }, end: { line: 0, character: 25 } },
  });
  assert.deepEqual(out.files[1]!.diagnostics.map((d) => d.code), ['K2002']);
});

test('a 1500-term sum is K1014 (exit 1), not an internal error', () => {
  writeFileSync(join(dir, 'long.kern'), `kernel k(y: mut f32[]) { y[0] = ${'y[0] + '.repeat(1500)}1.0; }\n`);
  const r = egpu(['check', 'long.kern'], dir);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /^long\.kern:1:\d+: error K1014: nesting too deep: more than 256 levels/);
  assert.equal(r.stdout.trim().split('\n').length, 1);
});
