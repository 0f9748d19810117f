// Tests for the Kern parser: the AST shape and spans of every construct, operator precedence, error recovery
// (N independent errors give exactly N diagnostics at exact positions), depth limits, and the examples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Block, Expr, Item, Span, Stmt, TypeNode } from '../../kernels/lang/ast';
import { parse } from '../../kernels/lang/parser';
import { lineColumn } from '../../kernels/lang/source';

const EXAMPLES = join(__dirname, '..', '..', 'kernels', 'examples');

/** A compact, readable form of an expression: `(+ a (* b c))`, `f(x, seed=1)`, `(index x i)`. */
function sx(e: Expr): string {
  switch (e.kind) {
    case 'IntLit':
      return `${e.value}`;
    case 'FloatLit':
      return `${e.value}f`;
    case 'BoolLit':
      return `${e.value}`;
    case 'Name':
      return e.name;
    case 'Binary':
      return `(${e.op} ${sx(e.left)} ${sx(e.right)})`;
    case 'Unary':
      return `(${e.op} ${sx(e.operand)})`;
    case 'Call':
      return `${e.callee.name}(${e.args.map((a) => (a.name ? `${a.name.name}=` : '') + sx(a.value)).join(', ')})`;
    case 'Index':
      return `(index ${sx(e.base)} ${sx(e.index)})`;
    case 'Member':
      return `${sx(e.base)}.${e.member.name}`;
    case 'ArrayLit':
      return `[${e.elements.map(sx).join(', ')}]`;
    case 'StringLit':
      return JSON.stringify(e.value);
    case 'ErrorExpr':
      return '<error>';
  }
}

function ty(t: TypeNode | null): string {
  if (!t) return '_';
  switch (t.kind) {
    case 'ScalarType':
      return t.name;
    case 'BufferType':
      return `${t.mutable ? 'mut ' : ''}${t.elem.name}[]`;
    case 'ArrayType':
      return `${t.elem.name}[${sx(t.size)}]`;
  }
}

function st(s: Stmt): string {
  switch (s.kind) {
    case 'Block':
      return `{ ${s.stmts.map(st).join(' ')} }`;
    case 'Let':
      return `${s.mutable ? 'var' : 'let'} ${s.name.name}: ${ty(s.type)} = ${s.init ? sx(s.init) : '_'};`;
    case 'Shared':
      return `shared ${s.name.name}: ${ty(s.type)};`;
    case 'Assign':
      return `${sx(s.target)} ${s.op} ${sx(s.value)};`;
    case 'If':
      return `if ${sx(s.cond)} ${st(s.then)}${s.else ? ` else ${st(s.else)}` : ''}`;
    case 'For':
      return `for ${s.variable.name} in ${sx(s.from)}..${sx(s.to)}${s.step ? ` step ${sx(s.step)}` : ''} ${st(s.body)}`;
    case 'While':
      return `while ${sx(s.cond)} ${st(s.body)}`;
    case 'Break':
      return 'break;';
    case 'Continue':
      return 'continue;';
    case 'Return':
      return s.value ? `return ${sx(s.value)};` : 'return;';
    case 'ExprStmt':
      return `${sx(s.expr)};`;
    case 'Launch':
      return `launch ${s.kernel.name}[${sx(s.grid)}, ${sx(s.block)}](${s.args.map((a) => (a.name ? `${a.name.name}=` : '') + sx(a.value)).join(', ')});`;
    case 'Read':
      return `read ${s.buffer.name};`;
    case 'Expect':
      return `expect ${s.buffer.name}[${s.index.name}] ${s.op} ${sx(s.value)}${s.tolerance ? ` within ${sx(s.tolerance)}` : ''};`;
    case 'Repeat':
      return `repeat ${sx(s.count)} ${st(s.body)}`;
    case 'ErrorStmt':
      return '<error stmt>';
  }
}

