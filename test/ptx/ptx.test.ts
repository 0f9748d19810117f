// PTX renderer tests: goldens for small kernels, specific instruction choices, and ptxas assembly on sm_80 / sm_90.
// Set EGPU_UPDATE_GOLDEN=1 to rewrite the goldens under test/ptx/golden/ (then read the diff).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderPtx, ptxVersionFor } from '../../kernels/codegen/ptx';
import type { IrKernel } from '../../kernels/lang/ir';
import { assemble, findPtxas } from './ptxas';
import {
  KernelBuilder, assign, blockSumKernel, bufferParam, everythingKernel, f32, globalIndex, iff, bin, load, local,
  math, param, saxpyKernel, scalarParam, store, toHalfKernel, u32, i32, cvt,
} from './ir-builders';

const GOLDEN_DIR = join(__dirname, 'golden');

function checkGolden(name: string, text: string): void {
  const path = join(GOLDEN_DIR, name);
  if (process.env.EGPU_UPDATE_GOLDEN === '1' || !existsSync(path)) {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(path, text);
    if (process.env.EGPU_UPDATE_GOLDEN !== '1') assert.fail(`golden ${name} was missing; written now — review it and rerun`);
    return;
  }
  assert.equal(text, readFileSync(path, 'utf8'), `PTX differs from golden ${name} (EGPU_UPDATE_GOLDEN=1 rewrites it)`);
}

/** Instruction lines of the kernel `name`, without comments and declarations. */
function instructions(ptx: string): string[] {
  return ptx.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('//') && !l.startsWith('.'));
}

test('golden: saxpy', () => {
  checkGolden('saxpy.ptx', renderPtx([saxpyKernel()]));
});

test('golden: f32 to f16 conversion kernel', () => {
  checkGolden('to_f16.ptx', renderPtx([toHalfKernel('f16')]));
});

test('golden: block_sum (shared memory, barrier, loop, warp_sum, atomic_add)', () => {
  checkGolden('block_sum.ptx', renderPtx([blockSumKernel()]));
});

test('module header declares the lowest PTX version for the target', () => {
  assert.match(renderPtx([saxpyKernel()]), /^\.version 7\.0\n\.target sm_80\n\.address_size 64$/m);
  assert.match(renderPtx([saxpyKernel()], { target: 'sm_90' }), /^\.version 7\.8\n\.target sm_90$/m);
  assert.equal(ptxVersionFor('sm_86'), '7.1');
  assert.equal(ptxVersionFor('sm_120'), '8.7');
  assert.throws(() => renderPtx([saxpyKernel()], { target: 'gfx90a' }), /unknown target 'gfx90a'/);
});

test('one .visible .entry per kernel with pointer and scalar params in order', () => {
  const ptx = renderPtx([saxpyKernel(), toHalfKernel('f16')]);
  assert.equal(ptx.match(/\.visible \.entry/g)?.length, 2);
  assert.match(ptx, /\.visible \.entry saxpy\(\n\t\.param \.u32 saxpy_param_0,  \/\/ n: u32\n\t\.param \.f32 saxpy_param_1,  \/\/ a: f32\n\t\.param \.u64 saxpy_param_2,  \/\/ x: f32\[\]\n\t\.param \.u64 saxpy_param_3  \/\/ y: mut f32\[\]\n\)/);
  assert.match(ptx, /cvta\.to\.global\.u64 %a2, %rd1;/);
});

test('rendering is deterministic', () => {
  assert.equal(renderPtx([everythingKernel()]), renderPtx([everythingKernel()]));
});

test('comments name the source lines of stores, loads, barriers and collectives', () => {
  const ptx = renderPtx([blockSumKernel()]);
  assert.match(ptx, /\/\/ kernel block_sum \(test\.kern:10\)/);
  assert.match(ptx, /\/\/ test\.kern:14  barrier\(\)\n\tbar\.sync 0;/);
  assert.match(ptx, /\/\/ test\.kern:22  warp sum/);
  assert.match(ptx, /\/\/ test\.kern:24  atomic_add/);
});

