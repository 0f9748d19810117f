// The simulator's fast code paths keep the reference semantics: per-region byte/flop counts equal per-access
// counting, saved locals survive sync points exactly (and never leak between blocks), deadlines still fire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileKernel, executeKernel, type ExecArg, type ExecOptions } from '../../driver/sim/executor';
import { renderKernelJs } from '../../kernels/codegen/js';
import { DeviceError, type Dim3 } from '../../driver/device';
import type { IrKernel } from '../../kernels/lang/ir';
import {
  KernelBuilder, add, at, barrier, bin, block, brk, buf, cont, contents, f32, geo, iff, linearTid, loop, lt, select, u32, warp,
} from './ir-builders';

function run(kernel: IrKernel, grid: Dim3, blockDim: Dim3, args: ExecArg[], options?: ExecOptions) {
  return executeKernel(compileKernel(kernel), grid, blockDim, args, options);
}

function fault(kernel: IrKernel, grid: Dim3, blockDim: Dim3, args: ExecArg[], options?: ExecOptions): DeviceError {
  try {
    run(kernel, grid, blockDim, args, options);
  } catch (e) {
    if (e instanceof DeviceError) return e;
    throw e;
  }
  assert.fail('expected a DeviceError');
}

test('counts follow control flow: loop trips, break, continue, guarded select loads, both select arms\' flops', () => {
  // Thread t (0..9) loops j in 0..t; j = 2 is skipped (continue), j = 5 leaves (break). Each pass that gets
  // past the continue reads x[j] (unconditional) and, when j is odd, x[j + 1] (a select arm), and adds.
  const kb = new KernelBuilder('counted');
  const x = kb.buffer('x', 'f32', false);
  const y = kb.buffer('y', 'f32');
  const t = kb.local('t', 'u32');
  const j = kb.local('j', 'u32');
  const acc = kb.local('acc', 'f32');
  const body = kb.forRange(j, u32(0), t.get(), (label) => [
    iff(bin('==', j.get(), u32(2)), [cont(label)]),
    iff(bin('==', j.get(), u32(5)), [brk(label)]),
    acc.set(add(acc.get(), add(x.load(j.get()), select(bin('==', bin('&', j.get(), u32(1)), u32(1)), x.load(add(j.get(), u32(1))), f32(0))))),
  ]);
  const kernel = kb.build([t.set(geo('thread.x')), acc.set(f32(0)), ...body, y.store(t.get(), acc.get())]);
  const xs = Array.from({ length: 16 }, (_, i) => i + 1);
  const yArg = buf('y', 'f32', 10);
  const r = run(kernel, [1, 1, 1], [10, 1, 1], [buf('x', 'f32', xs), yArg]);
  // Passes past the continue per thread: j in [0, min(t, 5)) without 2, then j = 5 stops (t > 5).
  let passes = 0;
  let oddReads = 0;
  const want: number[] = [];
  for (let tt = 0; tt < 10; tt++) {
    let a = 0;
    for (let jj = 0; jj < tt; jj++) {
      if (jj === 2) continue;
      if (jj === 5) break;
      passes++;
      const odd = (jj & 1) === 1;
      if (odd) oddReads++;
      a = Math.fround(a + Math.fround(xs[jj]! + (odd ? xs[jj + 1]! : 0)));
    }
    want.push(a);
  }
  assert.deepEqual(contents(yArg), want);
  // Reads: one per pass plus the taken odd arms; writes: one per thread; flops: 2 per pass (both adds).
  assert.deepEqual(r, { bytes: (passes + oddReads + 10) * 4, flops: passes * 2, linkBytes: 0, linkReadBytes: 0, linkWriteBytes: 0 });
});

