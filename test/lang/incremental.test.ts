// The incremental re-parse (kernels/lang/incremental.ts) must give exactly the whole-file parse: the same tree,
// spans, comments and diagnostics. Checked on chains of seeded random edits over every example (each re-parse
// starting from the previous one, as the language server does), and on the edits it must take the fast path for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { reparse } from '../../kernels/lang/incremental';
import { parse, type ParseResult } from '../../kernels/lang/parser';
import { seededRandom } from '../../kernels/llama/tiny-model';
import { randomEdit } from './random-edits';

const KERNELS = resolve(__dirname, '..', '..', 'kernels');
const EXAMPLES = join(KERNELS, 'examples');
const CHAINS_PER_FILE = 16;
const EDITS_PER_CHAIN = 10;

/** The whole parse result as comparable text (bigints as strings). */
function dump(r: ParseResult): string {
  return JSON.stringify(r, (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value));
}

/** Asserts the two parses are the same, showing where they first differ rather than both whole trees. */
function assertSame(actual: ParseResult, expected: ParseResult, label: string): void {
  const a = dump(actual);
  const e = dump(expected);
  if (a === e) return;
  let i = 0;
  while (i < a.length && a[i] === e[i]) i++;
  assert.fail(`${label}: the re-parse differs from the whole-file parse at character ${i} of the dump:\n  re-parse: …${a.slice(Math.max(0, i - 160), i + 80)}\n  whole:    …${e.slice(Math.max(0, i - 160), i + 80)}`);
}

/** The first span object found in two places of the tree (the in-place move would move it twice), or null. */
function sharedSpan(root: object): string | null {
  const seen = new Set<object>();
  const visit = (node: object, where: string): string | null => {
    for (const [key, value] of Object.entries(node)) {
      if (value === null || typeof value !== 'object') continue;
      for (const element of Array.isArray(value) ? value : [value]) {
        if (element === null || typeof element !== 'object') continue;
        const place = `${where}.${key}`;
        if (element.kind === undefined && typeof element.start === 'number') {
          if (seen.has(element)) return place;
          seen.add(element);
        } else {
          const found = visit(element, `${place}(${element.kind ?? ''})`);
          if (found) return found;
        }
      }
    }
    return null;
  };
  return visit(root, 'file');
}

const FRAGMENTS = ['{', '}', '(', ')', ';', '\n', '\r\n', ' ', 'x', '1', '.', '// note\n', '/*', '*/', '"', 'let y = 2.0;\n', 'kernel ',
  'fn ', 'run ', 'const C: u32 = 4;\n', '}\n\nkernel k2(n: u32) {\n', 'step ', '@', '+', 'if i < n {', 'barrier();', '✓', '😀', 'é'];

/** One random edit: insert a fragment, delete a short range, or replace one character. */
function edit(text: string, random: () => number): string {
  return randomEdit(text, random, FRAGMENTS, 6);
}

function examples(): { name: string; text: string }[] {
  return readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.kern'))
    .sort()
    .map((f) => ({ name: f, text: readFileSync(join(EXAMPLES, f), 'utf8') }));
}

/** The examples plus the library and Llama kernels, each also with CRLF line ends. */
function allKernels(): { name: string; text: string }[] {
  const files = ['examples', 'lib', 'llama'].flatMap((dir) =>
    readdirSync(join(KERNELS, dir)).filter((f) => f.endsWith('.kern')).sort().map((f) => ({ name: `${dir}/${f}`, text: readFileSync(join(KERNELS, dir, f), 'utf8') })));
  return [...files, ...files.map((f) => ({ name: `${f.name} (CRLF)`, text: f.text.replace(/\n/g, '\r\n') }))];
}

