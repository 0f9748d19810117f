// Drives the whole CUDA backend (probe, context, JIT, memory, copies, launches, events, errors) against a fake
// libcuda built from test/cuda/fake/fake_libcuda.c with the system C compiler; skipped visibly without one.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCudaDevice, probeCuda, CudaError } from '../../driver/cuda/index';
import { libcudaCandidates } from '../../driver/cuda/libcuda';
import { packArguments } from '../../driver/cuda/device';
import { DeviceError, type Device, type LaunchArg } from '../../driver/device';
import {
  KernelBuilder, assign, bin, blockSumKernel, bufferParam, cvt, load, local, param, saxpyKernel, scalarParam, store, u32,
} from '../ptx/ir-builders';

let dir = '';
let fakeLibrary: string | null = null;
let buildProblem = '';
let logFile = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'egpu-fake-cuda-'));
  const cc = process.env.CC ?? 'cc';
  const out = join(dir, 'libcuda.so');
  const r = spawnSync(cc, ['-shared', '-fPIC', '-O1', '-o', out, join(__dirname, 'fake', 'fake_libcuda.c')], { encoding: 'utf8' });
  if (r.status === 0 && existsSync(out)) fakeLibrary = out;
  else buildProblem = r.error ? `no C compiler (${cc}: ${r.error.message})` : `${cc} failed: ${r.stderr}`;
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  if (fakeLibrary) process.env.EGPU_LIBCUDA = fakeLibrary;
  delete process.env.FAKE_CUDA_FAIL;
  delete process.env.FAKE_CUDA_BUSY;
  logFile = join(dir, `log-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(logFile, '');
  process.env.FAKE_CUDA_LOG = logFile;
});

function logLines(): string[] {
  return readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
}

const f32Bytes = (values: number[]): Uint8Array => new Uint8Array(new Float32Array(values).buffer);

test('probe describes the device from its attributes', async (t) => {
  if (!fakeLibrary) return t.skip(buildProblem);
  const probe = await probeCuda();
  assert.equal(probe.ok, true, JSON.stringify(probe));
  if (!probe.ok) return;
  assert.equal(probe.devices.length, 1);
  const d = probe.devices[0]!;
  assert.equal(d.id, 'cuda:0');
  assert.equal(d.backend, 'cuda');
  assert.equal(d.name, 'Fake CUDA GPU 0 (cuda:0)');
  assert.equal(d.gpu, 'Fake CUDA GPU 0 (108 SMs, compute 8.0)');
  assert.equal(d.computeCapability, '8.0');
  assert.equal(d.memoryBytes, 8 * 2 ** 30);
  assert.deepEqual(d.limits, { maxThreadsPerBlock: 1024, maxSharedBytesPerBlock: 49152, warpSize: 32, maxGridDim: [2147483647, 65535, 65535], maxBlockDim: [1024, 1024, 64] });
  // 1215 MHz DDR x 5120-bit bus = 1555.2 GB/s (A100 40GB); 108 SMs x 64 lanes x 2 x 1.41 GHz = 19.49 TFLOPS.
  assert.equal(d.ceilings.memoryGBps, 1555.2);
  assert.equal(d.ceilings.fp32TFLOPS, 19.49);
  assert.ok(d.ceilings.linkH2DGBps > 0);
  process.env.FAKE_CUDA_DEVICES = '3';
  try {
    const three = await probeCuda();
    assert.deepEqual(three.ok && three.devices.map((x) => x.id), ['cuda:0', 'cuda:1', 'cuda:2']);
  } finally {
    delete process.env.FAKE_CUDA_DEVICES;
  }
});

test('missing libcuda gives a one-line reason naming where it looked', async () => {
  process.env.EGPU_LIBCUDA = join(dir || tmpdir(), 'nowhere', 'libcuda.so.1');
  const probe = await probeCuda();
  assert.deepEqual(probe, { ok: false, reason: `libcuda not found (looked for ${process.env.EGPU_LIBCUDA}; set EGPU_LIBCUDA to its path)` });
  await assert.rejects(openCudaDevice(0), (err: Error) => err.message.startsWith('cuda:0 is not available: libcuda not found (looked for '));
  assert.deepEqual(libcudaCandidates('win32', {}), ['nvcuda.dll', 'C:\\Windows\\System32\\nvcuda.dll']);
  assert.ok(libcudaCandidates('linux', {}).includes('/usr/lib/wsl/lib/libcuda.so.1'));
  assert.equal(libcudaCandidates('linux', {})[0], 'libcuda.so.1');
  assert.deepEqual(libcudaCandidates('linux', { EGPU_LIBCUDA: '/x/libcuda.so' }), ['/x/libcuda.so']);
});

test('cuInit failure is reported with the driver error name', async (t) => {
  if (!fakeLibrary) return t.skip(buildProblem);
  process.env.FAKE_CUDA_FAIL = 'cuInit=100';
  assert.deepEqual(await probeCuda(), { ok: false, reason: 'initialising the CUDA driver (cuInit) failed: CUDA_ERROR_NO_DEVICE (no CUDA-capable device is detected)' });
});

test('an unknown ordinal lists the devices there are', async (t) => {
  if (!fakeLibrary) return t.skip(buildProblem);
  await assert.rejects(openCudaDevice(3), { message: 'cuda:3 does not exist: 1 CUDA device found (cuda:0)' });
});

async function withDevice(fn: (d: Device) => Promise<void>, options: { timeLimitMs?: number; stagingBytes?: number } = {}): Promise<void> {
  const d = await openCudaDevice(0, options);
  try {
    await fn(d);
  } finally {
    await d.dispose();
  }
}

test('uploads go through pinned staging in chunks and come back byte for byte', async (t) => {
  if (!fakeLibrary) return t.skip(buildProblem);
  await withDevice(async (d) => {
    const data = new Uint8Array(1000).map((_, i) => (i * 7) & 0xff);
    const buf = await d.alloc(1000, 'device', 'x');
    d.resetTrace();
    await d.upload(buf, data, { file: 'a.kern', line: 4, column: 3 });
    assert.deepEqual(await d.download(buf), data);
    const events = d.events();
    assert.deepEqual(events.map((e) => [e.kind, e.lane, e.name, e.bytes, e.src_kind, e.dst_kind]), [
      ['h2d', 'h2d', 'x', 1000, 'pinned', 'device'],
      ['d2h', 'd2h', 'x', 1000, 'device', 'pinned'],
    ]);
    assert.deepEqual(events[0]!.source, { file: 'a.kern', line: 4, column: 3 });
    // 1000 bytes in 256-byte chunks: start, 4 chunk events, end = 5 clock steps of 10 µs.
    assert.equal(events[0]!.duration_us, 50);
    assert.equal(events[0]!.start_us, 10);
    const pinned = logLines().filter((l) => l.startsWith('host_alloc'));
    assert.deepEqual(pinned, ['host_alloc 256 flags=1', 'host_alloc 256 flags=1'], 'two pinned staging chunks, reused');
  }, { stagingBytes: 256 });
});

test('fill sets every byte on the device as a memset event in the compute lane', async (t) => {
  if (!fakeLibrary) return t.skip(buildProblem);
  await withDevice(async (d) => {
    const buf = await d.alloc(64, 'device', 'acc');
    await d.fill(buf, 0x3c);
    assert.deepEqual(await d.download(buf), new Uint8Array(64).fill(0x3c));
    assert.deepEqual(d.events().map((e) => `${e.kind}:${e.lane}:${e.name}:${e.bytes}`), ['memset:compute:acc:64', 'd2h:d2h:acc:64']);
    await assert.rejects(d.alloc(1.5, 'device', 'odd'), { message: 'cannot allocate buffer odd: 1.5 is not a byte count' });
  });
});

test('launch packs arguments as the PTX entry declares them; the fake sees the exact bytes', async (t) => {
  if (!fakeLibrary) return t.skip(buildProblem);
  await withDevice(async (d) => {
    const x = await d.alloc(16, 'device', 'x');
    const y = await d.alloc(16, 'device', 'y');
    await d.upload(x, f32Bytes([1, 2, 3, 4]));
    const program = await d.compile(saxpyKernel());
    const args: LaunchArg[] = [
      { kind: 'scalar', type: 'u32', value: 4 }, { kind: 'scalar', type: 'f32', value: 2 },
      { kind: 'buffer', buffer: x }, { kind: 'buffer', buffer: y },
    ];
    d.resetTrace();
    await d.launch(program, [2, 1, 1], [32, 1, 1], args, { source: { file: 's.kern', line: 12, column: 3 } });
    await d.synchronize();
    const launch = logLines().find((l) => l.startsWith('launch '));
    assert.match(launch ?? '', /^launch saxpy grid=2,1,1 block=32,1,1 args=04000000 00000040 ([0-9a-f]{16}) ([0-9a-f]{16})$/);
    const [, px, py] = /args=\S+ \S+ (\S+) (\S+)$/.exec(launch!)!;
    assert.notEqual(px, py);
    assert.notEqual(px, '0000000000000000');
    const events = d.events();
    assert.deepEqual(events.map((e) => [e.kind, e.lane]), [['kernel', 'compute'], ['sync', 'host']]);
    const k = events[0]!;
    assert.deepEqual(k.grid, [2, 1, 1]);
    assert.deepEqual(k.block, [32, 1, 1]);
    assert.deepEqual(k.source, { file: 's.kern', line: 12, column: 3 });
    assert.equal(k.duration_us, 10);
    // saxpy moves 12 bytes and does 2 flops per thread that passes `i < n`: 4 of the 64.
    assert.equal(k.bytes, 4 * 12);
    assert.equal(k.flops, 4 * 2);
    assert.equal(k.work_estimate, 'exact');
  });
});

test('signed, boolean and float scalars pack little-endian', async (t) => {
  if (!fakeLibrary) return t.skip(buildProblem);
  const k = new KernelBuilder('scalars', [scalarParam('a', 'i32'), scalarParam('b', 'bool'), scalarParam('c', 'f32'), bufferParam('o', 'i32', true)]);
  const kernel = k.finish([store(3, 'i32', u32(0), param(0, 'i32')), store(3, 'i32', u32(1), cvt('i32', param(2, 'f32')))]);
  await withDevice(async (d) => {
    const o = await d.alloc(8, 'device', 'o');
    await d.launch(await d.compile(kernel), [1, 1, 1], [32, 1, 1], [
      { kind: 'scalar', type: 'i32', value: -2 }, { kind: 'scalar', type: 'bool', value: 1 },
      { kind: 'scalar', type: 'f32', value: 0.5 }, { kind: 'buffer', buffer: o },
    ]);
    await d.synchronize();
    assert.match(logLines().find((l) => l.startsWith('launch scalars')) ?? '', / args=feffffff 01000000 0000003f [0-9a-f]{16}$/);
  });
});

test('pointer parameters after a 4-byte scalar are aligned to 8 bytes', () => {
  const packed = packArguments(saxpyKernel(), [
    { kind: 'scalar', type: 'u32', value: 4 }, { kind: 'scalar', type: 'f32', value: 2 },
    { kind: 'buffer', buffer: { id: 1, bytes: 4, placement: 'device', name: 'x' } },
    { kind: 'buffer', buffer: { id: 2, bytes: 4, placement: 'device', name: 'y' } },
  ]);
  assert.deepEqual(packed.offsets, [0, 4, 8, 16]);
  assert.deepEqual(packed.buffers, [[8, 2], [16, 3]]);
  assert.equal(Buffer.from(packed.bytes.subarray(0, 8)).toString('hex'), '0400000000000040');
  assert.throws(() => packArguments(saxpyKernel(), []), (e: DeviceError) => e.detail.kind === 'invalid' && e.message === 'kernel saxpy takes 4 arguments, got 0');
});

test('host-placed buffers are mapped host memory: no copies on the timeline, the kernel gets the mapped pointer', async (t) => {
  if (!fakeLibrary) return t.skip(buildProblem);
  await withDevice(async (d) => {
    const x = await d.alloc(16, 'host', 'weights');
    const y = await d.alloc(16, 'device', 'y');
    assert.deepEqual(logLines().filter((l) => l.startsWith('host_alloc')), ['host_alloc 16 flags=3'], 'DEVICEMAP | PORTABLE');
    d.resetTrace();
    await d.upload(x, f32Bytes([5, 6, 7, 8]));
    assert.deepEqual(await d.download(x), f32Bytes([5, 6, 7, 8]));
    await d.launch(await d.compile(saxpyKernel()), [1, 1, 1], [32, 1, 1], [
      { kind: 'scalar', type: 'u32', value: 4 }, { kind: 'scalar', type: 'f32', value: 1 },
      { kind: 'buffer', buffer: x }, { kind: 'buffer', buffer: y },
    ]);
    await d.synchronize();
    const events = d.events();
    assert.deepEqual(events.map((e) => e.kind), ['kernel', 'sync']);
    assert.equal(events[0]!.link_bytes, 4 * 4, 'reads of x by the 4 threads with i < n cross the link');
    assert.equal(events[0]!.bytes, 4 * 8, 'y is read and written in device memory');
  });
});

test('a PTX JIT failure is a CudaError carrying the JIT log', async (t) => {
  if (!fakeLibrary) return t.skip(buildProblem);
  const k = new KernelBuilder('FAKE_JIT_ERROR', []);
  await withDevice(async (d) => {
    await assert.rejects(d.compile(k.finish([])), (err: unknown) => {
      assert.ok(err instanceof CudaError);
      assert.equal(err.errorName, 'CUDA_ERROR_INVALID_PTX');
      assert.equal(err.code, 218);
      assert.equal(err.what, 'JIT-compiling the PTX of kernel FAKE_JIT_ERROR');
      assert.match(err.message, /^CUDA CUDA_ERROR_INVALID_PTX \(218\) while JIT-compiling the PTX of kernel FAKE_JIT_ERROR: a PTX JIT compilation failed\nJIT log:\nptxas application ptx input, line 7; error   : fake JIT failure$/);
      return true;
    });
  });
});

test('a failing driver call names the error and what we were doing', async (t) => {
  if (!fakeLibrary) return t.skip(buildProblem);
  await withDevice(async (d) => {
    const x = await d.alloc(16, 'device', 'x');
    const y = await d.alloc(16, 'device', 'y');
    const program = await d.compile(saxpyKernel());
    process.env.FAKE_CUDA_FAIL = 'cuLaunchKernel=701';
    await assert.rejects(
      d.launch(program, [1, 1, 1], [32, 1, 1], [
        { kind: 'scalar', type: 'u32', value: 4 }, { kind: 'scalar', type: 'f32', value: 1 },
        { kind: 'buffer', buffer: x }, { kind: 'buffer', buffer: y },
      ], { source: { file: 's.kern', line: 9, column: 3 } }),
      { name: 'CudaError', message: 'CUDA CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES (701) while launching kernel saxpy (s.kern:9): too many resources requested for launch' },
    );
    process.env.FAKE_CUDA_FAIL = 'cuMemcpyHtoDAsync_v2=1';
    await assert.rejects(d.upload(x, new Uint8Array(16)), { name: 'CudaError', message: "CUDA CUDA_ERROR_INVALID_VALUE (1) while copying 16 bytes to buffer 'x': invalid argument" });
  });
});

test('out of device memory names the request and the capacity', async (t) => {
  if (!fakeLibrary) return t.skip(buildProblem);
  await withDevice(async (d) => {
    process.env.FAKE_CUDA_FAIL = 'cuMemAlloc_v2=2';
    await assert.rejects(d.alloc(12e9, 'device', 'kv_cache'), (err: unknown) => {
      assert.ok(err instanceof DeviceError);
      assert.equal(err.detail.kind, 'out-of-memory');
      assert.equal(err.message, "out of device memory: buffer 'kv_cache' needs 12.0 GB, cuda:0 has 8.6 GB (CUDA_ERROR_OUT_OF_MEMORY)");
      return true;
    });
  });
});

test('launches over the device limits are refused before reaching the driver', async (t) => {
  if (!fakeLibrary) return t.skip(buildProblem);
  await withDevice(async (d) => {
    const program = await d.compile(saxpyKernel());
    await assert.rejects(d.launch(program, [1, 70000, 1], [2048, 1, 1], []), (err: unknown) => {
      assert.ok(err instanceof DeviceError);
      assert.equal(err.detail.kind, 'launch-limits');
      assert.equal(err.message, "launch of saxpy is over cuda:0's limits: 2048 threads per block (limit 1024), block.x = 2048 (limit 1024), grid.y = 70000 (limit 65535)");
      return true;
    });
    assert.equal(logLines().filter((l) => l.startsWith('launch ')).length, 0);
  });
});

test('a kernel that never finishes is reported as a timeout naming it, and the device refuses further work', async (t) => {
  if (!fakeLibrary) return t.skip(buildProblem);
  const d = await openCudaDevice(0, { timeLimitMs: 30 });
  try {
    const y = await d.alloc(16, 'device', 'y');
    const x = await d.alloc(16, 'device', 'x');
    await d.synchronize();
    process.env.FAKE_CUDA_BUSY = '1';
    await d.launch(await d.compile(saxpyKernel()), [1, 1, 1], [32, 1, 1], [
      { kind: 'scalar', type: 'u32', value: 4 }, { kind: 'scalar', type: 'f32', value: 1 },
      { kind: 'buffer', buffer: x }, { kind: 'buffer', buffer: y },
    ], { source: { file: 't.kern', line: 3, column: 1 } });
    await assert.rejects(d.synchronize(), (err: unknown) => {
      assert.ok(err instanceof DeviceError);
      assert.equal(err.detail.kind, 'timeout');
      assert.equal(err.detail.kernel, 'saxpy');
      assert.deepEqual(err.detail.loc, { file: 't.kern', line: 3, column: 1 });
      assert.equal(err.message, 'timeout: kernel saxpy did not finish within 30 ms (synchronizing with the GPU)');
      return true;
    });
    await assert.rejects(d.download(y), { message: 'cuda:0 cannot be used any more: the GPU did not finish within 30 ms; open it again' });
  } finally {
    delete process.env.FAKE_CUDA_BUSY;
    await d.dispose();
  }
});

test('dispose unloads modules, frees memory and releases the context', async (t) => {
  if (!fakeLibrary) return t.skip(buildProblem);
  const d = await openCudaDevice(0);
  await d.compile(blockSumKernel());
  await d.alloc(8, 'device', 'a');
  await d.dispose();
  const lines = logLines();
  assert.deepEqual(lines.filter((l) => /^(module_load|module_unload|ctx_release)/.test(l)), ['module_load block_sum', 'module_unload', 'ctx_release']);
  await assert.rejects(d.alloc(8, 'device', 'b'), { message: 'cuda:0 was closed' });
});

test('kernel events carry the estimated work of each launch: exact for counted loops, unknown for loops bounded by data', async (t) => {
  if (!fakeLibrary) return t.skip(buildProblem);
  // kernel walk(x: u32[], out: mut f32[]) { var j = 0u; while j < x[0] { out[j] = 1.0; j += 1; } }
  const k = new KernelBuilder('walk', [bufferParam('x', 'u32'), bufferParam('out', 'f32', true)]);
  const j = k.local('j', 'u32');
  const walk = k.finish([
    assign(j, u32(0)),
    { op: 'loop', label: 'L0', cond: bin('<', local(j), load(0, 'u32', u32(0))), body: [store(1, 'f32', local(j), { op: 'const', type: 'f32', value: 1 })], update: [assign(j, bin('+', local(j), u32(1)))] },
  ]);
  await withDevice(async (d) => {
    const x = await d.alloc(256 * 4, 'device', 'x');
    const out = await d.alloc(4, 'device', 'out');
    d.resetTrace();
    const sum = await d.compile(blockSumKernel());
    await d.launch(sum, [1, 1, 1], [256, 1, 1], [{ kind: 'buffer', buffer: x }, { kind: 'buffer', buffer: out }]);
    await d.launch(sum, [1, 1, 1], [256, 1, 1], [{ kind: 'buffer', buffer: x }, { kind: 'buffer', buffer: out }]);
    await d.launch(await d.compile(walk), [1, 1, 1], [32, 1, 1], [{ kind: 'buffer', buffer: x }, { kind: 'buffer', buffer: out }]);
    await d.synchronize();
    const kernels = d.events().filter((e) => e.kind === 'kernel');
    // block_sum: 256 loads of x; the shared-memory tree adds 128 + 64 + 32 times; one atomic add (a write
    // and a flop) by lane 0 of the first warp.
    assert.deepEqual(kernels.map((e) => [e.name, e.bytes, e.flops, e.work_estimate]), [
      ['block_sum', 256 * 4 + 4, 128 + 64 + 32 + 1, 'exact'],
      ['block_sum', 256 * 4 + 4, 128 + 64 + 32 + 1, 'exact'],
      ['walk', 0, 0, 'unknown'],
    ]);
  });
});