test('counts in a kernel with barriers: per region, across sync points and for atomics', () => {
  const kb = new KernelBuilder('sync_counts');
  const x = kb.buffer('x', 'f32', false);
  const out = kb.buffer('out', 'f32');
  const s = kb.sharedArray('s', 'f32', 64);
  const tid = kb.local('tid', 'u32');
  const k = kb.local('k', 'u32');
  const kernel = kb.build([
    tid.set(geo('thread.x')),
    s.store(tid.get(), bin('*', x.load(tid.get()), f32(2))),
    barrier(),
    ...kb.forRange(k, u32(0), u32(3), () => [
      iff(lt(tid.get(), u32(32)), [s.store(tid.get(), add(s.load(tid.get()), s.load(add(tid.get(), u32(32)))))]),
      barrier(),
    ]),
    iff(bin('==', tid.get(), u32(0)), [out.atomic('add', u32(0), s.load(u32(0)))]),
  ]);
  const outArg = buf('out', 'f32', 1);
  const r = run(kernel, [2, 1, 1], [64, 1, 1], [buf('x', 'f32', Array.from({ length: 64 }, () => 1)), outArg]);
  // Per block: 64 reads of x, 64 muls; 3 rounds of 32 adds; one atomic (a write and an f32 add).
  assert.deepEqual(r, { bytes: 2 * (64 + 1) * 4, flops: 2 * (64 + 3 * 32 + 1), linkBytes: 0, linkReadBytes: 0, linkWriteBytes: 0 });
  // Round 1 adds pairs of 2s, rounds 2 and 3 keep adding the upper half (which round 1 left at 2).
  assert.deepEqual(contents(outArg), [2 * (4 + 2 + 2)]);
});

test('locals live across sync points keep their values; a local never assigned reads 0 in every block', () => {
  // v is read, then set, in each pass of a loop with a barrier: the first read in every block must see 0,
  // not what the previous block left. w is set once before the loop and only read afterwards.
  const kb = new KernelBuilder('survive');
  const out = kb.buffer('out', 'u32');
  const v = kb.local('v', 'u32');
  const w = kb.local('w', 'u32');
  const i = kb.local('i', 'u32');
  const tid = kb.local('tid', 'u32');
  const kernel = kb.build([
    tid.set(linearTid()),
    w.set(add(bin('*', geo('block.x'), u32(1000)), tid.get())),
    ...kb.forRange(i, u32(0), u32(3), () => [
      out.store(add(bin('*', add(bin('*', geo('block.x'), u32(3)), i.get()), u32(40)), tid.get()), v.get()),
      barrier(),
      v.set(add(add(v.get(), w.get()), u32(1))),
    ]),
    out.store(add(u32(240), add(bin('*', geo('block.x'), u32(40)), tid.get())), w.get()),
  ]);
  const outArg = buf('out', 'u32', 320);
  run(kernel, [2, 1, 1], [40, 1, 1], [outArg]);
  const got = contents(outArg);
  for (let b = 0; b < 2; b++) {
    for (let t = 0; t < 40; t++) {
      const w0 = b * 1000 + t;
      assert.deepEqual([0, 1, 2].map((pass) => got[(b * 3 + pass) * 40 + t]), [0, w0 + 1, 2 * (w0 + 1)], `block ${b} thread ${t}`);
      assert.equal(got[240 + b * 40 + t], w0);
    }
  }
});

test('a warp result lands in its local even when the value it replaced was never saved', () => {
  const kb = new KernelBuilder('warp_dest');
  const out = kb.buffer('out', 'u32');
  const v = kb.local('v', 'u32');
  const r = kb.local('r', 'u32');
  const kernel = kb.build([
    v.set(geo('thread.x')),
    warp('sum', r, v.get()),
    barrier(),
    warp('max', r, add(r.get(), v.get())),
    out.store(geo('thread.x'), r.get()),
  ]);
  const outArg = buf('out', 'u32', 40);
  run(kernel, [1, 1, 1], [40, 1, 1], [outArg]);
  // Warp 0: sum 0..31 = 496, then max(496 + lane) = 527; warp 1 (8 lanes): sum 32..39 = 284, max = 284 + 39.
  assert.deepEqual(contents(outArg), [...new Array(32).fill(527), ...new Array(8).fill(323)]);
});

