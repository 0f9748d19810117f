// Run-block semantics on a fake device with hand-built IR: every host statement, inits, conversions,
// expects, file() confinement, the random generator's golden values and per-run error reporting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeElements, encodeElements, f16BitsToNumber, f32ToF16Bits, randomValues, runProgram, Xoshiro128 } from '../../driver/runner';
import type { HostExpr, IrBufferInit, IrHostStmt, IrKernel, IrParam, IrProgram, SourceLoc, StorageType } from '../../kernels/lang/ir';
import { DeviceError } from '../../driver/device';
import { FakeDevice, f32 } from './fake-device';

const FILE = '/projects/demo/demo.kern';
const at = (line: number, column = 3): SourceLoc => ({ file: FILE, line, column });
const int = (value: number): HostExpr => ({ op: 'const', type: 'int', value });
const float = (value: number): HostExpr => ({ op: 'const', type: 'float', value });
const v = (name: string, type: 'int' | 'float' = 'int'): HostExpr => ({ op: 'var', type, name });
const el = (buffer: string, index: HostExpr = v('i')): HostExpr => ({ op: 'element', type: 'float', buffer, index });
const bin = (kind: '+' | '-' | '*' | '/' | '<<' | '%', left: HostExpr, right: HostExpr, type: 'int' | 'float' = 'float'): HostExpr => ({ op: 'binary', type, kind, left, right });

function kernel(name: string, params: IrParam[]): IrKernel {
  return { name, params, locals: [], shared: [], body: [], usesBarrier: false, usesWarp: false, loc: at(1, 1) };
}
const SAXPY = kernel('saxpy', [
  { kind: 'scalar', name: 'n', type: 'u32' },
  { kind: 'scalar', name: 'a', type: 'f32' },
  { kind: 'buffer', name: 'x', elem: 'f32', mutable: false },
  { kind: 'buffer', name: 'y', elem: 'f32', mutable: true },
]);
const saxpyFake = {
  saxpy: ({ args }: { args: (number | Uint8Array)[] }) => {
    const n = args[0] as number;
    const a = args[1] as number;
    const x = f32(args[2]!);
    const y = f32(args[3]!);
    for (let i = 0; i < n; i++) y[i] = Math.fround(a * x[i]! + y[i]!);
    return { bytes: 12 * n, flops: 2 * n };
  },
};

function program(runs: { name: string; body: IrHostStmt[] }[], kernels: IrKernel[] = [SAXPY]): IrProgram {
  return { file: FILE, kernels, runs: runs.map((r, i) => ({ ...r, loc: at(10 + i, 1) })), consts: { BLOCK: { type: 'u32', value: 256 } } };
}
const buffer = (name: string, elem: StorageType, count: HostExpr, init: IrBufferInit | null, line: number, placement: 'device' | 'host' = 'device'): IrHostStmt =>
  ({ op: 'buffer', name, elem, count, init, placement, loc: at(line) });
const launchSaxpy = (n: HostExpr, a: HostExpr, line: number): IrHostStmt => ({
  op: 'launch',
  kernel: 'saxpy',
  grid: [{ op: 'call', type: 'int', fn: 'ceil_div', args: [n, v('BLOCK')] }, int(1), int(1)],
  block: [v('BLOCK'), int(1), int(1)],
  args: [
    { kind: 'scalar', type: 'u32', value: n },
    { kind: 'scalar', type: 'f32', value: a },
    { kind: 'buffer', buffer: 'x' },
    { kind: 'buffer', buffer: 'y' },
  ],
  loc: at(line),
});
const expectStmt = (buffer: string, cmp: '==' | '~=', value: HostExpr, tolerance: number, line: number): IrHostStmt =>
  ({ op: 'expect', buffer, index: 'i', cmp, value, tolerance: float(tolerance), loc: at(line) });

