// Checker tests: names, types, literals, consts, uniformity, run blocks and the semantic model, with exact
// codes, messages and 1-based positions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkProgram, LineMap, type CheckResult } from '../../kernels/lang/index';

function check(src: string, files: Record<string, string> = {}, limits?: Parameters<typeof checkProgram>[2]): CheckResult {
  const all: Record<string, string> = { '/main.kern': src, ...files };
  return checkProgram('/main.kern', { readFile: (p) => all[p], resolveImport: (_from, spec) => `/${spec}` }, limits);
}

/** `line:col CODE message` for every diagnostic. */
function diags(src: string, files: Record<string, string> = {}): string[] {
  const all: Record<string, string> = { '/main.kern': src, ...files };
  return check(src, files).diagnostics.map((d) => {
    const p = new LineMap(all[d.file]!).position(d.span.start);
    return `${d.file === '/main.kern' ? '' : `${d.file}:`}${p.line + 1}:${p.character + 1} ${d.code} ${d.message}`;
  });
}

const K = (body: string, params = 'y: mut f32[]'): string => `kernel k(${params}) {\n${body}\n}\n`;

test('a clean kernel and run block give no diagnostics and a program', () => {
  const r = check(`const BLOCK: u32 = 256;
kernel saxpy(n: u32, a: f32, x: f32[], y: mut f32[]) {
  let i = block.x * block_dim.x + thread.x;
  if i < n { y[i] = a * x[i] + y[i]; }
}
run r {
  let n = 1 << 20;
  let x = buffer(f32, n, random(-1.0, 1.0, seed = 1));
  let y = buffer(f32, n, fill(1.0));
  launch saxpy[ceil_div(n, BLOCK), BLOCK](n, 2.0, x, y);
  expect y[i] ~= 2.0 * x[i] + 1.0 within 1e-6;
}
`);
  assert.deepEqual(r.diagnostics, []);
  assert.ok(r.program);
  assert.equal(r.program.kernels[0]!.name, 'saxpy');
  assert.deepEqual(r.program.consts, { BLOCK: { type: 'u32', value: 256 } });
});

test('literals take the type their context needs', () => {
  assert.deepEqual(diags(K('  let a: u32 = 4_000_000_000;\n  let b = 1 << 31;\n  y[0] = f32(a) + f32(b);')), [
    '3:11 K3013 constant value 2147483648 does not fit in `i32`',
  ]);
  assert.deepEqual(diags(K('  y[0] = 1;')), ['2:10 K3005 integer literal `1` used where `f32` is expected; write `1.0`']);
  assert.deepEqual(diags(K('  y[thread.x] = 0.5 * f32(thread.x + 1);')), []);
  assert.deepEqual(diags(K('  let i: i32 = -2147483648;\n  y[0] = f32(i);')), []);
  assert.deepEqual(diags(K('  let i: u32 = -1;\n  y[0] = f32(i);')), ['2:16 K3004 literal `-1` does not fit in `u32`']);
});

test('no implicit conversions between value types', () => {
  assert.deepEqual(diags(K('  let n: i32 = 3;\n  y[0] = f32(thread.x + n);')), ['3:25 K3001 mismatched types: expected `u32`, found `i32`']);
  assert.deepEqual(diags(K('  if thread.x { y[0] = 1.0; }')), ['2:6 K3001 mismatched types: expected `bool`, found `u32`']);
});

test('untyped consts adapt to their context; typed ones do not', () => {
  assert.deepEqual(diags(`const T = 16;\n${K('  for t in 0..thread.x / T { y[t] = 1.0; }\n  let s: i32 = T * 2;\n  y[0] = f32(s);')}`), []);
  assert.deepEqual(diags(`const T: i32 = 16;\n${K('  y[thread.x / T] = 1.0;')}`), ['3:16 K3001 mismatched types: expected `u32`, found `i32`']);
});

test('consts fold ceil_div, min and max, and cycles are diagnosed once', () => {
  const r = check('const A: u32 = ceil_div(1000, 256);\nconst B: u32 = max(A, 7) * 2;\n');
  assert.deepEqual(r.semantic.symbols.filter((s) => s.kind === 'const').map((s) => [s.name, s.constValue]), [['A', 4], ['B', 14]]);
  assert.deepEqual(diags('const A: u32 = B;\nconst B: u32 = A + 1;\n'), ['1:7 K3012 const `A` depends on itself']);
});

