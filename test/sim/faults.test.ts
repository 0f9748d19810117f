// Every runtime fault of the simulator with its exact message: out-of-bounds global / shared / atomic access,
// barrier and warp divergence, bad launch sizes and arguments, misaligned buffers, the deadline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileKernel, executeKernel, type ExecArg, type ExecOptions } from '../../driver/sim/executor';
import { DeviceError, type Dim3 } from '../../driver/device';
import type { IrKernel } from '../../kernels/lang/ir';
import { KernelBuilder, add, at, barrier, bin, buf, f32, geo, iff, loop, lt, ret, scalarArg, u32, warp } from './ir-builders';

function fault(kernel: IrKernel, grid: Dim3, block: Dim3, args: ExecArg[], options?: ExecOptions): DeviceError {
  try {
    executeKernel(compileKernel(kernel), grid, block, args, options);
  } catch (e) {
    if (e instanceof DeviceError) return e;
    throw e;
  }
  assert.fail('expected a DeviceError');
}

function copyKernel(sharedLength = 0) {
  const kb = new KernelBuilder('copy');
  const src = kb.buffer('src', 'f32', false);
  const dst = kb.buffer('dst', 'f32');
  const i = kb.local('i', 'u32');
  const body = [
    i.set(add(bin('*', geo('block.x'), geo('block_dim.x')), geo('thread.x'))),
    dst.store(i.get(), src.load(i.get(), at(3, 12, 'copy.kern')), at(3, 3, 'copy.kern')),
  ];
  if (sharedLength) {
    const s = kb.sharedArray('tile', 'f32', sharedLength);
    body.push(s.store(geo('thread.x'), f32(1), at(4, 3, 'copy.kern')));
  }
  return kb.build(body, at(1, 1, 'copy.kern'));
}

test('out-of-bounds global read and write name buffer, index, length, kernel, block, thread and line', () => {
  const e1 = fault(copyKernel(), [3, 1, 1], [4, 1, 1], [buf('src', 'f32', 10), buf('dst', 'f32', 12)]);
  assert.equal(e1.message, 'out-of-bounds read: src[10] but src has 10 elements — kernel copy, block (2,0,0), thread (2,0,0), at copy.kern:3:12');
  assert.deepEqual(e1.detail, { kind: 'out-of-bounds', kernel: 'copy', block: [2, 0, 0], thread: [2, 0, 0], loc: { file: 'copy.kern', line: 3, column: 12 } });
  const e2 = fault(copyKernel(), [3, 1, 1], [4, 1, 1], [buf('src', 'f32', 12), buf('dst', 'f32', 9)]);
  assert.equal(e2.message, 'out-of-bounds write: dst[9] but dst has 9 elements — kernel copy, block (2,0,0), thread (1,0,0), at copy.kern:3:3');
});

test('out-of-bounds shared access and atomic, with a negative i32 index', () => {
  const e1 = fault(copyKernel(4), [1, 1, 1], [8, 1, 1], [buf('src', 'f32', 8), buf('dst', 'f32', 8)]);
  assert.equal(e1.message, 'out-of-bounds write: tile[4] but tile has 4 elements — kernel copy, block (0,0,0), thread (4,0,0), at copy.kern:4:3');
  const kb = new KernelBuilder('hist');
  const h = kb.buffer('h', 'i32');
  const k = kb.build([h.atomic('add', { op: 'binary', type: 'i32', operandType: 'i32', kind: '-', left: { op: 'convert', type: 'i32', from: 'u32', operand: geo('thread.x') }, right: { op: 'const', type: 'i32', value: 2 } }, { op: 'const', type: 'i32', value: 1 }, null, at(7, 5, 'hist.kern'))]);
  const e2 = fault(k, [1, 1, 1], [4, 1, 1], [buf('h', 'i32', 4)]);
  assert.equal(e2.message, 'out-of-bounds atomic: h[-2] but h has 4 elements — kernel hist, block (0,0,0), thread (0,0,0), at hist.kern:7:5');
});