test('saxpy run: uploads, launch, read and a passing expect, in order, buffers freed', async () => {
  const dev = new FakeDevice(saxpyFake);
  const prog = program([{
    name: 'saxpy_small',
    body: [
      { op: 'let', name: 'n', value: int(1000), loc: at(11) },
      buffer('x', 'f32', v('n'), { kind: 'random', lo: float(-1), hi: float(1), seed: int(1) }, 12),
      buffer('y', 'f32', v('n'), { kind: 'fill', value: float(1) }, 13),
      launchSaxpy(v('n'), float(2), 14),
      { op: 'read', buffer: 'y', loc: at(15) },
      expectStmt('y', '~=', bin('+', bin('*', float(2), el('x')), float(1)), 1e-6, 16),
    ],
  }]);
  const [r] = await runProgram(prog, dev);
  assert.ok(r);
  assert.equal(r.error, null);
  assert.deepEqual(dev.log, [
    'reset',
    'alloc x 4000 device', 'upload x 4000',
    'alloc y 4000 device', 'upload y 4000',
    'compile saxpy', 'launch saxpy [4,1,1] [256,1,1] (u32:1000, f32:2, x, y)',
    'download y',
    'free x', 'free y',
  ]);
  assert.deepEqual(r.events.map((e) => `${e.kind} ${e.name}`), ['h2d x', 'h2d y', 'kernel saxpy', 'd2h y']);
  assert.deepEqual(r.events[2]!.source, at(14));
  const x = randomValues(1000, -1, 1, 1, 'f32');
  assert.equal(r.reads['y']!.length, 1000);
  assert.deepEqual(Array.from(r.reads['y']!).slice(0, 3), x.slice(0, 3).map((xi) => Math.fround(2 * xi + 1)));
  assert.deepEqual(r.expects, [{ buffer: 'y', pass: true, checked: 1000, failed: 0, mismatches: [], loc: at(16) }]);
  assert.equal(dev.live.size, 0);
});

test('expect failures list the first 10 mismatches with index, got and want', async () => {
  const dev = new FakeDevice(saxpyFake);
  const prog = program([{
    name: 'wrong',
    body: [
      buffer('x', 'f32', int(64), { kind: 'range', start: float(0), step: float(1) }, 12),
      buffer('y', 'f32', int(64), null, 13),
      launchSaxpy(int(64), float(2), 14),
      // Wrong on purpose for every index but 0: want 3 * x.
      expectStmt('y', '==', bin('*', float(3), el('x')), 0.5, 15),
    ],
  }]);
  const [r] = await runProgram(prog, dev);
  assert.equal(r!.error, null);
  const e = r!.expects[0]!;
  assert.equal(e.pass, false);
  assert.equal(e.checked, 64);
  assert.equal(e.failed, 63);
  assert.equal(e.mismatches.length, 10);
  assert.deepEqual(e.mismatches[0], { index: 1, got: 2, want: 3 });
  assert.deepEqual(e.mismatches[9], { index: 10, got: 20, want: 30 });
  // y was written by the kernel and not read: the expect downloads it first; x's host copy is the upload.
  assert.deepEqual(dev.log.filter((l) => l.startsWith('download')), ['download y']);
  // A buffer without init is zero-filled on the device (memset), with no link traffic.
  assert.deepEqual(r!.events.map((ev) => ev.kind), ['h2d', 'memset', 'kernel', 'd2h']);
});

test('~= is relative and == absolute', async () => {
  const dev = new FakeDevice();
  const body = (cmp: '==' | '~=', tol: number): IrHostStmt[] => [
    buffer('a', 'f32', int(2), { kind: 'range', start: float(1000), step: float(1000) }, 12),
    expectStmt('a', cmp, bin('+', el('a'), float(1)), tol, 13),
  ];
  const runs = await runProgram(program([
    { name: 'abs_fails', body: body('==', 0.5) },
    { name: 'rel_passes', body: body('~=', 1e-3) },
    { name: 'rel_fails', body: body('~=', 7e-4) },
  ]), dev);
  assert.deepEqual(runs.map((r) => [r.name, r.expects[0]!.pass, r.expects[0]!.failed]), [
    ['abs_fails', false, 2],
    ['rel_passes', true, 0],
    ['rel_fails', false, 1],
  ]);
});