function parseExpr(text: string): Expr {
  const src = `const X = ${text};`;
  const r = parse('t.kern', src);
  assert.deepEqual(r.diagnostics, [], text);
  const item = r.file.items[0]!;
  assert.equal(item.kind, 'Const');
  return item.kind === 'Const' ? item.value : { kind: 'ErrorExpr', span: { start: 0, end: 0 } };
}

/** The statements of `kernel k() { body }`, which must parse cleanly. */
function parseBody(body: string): Stmt[] {
  const r = parse('t.kern', `kernel k() {\n${body}\n}`);
  assert.deepEqual(r.diagnostics.map((d) => d.message), [], body);
  const item = r.file.items[0]!;
  return item.kind === 'Kernel' ? item.body.stmts : [];
}

/** Diagnostics as `line:col CODE message` (1-based), the way a user reads them. */
function diags(text: string): string[] {
  return parse('t.kern', text).diagnostics.map((d) => {
    const { line, column } = lineColumn(text, d.span.start);
    return `${line}:${column} ${d.code} ${d.message}`;
  });
}

function slice(text: string, span: Span): string {
  return text.slice(span.start, span.end);
}

test('precedence follows the table, loosest first, all left-associative', () => {
  assert.equal(sx(parseExpr('a || b && c')), '(|| a (&& b c))');
  assert.equal(sx(parseExpr('a && b == c')), '(&& a (== b c))');
  assert.equal(sx(parseExpr('a == b < c')), '(== a (< b c))');
  assert.equal(sx(parseExpr('a < b | c')), '(< a (| b c))');
  assert.equal(sx(parseExpr('a | b ^ c')), '(| a (^ b c))');
  assert.equal(sx(parseExpr('a ^ b & c')), '(^ a (& b c))');
  assert.equal(sx(parseExpr('a & b << c')), '(& a (<< b c))');
  assert.equal(sx(parseExpr('a << b + c')), '(<< a (+ b c))');
  assert.equal(sx(parseExpr('a + b * c')), '(+ a (* b c))');
  assert.equal(sx(parseExpr('a * -b')), '(* a (- b))');
  assert.equal(sx(parseExpr('-a * b')), '(* (- a) b)');
  assert.equal(sx(parseExpr('a - b - c')), '(- (- a b) c)');
  assert.equal(sx(parseExpr('a / b % c * d')), '(* (% (/ a b) c) d)');
  assert.equal(sx(parseExpr('a != b != c')), '(!= (!= a b) c)');
  assert.equal(sx(parseExpr('a >= b || c <= d && !e')), '(|| (>= a b) (&& (<= c d) (! e)))');
  assert.equal(sx(parseExpr('(a + b) * c')), '(* (+ a b) c)');
  assert.equal(sx(parseExpr('~a >> 2')), '(>> (~ a) 2)');
  assert.equal(sx(parseExpr('- - !x')), '(- (- (! x)))');
});

test('postfix binds tighter than unary: calls, indexing, members', () => {
  assert.equal(sx(parseExpr('-x[i]')), '(- (index x i))');
  assert.equal(sx(parseExpr('block.x * block_dim.x + thread.x')), '(+ (* block.x block_dim.x) thread.x)');
  assert.equal(sx(parseExpr('f(a, g(b))[2]')), '(index f(a, g(b)) 2)');
  assert.equal(sx(parseExpr('x[y[i] + 1]')), '(index x (+ (index y i) 1))');
  assert.equal(sx(parseExpr('ceil_div(n, BLOCK)')), 'ceil_div(n, BLOCK)');
  assert.equal(sx(parseExpr('barrier()')), 'barrier()');
});

test('literals keep exact values and text', () => {
  const e = parseExpr('0xFFFF_FFFF + 1_000 + 1e-5 + .5 + true');
  assert.equal(sx(e), '(+ (+ (+ (+ 4294967295 1000) 0.00001f) 0.5f) true)');
  const big = parseExpr('99999999999999999999');
  assert.equal(big.kind === 'IntLit' && big.value, 99999999999999999999n);
  assert.equal(big.kind === 'IntLit' && big.text, '99999999999999999999');
});