test('constant division by zero and shifts of 32 or more are errors', () => {
  assert.deepEqual(diags(K('  var x: u32 = thread.x % 0;\n  x <<= 40;\n  y[x] = 1.0;')), [
    '2:27 K3009 division by zero',
    '3:9 K3010 shift by 40 is out of range for a 32-bit value (0..31)',
  ]);
});

test('scopes: block scoping, shadowing, use before declaration, duplicates', () => {
  assert.deepEqual(diags(K('  let a = 1.0;\n  if true { let a = 2.0; y[1] = a; }\n  y[0] = a;')), []);
  assert.deepEqual(diags(K('  if true { let b = 2.0; y[1] = b; }\n  y[0] = b;')), ['3:10 K2002 cannot find `b` in this scope']);
  assert.deepEqual(diags(K('  let a = 1.0;\n  let a = 2.0;\n  y[0] = a;')), ['3:7 K2003 `a` is already declared in this scope']);
  assert.deepEqual(diags(`kernel k(y: mut f32[]) {\n  y[0] = helper(1.0);\n}\nfn helper(v: f32) -> f32 {\n  return v;\n}\n`), []);
});

test('mutability: let, params, loop variables and read-only buffers', () => {
  assert.deepEqual(diags(K('  let a = 1.0;\n  a += 1.0;\n  n = 2;\n  x[0] = a;', 'n: u32, x: f32[]')), [
    '3:3 K3015 cannot assign to `a`: it is declared with `let` (use `var` to change it)',
    '4:3 K3015 cannot assign to `n`: it is a parameter',
    '5:3 K3016 cannot write to `x`: it is a read-only buffer (declare it `mut`)',
  ]);
});

test('recursion is diagnosed, direct and indirect', () => {
  assert.deepEqual(diags('fn f(x: f32) -> f32 {\n  return g(x);\n}\nfn g(x: f32) -> f32 {\n  return f(x);\n}\n'), [
    '5:10 K2009 recursion is not allowed: `f` → `g` → `f`',
  ]);
});

test('built-ins check their argument counts and types', () => {
  assert.deepEqual(diags(K('  y[0] = exp(1);\n  y[1] = clamp(y[0], 0.0);\n  y[2] = select(1, 1.0, 2.0);')), [
    '2:14 K3005 integer literal `1` used where `f32` is expected; write `1.0`',
    '3:15 K3014 `clamp` takes 3 arguments but 2 were given',
    '4:17 K3001 mismatched types: expected `bool`, found `i32`',
  ]);
  assert.deepEqual(diags(K('  let old = atomic_add(y[0], 1.0);\n  atomic_max(y[1], 2.0);\n  y[2] = old;')), [
    '3:14 K3027 `atomic_max` is not supported on `f32` elements',
  ]);
});

test('shared arrays: constant size, top level only, per-block limit from CheckOptions', () => {
  const src = K('  shared a: f32[4096];\n  shared b: f16[8192];\n  a[0] = 1.0;\n  b[0] = a[0];\n  y[0] = b[0];');
  assert.deepEqual(diags(src), []);
  const r = check(src, {}, { limits: { maxThreadsPerBlock: 1024, maxSharedBytesPerBlock: 16384, warpSize: 32, maxGridDim: [1, 1, 1], maxBlockDim: [1024, 1024, 64] } });
  assert.deepEqual(r.diagnostics.map((d) => d.message), ['shared memory of `k` is 32768 bytes, over the limit of 16384 bytes per block']);
  assert.equal(r.program, null);
});

test('uniformity: barriers in uniform loops pass, divergent control is diagnosed', () => {
  const ok = K(`  shared t: f32[256];
  for i in 0..n / 16 {
    t[thread.x] = y[i];
    barrier();
  }
  if thread.x < 32 {
    t[0] = warp_sum(t[thread.x]);
  }
  y[0] = t[0];`, 'n: u32, y: mut f32[]');
  assert.deepEqual(diags(ok), []);
  const bad = K(`  let i = thread.x;
  var v = 0.0;
  if i < n { v = y[i]; }
  if v > 0.0 { barrier(); }
  if lane < 8 { v = warp_max(v); }
  for j in 0..i { barrier(); y[j] = v; }
  if i >= n { return; }
  barrier();`, 'n: u32, y: mut f32[]');
  assert.deepEqual(diags(bad).map((l) => l.split(' ').slice(0, 2).join(' ')), ['5:16 K4001', '6:21 K4002', '7:19 K4001', '9:3 K4001']);
});