test('launch arguments are converted to the parameter type with range checks; the next run still runs', async () => {
  const dev = new FakeDevice(saxpyFake);
  const setup = (line: number): IrHostStmt[] => [
    buffer('x', 'f32', int(4), { kind: 'fill', value: float(1) }, line),
    buffer('y', 'f32', int(4), { kind: 'fill', value: float(0) }, line + 1),
  ];
  const runs = await runProgram(program([
    { name: 'negative_n', body: [...setup(12), { ...launchSaxpy(int(-1), float(2), 14), grid: [int(1), int(1), int(1)] } as IrHostStmt] },
    { name: 'fraction_a', body: [...setup(20), launchSaxpy(int(4), bin('/', float(1), float(3)), 22), { op: 'read', buffer: 'y', loc: at(23) }] },
  ]), dev);
  assert.deepEqual(runs[0]!.error, {
    message: "launch saxpy: argument 'n' = -1 does not fit u32 (0..4294967295)",
    file: FILE, line: 14, column: 3, kernel: 'saxpy',
  });
  assert.equal(runs[1]!.error, null);
  assert.ok(dev.log.includes(`launch saxpy [1,1,1] [256,1,1] (u32:4, f32:${Math.fround(1 / 3)}, x, y)`));
  assert.equal(dev.live.size, 0, 'the failed run freed its buffers');
});

test('a DeviceError ends the run with a RunError naming kernel and line', async () => {
  const dev = new FakeDevice({
    saxpy: () => {
      throw new DeviceError('out-of-bounds read: x[4] but x has 4 elements — kernel saxpy, block (0,0,0), thread (4,0,0), at demo.kern:6:14', {
        kind: 'out-of-bounds', kernel: 'saxpy', loc: { file: FILE, line: 6, column: 14 },
      });
    },
  });
  const [r] = await runProgram(program([{
    name: 'oob',
    body: [
      buffer('x', 'f32', int(4), null, 12),
      buffer('y', 'f32', int(4), null, 13),
      launchSaxpy(int(8), float(2), 14),
      { op: 'read', buffer: 'y', loc: at(15) },
    ],
  }]), dev);
  assert.deepEqual(r!.error, {
    message: 'out-of-bounds read: x[4] but x has 4 elements — kernel saxpy, block (0,0,0), thread (4,0,0), at demo.kern:6:14',
    file: FILE, line: 6, column: 14, kernel: 'saxpy',
  });
  assert.equal(dev.log.includes('download y'), false, 'statements after the fault do not run');
  assert.equal(dev.live.size, 0);
});

test('repeat runs its body k times; a run that ends with launches waits with one sync', async () => {
  const dev = new FakeDevice(saxpyFake);
  const seen: string[] = [];
  const [r] = await runProgram(program([{
    name: 'resident',
    body: [
      { op: 'let', name: 'n', value: bin('<<', int(1), int(10), 'int'), loc: at(11) },
      buffer('x', 'f32', v('n'), null, 12),
      buffer('y', 'f32', v('n'), null, 13),
      { op: 'repeat', count: int(3), body: [launchSaxpy(v('n'), float(2), 15)], loc: at(14) },
    ],
  }]), dev, { onEvent: (e) => seen.push(`${e.kind} ${e.name}`) });
  assert.equal(r!.error, null);
  assert.deepEqual(r!.events.map((e) => e.kind), ['memset', 'memset', 'kernel', 'kernel', 'kernel', 'sync']);
  assert.deepEqual(seen, r!.events.map((e) => `${e.kind} ${e.name}`));
  assert.deepEqual(r!.reads, {});
  assert.equal(r!.summary.kernel_count, 3);
});

