// The sim device end to end: kernels in the worker over shared device memory, the time limit and
// cancellation (no hang), out-of-memory, and the timing model against each profile's numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_SIMULATED_BUFFER_BYTES, SimDevice } from '../../driver/sim/device';
import { DeviceError, type DeviceInfo } from '../../driver/device';
import { encodeElements, decodeElements } from '../../driver/sim/storage';
import { KernelBuilder, add, at, bin, f32, geo, iff, loop, lt } from './ir-builders';

const PROFILE_DIR = join(__dirname, '../../driver/profiles');

function profile(file: string): DeviceInfo {
  const json = JSON.parse(readFileSync(join(PROFILE_DIR, file), 'utf8'));
  return {
    id: 'sim:' + json.id, backend: 'sim', name: json.name, gpu: json.gpu, link: json.link,
    memoryBytes: json.memoryBytes, limits: json.limits, ceilings: json.ceilings,
  };
}

const PROFILES = readdirSync(PROFILE_DIR).filter((f) => f.endsWith('.json')).sort();
const DEFAULT = profile('rtx5090-usb4.json');

function saxpyKernel() {
  const kb = new KernelBuilder('saxpy');
  const n = kb.scalar('n', 'u32');
  const a = kb.scalar('a', 'f32');
  const x = kb.buffer('x', 'f32', false);
  const y = kb.buffer('y', 'f32');
  const i = kb.local('i', 'u32');
  return kb.build([
    i.set(add(bin('*', geo('block.x'), geo('block_dim.x')), geo('thread.x'))),
    iff(lt(i.get(), n), [y.store(i.get(), add(bin('*', a, x.load(i.get(), at(6, 14, 'saxpy.kern'))), y.load(i.get())))]),
  ], at(4, 1, 'saxpy.kern'));
}

function spinKernel() {
  const kb = new KernelBuilder('spin');
  return kb.build([loop(kb.label(), null, [])], at(1, 1, 'spin.kern'));
}

test('saxpy runs in the worker on shared device memory and is modeled on the timeline', async () => {
  const dev = new SimDevice(DEFAULT);
  try {
    const n = 1000;
    const x = await dev.alloc(n * 4, 'device', 'x');
    const y = await dev.alloc(n * 4, 'device', 'y');
    const xs = Array.from({ length: n }, (_, i) => i * 0.5);
    await dev.upload(x, encodeElements('f32', xs));
    await dev.upload(y, encodeElements('f32', new Array(n).fill(1)));
    const program = await dev.compile(saxpyKernel());
    const src = { file: 'saxpy.kern', line: 14, column: 3 };
    await dev.launch(program, [4, 1, 1], [256, 1, 1], [
      { kind: 'scalar', type: 'u32', value: n }, { kind: 'scalar', type: 'f32', value: 2 }, { kind: 'buffer', buffer: x }, { kind: 'buffer', buffer: y },
    ], { source: src });
    const out = decodeElements('f32', await dev.download(y));
    assert.deepEqual(out, xs.map((v) => 2 * v + 1));
    const events = dev.events();
    assert.deepEqual(events.map((e) => `${e.kind}:${e.name}:${e.lane}`), ['h2d:x:h2d', 'h2d:y:h2d', 'kernel:saxpy:compute', 'd2h:y:d2h']);
    const c = DEFAULT.ceilings;
    const copyUs = c.transferLatencyUs + 4000 / (c.linkH2DGBps * 1e3);
    assert.equal(events[0]!.duration_us, copyUs);
    assert.equal(events[1]!.start_us, copyUs); // same lane: after x
    const kernel = events[2]!;
    assert.equal(kernel.start_us, 2 * copyUs); // needs y
    assert.equal(kernel.bytes, n * 12);
    assert.equal(kernel.flops, n * 2);
    assert.equal(kernel.duration_us, c.launchLatencyUs + Math.max(n * 12 / (c.memoryGBps * 1e3), n * 2 / (c.fp32TFLOPS * 1e6)));
    assert.deepEqual(kernel.grid, [4, 1, 1]);
    assert.deepEqual(kernel.source, src);
    assert.equal(events[3]!.start_us, kernel.start_us + kernel.duration_us);
    assert.equal(events[3]!.src_kind, 'device');
  } finally {
    await dev.dispose();
  }
});