test('named arguments, buffer(…) calls and array literals', () => {
  assert.equal(sx(parseExpr('buffer(f32, n, random(-1.0, 1.0, seed = 1))')), 'buffer(f32, n, random((- 1f), 1f, seed=1))');
  assert.equal(sx(parseExpr('buffer(f32, n, placement = host)')), 'buffer(f32, n, placement=host)');
  assert.equal(sx(parseExpr('[x, y, 4]')), '[x, y, 4]');
  assert.equal(sx(parseExpr('f(a,)')), 'f(a)');
  assert.equal(sx(parseExpr('buffer(u8, n, file("data/weights.bin"))')), 'buffer(u8, n, file("data/weights.bin"))');
  const text = 'const X = random(0.0, 1.0, seed = 42);';
  const value = (parse('t.kern', text).file.items[0] as { value: Expr }).value;
  assert.equal(value.kind, 'Call');
  if (value.kind === 'Call') {
    assert.equal(slice(text, value.span), 'random(0.0, 1.0, seed = 42)');
    assert.equal(slice(text, value.argsSpan), '(0.0, 1.0, seed = 42)');
    assert.equal(slice(text, value.callee.span), 'random');
    assert.equal(slice(text, value.args[2]!.span), 'seed = 42');
    assert.equal(slice(text, value.args[2]!.name!.span), 'seed');
  }
});

test('expression spans cover exactly their source text, parentheses included', () => {
  const text = 'const X = (a + b) * c[i].y - -d;';
  const e = (parse('t.kern', text).file.items[0] as { value: Expr }).value;
  assert.equal(slice(text, e.span), '(a + b) * c[i].y - -d');
  assert.equal(e.kind, 'Binary');
  if (e.kind !== 'Binary') return;
  assert.equal(slice(text, e.opSpan), '-');
  assert.equal(slice(text, e.right.span), '-d');
  const mul = e.left;
  assert.equal(slice(text, mul.span), '(a + b) * c[i].y');
  if (mul.kind !== 'Binary') return assert.fail('expected a product');
  assert.equal(slice(text, mul.left.span), 'a + b');
  assert.equal(slice(text, mul.right.span), 'c[i].y');
  if (mul.right.kind !== 'Member') return assert.fail('expected a member');
  assert.equal(slice(text, mul.right.base.span), 'c[i]');
  assert.equal(slice(text, mul.right.member.span), 'y');
});

test('let, var, shared, assignment and every compound assignment', () => {
  const stmts = parseBody(`
    let i = block.x * block_dim.x + thread.x;
    var acc: f32 = 0.0;
    var count: u32;
    shared tile: f16[256];
    shared both: f32[TILE * 2];
    acc = 1.0;
    y[i] = a * x[i] + y[i];
    v += 1; v -= 1; v *= 2; v /= 2; v %= 3; v &= 4; v |= 5; v ^= 6; v <<= 7; v >>= 8;`);
  assert.deepEqual(stmts.map(st), [
    'let i: _ = (+ (* block.x block_dim.x) thread.x);',
    'var acc: f32 = 0f;',
    'var count: u32 = _;',
    'shared tile: f16[256];',
    'shared both: f32[(* TILE 2)];',
    'acc = 1f;',
    '(index y i) = (+ (* a (index x i)) (index y i));',
    'v += 1;', 'v -= 1;', 'v *= 2;', 'v /= 2;', 'v %= 3;', 'v &= 4;', 'v |= 5;', 'v ^= 6;', 'v <<= 7;', 'v >>= 8;',
  ]);
});