test('run blocks: launches are checked against kernel parameters', () => {
  const src = `kernel k(n: u32, a: f32, x: f32[], y: mut f32[]) {\n  y[n] = a * x[n];\n}
run r {
  let x = buffer(f32, 64);
  let q = buffer(u32, 64);
  launch k[1, 64](64, 2, x, q);
  launch k[1, 2048](64, 2.0, x);
  launch k[1, 48](x, 2.0, 3, x);
  launch nope[1, 32]();
  read z;
}
`;
  assert.deepEqual(diags(src), [
    '7:23 K4015 parameter `a` of `k` is `f32`; pass a float (`2.0`) or convert with `f32(…)`',
    '7:29 K4014 buffer `q` holds `u32` but parameter `y` of `k` needs `f32`',
    '8:15 K4016 block size 2048 is over the limit of 1024 threads per block',
    '8:20 K3014 `k` takes 4 arguments but 3 were given',
    '9:15 K5002 block size 48 is not a multiple of the warp size (32); the last warp runs partly idle',
    '9:19 K4013 parameter `n` of `k` is a scalar (`u32`); a buffer cannot be passed',
    '9:27 K4012 parameter `x` of `k` is a buffer (`f32[]`); pass a buffer',
    '10:10 K2012 cannot find kernel `nope`',
    '11:8 K2013 cannot find buffer `z` in this run block',
  ]);
});

test('statements in the wrong place', () => {
  assert.deepEqual(diags(`${K('  read y;\n  break;')}run r {\n  let t = thread.x;\n  if true { }\n}\n`), [
    '2:3 K4008 `read` is only allowed in a run block',
    '3:3 K4007 `break` outside of a loop',
    '6:11 K4010 `thread` is only available in kernels and fns',
    '7:3 K4009 `if` is not allowed in a run block',
  ]);
});

test('imports: items come into scope; missing files, cycles and clashes are diagnosed at the path', () => {
  const lib = 'const W: u32 = 32;\nfn twice(v: f32) -> f32 {\n  return v * 2.0;\n}\n';
  assert.deepEqual(diags(`import "lib.kern";\n${K('  y[W] = twice(1.0);')}`, { '/lib.kern': lib }), []);
  assert.deepEqual(diags('import "gone.kern";\n'), ['1:8 K2004 cannot import `gone.kern`: file not found']);
  // A cycle is reported at every import on it, so the file being checked shows it on its own import line.
  assert.deepEqual(diags('import "a.kern";\n', { '/a.kern': 'import "main.kern";\n' }), [
    '/a.kern:1:8 K2005 import cycle: main.kern → a.kern → main.kern',
    '1:8 K2005 import cycle: main.kern → a.kern → main.kern',
  ]);
  assert.deepEqual(diags('import "a.kern";\n', { '/a.kern': 'import "b.kern";\n', '/b.kern': 'import "a.kern";\n' }), [
    '/a.kern:1:8 K2005 import cycle: a.kern → b.kern → a.kern',
    '/b.kern:1:8 K2005 import cycle: a.kern → b.kern → a.kern',
    '1:8 K2014 imported file `a.kern` has 2 errors (1 in the files it imports)',
  ]);
  assert.deepEqual(diags('import "lib.kern";\nconst W: u32 = 1;\n', { '/lib.kern': lib }), ['2:7 K2006 `W` is declared in both `main.kern` and `lib.kern`']);
  const r = check(`import "lib.kern";\n${K('  y[0] = 1.0;')}`, { '/lib.kern': `${lib}kernel other(y: mut f32[]) {\n  y[0] = 2.0;\n}\n` });
  assert.deepEqual(r.program?.kernels.map((k) => k.name), ['k', 'other']);
});

test('no cascades: an unknown name is reported once', () => {
  assert.deepEqual(diags(K('  let v = missing * 2.0 + exp(missing);\n  y[0] = v + 1.0;')), [
    '2:11 K2002 cannot find `missing` in this scope',
    '2:31 K2002 cannot find `missing` in this scope',
  ]);
});

test('fns: missing return, return in kernels', () => {
  assert.deepEqual(diags('fn f(x: f32) -> f32 {\n  if x > 0.0 { return x; }\n}\nkernel k() {\n  return 1;\n}\n'), [
    '3:1 K3022 fn `f` must return a `f32` on every path',
    '5:10 K4006 a kernel returns nothing; remove the value',
  ]);
});