test('modeled copy time = latency + bytes / bandwidth for every profile', async () => {
  assert.ok(PROFILES.length > 0);
  for (const file of PROFILES) {
    const info = profile(file);
    const dev = new SimDevice(info);
    try {
      const bytes = 3 * 2 ** 20;
      const b = await dev.alloc(bytes, 'device', 'b');
      await dev.upload(b, new Uint8Array(bytes));
      await dev.download(b);
      await dev.fill(b, 0);
      await dev.synchronize();
      const [h2d, d2h, memset, sync] = dev.events();
      const c = info.ceilings;
      assert.equal(h2d!.duration_us, c.transferLatencyUs + bytes / (c.linkH2DGBps * 1e3), file);
      assert.equal(d2h!.duration_us, c.transferLatencyUs + bytes / (c.linkD2HGBps * 1e3), file);
      assert.equal(d2h!.start_us, h2d!.duration_us, file);
      assert.equal(memset!.duration_us, c.launchLatencyUs + bytes / (c.memoryGBps * 1e3), file);
      assert.equal(memset!.start_us, d2h!.start_us + d2h!.duration_us, file);
      assert.equal(sync!.kind, 'sync');
      assert.equal(sync!.lane, 'host');
      assert.equal(sync!.duration_us, c.syncLatencyUs, file);
      assert.equal(sync!.start_us, memset!.start_us + memset!.duration_us, file);
      dev.resetTrace();
      assert.deepEqual(dev.events(), []);
      await dev.upload(b, new Uint8Array(16));
      assert.equal(dev.events()[0]!.start_us, 0, 'resetTrace restarts the clock');
    } finally {
      await dev.dispose();
    }
  }
});

test('independent copies overlap kernels; dependent ones wait; host-mapped bytes are charged at link speed', async () => {
  const dev = new SimDevice(DEFAULT);
  try {
    const n = 1 << 16;
    const x = await dev.alloc(n * 4, 'device', 'x');
    const y = await dev.alloc(n * 4, 'device', 'y');
    const other = await dev.alloc(n * 4, 'device', 'other');
    const mapped = await dev.alloc(n * 4, 'host', 'mapped');
    const program = await dev.compile(saxpyKernel());
    const args = (xb: typeof x, yb: typeof y) => [
      { kind: 'scalar' as const, type: 'u32' as const, value: n }, { kind: 'scalar' as const, type: 'f32' as const, value: 1 },
      { kind: 'buffer' as const, buffer: xb }, { kind: 'buffer' as const, buffer: yb },
    ];
    await dev.launch(program, [n / 256, 1, 1], [256, 1, 1], args(x, y));
    await dev.upload(other, new Uint8Array(n * 4)); // independent: starts at 0 on the h2d lane
    await dev.upload(y, new Uint8Array(n * 4)); // dependent: waits for the kernel
    await dev.launch(program, [n / 256, 1, 1], [256, 1, 1], args(mapped, other)); // host-mapped x
    const events = dev.events();
    const k1 = events.find((e) => e.kind === 'kernel')!;
    const upOther = events.find((e) => e.name === 'other' && e.kind === 'h2d')!;
    const upY = events.find((e) => e.name === 'y' && e.kind === 'h2d')!;
    assert.equal(upOther.start_us, 0);
    assert.equal(upY.start_us, Math.max(k1.start_us + k1.duration_us, upOther.start_us + upOther.duration_us));
    const k2 = events.filter((e) => e.kind === 'kernel')[1]!;
    assert.equal(k2.start_us, Math.max(k1.start_us + k1.duration_us, upOther.start_us + upOther.duration_us));
    const c = DEFAULT.ceilings;
    assert.equal(k2.link_bytes, n * 4);
    assert.equal(k2.bytes, n * 8);
    assert.equal(k2.duration_us, c.launchLatencyUs + n * 4 / (c.linkH2DGBps * 1e3));
    // No copy events for the host-placed buffer.
    assert.equal(events.filter((e) => e.name === 'mapped').length, 0);
  } finally {
    await dev.dispose();
  }
});

test('an infinite `while true {}` kernel stops with a timeout naming the kernel and the limit, and the device recovers', async () => {
  const dev = new SimDevice(DEFAULT, { timeLimitMs: 300 });
  try {
    const spin = await dev.compile(spinKernel());
    await assert.rejects(dev.launch(spin, [1, 1, 1], [1, 1, 1], []), (e: unknown) => {
      assert.ok(e instanceof DeviceError);
      assert.equal(e.detail.kind, 'timeout');
      assert.equal(e.message, 'timeout: kernel spin ran past the 300 ms time limit and was stopped — kernel spin, block (0,0,0), thread (0,0,0), at spin.kern:1:1');
      return true;
    });
    // The next launch works.
    const b = await dev.alloc(8, 'device', 'b');
    const kb = new KernelBuilder('one');
    const o = kb.buffer('o', 'f32');
    const k = await dev.compile(kb.build([o.store(geo('thread.x'), f32(1))]));
    await dev.launch(k, [1, 1, 1], [2, 1, 1], [{ kind: 'buffer', buffer: b }]);
    assert.deepEqual(decodeElements('f32', await dev.download(b)), [1, 1]);
  } finally {
    await dev.dispose();
  }
});