test('placement = host uploads without an H2D event', async () => {
  const dev = new FakeDevice();
  const [r] = await runProgram(program([{
    name: 'zero_copy',
    body: [
      buffer('h', 'f32', int(8), { kind: 'fill', value: float(2.5) }, 12, 'host'),
      buffer('z', 'f32', int(8), null, 13, 'host'),
      { op: 'read', buffer: 'h', loc: at(14) },
      { op: 'read', buffer: 'z', loc: at(15) },
    ],
  }]), dev);
  assert.equal(r!.error, null);
  assert.deepEqual(r!.events, []);
  assert.deepEqual(dev.log.slice(0, 4), ['reset', 'alloc h 32 host', 'upload h 32', 'alloc z 32 host']);
  assert.deepEqual(Array.from(r!.reads['h']!), [2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5, 2.5]);
  assert.deepEqual(Array.from(r!.reads['z']!), [0, 0, 0, 0, 0, 0, 0, 0]);
});

test('inits in every element type: range wraps integers, floats round to the storage type', async () => {
  const dev = new FakeDevice();
  const [r] = await runProgram(program([{
    name: 'types',
    body: [
      buffer('a', 'u8', int(4), { kind: 'range', start: int(254), step: int(1) }, 12),
      buffer('b', 'i8', int(3), { kind: 'range', start: int(126), step: int(1) }, 13),
      buffer('c', 'i32', int(3), { kind: 'range', start: int(-1), step: int(-2) }, 14),
      buffer('d', 'f16', int(2), { kind: 'fill', value: float(0.1) }, 15),
      buffer('e', 'bf16', int(1), { kind: 'fill', value: float(1.00390625) }, 16),
      buffer('f', 'u32', int(2), { kind: 'fill', value: int(4294967295) }, 17),
      ...['a', 'b', 'c', 'd', 'e', 'f'].map((b, k): IrHostStmt => ({ op: 'read', buffer: b, loc: at(20 + k) })),
    ],
  }]), dev);
  assert.equal(r!.error, null);
  assert.deepEqual(Object.fromEntries(Object.entries(r!.reads).map(([k, v]) => [k, Array.from(v)])), {
    a: [254, 255, 0, 1],
    b: [126, 127, -128],
    c: [-1, -3, -5],
    d: [0.0999755859375, 0.0999755859375],
    e: [1],
    f: [4294967295, 4294967295],
  });
});

test('bad host values are runtime errors at the statement', async () => {
  const dev = new FakeDevice();
  const runs = await runProgram(program([
    { name: 'fraction_fill', body: [buffer('a', 'i32', int(4), { kind: 'fill', value: float(1.5) }, 12)] },
    { name: 'zero_count', body: [buffer('a', 'f32', int(0), null, 13)] },
    { name: 'div_zero', body: [{ op: 'let', name: 'k', value: bin('/', int(1), int(0), 'int'), loc: at(14) }] },
    { name: 'bad_random', body: [buffer('a', 'f32', int(4), { kind: 'random', lo: float(1), hi: float(1), seed: int(0) }, 15)] },
    { name: 'oob_expect', body: [
      buffer('a', 'f32', int(4), null, 16),
      buffer('b', 'f32', int(2), null, 17),
      expectStmt('a', '==', el('b'), 0, 18),
    ] },
  ]), dev);
  assert.deepEqual(runs.map((r) => r.error && `${r.error.line}: ${r.error.message}`), [
    '12: fill value for \'a\' must be a whole number for a i32 buffer, got 1.5',
    '13: buffer \'a\' needs a whole number of elements > 0, got 0',
    '14: integer division by zero',
    '15: random(1, 1) for \'a\': the upper bound must be greater than the lower',
    '18: b[2] is out of bounds: \'b\' has 2 elements',
  ]);
});

test('--run picks one block; an unknown name is an error listing the blocks', async () => {
  const dev = new FakeDevice();
  const prog = program([{ name: 'one', body: [] }, { name: 'two', body: [] }]);
  assert.deepEqual((await runProgram(prog, dev, { runName: 'two' })).map((r) => r.name), ['two']);
  const [r] = await runProgram(prog, dev, { runName: 'three' });
  assert.equal(r!.error?.message, "no run block named 'three' (run blocks: one, two)");
});

