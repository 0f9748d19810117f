// A check that reuses an earlier check's unchanged bodies (CheckOptions.reuse, with the incremental parse, as
// the language server runs it) must give exactly a fresh check's result: diagnostics, symbols, references,
// expression types and the lowered program. Checked on chains of seeded random edits over the examples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { checkProgram, parse, reparse, type CheckResult, type ParseResult, type SourceHost } from '../../kernels/lang/index';
import { printProgram } from '../../kernels/lang/ir-print';
import { seededRandom } from '../../kernels/llama/tiny-model';
import { randomEdit } from './random-edits';

const EXAMPLES = resolve(__dirname, '..', '..', 'kernels', 'examples');

/** Everything a check result says, as comparable text. */
function dump(r: CheckResult): string {
  const bigints = (_key: string, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value);
  return [
    JSON.stringify(r.diagnostics, bigints),
    JSON.stringify(r.semantic.symbols, bigints),
    JSON.stringify(r.semantic.references, bigints),
    JSON.stringify(r.semantic.exprTypes, bigints),
    r.program ? printProgram(r.program) : 'no program',
  ].join('\n');
}

function assertSame(actual: CheckResult, expected: CheckResult, label: string): void {
  const a = dump(actual);
  const e = dump(expected);
  if (a === e) return;
  let i = 0;
  while (i < a.length && a[i] === e[i]) i++;
  assert.fail(`${label}: the reusing check differs from a fresh one at character ${i}:\n  reusing: …${a.slice(Math.max(0, i - 200), i + 100)}\n  fresh:   …${e.slice(Math.max(0, i - 200), i + 100)}`);
}

/** A host over in-memory texts: the main file's current text, the examples folder for imports. */
function host(main: string, text: () => string): SourceHost {
  return {
    readFile: (p) => {
      if (p === main) return text();
      try {
        return readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    },
    resolveImport: (from, spec) => resolve(dirname(from), spec),
  };
}

const FRAGMENTS = ['1', 'x', ' ', ';', '\n', '{', '}', '_', '.0', 'let q = 1.0;\n', 'var w = 0u;\n', 'y', '+ 1.0', '(', ')',
  'barrier();\n', 'i', 'n', '2', 'const K: u32 = 3;\n'];

function edit(text: string, random: () => number): string {
  return randomEdit(text, random, FRAGMENTS, 3);
}

test('chains of random edits: reusing unchanged bodies gives exactly a fresh check', () => {
  const random = seededRandom(4242);
  let reusedBodies = 0;
  let edits = 0;
  for (const name of readdirSync(EXAMPLES).filter((f) => f.endsWith('.kern')).sort()) {
    const path = join(EXAMPLES, name);
    const original = readFileSync(path, 'utf8');
    for (let chain = 0; chain < 25; chain++) {
      let text = original;
      const h = host(path, () => text);
      let lastParse: ParseResult | undefined;
      let mainParse: ParseResult | undefined;
      const parseFile = (file: string, source: string): ParseResult => {
        if (file !== path) return parse(file, source);
        mainParse = (lastParse && reparse(lastParse, source)) ?? parse(file, source);
        return mainParse;
      };
      let previous = checkProgram(path, h, { parse: parseFile, memo: true });
      lastParse = mainParse;
      for (let step = 0; step < 6; step++) {
        text = edit(text, random);
        edits++;
        const reusing = checkProgram(path, h, { parse: parseFile, memo: true, ...(previous.memo ? { reuse: previous.memo } : {}) });
        lastParse = mainParse;
        const fresh = checkProgram(path, h);
        assertSame(reusing, fresh, `${name}, chain ${chain}, edit ${step}`);
        if (previous.memo && reusing.memo) {
          for (const [item, body] of reusing.memo.bodies) if (previous.memo.bodies.get(item) === body) reusedBodies++;
        }
        previous = reusing;
      }
    }
  }
  // The comparison only means something if bodies were in fact replayed, and often.
  assert.ok(reusedBodies > edits, `only ${reusedBodies} bodies were replayed over ${edits} edits`);
});

test('a replayed body after an edit above it moves its diagnostics with it', () => {
  const text = [
    'kernel a(x: mut f32[]) {',
    '  x[0] = 1.0;',
    '}',
    '',
    'kernel b(x: mut f32[]) {',
    '  let unused = 2.0;',
    '  x[0] = 3.0;',
    '}',
    '',
  ].join('\n');
  const path = '/projects/moving.kern';
  let current = text;
  const h = host(path, () => current);
  let mainParse: ParseResult | undefined;
  let lastParse: ParseResult | undefined;
  const parseFile = (file: string, source: string): ParseResult => {
    mainParse = (lastParse && reparse(lastParse, source)) ?? parse(file, source);
    return mainParse;
  };
  const first = checkProgram(path, h, { parse: parseFile, memo: true });
  lastParse = mainParse;
  const firstStart = first.diagnostics[0]!.span.start;
  assert.deepEqual(first.diagnostics.map((d) => [d.code, text.slice(d.span.start, d.span.end)]), [['K5001', 'unused']]);
  current = text.replace('x[0] = 1.0;', 'x[0] = 10.0;');
  const second = checkProgram(path, h, { parse: parseFile, reuse: first.memo! });
  const kernelB = second.files.get(path)!.items[1]!;
  assert.equal(second.memo!.bodies.get(kernelB), first.memo!.bodies.get(kernelB), 'kernel b was not checked again');
  assert.deepEqual(second.diagnostics.map((d) => [d.code, current.slice(d.span.start, d.span.end)]), [['K5001', 'unused']]);
  assert.equal(second.diagnostics[0]!.span.start, firstStart + 1);
});