test('the semantic model records symbols, references and expression types', () => {
  const src = 'kernel k(n: u32, y: mut f32[]) {\n  let i = thread.x;\n  if i < n { y[i] = 1.0; }\n}\n';
  const r = check(src);
  const i = r.semantic.symbols.find((s) => s.name === 'i')!;
  assert.equal(i.kind, 'local');
  assert.equal(i.type, 'u32');
  assert.equal(i.typeWritten, false);
  assert.equal(i.container, 'k');
  assert.deepEqual(i.span, { start: src.indexOf('i ='), end: src.indexOf('i =') + 1 });
  const k = r.semantic.symbols.find((s) => s.name === 'k')!;
  assert.equal(k.type, 'kernel(n: u32, y: mut f32[])');
  const refs = r.semantic.references.filter((x) => x.symbol === i.id);
  assert.equal(refs.length, 2);
  const yWrite = r.semantic.references.find((x) => r.semantic.symbols[x.symbol]!.name === 'y');
  assert.equal(yWrite?.write, true);
  const cond = r.semantic.exprTypes.find((t) => src.slice(t.span.start, t.span.end) === 'i < n');
  assert.equal(cond?.type, 'bool');
});

test('an integer literal among floats gets K3005 with the fix, never the internal `{integer}` type', () => {
  assert.deepEqual(diags(K('  y[0] = 1.0 + 2;\n  y[1] = max(y[0], 0);\n  y[2] = min(1.0, 2);\n  y[3] = -3 * 1.5;')), [
    '2:16 K3005 integer literal `2` used where `f32` is expected; write `2.0`',
    '3:20 K3005 integer literal `0` used where `f32` is expected; write `0.0`',
    '4:19 K3005 integer literal `2` used where `f32` is expected; write `2.0`',
    '5:10 K3005 integer literal `-3` used where `f32` is expected; write `-3.0`',
  ]);
  // Integer-only operations blame the float side; a non-literal integer constant is named `i32`.
  assert.deepEqual(diags(`const N = 4;\n${K('  y[0] = f32(7 % 2.0);\n  y[1] = 1.5 + N;\n  y[2] = f32(ceil_div(7, 2.0));')}`), [
    '3:18 K3006 float literal `2.0` used where `i32` is expected',
    '4:16 K3001 mismatched types: expected `f32`, found `i32`',
    '5:26 K3006 float literal `2.0` used where `i32` is expected',
  ]);
  const all = check(K('  y[0] = 1.0 + 2 * 3;\n  y[1] = min(1.0, 2 + 1);\n  if 1 + 1 { y[2] = 1.0; }')).diagnostics.map((d) => d.message);
  assert.ok(all.length === 3 && all.every((m) => !m.includes('{integer}') && !m.includes('operator `min`')), all.join('\n'));
});

test('argument counts read as English: 1 argument, 1 was given', () => {
  assert.deepEqual(diags(`kernel k(a: u32, y: mut f32[]) {\n  y[a] = exp(1.0, 2.0);\n}\nrun r {\n  let b = buffer(f32, 4, fill(1.0, 2.0));\n  launch k[1, 32](b);\n}\n`), [
    '2:13 K3014 `exp` takes 1 argument but 2 were given',
    '5:30 K3014 `fill` takes 1 argument but 2 were given',
    '6:18 K3014 `k` takes 2 arguments but 1 was given',
  ]);
});

test('a let broken by a syntax error is not also reported as unused', () => {
  const r = check(K('  let a = 1.0 +;\n  let b = (2.0;\n  y[0] = 3.0;\n  let c = 4.0;'));
  assert.deepEqual(r.diagnostics.map((d) => d.code), ['K1008', 'K1007', 'K5001']);
  assert.match(r.diagnostics[2]!.message, /`c`/);
});

test('literals that overflow their float type are errors, on the device and on the host', () => {
  assert.deepEqual(diags(`${K('  y[0] = 1e999999;\n  y[1] = -1e39 * y[0];\n  y[2] = 3.4e38;')}run r {\n  let x = 1e999999;\n  let _s = x;\n}\n`), [
    '2:10 K3004 literal `1e999999` does not fit in `f32`',
    '3:11 K3004 literal `1e39` does not fit in `f32`',
    '7:11 K3004 literal `1e999999` does not fit in `float`',
  ]);
  assert.deepEqual(diags('kernel k(a: f32) {\n}\nrun r {\n  launch k[1, 32](1e300);\n}\n'), ['4:19 K3004 literal `1e300` does not fit in `f32`']);
});

