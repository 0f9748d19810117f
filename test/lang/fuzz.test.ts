// Fuzz test of the front end: thousands of seeded random mutations of the examples (token and character edits).
// The front end must never throw, and every diagnostic and syntax-tree range must lie inside its file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { SourceFile, Span } from '../../kernels/lang/ast';
import { tokenize } from '../../kernels/lang/lexer';
import { parse } from '../../kernels/lang/parser';
import type { Diagnostic } from '../../kernels/lang/source';
import { seededRandom } from '../../kernels/llama/tiny-model';

const EXAMPLES = resolve(__dirname, '..', '..', 'kernels', 'examples');
const CASES = 3000;
/** The checker is ~5× slower than the parser: check every third mutated file to keep the test quick. */
const CHECK_EVERY = 3;


const INSERTABLE = ['{', '}', '(', ')', '[', ']', ';', ',', '.', '..', '=', '==', '~=', '-', '/*', '*/', '//', '"', '\n', ' ',
  'let ', 'if ', 'else ', 'for ', 'kernel ', 'run ', 'fn ', 'const ', 'shared ', 'launch ', 'expect ', 'within ', 'step ',
  '0x', '1e', '.5', '1_', '@', 'é', '\u0000', 'x', '9', 'mut ', '->', 'barrier()', 'buffer(', 'import "common.kern";'];

interface Mutated {
  text: string;
  description: string;
}

function mutate(text: string, random: () => number): Mutated {
  const pick = (n: number): number => Math.floor(random() * n);
  const edits = 1 + pick(3);
  let out = text;
  const steps: string[] = [];
  for (let e = 0; e < edits; e++) {
    const tokens = tokenize('m.kern', out).tokens.slice(0, -1);
    const kind = pick(6);
    if (tokens.length < 2 || kind === 4) {
      const at = pick(out.length + 1);
      const insert = INSERTABLE[pick(INSERTABLE.length)]!;
      out = out.slice(0, at) + insert + out.slice(at);
      steps.push(`insert ${JSON.stringify(insert)} at ${at}`);
      continue;
    }
    const t = tokens[pick(tokens.length)]!;
    const u = tokens[pick(tokens.length)]!;
    switch (kind) {
      case 0:
        out = out.slice(0, t.span.start) + out.slice(t.span.end);
        steps.push(`delete token ${JSON.stringify(t.text)} at ${t.span.start}`);
        break;
      case 1:
        out = out.slice(0, t.span.end) + ' ' + t.text + out.slice(t.span.end);
        steps.push(`duplicate token ${JSON.stringify(t.text)} at ${t.span.start}`);
        break;
      case 2: {
        const [a, b] = t.span.start < u.span.start ? [t, u] : [u, t];
        if (a === b || a.span.end > b.span.start) break;
        out = out.slice(0, a.span.start) + b.text + out.slice(a.span.end, b.span.start) + a.text + out.slice(b.span.end);
        steps.push(`swap tokens at ${a.span.start} and ${b.span.start}`);
        break;
      }
      case 3: {
        const at = pick(out.length);
        out = out.slice(0, at) + out.slice(at + 1 + pick(3));
        steps.push(`delete characters at ${at}`);
        break;
      }
      default: {
        // Cut the file short: unterminated everything.
        const at = pick(out.length);
        out = out.slice(0, at);
        steps.push(`truncate at ${at}`);
      }
    }
  }
  return { text: out, description: steps.join('; ') };
}

function assertSpanInside(span: Span, length: number, what: string): void {
  assert.ok(Number.isInteger(span.start) && Number.isInteger(span.end), `${what}: non-integer span ${JSON.stringify(span)}`);
  assert.ok(span.start >= 0 && span.start <= span.end && span.end <= length, `${what}: span ${JSON.stringify(span)} outside 0..${length}`);
}

/** Walks every object with a `span` in the tree (iteratively: fuzzed trees can be deep). */
function assertTreeInside(file: SourceFile): void {
  const stack: unknown[] = [file];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      stack.push(...node);
    } else if (node !== null && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      for (const [key, value] of Object.entries(record)) {
        if (key === 'text') continue;
        if ((key === 'span' || key.endsWith('Span')) && value && typeof value === 'object') {
          assertSpanInside(value as Span, file.text.length, `${String(record.kind ?? 'node')}.${key}`);
        } else if (value && typeof value === 'object') {
          stack.push(value);
        }
      }
    }
  }
}