test('if / else if / else, for with and without step, while, break, continue, return', () => {
  const stmts = parseBody(`
    if i < n { y[i] = 1.0; }
    if a { f(); } else if b { g(); } else if c { h(); } else { k(); }
    if (i < n) { return; }
    for t in 0..ceil_div(k, TILE) { barrier(); }
    for j in thread.x..cols step BLOCK { continue; }
    while true { break; }
    { let inner = 1; }
    return x + 1;`);
  assert.deepEqual(stmts.map(st), [
    'if (< i n) { (index y i) = 1f; }',
    'if a { f(); } else if b { g(); } else if c { h(); } else { k(); }',
    'if (< i n) { return; }',
    'for t in 0..ceil_div(k, TILE) { barrier(); }',
    'for j in thread.x..cols step BLOCK { continue; }',
    'while true { break; }',
    '{ let inner: _ = 1; }',
    'return (+ x 1);',
  ]);
});

test('statement spans run from the first token through the semicolon or brace', () => {
  const text = 'kernel k() {\n  if a { f(); } else if b { g(); } else { h(); }\n  let x = 1;\n}';
  const item = parse('t.kern', text).file.items[0]!;
  if (item.kind !== 'Kernel') return assert.fail('expected a kernel');
  const [ifStmt, letStmt] = item.body.stmts;
  assert.equal(slice(text, ifStmt!.span), 'if a { f(); } else if b { g(); } else { h(); }');
  if (ifStmt!.kind !== 'If') return assert.fail('expected if');
  assert.equal(slice(text, ifStmt.then.span), '{ f(); }');
  assert.equal(slice(text, ifStmt.else!.span), 'if b { g(); } else { h(); }');
  assert.equal(slice(text, letStmt!.span), 'let x = 1;');
  assert.equal(slice(text, item.body.span), text.slice(text.indexOf('{')));
  assert.equal(slice(text, item.span), text);
});

test('host statements: launch, read, expect, repeat (accepted in any block)', () => {
  const stmts = parseBody(`
    let x = buffer(f32, n, random(-1.0, 1.0, seed = 1));
    launch saxpy[ceil_div(n, BLOCK), BLOCK](n, 2.0, x, y);
    launch matmul[[gx, gy], [16, 16]](a, b);
    launch empty[1, 32]();
    read y;
    expect y[i] ~= 2.0 * x[i] + 1.0 within 1e-6;
    expect counts[j] == 256;
    repeat 10 { launch saxpy[g, b](n, 2.0, x, y); }`);
  assert.deepEqual(stmts.map(st), [
    'let x: _ = buffer(f32, n, random((- 1f), 1f, seed=1));',
    'launch saxpy[ceil_div(n, BLOCK), BLOCK](n, 2f, x, y);',
    'launch matmul[[gx, gy], [16, 16]](a, b);',
    'launch empty[1, 32]();',
    'read y;',
    'expect y[i] ~= (+ (* 2f (index x i)) 1f) within 0.000001f;',
    'expect counts[j] == 256;',
    'repeat 10 { launch saxpy[g, b](n, 2f, x, y); }',
  ]);
  const text = 'run r {\n  launch k[1, 32](a, b);\n  expect y[i] == 1.0 within 0.0;\n}';
  const run = parse('t.kern', text).file.items[0]!;
  if (run.kind !== 'Run') return assert.fail('expected a run block');
  const [launch, expect] = run.body.stmts;
  if (launch!.kind !== 'Launch' || expect!.kind !== 'Expect') return assert.fail('expected launch and expect');
  assert.equal(slice(text, launch.span), 'launch k[1, 32](a, b);');
  assert.equal(slice(text, launch.argsSpan), '(a, b)');
  assert.equal(slice(text, launch.kernel.span), 'k');
  assert.equal(slice(text, expect.buffer.span), 'y');
  assert.equal(slice(text, expect.index.span), 'i');
  assert.equal(slice(text, expect.tolerance!.span), '0.0');
});