test('bounds checks still fault with buffer, index and thread on every path (loads, select arms, stores, atomics)', () => {
  const mk = (body: (x: ReturnType<KernelBuilder['buffer']>, kb: KernelBuilder) => ReturnType<typeof barrier>[]) => {
    const kb = new KernelBuilder('oob');
    const x = kb.buffer('x', 'u32');
    return kb.build(body(x, kb), at(1, 1, 'oob.kern'));
  };
  const args = () => [buf('x', 'u32', 8)];
  const t = geo('thread.x');
  const where = 'kernel oob, block (0,0,0), thread (5,0,0), at oob.kern:7:9';
  const load = mk((x) => [iff(bin('==', t, u32(5)), [x.store(u32(0), x.load(add(t, u32(10)), at(7, 9, 'oob.kern')))])]);
  assert.equal(fault(load, [1, 1, 1], [8, 1, 1], args()).message, `out-of-bounds read: x[15] but x has 8 elements — ${where}`);
  const arm = mk((x) => [x.store(u32(0), select(bin('==', t, u32(5)), x.load(add(t, u32(3)), at(7, 9, 'oob.kern')), u32(1)))]);
  assert.equal(fault(arm, [1, 1, 1], [8, 1, 1], args()).message, `out-of-bounds read: x[8] but x has 8 elements — ${where}`);
  const store = mk((x) => [x.store(bin('*', t, u32(2)), u32(1), at(7, 9, 'oob.kern'))]);
  assert.match(fault(store, [1, 1, 1], [8, 1, 1], args()).message, /^out-of-bounds write: x\[8\] but x has 8 elements — kernel oob, block \(0,0,0\), thread \(4,0,0\)/);
  const atomic = mk((x) => [iff(bin('==', t, u32(5)), [x.atomic('add', u32(4000000000), u32(1), null, at(7, 9, 'oob.kern'))])]);
  assert.equal(fault(atomic, [1, 1, 1], [8, 1, 1], args()).message, `out-of-bounds atomic: x[4000000000] but x has 8 elements — ${where}`);
  // In a kernel with barriers (the state machine) too.
  const synced = mk((x) => [barrier(), iff(bin('==', t, u32(5)), [x.store(u32(0), x.load(add(t, u32(10)), at(7, 9, 'oob.kern')))])]);
  assert.equal(fault(synced, [1, 1, 1], [8, 1, 1], args()).message, `out-of-bounds read: x[15] but x has 8 elements — ${where}`);
});

test('deadlines fire in short counted loops nested in endless ones, and in loops that sync on every pass', () => {
  const limit = { deadline: Date.now() + 100, timeLimitMs: 100 };
  const kb = new KernelBuilder('spin_counted');
  const i = kb.local('i', 'u32');
  const nested = kb.build([loop(kb.label(), null, kb.forRange(i, u32(0), u32(4096), () => []))]);
  assert.equal(fault(nested, [1, 1, 1], [32, 1, 1], [], limit).detail.kind, 'timeout');
  const kb2 = new KernelBuilder('spin_warp');
  const r = kb2.local('r', 'u32');
  const synced = kb2.build([loop(kb2.label(), null, [warp('sum', r, u32(1))])]);
  assert.equal(fault(synced, [1, 1, 1], [32, 1, 1], [], { deadline: Date.now() + 100, timeLimitMs: 100 }).detail.kind, 'timeout');
  // A barrier that some pass skips: the loop's own back-edge check stops it.
  const kb3 = new KernelBuilder('spin_skip');
  const skip = kb3.build([loop(kb3.label(), null, [block(kb3.label('b'), [iff(lt(geo('thread.x'), u32(0)), [barrier()])])])]);
  assert.equal(fault(skip, [1, 1, 1], [32, 1, 1], [], { deadline: Date.now() + 100, timeLimitMs: 100 }).detail.kind, 'timeout');
});

test('the rendered state machine saves only what a later phase needs', () => {
  // acc changes between the barriers; base does not, so the second barrier saves acc alone.
  const kb = new KernelBuilder('phases');
  const x = kb.buffer('x', 'f32');
  const base = kb.local('base', 'u32');
  const acc = kb.local('acc', 'f32');
  const src = renderKernelJs(kb.build([
    base.set(bin('*', geo('block.x'), u32(64))),
    acc.set(x.load(add(base.get(), geo('thread.x')))),
    barrier(at(5, 3)),
    acc.set(bin('*', acc.get(), f32(2))),
    barrier(at(6, 3)),
    x.store(add(base.get(), geo('thread.x')), acc.get()),
  ]));
  // What each barrier saves, by its position in the source (cases are laid out hot path first).
  const saveBlocks = src.split('// barrier() at ').slice(1).map((part) => `${part.slice(0, part.indexOf('\n'))}: ${(part.match(/SAVE\[o \+ \d+\] = \w+\$\d+;/g) ?? []).join(' ')}`);
  assert.deepEqual(saveBlocks.sort(), ['test.kern:5:3: SAVE[o + 0] = base$0; SAVE[o + 1] = acc$1;', 'test.kern:6:3: SAVE[o + 1] = acc$1;']);
});