test('random(): golden first values per seed (xoshiro128** seeded by SplitMix32)', () => {
  const rng = new Xoshiro128(0);
  const first = [rng.nextU32(), rng.nextU32(), rng.nextU32(), rng.nextU32()];
  assert.deepEqual(first, GOLDEN_U32_SEED0);
  assert.deepEqual(randomValues(4, -1, 1, 1, 'f32'), GOLDEN_F32_SEED1);
  assert.deepEqual(randomValues(6, 0, 10, 42, 'i32'), GOLDEN_I32_SEED42);
  assert.deepEqual(randomValues(4, -1, 1, 1, 'f32'), randomValues(4, -1, 1, 1, 'f32'));
  assert.notDeepEqual(randomValues(4, -1, 1, 1, 'f32'), randomValues(4, -1, 1, 2, 'f32'));
  const many = randomValues(10000, -1, 1, 7, 'f32');
  assert.ok(many.every((x) => x >= -1 && x < 1 && x === Math.fround(x)));
  const mean = many.reduce((a, b) => a + b, 0) / many.length;
  assert.ok(Math.abs(mean) < 0.05, `mean ${mean}`);
  const ints = randomValues(10000, 0, 4, 3, 'u8');
  assert.deepEqual([...new Set(ints)].sort(), [0, 1, 2, 3]);
});
// Checked against the C reference implementations of SplitMix32 and xoshiro128**.
const GOLDEN_U32_SEED0 = [3809008728, 1133695204, 53579671, 2891528803];
const GOLDEN_F32_SEED1 = [0.13721199333667755, 0.5078576803207397, 0.7787878513336182, -0.019959090277552605];
const GOLDEN_I32_SEED42 = [6, 1, 1, 8, 0, 0];

test('file(): little-endian elements relative to the .kern folder, confined to it, sized to the buffer', async () => {
  const root = mkdtempSync(join(tmpdir(), 'egpu-runner-'));
  const dir = join(root, 'proj');
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'data', 'w.bin'), encodeElements([1.5, -2, 3.25], 'f32'));
  writeFileSync(join(dir, 'odd.bin'), new Uint8Array(7));
  writeFileSync(join(dir, '..', 'outside.bin'), new Uint8Array(12));
  const prog: IrProgram = { ...program([]), file: join(dir, 'demo.kern') };
  const fileRun = (name: string, path: string): { name: string; body: IrHostStmt[] } => ({
    name,
    body: [buffer('w', 'f32', int(3), { kind: 'file', path }, 12), { op: 'read', buffer: 'w', loc: at(13) }],
  });
  prog.runs = [
    fileRun('ok', 'data/w.bin'),
    fileRun('escape', '../outside.bin'),
    fileRun('absolute', join(dir, 'data', 'w.bin')),
    fileRun('odd', 'odd.bin'),
    fileRun('missing', 'nope.bin'),
    { name: 'count', body: [buffer('w', 'f32', int(4), { kind: 'file', path: 'data/w.bin' }, 12)] },
  ].map((r) => ({ ...r, loc: at(10) }));
  const runs = await runProgram(prog, new FakeDevice());
  assert.equal(runs[0]!.error, null);
  assert.deepEqual(Array.from(runs[0]!.reads['w']!), [1.5, -2, 3.25]);
  assert.equal(runs[0]!.events[0]!.kind, 'h2d');
  assert.equal(runs[1]!.error?.message, `file("../outside.bin") for 'w' is outside the folder of the .kern file (${dir}); data files must live in that folder or below it`);
  assert.match(runs[2]!.error!.message, /is outside the folder of the \.kern file/);
  assert.equal(runs[3]!.error?.message, 'file("odd.bin") holds 7 bytes, not a whole number of f32 elements (4 bytes each)');
  assert.equal(runs[4]!.error?.message, `cannot read file("nope.bin") for 'w': no such file (${join(dir, 'nope.bin')})`);
  assert.equal(runs[5]!.error?.message, 'file("data/w.bin") holds 3 f32 elements but buffer \'w\' has 4');
  // baseDir overrides the folder; readFile replaces the file system.
  const [viaHook] = await runProgram({ ...prog, runs: [prog.runs[0]!] }, new FakeDevice(), {
    baseDir: '/virtual',
    readFile: (p) => {
      assert.equal(p, '/virtual/data/w.bin');
      return encodeElements([7, 8, 9], 'f32');
    },
  });
  assert.deepEqual(Array.from(viaHook!.reads['w']!), [7, 8, 9]);
});