test('items: import, const, fn, kernel, run, with parameter types of every kind', () => {
  const text = [
    'import "lib/common.kern";',
    'const BLOCK: u32 = 256;',
    'const HALF = BLOCK / 2;',
    'fn lerp(a: f32, b: f32, t: f32) -> f32 { return a + t * (b - a); }',
    'fn nothing() { }',
    'kernel saxpy(n: u32, a: f32, x: f32[], y: mut f32[]) { }',
    'run saxpy_16m { read y; }',
  ].join('\n');
  const r = parse('t.kern', text);
  assert.deepEqual(r.diagnostics, []);
  const items = r.file.items;
  const describe = (item: Item): string => {
    switch (item.kind) {
      case 'Import':
        return `import ${item.path} @${slice(text, item.pathSpan)}`;
      case 'Const':
        return `const ${item.name.name}: ${ty(item.type)} = ${sx(item.value)}`;
      case 'Fn':
        return `fn ${item.name.name}(${item.params.map((p) => `${p.name.name}: ${ty(p.type)}`).join(', ')}) -> ${ty(item.returnType)} ${st(item.body)}`;
      case 'Kernel':
        return `kernel ${item.name.name}(${item.params.map((p) => `${p.name.name}: ${ty(p.type)}`).join(', ')}) ${st(item.body)}`;
      case 'Run':
        return `run ${item.name.name} ${st(item.body)}`;
    }
  };
  assert.deepEqual(items.map(describe), [
    'import lib/common.kern @"lib/common.kern"',
    'const BLOCK: u32 = 256',
    'const HALF: _ = (/ BLOCK 2)',
    'fn lerp(a: f32, b: f32, t: f32) -> f32 { return (+ a (* t (- b a))); }',
    'fn nothing() -> _ {  }',
    'kernel saxpy(n: u32, a: f32, x: f32[], y: mut f32[]) {  }',
    'run saxpy_16m { read y; }',
  ]);
  const kernel = items[5]!;
  if (kernel.kind !== 'Kernel') return assert.fail('expected a kernel');
  assert.equal(slice(text, kernel.params[3]!.span), 'y: mut f32[]');
  assert.equal(slice(text, kernel.params[3]!.type.span), 'mut f32[]');
  assert.equal(slice(text, items[0]!.span), 'import "lib/common.kern";');
  assert.deepEqual(r.file.span, { start: 0, end: text.length });
});

test('comments are kept on the source file', () => {
  const text = '// header\nconst A = 1; /* note */';
  const r = parse('t.kern', text);
  assert.deepEqual(r.file.comments.map((c) => slice(text, c)), ['// header', '/* note */']);
});

test('conditions need no parentheses', () => {
  assert.deepEqual(parseBody('if i < n { x = 1; } while i < n { i += 1; }').map(st), [
    'if (< i n) { x = 1; }',
    'while (< i n) { i += 1; }',
  ]);
});

test('a missing semicolon is inserted just after the previous token', () => {
  const text = 'kernel k() {\n  let a = 1\n  let b = 2;\n}';
  assert.deepEqual(diags(text), ["2:12 K1006 expected ';' after statement, found 'let'"]);
  const kernel = parse('t.kern', text).file.items[0]!;
  assert.equal(kernel.kind === 'Kernel' && kernel.body.stmts.map(st).join(' '), 'let a: _ = 1; let b: _ = 2;');
});