test('chains of random edits: every incremental re-parse equals the whole-file parse', () => {
  const span = { start: 1, end: 2 };
  assert.equal(sharedSpan({ kind: 'X', a: { kind: 'Y', span }, b: [span] }), 'file.b', 'the sharing detector finds a shared span');
  const random = seededRandom(20261125);
  let reused = 0;
  let total = 0;
  for (const { name, text: original } of allKernels()) {
    for (let chain = 0; chain < CHAINS_PER_FILE; chain++) {
      let text = original;
      let current = parse(name, text);
      for (let step = 0; step < EDITS_PER_CHAIN; step++) {
        const next = edit(text, random);
        const full = parse(name, next);
        const shared = sharedSpan(full.file);
        assert.equal(shared, null, `${name}, chain ${chain}, edit ${step}: a span object is shared at ${shared}`);
        const incremental = reparse(current, next);
        total++;
        if (incremental) {
          reused++;
          assertSame(incremental, full, `${name}, chain ${chain}, edit ${step}`);
          current = incremental;
        } else current = full;
        text = next;
      }
    }
  }
  // Random edits pile up errors in several items, after which every edit takes the whole-file path; enough
  // of them must still go the incremental way for the comparison above to mean something.
  assert.ok(reused > 1000, `only ${reused} of ${total} edits were re-parsed incrementally`);
});

test('typing into a clean file takes the incremental path almost always', () => {
  const random = seededRandom(7);
  let reused = 0;
  let total = 0;
  for (const { name, text } of examples()) {
    const clean = parse(name, text);
    if (clean.diagnostics.length > 0) continue;
    for (let i = 0; i < 200; i++) {
      // One identifier character typed anywhere inside an item.
      const item = clean.file.items[Math.floor(random() * clean.file.items.length)]!;
      const at = item.span.start + 1 + Math.floor(random() * (item.span.end - item.span.start - 1));
      const next = `${text.slice(0, at)}${'abxy01_'[Math.floor(random() * 7)]}${text.slice(at)}`;
      const base = parse(name, text); // reparse takes its argument apart
      const r = reparse(base, next);
      total++;
      if (r) {
        reused++;
        assertSame(r, parse(name, next), `${name}: typing at ${at}`);
      }
    }
  }
  assert.ok(reused / total > 0.9, `re-parsed incrementally ${reused} of ${total} typed characters`);
});

const THREE_KERNELS = [
  '// three kernels',
  'const N: u32 = 64;',
  '',
  'kernel a(x: mut f32[]) {',
  '  let i = thread.x;',
  '  x[i] = 1.0;',
  '}',
  '',
  '/* between */',
  'kernel b(x: mut f32[]) {',
  '  let i = thread.x;',
  '  x[i] = 2.0;',
  '}',
  '',
  'kernel c(x: mut f32[]) {',
  '  let i = thread.x; // last',
  '  x[i] = 3.0;',
  '}',
  '',
].join('\n');

test('a one-character edit in a middle item re-parses that item only and moves the later ones', () => {
  const first = parse('t.kern', THREE_KERNELS);
  const [constItem, a, b, c] = first.file.items;
  const cStart = c!.span.start;
  const at = THREE_KERNELS.indexOf('2.0');
  const next = `${THREE_KERNELS.slice(0, at)}22.0${THREE_KERNELS.slice(at + 3)}`;
  const r = reparse(first, next);
  assert.ok(r, 'the edit is inside one kernel body: the fast path applies');
  assert.equal(r.file.items[0], constItem);
  assert.equal(r.file.items[1], a, 'items before the edit are kept as they are');
  assert.notEqual(r.file.items[2], b, 'the edited item is parsed again');
  assert.equal(r.file.items[3], c, 'items after the edit are kept…');
  assert.equal(c!.span.start, cStart + 1, '…and moved by the edit');
  assertSame(r, parse('t.kern', next), 't.kern');
  assert.deepEqual(r.file.comments.map((s) => next.slice(s.start, s.end)), ['// three kernels', '/* between */', '// last']);
});