test('a guarded load in select / && is not evaluated (no fault) when the guard is false', () => {
  const kb = new KernelBuilder('guarded');
  const n = kb.scalar('n', 'u32');
  const src = kb.buffer('src', 'f32', false);
  const dst = kb.buffer('dst', 'f32');
  const i = kb.local('i', 'u32');
  const k = kb.build([
    i.set(geo('thread.x')),
    dst.store(i.get(), { op: 'select', type: 'f32', cond: lt(i.get(), n), ifTrue: src.load(i.get()), ifFalse: f32(-1) }),
    iff(bin('&&', lt(i.get(), n), bin('>', src.load(i.get()), f32(0))), [dst.store(i.get(), f32(7))]),
  ]);
  const dstArg = buf('dst', 'f32', 4);
  executeKernel(compileKernel(k), [1, 1, 1], [4, 1, 1], [scalarArg('u32', 2), buf('src', 'f32', [5, -5]), dstArg]);
  assert.deepEqual(Array.from(new Float32Array(dstArg.data)), [7, -5, -1, -1]);
});

test('barrier divergence: a thread that exited while others wait, and threads at different barriers', () => {
  const kb = new KernelBuilder('diverge');
  const o = kb.buffer('o', 'u32');
  const k1 = kb.build([
    iff(bin('==', geo('thread.x'), u32(3)), [ret()]),
    barrier(at(5, 3, 'd.kern')),
    o.store(geo('thread.x'), u32(1)),
  ], at(1, 1, 'd.kern'));
  const e1 = fault(k1, [2, 1, 1], [8, 1, 1], [buf('o', 'u32', 8)]);
  assert.equal(e1.message, 'barrier divergence: thread (3,0,0) exited while other threads of its block wait at the barrier at d.kern:5:3 — kernel diverge, block (0,0,0), thread (3,0,0), at d.kern:5:3');
  assert.equal(e1.detail.kind, 'barrier-divergence');

  const kb2 = new KernelBuilder('two_barriers');
  const k2 = kb2.build([
    iff(lt(geo('thread.x'), u32(32)), [barrier(at(3, 5, 'd.kern'))], [barrier(at(5, 5, 'd.kern'))]),
  ]);
  const e2 = fault(k2, [1, 1, 1], [64, 1, 1], []);
  assert.equal(e2.message, 'barrier divergence: thread (0,0,0) waits at the barrier at d.kern:3:5 but thread (32,0,0) at the barrier at d.kern:5:5 — kernel two_barriers, block (0,0,0), thread (32,0,0), at d.kern:5:5');
});

test('warp divergence: lanes of one warp at different collectives fault instead of hanging', () => {
  const kb = new KernelBuilder('warp_diverge');
  const r = kb.local('r', 'u32');
  const k = kb.build([
    iff(lt(geo('thread.x'), u32(16)), [warp('sum', r, geo('thread.x'), null, at(3, 9, 'w.kern'))], [barrier(at(5, 5, 'w.kern'))]),
  ]);
  const e = fault(k, [1, 1, 1], [32, 1, 1], []);
  assert.equal(e.message, 'warp divergence: lane 0 of warp 0 waits at warp_sum at w.kern:3:9 but lane 16 at barrier at w.kern:5:5 — kernel warp_diverge, block (0,0,0), thread (16,0,0), at w.kern:3:9');
});

