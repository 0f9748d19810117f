// The canonical formatter (kernels/lang/format.ts) and the line-diff edits the server returns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { formatKern } from '../../kernels/lang/format';
import { diffLines, formatEdits } from '../../language-server/format';
import { applyEdit, REPO } from './harness';

const UGLY = `// header comment
const BLOCK:u32=256;   // trailing


kernel saxpy(n:u32,a:f32,x:f32[],y:mut f32[]){let i=block.x*block_dim.x+thread.x;
if i<n{y[i]=a*x[i]+y[i];}else{return;}
  /* block
     comment */
  var k = -1;  k += -(2*3);
  for j in 0..n step 2 { }
}
run r { let x = buffer(f32, 16, random(-1.0,1.0,seed=1)); launch saxpy[ceil_div(16,BLOCK),BLOCK](16,2.0,x,x); read x;
expect x[i] ~= 2.0*x[i] within 1e-6; }
`;

const CANONICAL = `// header comment
const BLOCK: u32 = 256;   // trailing

kernel saxpy(n: u32, a: f32, x: f32[], y: mut f32[]) {
  let i = block.x * block_dim.x + thread.x;
  if i < n {
    y[i] = a * x[i] + y[i];
  } else {
    return;
  }
  /* block
     comment */
  var k = -1;
  k += -(2 * 3);
  for j in 0..n step 2 {}
}
run r {
  let x = buffer(f32, 16, random(-1.0, 1.0, seed = 1));
  launch saxpy[ceil_div(16, BLOCK), BLOCK](16, 2.0, x, x);
  read x;
  expect x[i] ~= 2.0 * x[i] within 1e-6;
}
`;

test('formatter produces the canonical layout: indent, one statement per line, operator spacing, comments kept', () => {
  const r = formatKern('ugly.kern', UGLY);
  assert.equal(r.ok, true);
  assert.equal(r.ok && r.text, CANONICAL);
});

test('formatter is idempotent on its own output', () => {
  const once = formatKern('ugly.kern', UGLY);
  assert.ok(once.ok);
  const twice = formatKern('ugly.kern', once.text);
  assert.ok(twice.ok);
  assert.equal(twice.text, once.text);
});

test('every example in kernels/examples is already canonical', () => {
  const dir = path.join(REPO, 'kernels/examples');
  const files = readdirSync(dir).filter((f) => f.endsWith('.kern'));
  assert.ok(files.length > 0);
  for (const f of files) {
    const text = readFileSync(path.join(dir, f), 'utf8');
    const r = formatKern(f, text);
    assert.ok(r.ok, `${f}: ${r.ok ? '' : r.reason}`);
    assert.equal(r.text, text, `${f} is not canonical`);
  }
});

test('formatter keeps comments in place: own-line, trailing, inside expressions', () => {
  const src = 'kernel k(y: mut f32[]) {\n  // first\n  y[0] = 1.0 + /* inline */ 2.0;   // after\n\n\n\n  // second\n  y[1] = 3.0 *\n    // explain\n    4.0;\n}\n';
  const r = formatKern('c.kern', src);
  assert.ok(r.ok);
  assert.equal(r.text, 'kernel k(y: mut f32[]) {\n  // first\n  y[0] = 1.0 + /* inline */ 2.0;   // after\n\n  // second\n  y[1] = 3.0 *\n  // explain\n    4.0;\n}\n');
  const again = formatKern('c.kern', r.text);
  assert.ok(again.ok);
  assert.equal(again.text, r.text);
});

test('formatter refuses a file with syntax errors rather than lose text', () => {
  const r = formatKern('bad.kern', 'kernel k(y: mut f32[] {\n  y[0] = ;\n}\n');
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.reason, /syntax error/);
  assert.deepEqual(formatEdits('bad.kern', 'kernel k(y: mut f32[] {\n  y[0] = ;\n}\n'), []);
});

test('formatEdits returns minimal line edits that turn the text into the canonical one', () => {
  const edits = formatEdits('ugly.kern', UGLY);
  assert.ok(edits.length > 1);
  let text = UGLY;
  // Apply from the bottom so earlier ranges stay valid.
  for (const e of [...edits].sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character)) {
    text = applyEdit(text, e.range, e.newText);
  }
  assert.equal(text, CANONICAL);
  assert.deepEqual(formatEdits('ok.kern', CANONICAL), []);
});

test('range formatting only touches lines in the range', () => {
  const src = 'const A: u32=1;\nconst B: u32=2;\nconst C: u32=3;\n';
  const edits = formatEdits('r.kern', src, { start: { line: 1, character: 0 }, end: { line: 1, character: 5 } });
  assert.deepEqual(edits, [{ range: { start: { line: 1, character: 0 }, end: { line: 2, character: 0 } }, newText: 'const B: u32 = 2;\n' }]);
});

test('diffLines finds insertions, deletions and changes', () => {
  assert.deepEqual(diffLines(['a', 'b', 'c'], ['a', 'x', 'c']), [{ from: 1, to: 2, lines: ['x'] }]);
  assert.deepEqual(diffLines(['a', 'c'], ['a', 'b', 'c']), [{ from: 1, to: 1, lines: ['b'] }]);
  assert.deepEqual(diffLines(['a', 'b', 'c', ''], ['a', 'c', '']), [{ from: 1, to: 2, lines: [] }]);
});