test('a syntax error inside an item is re-parsed in place, and fixing it returns to the clean parse', () => {
  const first = parse('t.kern', THREE_KERNELS);
  const at = THREE_KERNELS.indexOf('x[i] = 2.0;');
  const broken = `${THREE_KERNELS.slice(0, at)}x[i] = ;${THREE_KERNELS.slice(at + 'x[i] = 2.0;'.length)}`;
  const r1 = reparse(first, broken);
  assert.ok(r1);
  assertSame(r1, parse('t.kern', broken), 't.kern');
  assert.equal(r1.diagnostics.length, 1);
  const r2 = reparse(r1, THREE_KERNELS);
  assert.ok(r2, 'the error was inside the edited item: still incremental');
  assertSame(r2, parse('t.kern', THREE_KERNELS), 't.kern');
  assert.deepEqual(r2.diagnostics, []);
});

test('edits that reach past the item fall back or re-parse the rest exactly', () => {
  const first = parse('t.kern', THREE_KERNELS);
  // Deleting the `}` that closes `a`: kernel b's keyword then arrives inside a's body.
  const close = THREE_KERNELS.indexOf('}\n\n/* between */');
  const merged = THREE_KERNELS.slice(0, close) + THREE_KERNELS.slice(close + 1);
  const r = reparse(first, merged) ?? parse('t.kern', merged);
  assertSame(r, parse('t.kern', merged), 't.kern');
  // An unterminated block comment opened in `a` swallows the rest of the file.
  const open = THREE_KERNELS.indexOf('  x[i] = 1.0;');
  const commented = `${THREE_KERNELS.slice(0, open)}/*${THREE_KERNELS.slice(open)}`;
  const r2 = reparse(parse('t.kern', THREE_KERNELS), commented) ?? parse('t.kern', commented);
  assertSame(r2, parse('t.kern', commented), 't.kern');
  // Typing a new item at the end of the file.
  const appended = `${THREE_KERNELS}kernel d(x: mut f32[]) {\n  x[0] = 4.0;\n}\n`;
  const r3 = reparse(parse('t.kern', THREE_KERNELS), appended);
  assert.ok(r3, 'an edit after the last item re-parses the tail');
  assertSame(r3, parse('t.kern', appended), 't.kern');
});

test('found by review: an edit inside an unterminated block comment, and text typed after an item that a bad character left unclosed', () => {
  // The comment hides the rest of the file; the kernel before it ends there quietly, at the end of the file.
  const commented = 'kernel a(x: mut f32[]) {\n  x[0] = 1.0;\n}\nkernel b(x: mut f32[]) {\n  x[0] = /* 2.0;\n}\n// tail\n';
  const edited = commented.replace('// tail', '// tail, longer');
  assertSame(reparse(parse('t.kern', commented), edited) ?? parse('t.kern', edited), parse('t.kern', edited), 'comment');
  // `a_va` then a bad character: the parser reports nothing next to it, so the unclosed kernel looks clean;
  // typing `lue;` right after `a_va` must not leave that kernel as it was.
  const bad = 'kernel k(x: mut f32[]) {\n  let a_value = 1.0;\n  x[0] = a_va ✓\n\nrun r {\n  let n = 1;\n}\n';
  const fixed = bad.replace('a_va ✓', 'a_value;\n}');
  assertSame(reparse(parse('t.kern', bad), fixed) ?? parse('t.kern', fixed), parse('t.kern', fixed), 'bad character');
  // A stray `}` ends the kernel early; the parser then skips what follows without a word (it keeps quiet right
  // after an error), so tokens lie between the kernel and the next item. An edit in the kernel must see them.
  const stray = 'kernel a(o: mut f32[]) {\n  let i = thread.}x;\n  o[i] = 1.0;\n}\n\nconst K = 2;\n';
  const typed = stray.replace('  let i', '  l// c\net i');
  assertSame(reparse(parse('t.kern', stray), typed) ?? parse('t.kern', typed), parse('t.kern', typed), 'stray brace');
});

test('an unchanged text gives the previous parse back', () => {
  const first = parse('t.kern', THREE_KERNELS);
  assert.equal(reparse(first, THREE_KERNELS), first);
});