test('bad launch sizes and arguments are faults naming the kernel and the launch site', () => {
  const k = copyKernel(16);
  const args = [buf('src', 'f32', 8), buf('dst', 'f32', 8)];
  const source = { file: 'copy.kern', line: 12, column: 3 };
  const msg = (grid: Dim3, block: Dim3, a: ExecArg[] = args) => fault(k, grid, block, a, { source }).message;
  assert.equal(msg([0, 1, 1], [8, 1, 1]), 'bad launch of kernel copy: grid (0,1,1) — every grid and block dimension must be a whole number of at least 1 — at copy.kern:12:3');
  assert.equal(msg([1, 1, 1], [2.5, 1, 1]), 'bad launch of kernel copy: block (2.5,1,1) — every grid and block dimension must be a whole number of at least 1 — at copy.kern:12:3');
  assert.equal(msg([1, 1, 1], [64, 32, 1]), "bad launch of kernel copy: block (64,32,1) has 2048 threads, over the device's 1024 per block — at copy.kern:12:3");
  assert.equal(msg([1, 1, 1], [1, 1, 128]), "bad launch of kernel copy: block.z = 128 is over the device's 64 — at copy.kern:12:3");
  assert.equal(msg([1, 70000, 1], [8, 1, 1]), "bad launch of kernel copy: grid.y = 70000 is over the device's 65535 — at copy.kern:12:3");
  assert.equal(msg([1, 1, 1], [8, 1, 1], [args[0]!]), 'bad launch of kernel copy: it takes 2 arguments but the launch passes 1 — at copy.kern:12:3');
  assert.equal(msg([1, 1, 1], [8, 1, 1], [args[0]!, scalarArg('f32', 1)]), 'bad launch of kernel copy: argument 2 (dst) must be a f32 buffer, not a scalar — at copy.kern:12:3');
  assert.equal(msg([1, 1, 1], [8, 1, 1], [args[0]!, buf('dst', 'i32', 8)]), 'bad launch of kernel copy: argument 2 (dst) is the i32 buffer dst but the kernel expects f32[] — at copy.kern:12:3');
  const odd: ExecArg = { kind: 'buffer', name: 'raw', data: new SharedArrayBuffer(10), placement: 'device' };
  const e = fault(k, [1, 1, 1], [8, 1, 1], [args[0]!, odd], { source });
  assert.equal(e.message, 'bad launch of kernel copy: argument 2 (dst): buffer raw has 10 bytes at offset 0, not whole f32 elements of 4 bytes — at copy.kern:12:3');
  assert.equal(e.detail.kind, 'misaligned');
  const kb = new KernelBuilder('scal');
  kb.scalar('n', 'u32');
  assert.equal(fault(kb.build([]), [1, 1, 1], [1, 1, 1], [scalarArg('i32', 1)]).message, 'bad launch of kernel scal: argument 1 (n) must be u32, not i32 — at test.kern:1:1');
  const big = new KernelBuilder('big');
  big.sharedArray('huge', 'f32', 16384);
  assert.equal(fault(big.build([]), [1, 1, 1], [1, 1, 1], []).message, "bad launch of kernel big: it uses 65536 bytes of shared memory, over the device's 49152 per block — at test.kern:1:1");
});

test('the deadline stops an endless loop with a timeout naming the kernel and the limit', () => {
  const kb = new KernelBuilder('spin');
  const k = kb.build([loop(kb.label(), null, [])], at(2, 1, 'spin.kern'));
  const e = fault(k, [1, 1, 1], [1, 1, 1], [], { deadline: Date.now() + 50, timeLimitMs: 50 });
  assert.equal(e.message, 'timeout: kernel spin ran past the 50 ms time limit and was stopped — kernel spin, block (0,0,0), thread (0,0,0), at spin.kern:2:1');
  assert.equal(e.detail.kind, 'timeout');
  // With barriers too (the state-machine path checks its back-edges).
  const kb2 = new KernelBuilder('spin_barrier');
  const k2 = kb2.build([loop(kb2.label(), null, [barrier()])], at(2, 1, 'spin.kern'));
  const e2 = fault(k2, [1, 1, 1], [64, 1, 1], [], { deadline: Date.now() + 50, timeLimitMs: 50 });
  assert.equal(e2.detail.kind, 'timeout');
  // The cancel flag is honoured at the same checks.
  const cancel = new Int32Array(new SharedArrayBuffer(4));
  cancel[0] = 1;
  assert.equal(fault(k, [1, 1, 1], [1, 1, 1], [], { cancel }).detail.kind, 'cancelled');
});