test('a file with several independent errors reports each once, at its exact position', () => {
  const text = [
    'kernel k(n: u32, x: f32[]) {', //                    1
    '  let a = 1', //                                     2: missing ;
    '  let b = (a + 2;', //                               3: missing )
    '  foo(a b);', //                                     4: missing ,
    '  x[0] = ;', //                                      5: missing expression
    '  let c = 3', //                                     6: missing ; before }
    '}',
    'kernel k2() {', //                                   8
    '  n + 1;', //                                        9: not a call
    '  f(x) = 3;', //                                     10: bad assignment target
    '  let step = 2;', //                                 11: keyword as name
    '  while x = 1 { }', //                               12: = instead of ==
    '}',
    'oops', //                                            14: not an item
    'run r {',
    '  launch k[1 32](n);', //                            16: missing , in launch sizes
    '  expect y[0] == 1.0;', //                           17: index must be a name
    '}',
  ].join('\n');
  assert.deepEqual(diags(text), [
    "2:12 K1006 expected ';' after statement, found 'let'",
    "3:17 K1007 expected ')' to close '(', found ';'",
    "4:8 K1005 expected ',' between arguments, found 'b'",
    "5:10 K1008 expected an expression, found ';'",
    "6:12 K1006 expected ';' after statement, found '}'",
    "9:3 K1013 only a call can stand alone as a statement; the value of this '+' expression would be thrown away",
    '10:3 K1012 cannot assign to this expression: only a variable or a buffer element can be assigned',
    "11:7 K1011 'step' is a reserved keyword and cannot be used as a name",
    "12:11 K1005 expected '{' after the while condition (use '==' to compare), found '='",
    "14:1 K1010 expected an item (import, const, fn, kernel or run), found 'oops'",
    "16:13 K1005 expected ',' and the block size after the grid size, found '32'",
    "17:12 K1005 expected an index name such as 'i' (expect checks every element), found '0'",
  ]);
});

test('recovery keeps the rest of the file: items after errors are all parsed', () => {
  const text = 'kernel a() {\n  let = 1;\n}\nkernel b() { x = ; }\nconst C = 1;\nrun r { read y; }';
  const r = parse('t.kern', text);
  assert.deepEqual(r.file.items.map((i) => `${i.kind}`), ['Kernel', 'Kernel', 'Const', 'Run']);
  assert.deepEqual(diags(text), [
    "2:7 K1005 expected a name after 'let', found '='",
    "4:18 K1008 expected an expression, found ';'",
  ]);
});

test('a missing closing brace is reported where the block must end, pointing at its opening', () => {
  const text = 'kernel a() {\n  let x = 1;\n\nkernel b() { }';
  assert.deepEqual(diags(text), ["2:13 K1007 expected '}' to close the body of kernel 'a', found 'kernel'"]);
  const d = parse('t.kern', text).diagnostics[0]!;
  assert.equal(d.related?.[0]?.message, "the body of kernel 'a' opened here");
  assert.deepEqual(d.related?.[0]?.span, { start: 11, end: 12 });
  assert.deepEqual(parse('t.kern', text).file.items.map((i) => i.kind), ['Kernel', 'Kernel']);
  assert.deepEqual(diags('run r {\n  read y;'), ["2:10 K1007 expected '}' to close run block 'r', found end of file"]);
});

test('a missing opening brace is assumed, so the matching close brace still fits', () => {
  const text = 'kernel k(n: u32) {\n  if n > 1\n    f();\n  }\n  g();\n}';
  assert.deepEqual(diags(text), ["3:5 K1005 expected '{' to start the 'if' block, found 'f'"]);
  const kernel = parse('t.kern', text).file.items[0]!;
  assert.equal(kernel.kind === 'Kernel' && kernel.body.stmts.map(st).join(' '), 'if (> n 1) { f(); } g();');
});

test('types: mut only on buffers, missing types', () => {
  assert.deepEqual(diags('kernel k(n: mut u32) { }'), ["1:13 K1015 'mut' applies only to buffer types: write 'mut u32[]'"]);
  assert.deepEqual(diags('kernel k(n: , m: u32) { }'), ["1:13 K1009 expected a type such as 'f32', 'f32[]' or 'mut f32[]', found ','"]);
  assert.deepEqual(diags('kernel k(n u32) { }'), ["1:12 K1005 expected ':' and a type after parameter 'n', found 'u32'"]);
  const kernel = parse('t.kern', 'kernel k(n u32, x: f32[]) { }').file.items[0]!;
  assert.equal(kernel.kind === 'Kernel' && kernel.params.map((p) => `${p.name.name}: ${ty(p.type)}`).join(', '), 'n: u32, x: f32[]');
});

