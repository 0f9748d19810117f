// Scalar semantics of the simulator: f32 rounding at every op, u32/i32 wrapping, integer division and shifts
// as defined in docs/simulator.md, saturating float->int conversion, math built-ins and bit casts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileKernel, executeKernel } from '../../driver/sim/executor';
import { renderKernelJs } from '../../kernels/codegen/js';
import type { IrBinaryOp, IrExpr, IrMathFn, StorageType, ValueType } from '../../kernels/lang/ir';
import { KernelBuilder, bin, buf, contents, geo, math, u32, i32 } from './ir-builders';

const STORAGE: Record<ValueType, StorageType> = { f32: 'f32', i32: 'i32', u32: 'u32', bool: 'u32' };

/** out[t] = f(a[t], b[t], c[t]) over one block of as many threads as there are rows; operands come from buffers. */
function evaluate(type: ValueType, outType: ValueType, rows: number[][], f: (a: IrExpr, b: IrExpr, c: IrExpr) => IrExpr): number[] {
  const kb = new KernelBuilder('eval');
  const ins = ['a', 'b', 'c'].map((n) => kb.buffer(n, STORAGE[type], false));
  const out = kb.buffer('out', STORAGE[outType]);
  const t = geo('thread.x');
  const kernel = kb.build([out.store(t, f(ins[0]!.load(t), ins[1]!.load(t), ins[2]!.load(t)))]);
  const cols = [0, 1, 2].map((k) => rows.map((r) => r[k] ?? 0));
  const outArg = buf('out', STORAGE[outType], rows.length);
  executeKernel(compileKernel(kernel), [1, 1, 1], [rows.length, 1, 1], [...cols.map((c, k) => buf('abc'[k]!, STORAGE[type], c)), outArg]);
  return contents(outArg);
}

const binary = (type: ValueType, kind: IrBinaryOp, rows: number[][]) => evaluate(type, type, rows, (a, b) => bin(kind, a, b));

test('u32 and i32 arithmetic wraps', () => {
  assert.deepEqual(binary('u32', '+', [[4294967295, 2], [1, 1]]), [1, 2]);
  assert.deepEqual(binary('u32', '-', [[1, 2], [5, 3]]), [4294967295, 2]);
  assert.deepEqual(binary('u32', '*', [[65536, 65536], [4294967295, 4294967295], [123456789, 987654321]]), [0, 1, Number(123456789n * 987654321n % 2n ** 32n)]);
  assert.deepEqual(binary('i32', '+', [[2147483647, 1], [-5, 3]]), [-2147483648, -2]);
  assert.deepEqual(binary('i32', '*', [[-2147483648, -1], [46341, 46341]]), [-2147483648, -2147479015]);
});

test('integer division truncates, % takes the sign of the dividend, and division by zero is all ones / x', () => {
  assert.deepEqual(binary('i32', '/', [[7, 2], [-7, 2], [7, -2], [-2147483648, -1], [5, 0], [-5, 0]]), [3, -3, -3, -2147483648, -1, -1]);
  assert.deepEqual(binary('i32', '%', [[7, 2], [-7, 2], [7, -2], [-2147483648, -1], [5, 0]]), [1, -1, 1, 0, 5]);
  assert.deepEqual(binary('u32', '/', [[4294967295, 2], [7, 0]]), [2147483647, 4294967295]);
  assert.deepEqual(binary('u32', '%', [[4294967295, 10], [7, 0]]), [5, 7]);
});

test('shifts clamp their amount as PTX does', () => {
  assert.deepEqual(binary('u32', '<<', [[1, 31], [1, 32], [1, 100], [3, 1]]), [2147483648, 0, 0, 6]);
  assert.deepEqual(binary('u32', '>>', [[4294967295, 31], [4294967295, 32], [8, 1]]), [1, 0, 4]);
  assert.deepEqual(binary('i32', '>>', [[-8, 1], [-8, 40], [8, 40], [-8, -1]]), [-4, -1, 0, -1]);
  assert.deepEqual(binary('i32', '<<', [[1, 31], [1, 32], [1, -1]]), [-2147483648, 0, 0]);
});

test('f32 arithmetic rounds at every operation', () => {
  // 16777216 + 1 is not representable in f32: rounds back to 16777216.
  assert.deepEqual(binary('f32', '+', [[16777216, 1], [0.1, 0.2]]), [16777216, Math.fround(Math.fround(0.1) + Math.fround(0.2))]);
  assert.deepEqual(binary('f32', '/', [[1, 3], [1, 0], [-1, 0], [0, 0]]), [Math.fround(1 / 3), Infinity, -Infinity, NaN]);
  assert.deepEqual(binary('f32', '%', [[5.5, 2], [-5.5, 2]]), [1.5, -1.5]);
  // (a * b) + c in two roundings differs from one fma rounding here.
  const a = 1 + 2 ** -12;
  const twoStep = evaluate('f32', 'f32', [[a, a, -1]], (x, y, z) => bin('+', bin('*', x, y), z));
  const fused = evaluate('f32', 'f32', [[a, a, -1]], (x, y, z) => math('fma', x, y, z));
  assert.deepEqual(twoStep, [Math.fround(Math.fround(a * a) - 1)]);
  assert.deepEqual(fused, [Math.fround(a * a - 1)]);
  assert.notEqual(twoStep[0], fused[0]);
});

