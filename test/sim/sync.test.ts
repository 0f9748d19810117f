// Barriers, warp collectives and atomics on the simulator: results that a wrong barrier split, a wrong warp
// grouping or a lost atomic update would change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileKernel, executeKernel } from '../../driver/sim/executor';
import type { Dim3 } from '../../driver/device';
import type { IrKernel, IrWarpOp } from '../../kernels/lang/ir';
import {
  KernelBuilder, add, at, barrier, bin, block, brk, buf, contents, geo, iff, linearTid, lt, scalarArg, select, sub, u32, i32, f32, warp,
  type BufferArg,
} from './ir-builders';
import type { ExecArg } from '../../driver/sim/executor';

function run(kernel: IrKernel, grid: Dim3, blockDim: Dim3, args: ExecArg[]) {
  return executeKernel(compileKernel(kernel), grid, blockDim, args);
}

test('block-wide inclusive prefix sum with 1024 threads (Hillis-Steele, two barriers per step)', () => {
  const kb = new KernelBuilder('scan');
  const input = kb.buffer('input', 'u32', false);
  const out = kb.buffer('out', 'u32');
  const s = kb.sharedArray('s', 'u32', 1024);
  const tid = kb.local('tid', 'u32');
  const offset = kb.local('offset', 'u32');
  const t = kb.local('t', 'u32');
  const kernel = kb.build([
    tid.set(linearTid()),
    s.store(tid.get(), input.load(add(bin('*', geo('block.x'), u32(1024)), tid.get()))),
    barrier(at(5, 3)),
    ...kb.forRange(offset, u32(1), u32(1024), () => [
      t.set(select(bin('>=', tid.get(), offset.get()), s.load(sub(tid.get(), offset.get())), u32(0))),
      barrier(at(8, 5)),
      s.store(tid.get(), add(s.load(tid.get()), t.get())),
      barrier(at(10, 5)),
    ], offset.get()),
    out.store(add(bin('*', geo('block.x'), u32(1024)), tid.get()), s.load(tid.get())),
  ]);
  // forRange adds `step`; doubling needs offset += offset, which is what step = offset gives.
  const values = Array.from({ length: 2048 }, (_, i) => (i * 7919) % 101);
  const inArg = buf('input', 'u32', values);
  const outArg = buf('out', 'u32', 2048);
  run(kernel, [2, 1, 1], [32, 32, 1], [inArg, outArg]);
  const want: number[] = [];
  for (let b = 0; b < 2; b++) {
    let sum = 0;
    for (let i = 0; i < 1024; i++) want.push((sum += values[b * 1024 + i]!));
  }
  assert.deepEqual(contents(outArg), want);
});

test('tree reduction with 1024 threads: barrier inside a uniform loop', () => {
  const kb = new KernelBuilder('reduce');
  const input = kb.buffer('input', 'f32', false);
  const out = kb.buffer('out', 'f32');
  const s = kb.sharedArray('s', 'f32', 1024);
  const tid = kb.local('tid', 'u32');
  const stride = kb.local('stride', 'u32');
  const label = kb.label();
  const kernel = kb.build([
    tid.set(geo('thread.x')),
    s.store(tid.get(), input.load(add(bin('*', geo('block.x'), u32(1024)), tid.get()))),
    barrier(),
    stride.set(u32(512)),
    {
      op: 'loop', label, cond: bin('>', stride.get(), u32(0)),
      body: [
        iff(lt(tid.get(), stride.get()), [s.store(tid.get(), add(s.load(tid.get()), s.load(add(tid.get(), stride.get()))))]),
        barrier(at(9, 5)),
      ],
      update: [stride.set(bin('>>', stride.get(), u32(1)))],
    },
    iff(bin('==', tid.get(), u32(0)), [out.store(geo('block.x'), s.load(u32(0)))]),
  ]);
  const values = Array.from({ length: 3072 }, (_, i) => (i % 17) - 8);
  const outArg = buf('out', 'f32', 3);
  run(kernel, [3, 1, 1], [1024, 1, 1], [buf('input', 'f32', values), outArg]);
  const want = [0, 1, 2].map((b) => values.slice(b * 1024, b * 1024 + 1024).reduce((a, x) => a + x, 0));
  assert.deepEqual(contents(outArg), want);
});