test('const inside a block is reported and read as let', () => {
  const text = 'kernel k() {\n  const N: u32 = 4;\n  f(N);\n}';
  assert.deepEqual(diags(text), ["2:3 K1016 'const' is only allowed at the top level of a file; use 'let' inside a block"]);
  const kernel = parse('t.kern', text).file.items[0]!;
  assert.equal(kernel.kind === 'Kernel' && kernel.body.stmts.map(st).join(' '), 'let N: u32 = 4; f(N);');
});

test('calls only on names; statements that are not statements', () => {
  assert.deepEqual(diags('kernel k() {\n  x[0](1);\n}'), ['2:3 K1017 only a function or built-in name can be called, not this buffer element']);
  assert.deepEqual(diags('kernel k() {\n  else { }\n}'), ["2:3 K1018 expected a statement, found 'else'"]);
  assert.deepEqual(diags('kernel k() {\n  x == 1;\n}'), ["2:3 K1013 only a call can stand alone as a statement; the value of this '==' comparison would be thrown away"]);
  assert.deepEqual(diags('kernel k() {\n  thread.x = 1;\n}'), ['2:3 K1012 cannot assign to this expression: only a variable or a buffer element can be assigned']);
});

test('a syntax error next to a lexical error is not reported twice', () => {
  assert.deepEqual(diags('kernel k() {\n  let z = 1 @ 2;\n}'), ["2:13 K1001 unexpected character '@'"]);
  assert.deepEqual(diags('kernel k() { /* never closed'), ["1:14 K1002 unterminated block comment: '/*' has no matching '*/'"]);
  assert.deepEqual(diags('const X = 0x;'), ["1:11 K1004 invalid number '0x': expected hexadecimal digits after '0x'"]);
});

const TOO_DEEP = 'nesting too deep: more than 256 levels of brackets, blocks or operators (split long expressions with `let`)';

test('deep nesting gives one diagnostic instead of a stack overflow', () => {
  const open = '('.repeat(10000);
  assert.deepEqual(diags(`const X = ${open}1${')'.repeat(10000)};`), [`1:267 K1014 ${TOO_DEEP}`]);
  const unclosed = diags(`const X = ${open}1;`);
  assert.equal(unclosed.length, 1);
  assert.match(unclosed[0]!, /K1014/);
  const blocks = diags(`kernel k() ${'{'.repeat(10000)}${'}'.repeat(10000)}`);
  assert.equal(blocks.length, 1);
  assert.match(blocks[0]!, /K1014/);
  assert.deepEqual(diags(`const X = ${open}`).length, 1);
  // Operator chains, prefix-operator runs and else-if links nest the tree too: one K1014 where the limit is
  // crossed, never a stack overflow in a later pass.
  assert.deepEqual(diags(`const X = ${'-'.repeat(10000)}1;`), [`1:9755 K1014 ${TOO_DEEP}`]);
  assert.deepEqual(diags(`const X = ${'-'.repeat(255)}1;`), []);
  const chain = Array.from({ length: 3000 }, (_, i) => `if a == ${i} { f(); }`).join(' else ');
  const chained = diags(`kernel k() { ${chain} }`);
  assert.equal(chained.length, 1);
  assert.match(chained[0]!, /K1014/);
  const sum = (n: number) => `const X = ${Array.from({ length: n }, (_, i) => `${i}`).join(' + ')};`;
  assert.deepEqual(diags(sum(10000)), [`1:${sum(10000).indexOf(' 256 +') + 2} K1014 ${TOO_DEEP}`]);
  assert.deepEqual(diags(sum(256)), []);
});

test('every example parses with zero diagnostics', () => {
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.kern'));
  assert.ok(files.length >= 10, `only ${files.length} examples`);
  for (const name of files) {
    const text = readFileSync(join(EXAMPLES, name), 'utf8');
    const r = parse(name, text);
    assert.deepEqual(r.diagnostics.map((d) => `${name}: ${d.message}`), [], name);
    assert.ok(r.file.items.some((i) => i.kind === 'Run'), `${name} has no run block`);
  }
});