test('host integers must stay exact (within 2^53)', () => {
  assert.deepEqual(diags('run r {\n  let n = 4294967296 * 4294967296;\n  let m = 9007199254740992 + 0;\n  let _u = n + m;\n}\n'), [
    '2:11 K3013 constant value 18446744073709551616 does not fit in `int`',
  ]);
});

test('launch sizes are checked per dimension against the device limits', () => {
  const src = 'kernel k() {\n}\nrun r {\n  launch k[1, [1, 1, 65]]();\n  launch k[[1, 65536], 32]();\n  launch k[1, [2048, 1]]();\n  launch k[1, [32, 2, 2]]();\n}\n';
  assert.deepEqual(diags(src), [
    '4:22 K4025 block dimension z is 65, over the limit of 64',
    '5:16 K4025 grid dimension y is 65536, over the limit of 65535',
    '6:15 K4016 block size 2048 is over the limit of 1024 threads per block',
  ]);
  const small = { maxThreadsPerBlock: 1024, maxSharedBytesPerBlock: 49152, warpSize: 32, maxGridDim: [100, 100, 100] as [number, number, number], maxBlockDim: [32, 32, 1] as [number, number, number] };
  const r = check(src.replace('[[1, 65536], 32]', '[200, 32]'), {}, { limits: small });
  assert.deepEqual(r.diagnostics.map((d) => `${d.code} ${d.message}`), [
    'K4025 block dimension z is 65, over the limit of 1',
    'K4025 grid dimension x is 200, over the limit of 100',
    'K4016 block size 2048 is over the limit of 1024 threads per block',
    'K4025 block dimension z is 2, over the limit of 1',
  ]);
});

test('a negative `within` tolerance is an error; a float for an integer parameter names its type', () => {
  const src = 'kernel k(n: u32, y: mut f32[]) {\n  y[n] = 1.0;\n}\nrun r {\n  let b = buffer(f32, 32);\n  launch k[1, 32](1.5, b);\n  expect b[i] ~= 1.0 within -0.5;\n  expect b[i] ~= 1.0 within 0.0;\n}\n';
  assert.deepEqual(diags(src), [
    '6:19 K3006 float literal `1.5` used where `u32` is expected',
    '7:29 K4026 `within` tolerance must not be negative, found -0.5',
  ]);
});

test('a garbage import path is one syntax error, not also a missing file', () => {
  assert.deepEqual(diags('import launch\nkernel k() {\n}\n'), ["1:8 K1005 expected a file path in quotes after 'import', found 'launch'"]);
});

test('errors in an imported file are summarised on the import line (K2014), transitively', () => {
  const files = {
    '/lib.kern': 'import "deep.kern";\nfn f() -> f32 {\n  return z;\n}\n',
    '/deep.kern': 'const D: u32 = 1.5;\n',
    '/ok.kern': 'const W: u32 = 2;\n',
  };
  assert.deepEqual(diags('import "lib.kern";\nimport "ok.kern";\nimport "deep.kern";\n', files), [
    '/deep.kern:1:16 K3006 float literal `1.5` used where `u32` is expected',
    '/lib.kern:1:8 K2014 imported file `deep.kern` has 1 error',
    '/lib.kern:3:10 K2002 cannot find `z` in this scope',
    '1:8 K2014 imported file `lib.kern` has 2 errors (1 in the files it imports)',
    '3:8 K2014 imported file `deep.kern` has 1 error',
  ]);
  const r = check('import "deep.kern";\n', files);
  assert.deepEqual(r.diagnostics.find((d) => d.code === 'K2014')?.related, [
    { file: '/deep.kern', span: { start: 15, end: 18 }, message: 'first error: float literal `1.5` used where `u32` is expected' },
  ]);
});

test('a bug in the front end becomes K9001 at the start of the main file, never an exception', () => {
  const r = checkProgram('/main.kern', {
    readFile: (p) => {
      if (p === '/main.kern') return 'import "boom.kern";\nkernel k() {\n}\n';
      throw new Error('host exploded');
    },
    resolveImport: (_from, spec) => `/${spec}`,
  });
  assert.deepEqual(r.diagnostics.map((d) => [d.code, d.severity, d.file, d.span.start, d.message]), [
    ['K9001', 'error', '/main.kern', 0, 'internal compiler error: Error: host exploded; please report it'],
  ]);
  assert.equal(r.program, null);
});
