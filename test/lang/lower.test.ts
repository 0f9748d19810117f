// Lowering tests: the IR shape the backends rely on — inlined fns, hoisted effects in source order,
// short-circuits, loops that evaluate their bounds once, storage types, SourceLocs and padded launches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkProgram, type IrProgram, type IrStmt } from '../../kernels/lang/index';
import { printKernel } from '../../kernels/lang/ir-print';

function lower(src: string): IrProgram {
  const r = checkProgram('/main.kern', { readFile: (p) => (p === '/main.kern' ? src : undefined), resolveImport: (_f, s) => `/${s}` });
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors.map((d) => d.message), []);
  return r.program!;
}

test('fns are inlined into labelled blocks; returns become assign + break', () => {
  const p = lower(`fn sq(v: f32) -> f32 {\n  return v * v;\n}\nkernel k(y: mut f32[]) {\n  y[0] = sq(y[1]);\n}\n`);
  assert.equal(printKernel(p.kernels[0]!), [
    'kernel k(y: mut f32[]) @main.kern:4:8',
    '  locals v%0: f32, sq$result%1: f32',
    '  v%0 = y[1u]',
    '  block sq_0 {',
    '    sq$result%1 = (v%0 * v%0)',
    '    break sq_0',
    '  }',
    '  y[0u] = sq$result%1 @5:3',
  ].join('\n'));
});

test('effects are hoisted in source order: earlier loads are kept before a later atomic', () => {
  const p = lower('kernel k(c: mut u32[]) {\n  c[1] = c[0] + atomic_add(c[0], 1);\n}\n');
  const body = printKernel(p.kernels[0]!).split('\n').slice(2);
  assert.deepEqual(body, [
    '  $t0%0 = c[0u]',
    '  $t1%1 = atomic.add(c[0u], 1u) @2:17',
    '  c[1u] = ($t0%0 + $t1%1) @2:3',
  ]);
});

test('&& with an effect on the right becomes an if, keeping short-circuit semantics', () => {
  const p = lower('kernel k(n: u32, c: mut u32[]) {\n  if thread.x < n && atomic_add(c[0], 1) < 4 {\n    c[1] = 1;\n  }\n}\n');
  const s = p.kernels[0]!.body;
  assert.equal(s[0]!.op, 'assign');
  const guard = s[1] as Extract<IrStmt, { op: 'if' }>;
  assert.equal(guard.op, 'if');
  assert.deepEqual(guard.then.map((x) => x.op), ['atomic', 'assign']);
  assert.deepEqual(guard.else, []);
  assert.equal(s[2]!.op, 'if');
});

test('for loops evaluate start, end and step once and update after the body', () => {
  const p = lower('kernel k(n: u32, y: mut f32[]) {\n  for i in thread.x..n * 2 step block_dim.x {\n    y[i] = 1.0;\n  }\n}\n');
  const lines = printKernel(p.kernels[0]!).split('\n').slice(2);
  assert.deepEqual(lines, [
    '  i%0 = thread.x',
    '  $t1%1 = (n * 2u)',
    '  $t2%2 = block_dim.x',
    '  loop L0 while (i%0 < $t1%1) {',
    '    y[i%0] = 1.0f @3:5',
    '  } update {',
    '    i%0 = (i%0 + $t2%2)',
    '  }',
  ]);
});

test('storage types: f16 loads yield f32 and stores carry the element type', () => {
  const p = lower('kernel k(x: f16[], y: mut u8[]) {\n  y[0] = i32(x[0] * 2.0);\n}\n');
  const store = p.kernels[0]!.body[0] as Extract<IrStmt, { op: 'store' }>;
  assert.equal(store.elem, 'u8');
  assert.equal(store.value.type, 'i32');
  assert.deepEqual(store.loc, { file: '/main.kern', line: 2, column: 3 });
});

test('barriers and warp collectives are statements with ids and source locations', () => {
  const p = lower('kernel k(y: mut f32[]) {\n  barrier();\n  y[0] = warp_sum(y[lane]);\n  barrier();\n}\n');
  const k = p.kernels[0]!;
  assert.equal(k.usesBarrier, true);
  assert.equal(k.usesWarp, true);
  assert.deepEqual(k.body.filter((s) => s.op === 'barrier').map((s) => (s as { id: number }).id), [0, 1]);
  const warp = k.body.find((s) => s.op === 'warp') as Extract<IrStmt, { op: 'warp' }>;
  assert.equal(warp.kind, 'sum');
  assert.deepEqual(warp.loc, { file: '/main.kern', line: 3, column: 10 });
});

test('run blocks: consts fold, launch sizes are padded to three, scalar args carry the parameter type', () => {
  const p = lower(`const B: u32 = 64;
kernel k(n: u32, a: f32, y: mut f32[]) {\n  y[n] = a;\n}
run r {
  let n = 1000;
  let y = buffer(f32, n, fill(0.5), placement = host);
  launch k[ceil_div(n, B), [B, 2]](n, 1.5, y);
  expect y[i] == 0.5;
}
`);
  const [buf, launch, expect] = p.runs[0]!.body.slice(1);
  assert.deepEqual(buf, { op: 'buffer', name: 'y', elem: 'f32', count: { op: 'const', type: 'int', value: 1000 }, init: { kind: 'fill', value: { op: 'const', type: 'float', value: 0.5 } }, placement: 'host', loc: { file: '/main.kern', line: 7, column: 3 } });
  assert.equal(launch!.op, 'launch');
  if (launch!.op !== 'launch') return;
  assert.deepEqual(launch.grid, [{ op: 'const', type: 'int', value: 16 }, { op: 'const', type: 'int', value: 1 }, { op: 'const', type: 'int', value: 1 }]);
  assert.deepEqual(launch.block.map((d) => (d as { value: number }).value), [64, 2, 1]);
  assert.deepEqual(launch.args[0], { kind: 'scalar', type: 'u32', value: { op: 'const', type: 'int', value: 1000 } });
  assert.deepEqual(launch.args[2], { kind: 'buffer', buffer: 'y' });
  assert.equal(expect!.op, 'expect');
});