test('barrier inside an inlined fn body (a labelled block left by break)', () => {
  // fn exchange(v) -> u32 { s[tid] = v; barrier(); return s[block_dim.x - 1 - tid]; }
  const kb = new KernelBuilder('reverse');
  const data = kb.buffer('data', 'u32');
  const s = kb.sharedArray('s', 'u32', 256);
  const tid = kb.local('tid', 'u32');
  const result = kb.local('$ret', 'u32');
  const kernel = kb.build([
    tid.set(geo('thread.x')),
    block('fn_exchange', [
      s.store(tid.get(), data.load(tid.get())),
      barrier(at(12, 3)),
      result.set(s.load(sub(sub(geo('block_dim.x'), u32(1)), tid.get()))),
      brk('fn_exchange'),
    ]),
    data.store(tid.get(), result.get()),
  ]);
  const arg = buf('data', 'u32', Array.from({ length: 256 }, (_, i) => i * 3));
  run(kernel, [1, 1, 1], [256, 1, 1], [arg]);
  assert.deepEqual(contents(arg), Array.from({ length: 256 }, (_, i) => (255 - i) * 3));
});

test('loop with a barrier and a thread-dependent break before it: locals survive across many sync points', () => {
  // Each thread accumulates over 8 rounds of a shared exchange; a local written before the loop must persist.
  const kb = new KernelBuilder('rounds');
  const out = kb.buffer('out', 'i32');
  const s = kb.sharedArray('s', 'i32', 64);
  const tid = kb.local('tid', 'u32');
  const acc = kb.local('acc', 'i32');
  const r = kb.local('r', 'i32');
  const kernel = kb.build([
    tid.set(geo('thread.x')),
    acc.set(i32(0)),
    ...kb.forRange(r, i32(0), i32(8), () => [
      s.store(tid.get(), add({ op: 'convert', type: 'i32', from: 'u32', operand: tid.get() }, r.get())),
      barrier(at(20, 5)),
      acc.set(add(acc.get(), s.load(bin('%', add(tid.get(), u32(1)), u32(64))))),
      barrier(at(22, 5)),
    ]),
    out.store(tid.get(), acc.get()),
  ]);
  const arg = buf('out', 'i32', 64);
  run(kernel, [1, 1, 1], [64, 1, 1], [arg]);
  assert.deepEqual(contents(arg), Array.from({ length: 64 }, (_, i) => 8 * ((i + 1) % 64) + 28));
});

/** out[tid] = collective(value(tid), arg) for every thread of one block. */
function warpKernel(op: IrWarpOp, type: 'f32' | 'i32' | 'u32', arg: number | null): IrKernel {
  const kb = new KernelBuilder(`warp_${op}`);
  const input = kb.buffer('input', type, false);
  const out = kb.buffer('out', type);
  const tid = kb.local('tid', 'u32');
  const r = kb.local('r', type);
  return kb.build([
    tid.set(linearTid()),
    warp(op, r, input.load(tid.get()), arg === null ? null : u32(arg)),
    out.store(tid.get(), r.get()),
  ]);
}

function runWarp(op: IrWarpOp, type: 'f32' | 'i32' | 'u32', arg: number | null, blockDim: Dim3, values: number[]): number[] {
  const outArg = buf('out', type, values.length);
  run(warpKernel(op, type, arg), [1, 1, 1], blockDim, [buf('input', type, values), outArg]);
  return contents(outArg);
}

/** Reference collectives over linear thread ids (x fastest), lanes past the block absent. */
function referenceWarp(op: IrWarpOp, arg: number, values: number[]): number[] {
  return values.map((v, t) => {
    const base = t - (t % 32);
    const lanes = values.slice(base, Math.min(base + 32, values.length));
    const lane = t - base;
    const own = (src: number) => (src >= 0 && src < lanes.length ? lanes[src]! : v);
    switch (op) {
      case 'sum': return lanes.reduce((a, x) => a + x, 0);
      case 'max': return Math.max(...lanes);
      case 'min': return Math.min(...lanes);
      case 'shuffle_down': return own(lane + arg);
      case 'shuffle_xor': return own(lane ^ arg);
      case 'broadcast': return own(arg % 32);
    }
  });
}