test('cancelling a launch stops the kernel with a cancelled error, and the main thread stays responsive meanwhile', async () => {
  const dev = new SimDevice(DEFAULT, { timeLimitMs: 20_000 });
  try {
    const spin = await dev.compile(spinKernel());
    const controller = new AbortController();
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    setTimeout(() => controller.abort(), 150);
    await assert.rejects(dev.launch(spin, [1, 1, 1], [1, 1, 1], [], { signal: controller.signal }), (e: unknown) => {
      assert.ok(e instanceof DeviceError);
      assert.equal(e.detail.kind, 'cancelled');
      assert.match(e.message, /^cancelled: kernel spin was stopped/);
      return true;
    });
    clearInterval(ticker);
    assert.ok(ticks >= 5, `the event loop ran while the kernel spun (${ticks} ticks)`);
    const already = new AbortController();
    already.abort();
    await assert.rejects(dev.launch(spin, [1, 1, 1], [1, 1, 1], [], { signal: already.signal }), /cancelled/);
  } finally {
    await dev.dispose();
  }
});

test('faults from the worker arrive as DeviceErrors with the exact message', async () => {
  const dev = new SimDevice(DEFAULT);
  try {
    const n = 256;
    const x = await dev.alloc(n * 4, 'device', 'x');
    const y = await dev.alloc(n * 4, 'device', 'y');
    const program = await dev.compile(saxpyKernel());
    await assert.rejects(dev.launch(program, [2, 1, 1], [256, 1, 1], [
      { kind: 'scalar', type: 'u32', value: 512 }, { kind: 'scalar', type: 'f32', value: 2 }, { kind: 'buffer', buffer: x }, { kind: 'buffer', buffer: y },
    ]), (e: unknown) => {
      assert.ok(e instanceof DeviceError);
      assert.equal(e.message, 'out-of-bounds read: x[256] but x has 256 elements — kernel saxpy, block (1,0,0), thread (0,0,0), at saxpy.kern:6:14');
      assert.deepEqual(e.detail, { kind: 'out-of-bounds', kernel: 'saxpy', block: [1, 0, 0], thread: [0, 0, 0], loc: { file: 'saxpy.kern', line: 6, column: 14 } });
      return true;
    });
    assert.equal(dev.events().filter((e) => e.kind === 'kernel').length, 0);
  } finally {
    await dev.dispose();
  }
});

test('alloc past the profile capacity is out of memory, naming the request, the capacity and what is allocated', async () => {
  const small: DeviceInfo = { ...DEFAULT, memoryBytes: 1 << 20 };
  const dev = new SimDevice(small);
  try {
    await dev.alloc(768 * 1024, 'device', 'weights');
    await dev.alloc(4 << 20, 'host', 'mapped'); // host-placed buffers do not use device memory
    await assert.rejects(dev.alloc(512 * 1024, 'device', 'kv'), (e: unknown) => {
      assert.ok(e instanceof DeviceError);
      assert.equal(e.detail.kind, 'out-of-memory');
      assert.equal(e.message, `out of device memory: buffer kv needs 512.00 KiB (524288 bytes) but ${DEFAULT.name} has 1.00 MiB (1048576 bytes) with 768.00 KiB (786432 bytes) already allocated`);
      return true;
    });
  } finally {
    await dev.dispose();
  }
});

test('a buffer that fits the device but not one simulated allocation says why (regression: "Invalid typed array length")', async () => {
  const dev = new SimDevice(DEFAULT);
  try {
    const bytes = MAX_SIMULATED_BUFFER_BYTES + 4;
    for (const placement of ['device', 'host'] as const) {
      await assert.rejects(dev.alloc(bytes, placement, 'huge'), (e: unknown) => {
        assert.ok(e instanceof DeviceError);
        assert.equal(e.detail.kind, 'out-of-memory');
        assert.match(e.message, /^buffer huge of .* fits the simulated 32\.00 GiB device, but the simulator can back at most .* per buffer on Node\.js v\d+/);
        assert.match(e.message, /--device cuda:N\)$/);
        return true;
      });
    }
    const ok = await dev.alloc(1024, 'device', 'small');
    assert.equal(ok.bytes, 1024, 'the device stays usable');
  } finally {
    await dev.dispose();
  }
});