test('f16 stores round with cvt.rn.f16.f32 and loads widen with cvt.f32.f16', () => {
  const ptx = renderPtx([toHalfKernel('f16')]);
  assert.match(ptx, /cvt\.rn\.f16\.f32 %h1, %f1;\n\tst\.global\.b16 \[%rd\d+\], %h1;/);
  const all = renderPtx([everythingKernel()]);
  assert.match(all, /ld\.global\.b16 %h\d+, \[%rd\d+\];\n\tcvt\.f32\.f16 %f\d+, %h\d+;/);
});

test('bf16 stores use cvt.rn.bf16.f32 on sm_80+, and round to nearest even by hand before', () => {
  assert.match(renderPtx([toHalfKernel('bf16')]), /cvt\.rn\.bf16\.f32 %h1, %f1;/);
  const old = renderPtx([toHalfKernel('bf16')], { target: 'sm_75' });
  assert.doesNotMatch(old, /cvt\.rn\.bf16/);
  assert.match(old, /bfe\.u32 %r\d+, %r\d+, 16, 1;\n\tadd\.u32 %r\d+, %r\d+, 32767;/);
  assert.match(old, /testp\.notanumber\.f32/);
});

test('i8/u8 load with ld.s8/ld.u8 and store with st.u8', () => {
  const all = renderPtx([everythingKernel()]);
  assert.match(all, /ld\.global\.s8 %r\d+, \[%rd\d+\];/);
  assert.match(all, /ld\.global\.u8 %r\d+, \[%rd\d+\];/);
  assert.match(all, /st\.global\.u8 \[%rd\d+\], %v\d+;/);
  assert.match(all, /ld\.shared\.u8 %r\d+, \[sh4_su\+2\];/);
});

test('integer ops pick signedness from the operand type', () => {
  const k = new KernelBuilder('ints', [scalarParam('a', 'i32'), scalarParam('b', 'u32'), bufferParam('o', 'i32', true), bufferParam('p', 'u32', true)]);
  const x = k.local('x', 'i32');
  const y = k.local('y', 'u32');
  const ptx = renderPtx([k.finish([
    assign(x, bin('/', param(0, 'i32'), i32(-3))),
    assign(x, bin('%', local(x), i32(5))),
    assign(x, bin('>>', local(x), i32(2))),
    assign(y, bin('/', param(1, 'u32'), u32(3))),
    assign(y, bin('>>', local(y), u32(2))),
    iff(bin('<', local(x), i32(0)), [store(2, 'i32', u32(0), local(x))]),
    iff(bin('<', local(y), u32(9)), [store(3, 'u32', u32(0), local(y))]),
    store(2, 'i32', u32(1), cvt('i32', param(1, 'u32'))),
  ])]);
  const ins = instructions(ptx);
  assert.ok(ins.includes('div.s32 %r1, %a0, -3;'), ins.join('\n'));
  assert.ok(ins.includes('rem.s32 %r2, %v0, 5;'));
  assert.ok(ins.includes('shr.s32 %r3, %v0, 2;'));
  assert.ok(ins.includes('div.u32 %r4, %a1, 3;'));
  assert.ok(ins.includes('shr.u32 %r5, %v1, 2;'));
  assert.ok(ins.some((l) => /^setp\.lt\.s32 %p\d+, %v0, 0;$/.test(l)));
  assert.ok(ins.some((l) => /^setp\.lt\.u32 %p\d+, %v1, 9;$/.test(l)));
  assert.ok(ins.some((l) => /^st\.global\.b32 \[%a2\+4\], %r\d+;$/.test(l)), 'constant index folds into the address');
});

test('division and remainder by a variable guard against zero as the simulator does', () => {
  const k = new KernelBuilder('divs', [scalarParam('a', 'u32'), scalarParam('b', 'u32'), bufferParam('o', 'u32', true)]);
  const ins = instructions(renderPtx([k.finish([
    store(2, 'u32', u32(0), bin('/', param(0, 'u32'), param(1, 'u32'))),
    store(2, 'u32', u32(1), bin('%', param(0, 'u32'), param(1, 'u32'))),
  ])]));
  const at = ins.indexOf('div.u32 %r2, %a0, %a1;');
  assert.deepEqual(ins.slice(at, at + 3), ['div.u32 %r2, %a0, %a1;', 'setp.eq.u32 %p1, %a1, 0;', 'selp.b32 %r1, -1, %r2, %p1;']);
  assert.ok(ins.includes('selp.b32 %r3, %a0, %r4, %p2;'), 'x % 0 = x');
});