function assertDiagnosticsInside(diagnostics: Diagnostic[], textOf: (file: string) => string | undefined): void {
  for (const d of diagnostics) {
    assert.match(d.code, /^K\d{4}$/);
    assert.ok(d.message.length > 0, `${d.code} has an empty message`);
    const text = textOf(d.file);
    assert.ok(text !== undefined, `${d.code} names an unknown file ${d.file}`);
    assertSpanInside(d.span, text.length, `${d.code} ${d.message}`);
    for (const r of d.related ?? []) {
      const relatedText = textOf(r.file);
      if (relatedText !== undefined) assertSpanInside(r.span, relatedText.length, `${d.code} related`);
    }
  }
}

interface CheckerApi {
  checkProgram(mainPath: string, host: { readFile(path: string): string | undefined; resolveImport(fromFile: string, spec: string): string }): {
    diagnostics: Diagnostic[];
    files: Map<string, SourceFile>;
  };
}

/** The checker's public API when it exists, so the fuzz covers the whole front end; otherwise only the parser. */
async function loadChecker(): Promise<CheckerApi | null> {
  const index = join(__dirname, '..', '..', 'kernels', 'lang', 'index.ts');
  if (!existsSync(index)) return null;
  const specifier = '../../kernels/lang/index';
  const module = (await import(specifier)) as Partial<CheckerApi>;
  return typeof module.checkProgram === 'function' ? (module as CheckerApi) : null;
}

const examples = readdirSync(EXAMPLES).filter((f) => f.endsWith('.kern')).sort()
  .map((name) => ({ path: join(EXAMPLES, name), text: readFileSync(join(EXAMPLES, name), 'utf8') }));

test(`front end survives ${CASES} seeded mutations of the examples (checker on every ${CHECK_EVERY}rd)`, async (t) => {
  const checker = await loadChecker();
  if (!checker) t.diagnostic('kernels/lang/index.ts not available yet: fuzzing the parser only');
  const random = seededRandom(20240611);
  let withErrors = 0;
  for (let i = 0; i < CASES; i++) {
    const example = examples[i % examples.length]!;
    const mutated = mutate(example.text, random);
    const context = `case ${i} (${example.path}: ${mutated.description})`;
    try {
      const parsed = parse(example.path, mutated.text);
      assert.equal(parsed.file.text, mutated.text);
      assertTreeInside(parsed.file);
      assertDiagnosticsInside(parsed.diagnostics, (f) => (f === example.path ? mutated.text : undefined));
      if (parsed.diagnostics.length > 0) withErrors++;
      if (checker && i % CHECK_EVERY === 0) {
        const files = new Map(examples.map((e) => [e.path, e.text]));
        files.set(example.path, mutated.text);
        const host = {
          readFile: (path: string) => files.get(path),
          resolveImport: (fromFile: string, spec: string) => resolve(dirname(fromFile), spec),
        };
        const checked = checker.checkProgram(example.path, host);
        assertDiagnosticsInside(checked.diagnostics, (f) => files.get(f));
      }
    } catch (error) {
      assert.fail(`${context}\n${error instanceof Error ? error.stack : String(error)}\n--- input ---\n${mutated.text}`);
    }
  }
  // The mutations must actually break things most of the time, or this test proves little.
  assert.ok(withErrors > CASES / 2, `only ${withErrors} of ${CASES} mutated files had syntax errors`);
});

test('random token soup never throws and keeps every range inside the file', () => {
  const random = seededRandom(7);
  const vocabulary = [...INSERTABLE, 'return ', 'while ', 'repeat ', 'read ', 'true', '1.0', 'a', 'b', '+', '*', '<<=', '!'];
  for (let i = 0; i < 500; i++) {
    const length = Math.floor(random() * 80);
    let text = '';
    for (let j = 0; j < length; j++) text += vocabulary[Math.floor(random() * vocabulary.length)];
    const parsed = parse('soup.kern', text);
    assertTreeInside(parsed.file);
    assertDiagnosticsInside(parsed.diagnostics, () => text);
  }
});