test('all six warp collectives on a 2-D block (8 x 8: warps are 32 consecutive linear ids)', () => {
  const values = Array.from({ length: 64 }, (_, i) => ((i * 37) % 29) - 11);
  for (const [op, arg] of [['sum', null], ['max', null], ['min', null], ['shuffle_down', 3], ['shuffle_xor', 5], ['broadcast', 7]] as const) {
    assert.deepEqual(runWarp(op, 'i32', arg, [8, 8, 1], values), referenceWarp(op, arg ?? 0, values), op);
  }
});

test('warp collectives on a partial warp (40 threads): missing lanes take no part, out-of-range shuffles keep their own value', () => {
  const values = Array.from({ length: 40 }, (_, i) => i + 1);
  for (const [op, arg] of [['sum', null], ['max', null], ['min', null], ['shuffle_down', 4], ['shuffle_xor', 16], ['broadcast', 35]] as const) {
    assert.deepEqual(runWarp(op, 'u32', arg, [40, 1, 1], values), referenceWarp(op, arg ?? 0, values), op);
  }
  // Spot checks of the documented rules: warp 1 has lanes 0..7 (threads 32..39).
  assert.equal(runWarp('sum', 'u32', null, [40, 1, 1], values)[33], 33 + 34 + 35 + 36 + 37 + 38 + 39 + 40);
  assert.equal(runWarp('shuffle_down', 'u32', 4, [40, 1, 1], values)[36], 37); // source lane 8 is missing: own value
  assert.equal(runWarp('broadcast', 'u32', 35, [40, 1, 1], values)[0], 4); // 35 wraps to lane 3
});

test('warp_sum on f32 rounds like a butterfly of f32 adds', () => {
  const values = Array.from({ length: 32 }, (_, i) => (i === 0 ? 1e8 : 1.5));
  const got = runWarp('sum', 'f32', null, [32, 1, 1], values);
  // Pairwise tree: 1e8 + 1.5 rounds in f32, so the result differs from the exact sum 1e8 + 46.5.
  let v = values.map((x) => Math.fround(x));
  for (let w = 16; w >= 1; w >>= 1) v = v.map((x, l) => (l < w ? Math.fround(x + v[l + w]!) : x));
  assert.equal(got[5], v[0]);
  assert.notEqual(got[5], 1e8 + 46.5);
});

test('warp_sum of a thread-dependent value used by a later barrier step (softmax-style block reduction)', () => {
  // Each warp sums, lane 0 writes to shared, barrier, thread 0 adds the per-warp sums.
  const kb = new KernelBuilder('block_sum');
  const input = kb.buffer('input', 'f32', false);
  const out = kb.buffer('out', 'f32');
  const partial = kb.sharedArray('partial', 'f32', 8);
  const tid = kb.local('tid', 'u32');
  const v = kb.local('v', 'f32');
  const total = kb.local('total', 'f32');
  const w = kb.local('w', 'u32');
  const kernel = kb.build([
    tid.set(geo('thread.x')),
    warp('sum', v, input.load(tid.get())),
    iff(bin('==', geo('lane'), u32(0)), [partial.store(bin('/', tid.get(), u32(32)), v.get())]),
    barrier(),
    iff(bin('==', tid.get(), u32(0)), [
      total.set(f32(0)),
      ...kb.forRange(w, u32(0), u32(8), () => [total.set(add(total.get(), partial.load(w.get())))]),
      out.store(u32(0), total.get()),
    ]),
  ]);
  const values = Array.from({ length: 256 }, (_, i) => i % 5);
  const outArg = buf('out', 'f32', 1);
  run(kernel, [1, 1, 1], [256, 1, 1], [buf('input', 'f32', values), outArg]);
  assert.deepEqual(contents(outArg), [values.reduce((a, x) => a + x, 0)]);
});