test('float arithmetic rounds explicitly (no fma contraction) and float->int saturates', () => {
  const all = instructions(renderPtx([everythingKernel()]));
  for (const op of ['add.rn.f32', 'sub.rn.f32', 'mul.rn.f32', 'div.rn.f32']) assert.ok(all.some((l) => l.startsWith(op)), op);
  assert.ok(!all.some((l) => /^(add|sub|mul)\.f32/.test(l)), 'no unrounded float arithmetic');
  assert.ok(all.some((l) => /^cvt\.rzi\.sat\.s32\.f32/.test(l)));
  assert.ok(all.some((l) => /^cvt\.rzi\.sat\.u32\.f32/.test(l)));
  assert.ok(all.some((l) => /^cvt\.rn\.f32\.s32/.test(l)));
  assert.ok(all.some((l) => /^cvt\.rn\.f32\.u32/.test(l)));
  assert.ok(all.some((l) => /^setp\.neu\.f32/.test(l)), 'float != is unordered');
});

test('math built-ins map to the documented instructions', () => {
  const all = instructions(renderPtx([everythingKernel()]));
  const has = (re: RegExp): void => assert.ok(all.some((l) => re.test(l)), String(re));
  has(/^ex2\.approx\.f32/);
  has(/^lg2\.approx\.f32/);
  has(/^sqrt\.rn\.f32/);
  has(/^rsqrt\.approx\.f32/);
  has(/^sin\.approx\.f32/);
  has(/^cos\.approx\.f32/);
  has(/^tanh\.approx\.f32/);
  has(/^cvt\.rmi\.f32\.f32/);
  has(/^cvt\.rpi\.f32\.f32/);
  has(/^fma\.rn\.f32/);
  has(/^min\.s32/);
  has(/^max\.u32/);
  has(/^abs\.s32/);
  has(/^mov\.b32 %f\d+, %v\d+;$/); // bitcast_f32
  has(/^cvt\.u16\.u32 %h\d+/); // f16_bits
  has(/^selp\.f32/);
  const old = instructions(renderPtx([everythingKernel()], { target: 'sm_75' }));
  assert.ok(old.some((l) => l.startsWith('tanh.approx.f32')), 'tanh.approx from sm_75');
});

test('sin and cos reduce the angle by 2π before the approximate instruction', () => {
  const k = new KernelBuilder('trig', [bufferParam('x', 'f32'), bufferParam('y', 'f32', true)]);
  const ptx = renderPtx([k.finish([store(1, 'f32', globalIndex(), math('sin', 'f32', load(0, 'f32', globalIndex())))])]);
  const ins = instructions(ptx);
  const start = ins.indexOf('mul.rn.f32 %f2, %f1, 0f3E22F983;');
  assert.deepEqual(ins.slice(start, start + 6), [
    'mul.rn.f32 %f2, %f1, 0f3E22F983;',
    'cvt.rni.f32.f32 %f2, %f2;',
    'neg.f32 %f2, %f2;',
    'fma.rn.f32 %f3, %f2, 0f40C90FDB, %f1;',
    'fma.rn.f32 %f4, %f2, 0fB43BBD2E, %f3;',
    'sin.approx.f32 %f5, %f4;',
  ]);
});

test('warp collectives use shfl.sync with the full mask; reductions are butterflies', () => {
  const ptx = renderPtx([blockSumKernel()]);
  const shuffles = ptx.match(/shfl\.sync\.bfly\.b32 %f\d+, %f\d+|shfl\.sync\.bfly\.b32 %f\d+, %v\d+/g) ?? [];
  assert.equal(shuffles.length, 5);
  for (const offset of [16, 8, 4, 2, 1]) assert.match(ptx, new RegExp(`shfl\\.sync\\.bfly\\.b32 %f\\d+, %[fv]\\d+, ${offset}, 31, -1;`));
  const all = renderPtx([everythingKernel()]);
  assert.match(all, /shfl\.sync\.down\.b32 %f\d+, %v\d+, 1, 31, -1;/);
  assert.match(all, /shfl\.sync\.bfly\.b32 %r\d+, %v\d+, 4, 31, -1;/);
  assert.match(all, /shfl\.sync\.idx\.b32 %r\d+, %v\d+, %v\d+, 31, -1;/);
  assert.match(all, /mov\.u32 %r\d+, %laneid;/);
});