test('f16 encoding rounds to nearest even and round-trips', () => {
  assert.equal(f32ToF16Bits(1), 0x3c00);
  assert.equal(f32ToF16Bits(65504), 0x7bff);
  assert.equal(f32ToF16Bits(65520), 0x7c00);
  assert.equal(f32ToF16Bits(2 ** -24), 0x0001);
  assert.equal(f32ToF16Bits(2 ** -25), 0x0000);
  assert.equal(f32ToF16Bits(1 + 2 ** -11), 0x3c00);
  assert.equal(f32ToF16Bits(1 + 3 * 2 ** -11), 0x3c02);
  for (let bits = 0; bits < 0x7c00; bits += 37) assert.equal(f32ToF16Bits(f16BitsToNumber(bits)), bits);
  assert.deepEqual(Array.from(decodeElements(encodeElements([0.5, -0.25], 'f16'), 'f16')), [0.5, -0.25]);
});

test('expect reads its buffer first when it was not read, even if only uploaded (regression: no D2H on the timeline)', async () => {
  const dev = new FakeDevice();
  const prog = program([{
    name: 'gens',
    body: [
      buffer('c', 'f32', int(8), { kind: 'fill', value: float(1.5) }, 12),
      expectStmt('c', '==', float(1.5), 0, 13),
      { op: 'read', buffer: 'c', loc: at(14) },
      expectStmt('c', '==', float(1.5), 0, 15),
    ],
  }]);
  const [r] = await runProgram(prog, dev);
  assert.equal(r!.error, null);
  assert.deepEqual(r!.expects.map((e) => e.pass), [true, true]);
  // The first expect downloads c; the explicit read downloads it again; the second expect uses that read.
  assert.deepEqual(dev.log.filter((l) => l.startsWith('download')), ['download c', 'download c']);
  assert.deepEqual(r!.events.map((ev) => ev.kind), ['h2d', 'd2h', 'd2h']);
  assert.deepEqual(Array.from(r!.reads['c']!), [1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5]);
});

test('a kernel with warp collectives launched on blocks that are not whole warps is refused, on the simulator too', async () => {
  const { checkProgram } = await import('../../kernels/lang/index');
  const { openDevice } = await import('../../driver/open');
  const text = [
    'kernel total(x: f32[], out: mut f32[]) {',
    '  let s = warp_sum(x[thread.x]);',
    '  if lane == 0 { out[thread.x / 32] = s; }',
    '}',
    'run r {',
    '  let x = buffer(f32, 64, fill(1.0));',
    '  let out = buffer(f32, 2);',
    '  launch total[1, 48](x, out);',
    '  launch total[1, 64](x, out);',
    '  read out;',
    '}',
    '',
  ].join('\n');
  const checked = checkProgram('/projects/warps.kern', { readFile: () => text, resolveImport: (_f, s) => s });
  assert.ok(checked.program, checked.diagnostics.map((d) => d.message).join('; '));
  const sim = await openDevice('sim');
  try {
    const [r] = await runProgram(checked.program!, sim);
    assert.equal(
      r!.error?.message,
      'launch total: a block of 48 threads is not whole warps, and total uses warp_sum (line 2), which needs all 32 lanes of every warp; use a block size that is a multiple of 32',
    );
    assert.equal(r!.error?.line, 8);
  } finally {
    await sim.dispose();
  }
});