test('atomics: a contended histogram counts every element, and old values are returned', () => {
  const kb = new KernelBuilder('histogram');
  const input = kb.buffer('input', 'u32', false);
  const bins = kb.buffer('bins', 'u32');
  const ticket = kb.buffer('ticket', 'i32');
  const olds = kb.buffer('olds', 'i32');
  const fsum = kb.buffer('fsum', 'f32');
  const mx = kb.buffer('mx', 'i32');
  const i = kb.local('i', 'u32');
  const old = kb.local('old', 'i32');
  const kernel = kb.build([
    i.set(add(bin('*', geo('block.x'), geo('block_dim.x')), geo('thread.x'))),
    bins.atomic('add', bin('%', input.load(i.get()), u32(16)), u32(1)),
    ticket.atomic('add', u32(0), i32(1), old),
    olds.store(i.get(), old.get()),
    fsum.atomic('add', u32(0), f32(0.5)),
    mx.atomic('max', u32(0), { op: 'convert', type: 'i32', from: 'u32', operand: i.get() }),
    mx.atomic('min', u32(1), { op: 'convert', type: 'i32', from: 'u32', operand: i.get() }),
  ]);
  const n = 4096;
  const values = Array.from({ length: n }, (_, k) => (k * k + 3) % 1000);
  const binsArg = buf('bins', 'u32', 16);
  const ticketArg = buf('ticket', 'i32', 1);
  const oldsArg = buf('olds', 'i32', n);
  const fsumArg = buf('fsum', 'f32', 1);
  const mxArg = buf('mx', 'i32', [-5, 1_000_000]);
  run(kernel, [16, 1, 1], [256, 1, 1], [buf('input', 'u32', values), binsArg, ticketArg, oldsArg, fsumArg, mxArg]);
  const want = new Array<number>(16).fill(0);
  for (const v of values) want[v % 16]!++;
  assert.deepEqual(contents(binsArg), want);
  assert.deepEqual(contents(ticketArg), [n]);
  assert.deepEqual([...contents(oldsArg)].sort((a, b) => a - b), Array.from({ length: n }, (_, k) => k));
  assert.deepEqual(contents(fsumArg), [n / 2]);
  assert.deepEqual(contents(mxArg), [n - 1, 0]);
});

test('shared memory is per block and zeroed at block start', () => {
  const kb = new KernelBuilder('shared_per_block');
  const out = kb.buffer('out', 'u32');
  const s = kb.sharedArray('s', 'u32', 1);
  const kernel = kb.build([
    s.atomic('add', u32(0), u32(1)),
    barrier(),
    iff(bin('==', geo('thread.x'), u32(0)), [out.store(geo('block.x'), s.load(u32(0)))]),
  ]);
  const outArg = buf('out', 'u32', 4);
  run(kernel, [4, 1, 1], [64, 1, 1], [outArg]);
  assert.deepEqual(contents(outArg), [64, 64, 64, 64]);
});

test('counts bytes per buffer placement and flops', () => {
  const kb = new KernelBuilder('axpy');
  const n = kb.scalar('n', 'u32');
  const x = kb.buffer('x', 'f32', false);
  const y = kb.buffer('y', 'f16');
  const i = kb.local('i', 'u32');
  const kernel = kb.build([
    i.set(add(bin('*', geo('block.x'), geo('block_dim.x')), geo('thread.x'))),
    iff(lt(i.get(), n), [y.store(i.get(), { op: 'math', type: 'f32', fn: 'fma', args: [f32(2), x.load(i.get()), y.load(i.get())] })]),
  ]);
  const r = run(kernel, [4, 1, 1], [32, 1, 1], [scalarArg('u32', 100), buf('x', 'f32', 128, 'host'), buf('y', 'f16', 128)]);
  assert.deepEqual(r, { bytes: 100 * 2 * 2, flops: 200, linkBytes: 400, linkReadBytes: 400, linkWriteBytes: 0 });
});

export type { BufferArg };