test('atomics: atom with a result, red without; f32 add and s32/u32 min/max; global and shared', () => {
  const all = renderPtx([everythingKernel()]);
  assert.match(all, /atom\.global\.add\.u32 %v\d+, \[%a11\+0\], %v\d+;/);
  assert.match(all, /atom\.global\.max\.s32 %v\d+, \[%a11\+0\], %v\d+;/);
  assert.match(all, /red\.global\.min\.u32 \[%rd\d+\], %v\d+;/);
  assert.match(all, /red\.shared\.max\.s32 \[sh3_si\+0\], %v\d+;/);
  assert.match(all, /atom\.global\.add\.f32 %v\d+, \[%rd\d+\], %v\d+;/);
  assert.match(all, /red\.shared\.add\.f32 \[sh0_sf\+0\], %v\d+;/);
  assert.match(renderPtx([blockSumKernel()]), /red\.global\.add\.f32 \[%a1\+0\], %v3;/);
});

test('shared arrays are declared per kernel with their byte size', () => {
  const all = renderPtx([everythingKernel()]);
  assert.match(all, /\.shared \.align 16 \.b8 sh0_sf\[256\];  \/\/ sf: f32\[64\]/);
  assert.match(all, /\.shared \.align 16 \.b8 sh1_sh\[128\];  \/\/ sh: f16\[64\]/);
  assert.match(all, /\.shared \.align 16 \.b8 sh4_su\[64\];  \/\/ su: u8\[64\]/);
});

test('control flow: loops with continue/break targets, labelled blocks, early return', () => {
  const all = renderPtx([everythingKernel()]);
  assert.match(all, /\$outer_head_\d+:/);
  assert.match(all, /bra \$outer_continue_\d+;/);
  assert.match(all, /bra \$outer_break_\d+;/);
  assert.match(all, /bra \$inner_break_\d+;/);
  assert.match(all, /bra \$inlined_end_\d+;/);
  assert.match(all, /@!%p\d+ bra \$endif_\d+;\n\tret;/);
  // Every branch target exists exactly once.
  const targets = new Set([...all.matchAll(/bra (\$\w+);/g)].map((m) => m[1]!));
  for (const t of targets) assert.equal(all.split(`\n${t}:`).length, 2, `label ${t}`);
});

test('a jump to an unknown label is our bug and names the kernel', () => {
  const k = new KernelBuilder('broken', []);
  assert.throws(() => renderPtx([k.finish([{ op: 'break', label: 'nowhere' }])]), /kernel broken jumps to unknown label 'nowhere'/);
});

const ptxas = findPtxas();
const builtKernels: [string, IrKernel[]][] = [
  ['saxpy', [saxpyKernel()]],
  ['to_f16 + to_bf16', [toHalfKernel('f16'), toHalfKernel('bf16')]],
  ['block_sum', [blockSumKernel()]],
  ['everything', [everythingKernel()]],
];

for (const target of ['sm_80', 'sm_90']) {
  for (const [name, kernels] of builtKernels) {
    test(`ptxas -arch=${target} assembles ${name}`, (t) => {
      if (!ptxas) return t.skip('ptxas not found (/usr/local/cuda/bin/ptxas or PATH)');
      const r = assemble(ptxas, renderPtx(kernels, { target }), target);
      assert.equal(r.ok, true, r.log);
    });
  }
}

test('ptxas -arch=sm_75 assembles the pre-sm_80 fallbacks', (t) => {
  if (!ptxas) return t.skip('ptxas not found (/usr/local/cuda/bin/ptxas or PATH)');
  const r = assemble(ptxas, renderPtx([everythingKernel(), toHalfKernel('bf16')], { target: 'sm_75' }), 'sm_75');
  assert.equal(r.ok, true, r.log);
});

test('a kernel without parameters still renders a valid entry', (t) => {
  const k = new KernelBuilder('empty', []);
  const x = k.local('x', 'f32');
  const ptx = renderPtx([k.finish([assign(x, f32(1))])]);
  assert.match(ptx, /\.visible \.entry empty\(\)\n\{/);
  if (!ptxas) return t.skip('ptxas not found');
  assert.equal(assemble(ptxas, ptx, 'sm_80').ok, true);
});