test('float -> int conversion truncates and saturates (cvt.rzi.sat), NaN -> 0; int -> int wraps', () => {
  const toI32 = evaluate('f32', 'i32', [[3.9], [-3.9], [3e9], [-3e9], [NaN], [Infinity], [-0.5]], (a) => ({ op: 'convert', type: 'i32', from: 'f32', operand: a }));
  assert.deepEqual(toI32, [3, -3, 2147483647, -2147483648, 0, 2147483647, 0]);
  const toU32 = evaluate('f32', 'u32', [[3.9], [-3.9], [5e9], [NaN], [4294967040]], (a) => ({ op: 'convert', type: 'u32', from: 'f32', operand: a }));
  assert.deepEqual(toU32, [3, 0, 4294967295, 0, 4294967040]);
  const wrap = evaluate('i32', 'u32', [[-1], [5]], (a) => ({ op: 'convert', type: 'u32', from: 'i32', operand: a }));
  assert.deepEqual(wrap, [4294967295, 5]);
  const toF32 = evaluate('u32', 'f32', [[16777217], [4294967295]], (a) => ({ op: 'convert', type: 'f32', from: 'u32', operand: a }));
  assert.deepEqual(toF32, [16777216, 4294967296]);
});

test('math built-ins on f32 round their result to f32; min/max ignore NaN; round is half away from zero', () => {
  const one = (fn: IrMathFn, xs: number[]) => evaluate('f32', 'f32', xs.map((x) => [x]), (a) => math(fn, a));
  assert.deepEqual(one('exp', [1]), [Math.fround(Math.E)]);
  assert.deepEqual(one('sqrt', [2]), [Math.fround(Math.SQRT2)]);
  assert.deepEqual(one('rsqrt', [4]), [0.5]);
  assert.deepEqual(one('round', [2.5, -2.5, 0.49999997]), [3, -3, 0]);
  assert.deepEqual(one('floor', [-1.5]), [-2]);
  assert.deepEqual(one('tanh', [100]), [1]);
  assert.deepEqual(evaluate('f32', 'f32', [[NaN, 1], [2, NaN], [-1, 3]], (a, b) => math('max', a, b)), [1, 2, 3]);
  assert.deepEqual(evaluate('i32', 'i32', [[-2147483648], [-4]], (a) => math('abs', a)), [-2147483648, 4]);
  assert.deepEqual(evaluate('i32', 'i32', [[10, 0, 5], [-3, 0, 5]], (a, b, c) => math('clamp', a, b, c)), [5, 0]);
  assert.deepEqual(evaluate('u32', 'u32', [[10, 3], [9, 3], [1, 0]], (a, b) => math('ceil_div', a, b)), [4, 3, 4294967295]);
});

test('bit casts and packed f16 / bf16 reads are exact', () => {
  assert.deepEqual(evaluate('u32', 'f32', [[0x3f800000], [0xc0490fdb]], (a) => math('bitcast_f32', a)), [1, Math.fround(-Math.PI)]);
  assert.deepEqual(evaluate('f32', 'u32', [[1], [-0]], (a) => math('bitcast_u32', a)), [0x3f800000, 0x80000000]);
  assert.deepEqual(evaluate('u32', 'f32', [[0xabcd3c00], [0x00017bff], [0x0001]], (a) => math('f16_bits', a)), [1, 65504, 2 ** -24]);
  assert.deepEqual(evaluate('u32', 'f32', [[0xffff3f80], [0x4049]], (a) => math('bf16_bits', a)), [1, 3.140625]);
});

test('comparisons yield bool 0/1 and NaN compares unordered', () => {
  assert.deepEqual(evaluate('f32', 'u32', [[1, 2], [NaN, NaN], [2, 1]], (a, b) => ({ op: 'convert', type: 'u32', from: 'bool', operand: bin('<', a, b) })), [1, 0, 0]);
  assert.deepEqual(evaluate('f32', 'u32', [[NaN, NaN], [1, 1]], (a, b) => ({ op: 'convert', type: 'u32', from: 'bool', operand: bin('!=', a, b) })), [1, 0]);
});

test('the rendered JS is readable: named after the kernel, its parameters and locals', () => {
  const kb = new KernelBuilder('scale');
  const n = kb.scalar('n', 'u32');
  const x = kb.buffer('x', 'f32');
  const i = kb.local('i', 'u32');
  const src = renderKernelJs(kb.build([i.set(geo('thread.x')), { op: 'if', cond: bin('<', i.get(), n), then: [x.store(i.get(), bin('*', x.load(i.get()), { op: 'const', type: 'f32', value: 2 }))], else: [] }]));
  assert.match(src, /^\/\/ Kern kernel `scale` \(test\.kern:1:1\) rendered for the simulated eGPU\./);
  assert.match(src, /const n\$ = L\.args\[0\] >>> 0; \/\/ u32 n/);
  assert.match(src, /if \(\(i\$0 < n\$\)\) \{/);
  assert.match(src, /x\$\[\$s\] = \$a;/);
  // Bytes are counted per straight-line region (`cN += 1`) and multiplied out at the end.
  assert.match(src, /writes: \[0, C\[\d+\]\]/);
  void u32; void i32;
});
