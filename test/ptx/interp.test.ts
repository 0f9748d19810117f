// Tests of the PTX interpreter (test/ptx/interp.ts) on hand-written PTX in the renderer's style: reconvergence after
// branches and loops, shuffles, bar.sync ordering, atomics, faults, and the exact float helpers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fmaF32, GlobalMemory, packParams, parsePtx, PtxFault, PtxSyntaxError, roundHalfEven, runPtx, type Dim3, type PtxKernel } from './interp';

/** A one-kernel module: `params` as `.param` lines' types, `body` the declarations and instructions. */
function kernelOf(name: string, params: string[], body: string): PtxKernel {
  const decl = params.map((t, i) => `\t.param .${t} ${name}_param_${i}${i < params.length - 1 ? ',' : ''}`).join('\n');
  const head = params.length ? `.visible .entry ${name}(\n${decl}\n)` : `.visible .entry ${name}()`;
  const text = `.version 7.0\n.target sm_80\n.address_size 64\n\n${head}\n{\n${body}\n}\n`;
  return parsePtx(text).kernels.get(name)!;
}

/** Runs `kernel` with u32 buffers of the given sizes (zeroed unless given) and returns their contents and the report. */
function run(kernel: PtxKernel, grid: Dim3, block: Dim3, buffers: (number | Uint32Array)[], options: { maxInstructions?: number } = {}) {
  const memory = new GlobalMemory();
  const addresses = buffers.map((b, i) => memory.add(`b${i}`, new Uint8Array(typeof b === 'number' ? new Uint32Array(b).buffer : b.slice().buffer)));
  const report = runPtx(kernel, { grid, block, params: packParams(kernel, addresses.map((address) => ({ address }))), memory, ...options });
  const read = (i: number) => Array.from(new Uint32Array(memory.bytes(addresses[i]!).slice().buffer));
  return { report, read };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

const PROLOGUE = (n: number) => range(n).map((i) => `\tld.param.u64 %rd${i + 1}, [K_param_${i}];\n\tcvta.to.global.u64 %a${i}, %rd${i + 1};`).join('\n');

test('lanes that branch apart meet again: a shuffle after an if/else and after a loop with per-lane trip counts', () => {
  const k = kernelOf('K', ['u64'], `
	.reg .pred %p<3>;
	.reg .b32 %r<10>;
	.reg .b64 %rd<8>;
	.reg .b64 %a0;
${PROLOGUE(1)}
	mov.u32 %r1, %laneid;
	and.b32 %r2, %r1, 1;
	setp.eq.u32 %p1, %r2, 0;
	@!%p1 bra $else_1;
	mul.lo.u32 %r3, %r1, 10;
	bra $endif_2;
$else_1:
	add.u32 %r3, %r1, 1000;
$endif_2:
	shfl.sync.bfly.b32 %r4, %r3, 1, 31, -1;
	mov.b32 %r6, 0;
	mov.b32 %r7, 0;
$loop_head_3:
	setp.lt.u32 %p2, %r7, %r1;
	@!%p2 bra $loop_break_4;
	add.u32 %r6, %r6, %r7;
	add.u32 %r7, %r7, 1;
	bra $loop_head_3;
$loop_break_4:
	shfl.sync.idx.b32 %r8, %r6, 31, 31, -1;
	mul.wide.u32 %rd3, %r1, 4;
	add.s64 %rd4, %a0, %rd3;
	st.global.b32 [%rd4], %r4;
	st.global.b32 [%rd4+128], %r8;
	st.global.b32 [%rd4+256], %r6;`);
  const { report, read } = run(k, [1, 1, 1], [32, 1, 1], [96]);
  assert.deepEqual(report.problems, [], 'both shuffles run with the whole warp');
  const out = read(0);
  const value = (l: number) => (l % 2 === 0 ? l * 10 : l + 1000);
  assert.deepEqual(out.slice(0, 32), range(32).map((l) => value(l ^ 1)));
  assert.deepEqual(out.slice(32, 64), range(32).map(() => (30 * 31) / 2), 'lane 31 looped 31 times');
  assert.deepEqual(out.slice(64), range(32).map((l) => (l * l - l) / 2));
});

test('a shuffle inside a divergent branch is reported as undefined behaviour', () => {
  const k = kernelOf('K', ['u64'], `
	.reg .pred %p<2>;
	.reg .b32 %r<5>;
	.reg .b64 %rd<4>;
	.reg .b64 %a0;
${PROLOGUE(1)}
	mov.u32 %r1, %laneid;
	setp.lt.u32 %p1, %r1, 16;
	@!%p1 bra $endif_1;
	shfl.sync.bfly.b32 %r2, %r1, 16, 31, -1;
	mul.wide.u32 %rd2, %r1, 4;
	add.s64 %rd3, %a0, %rd2;
	st.global.b32 [%rd3], %r2;
$endif_1:`);
  const { report } = run(k, [1, 1, 1], [32, 1, 1], [32]);
  assert.equal(report.problems.length, 2);
  assert.match(report.problems[0]!, /^K block \(0, 0, 0\) warp 0: 'shfl\.sync\.bfly\.b32 %r2, %r1, 16, 31, -1' executed by 16 of the warp's 32 live lanes/);
  assert.match(report.problems[1]!, /shfl\.sync in lane \d+ reads lane \d+, which is not executing it/);
});

test('warp reductions: a butterfly gives every lane the sum; a shuffle_down tree gives lane 0 the sum and lanes past the end their own values', () => {
  const steps = [16, 8, 4, 2, 1];
  const tree = (mode: string, first: number) => steps.map((o, s) => {
    const from = s === 0 ? '%f1' : `%f${first + 2 * s - 1}`;
    return `\tshfl.sync.${mode}.b32 %f${first + 2 * s}, ${from}, ${o}, 31, -1;\n\tadd.rn.f32 %f${first + 2 * s + 1}, ${from}, %f${first + 2 * s};`;
  }).join('\n');
  const k = kernelOf('K', ['u64'], `
	.reg .b32 %r<3>;
	.reg .f32 %f<24>;
	.reg .b64 %rd<4>;
	.reg .b64 %a0;
${PROLOGUE(1)}
	mov.u32 %r1, %laneid;
	cvt.rn.f32.u32 %f1, %r1;
	add.rn.f32 %f1, %f1, 0f3F000000;
${tree('bfly', 2)}
${tree('down', 12)}
	mul.wide.u32 %rd2, %r1, 4;
	add.s64 %rd3, %a0, %rd2;
	st.global.f32 [%rd3], %f11;
	st.global.f32 [%rd3+128], %f21;`);
  const { report, read } = run(k, [1, 1, 1], [32, 1, 1], [64]);
  assert.deepEqual(report.problems, []);
  const out = new Float32Array(Uint32Array.from(read(0)).buffer);
  assert.deepEqual(Array.from(out.slice(0, 32)), range(32).map(() => 512), 'sum of l + 0.5 over 32 lanes');
  assert.equal(out[32], 512, 'lane 0 of the shuffle_down tree');
  assert.equal(out[63], 31.5 * 32, 'lane 31 adds its own value at every step');
});

const BARRIER_KERNEL = (withBarrier: boolean) => kernelOf('K', ['u64'], `
	.reg .b32 %r<10>;
	.reg .b64 %rd<4>;
	.reg .b64 %a0;
	.shared .align 16 .b8 sh0_tile[256];
${PROLOGUE(1)}
	mov.u32 %r1, %tid.x;
	mul.lo.u32 %r2, %r1, 3;
	mov.u32 %r3, sh0_tile;
	mad.lo.u32 %r4, %r1, 4, %r3;
	st.shared.b32 [%r4], %r2;
	${withBarrier ? 'bar.sync 0;' : '// no barrier'}
	add.u32 %r5, %r1, 32;
	and.b32 %r5, %r5, 63;
	mad.lo.u32 %r6, %r5, 4, %r3;
	ld.shared.u32 %r7, [%r6];
	mov.u32 %r8, %ctaid.x;
	mov.u32 %r9, %ntid.x;
	mad.lo.u32 %r9, %r8, %r9, %r1;
	mul.wide.u32 %rd2, %r9, 4;
	add.s64 %rd3, %a0, %rd2;
	st.global.b32 [%rd3], %r7;`);

test('bar.sync orders shared-memory writes of one warp before reads by another, in both warp orders', () => {
  const { report, read } = run(BARRIER_KERNEL(true), [2, 1, 1], [64, 1, 1], [128]);
  assert.deepEqual(report.problems, []);
  const want = range(64).map((t) => ((t + 32) % 64) * 3);
  assert.deepEqual(read(0), [...want, ...want]);
  // Without the barrier one warp reads before the other wrote (shared memory starts as 0xFF bytes): block 0 runs
  // warp 0 first, block 1 warp 1 first, so both halves show it.
  const racy = run(BARRIER_KERNEL(false), [2, 1, 1], [64, 1, 1], [128]).read(0);
  assert.deepEqual(racy.slice(0, 32), range(32).map(() => 0xffffffff));
  assert.deepEqual(racy.slice(32, 64), want.slice(32));
  assert.deepEqual(racy.slice(64, 96), want.slice(0, 32));
  assert.deepEqual(racy.slice(96), range(32).map(() => 0xffffffff));
});

test('bar.sync waits only for threads that have not exited', () => {
  const k = kernelOf('K', ['u64'], `
	.reg .pred %p<2>;
	.reg .b32 %r<3>;
	.reg .b64 %rd<4>;
	.reg .b64 %a0;
${PROLOGUE(1)}
	mov.u32 %r1, %tid.x;
	setp.ge.u32 %p1, %r1, 32;
	@%p1 bra $exit_1;
	bar.sync 0;
	mul.wide.u32 %rd2, %r1, 4;
	add.s64 %rd3, %a0, %rd2;
	st.global.b32 [%rd3], 7;
	ret;
$exit_1:
	ret;`);
  const { report, read } = run(k, [1, 1, 1], [96, 1, 1], [96]);
  assert.deepEqual(report.problems, []);
  assert.deepEqual(read(0), [...range(32).map(() => 7), ...range(64).map(() => 0)]);
});

test('an atomic histogram: every increment lands and each old value is handed out once', () => {
  const k = kernelOf('K', ['u64', 'u64', 'u64'], `
	.reg .pred %p<2>;
	.reg .b32 %r<12>;
	.reg .b64 %rd<12>;
	.reg .b64 %a0;
	.reg .b64 %a1;
	.reg .b64 %a2;
	.shared .align 16 .b8 sh0_bins[40];
${PROLOGUE(3)}
	mov.u32 %r1, %tid.x;
	setp.lt.u32 %p1, %r1, 10;
	mov.u32 %r2, sh0_bins;
	mad.lo.u32 %r3, %r1, 4, %r2;
	@%p1 st.shared.b32 [%r3], 0;
	bar.sync 0;
	mov.u32 %r4, %ctaid.x;
	mov.u32 %r5, %ntid.x;
	mad.lo.u32 %r6, %r4, %r5, %r1;
	mul.lo.u32 %r7, %r6, 7;
	rem.u32 %r8, %r7, 10;
	mul.wide.u32 %rd4, %r8, 4;
	add.s64 %rd5, %a0, %rd4;
	atom.global.add.u32 %r9, [%rd5], 1;
	mul.wide.u32 %rd6, %r6, 4;
	add.s64 %rd7, %a1, %rd6;
	st.global.b32 [%rd7], %r9;
	mad.lo.u32 %r10, %r8, 4, %r2;
	red.shared.add.u32 [%r10], 2;
	bar.sync 0;
	@!%p1 bra $end_1;
	ld.shared.u32 %r11, [%r3];
	mul.wide.u32 %rd8, %r1, 4;
	add.s64 %rd9, %a2, %rd8;
	red.global.add.u32 [%rd9], %r11;
$end_1:`);
  const { report, read } = run(k, [3, 1, 1], [128, 1, 1], [10, 384, 10]);
  assert.deepEqual(report.problems, []);
  const bins = range(384).map((i) => (i * 7) % 10);
  const want = range(10).map((b) => bins.filter((x) => x === b).length);
  assert.deepEqual(read(0), want);
  assert.deepEqual(read(2), want.map((n) => 2 * n), 'per-block shared counts, summed');
  const olds = read(1);
  for (let b = 0; b < 10; b++) {
    const handed = olds.filter((_, i) => bins[i] === b).sort((x, y) => x - y);
    assert.deepEqual(handed, range(want[b]!), `bin ${b}`);
  }
});

test('faults name the kernel, block and warp: out of bounds, misaligned, runaway loops', () => {
  const load = (offset: number) => kernelOf('K', ['u64'], `
	.reg .b32 %r<2>;
	.reg .b64 %rd<2>;
	.reg .b64 %a0;
${PROLOGUE(1)}
	ld.global.u32 %r1, [%a0+${offset}];`);
  assert.throws(() => run(load(16), [2, 1, 1], [32, 1, 1], [4]),
    (e: unknown) => e instanceof PtxFault && /^kernel K, block \(0, 0, 0\) warp 0: global load of 4 bytes at 0x100000010 is out of bounds: b0 \+ 16 \(16 bytes\)$/.test(e.message));
  assert.throws(() => run(load(2), [1, 1, 1], [32, 1, 1], [4]), (e: unknown) => e instanceof PtxFault && /misaligned global access of 4 bytes at b0 \+ 2/.test(e.message));
  const spin = kernelOf('K', [], `
$loop_1:
	bra $loop_1;`);
  assert.throws(() => run(spin, [1, 1, 1], [32, 1, 1], [], { maxInstructions: 10_000 }), (e: unknown) => e instanceof PtxFault && /instruction limit/.test(e.message));
});

test('PTX outside the subset is a syntax error naming the instruction', () => {
  assert.throws(() => kernelOf('K', [], '\tmul.lo.u32 %r1, %r1, %r1;'), (e: unknown) => e instanceof PtxSyntaxError && /unknown register %r1/.test(e.message));
  assert.throws(() => kernelOf('K', [], '\t.reg .b32 %r<2>;\n\tmul.hi.u32 %r1, %r1, %r1;'), /mul without \.lo or \.wide/);
  assert.throws(() => kernelOf('K', [], '\t.reg .b32 %r<2>;\n\tpopc.b32 %r1, %r1;'), (e: unknown) => e instanceof PtxSyntaxError && e.message === "kernel K: opcode popc.b32 is not in the subset in 'popc.b32 %r1, %r1'");
  assert.throws(() => kernelOf('K', [], '\t.reg .f32 %f<2>;\n\tadd.f32 %f1, %f1, %f1;'), /f32 add without \.rn/);
  assert.throws(() => kernelOf('K', [], '\t.reg .f32 %f<2>;\n\tadd.u32 %f1, %f1, 1;'), /register %f1 \(\.f32\) used as \.u32|f32 register %f1 used as \.u32/);
  assert.throws(() => kernelOf('K', [], '\tbra $nowhere;'), /branch to unknown label \$nowhere/);
});

test('parameters are laid out as the .entry declares them, each aligned to its size', () => {
  const k = kernelOf('K', ['u32', 'u64', 'f32', 'u32', 'u64'], '\tret;');
  assert.deepEqual(k.params.map((p) => [p.type, p.offset]), [['u32', 0], ['u64', 8], ['f32', 16], ['u32', 20], ['u64', 24]]);
  assert.equal(k.paramBytes, 32);
  const bytes = packParams(k, [{ u32: 7 }, { address: 2 ** 32 }, { f32: 1.5 }, { u32: -1 }, { address: 3 * 2 ** 32 }]);
  const view = new DataView(bytes.buffer);
  assert.deepEqual([view.getUint32(0, true), view.getUint32(12, true), view.getFloat32(16, true), view.getUint32(20, true), view.getUint32(28, true)], [7, 1, 1.5, 0xffffffff, 3]);
});

test('fma.rn.f32 rounds once: a sum just above an f32 midpoint, which a double sum rounds onto it', () => {
  const a = Math.fround(2 ** -24 * (1 + 2 ** -12));
  const b = Math.fround(1 - 2 ** -12 + 2 ** -24);
  assert.equal(a * b, 2 ** -24 + 2 ** -60, 'a·b is exact in a double');
  assert.equal(Math.fround(a * b + 1), 1, 'the double sum lands on the midpoint 1 + 2⁻²⁴ and ties to even');
  assert.equal(fmaF32(a, b, 1), 1 + 2 ** -23);
  assert.equal(fmaF32(-a, b, -1), -(1 + 2 ** -23));
  assert.equal(fmaF32(a, -b, 1), 1 - 2 ** -24, 'below the midpoint 1 − 2⁻²⁵ … rounds to the nearer f32 below 1');
  assert.equal(fmaF32(3, Math.fround(1 / 3), -1), 3 * Math.fround(1 / 3) - 1, 'cancellation keeps the exact product');
  assert.ok(Number.isNaN(fmaF32(Infinity, 0, 1)));
});

test('cvt.rni rounds halfway cases to even; cvt.rn.f16.f32 and cvt.f32.f16 round to nearest even and widen exactly', () => {
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, -2.5, 2.4999998, 3.7].map(roundHalfEven), [0, 2, 2, -0, -2, 2, 4]);
  const k = kernelOf('K', ['u64', 'u64'], `
	.reg .b32 %r<3>;
	.reg .f32 %f<3>;
	.reg .b16 %h<2>;
	.reg .b64 %rd<8>;
	.reg .b64 %a0;
	.reg .b64 %a1;
${PROLOGUE(2)}
	mov.u32 %r1, %tid.x;
	mul.wide.u32 %rd3, %r1, 4;
	add.s64 %rd4, %a0, %rd3;
	ld.global.f32 %f1, [%rd4];
	cvt.rn.f16.f32 %h1, %f1;
	mul.wide.u32 %rd5, %r1, 2;
	add.s64 %rd6, %a1, %rd5;
	st.global.b16 [%rd6], %h1;
	cvt.f32.f16 %f2, %h1;
	st.global.f32 [%rd4], %f2;`);
  const inputs = new Float32Array([1 + 2 ** -11, 1 + 3 * 2 ** -11, 65520, 2 ** -25, -(2 ** -24) * 1.5]);
  const memory = new GlobalMemory();
  const x = memory.add('x', new Uint8Array(inputs.buffer));
  const h = memory.add('h', new Uint8Array(10));
  runPtx(k, { grid: [1, 1, 1], block: [5, 1, 1], params: packParams(k, [{ address: x }, { address: h }]), memory });
  assert.deepEqual(Array.from(new Uint16Array(memory.bytes(h).slice().buffer)), [0x3c00, 0x3c02, 0x7c00, 0x0000, 0x8002]);
  assert.deepEqual(Array.from(new Float32Array(memory.bytes(x).slice().buffer)), [1, 1 + 2 ** -9, Infinity, 0, -(2 ** -23)]);
});