test('the saxpy example parses to the expected tree', () => {
  const text = readFileSync(join(EXAMPLES, 'saxpy.kern'), 'utf8');
  const items = parse('saxpy.kern', text).file.items;
  assert.deepEqual(items.map((i) => `${i.kind} ${'name' in i ? i.name.name : ''}`), ['Const BLOCK', 'Kernel saxpy', 'Run saxpy_16m', 'Run saxpy_resident']);
  const body = (b: Block): string[] => b.stmts.map(st);
  const kernel = items[1]!;
  if (kernel.kind !== 'Kernel') return assert.fail('expected a kernel');
  assert.deepEqual(body(kernel.body), [
    'let i: _ = (+ (* block.x block_dim.x) thread.x);',
    'if (< i n) { (index y i) = (+ (* a (index x i)) (index y i)); }',
  ]);
  const run = items[2]!;
  if (run.kind !== 'Run') return assert.fail('expected a run block');
  assert.deepEqual(body(run.body), [
    'let n: _ = (<< 1 24);',
    'let x: _ = buffer(f32, n, random((- 1f), 1f, seed=1));',
    'let y: _ = buffer(f32, n, fill(1f));',
    'launch saxpy[ceil_div(n, BLOCK), BLOCK](n, 2f, x, y);',
    'read y;',
    'expect y[i] ~= (+ (* 2f (index x i)) 1f) within 0.000001f;',
  ]);
});

test('habits from other languages get one clear diagnostic each', () => {
  assert.deepEqual(diags('kernel k(n: u32) {\n  for i = 0; i < n; i++ {\n    f();\n  }\n}'), [
    "2:9 K1005 expected 'in' after the loop variable 'i' (Kern loops read 'for i in a..b'), found '='",
  ]);
  assert.deepEqual(diags('kernel k(n: u32) {\n  x++;\n  g(a--);\n}'), [
    "2:4 K1005 expected '+= 1' (Kern has no '++' operator), found '++'",
    "3:6 K1005 expected '-= 1' (Kern has no '--' operator), found '--'",
  ]);
  assert.deepEqual(diags('fn f(a: f32): f32 { return a; }'), ["1:13 K1005 expected '->' before the return type, found ':'"]);
  assert.deepEqual(diags('kernel k(n: u32) {\n  while (n < 3) do {\n  }\n}'), ["2:17 K1005 expected '{' to start the 'while' loop body, found 'do'"]);
  assert.deepEqual(diags('kernel k() -> f32 { }'), ["1:12 K1005 expected '{' to start the body of kernel 'k', found '->'"]);
  assert.deepEqual(diags('kernel k(n: u32) {\n  if n < 1 { f(); } else g();\n}'), ["2:26 K1005 expected '{' to start the 'else' block, found 'g'"]);
  const braceless = parse('t.kern', 'kernel k(n: u32) {\n  if n < 1 { f(); } else g();\n  h();\n}').file.items[0]!;
  assert.equal(braceless.kind === 'Kernel' && braceless.body.stmts.map(st).join(' '), 'if (< n 1) { f(); } else { g(); } h();');
});

test('a statement after the end of an item points at the brace that ended it', () => {
  const text = 'kernel k(n: u32) {\n  f();\n  }\n  g();\n}\nkernel j() {}';
  const r = parse('t.kern', text);
  assert.deepEqual(diags(text), ["4:3 K1010 expected an item (import, const, fn, kernel or run), found 'g'"]);
  assert.deepEqual(r.diagnostics[0]!.related, [{ file: 't.kern', span: { start: 28, end: 29 }, message: "this '}' ends kernel 'k'; is an earlier '}' one too many?" }]);
  assert.deepEqual(r.file.items.map((i) => i.kind), ['Kernel', 'Kernel']);
});
