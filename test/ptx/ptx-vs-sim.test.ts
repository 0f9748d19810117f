// Every launch of every run block in kernels/examples, kernels/lib and kernels/llama, and the Llama engine on the tiny
// model in all weight formats, run as PTX in test/ptx/interp.ts and on the simulator from the same inputs, compared.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkProgram } from '../../kernels/lang/index';
import type { IrExpr, IrKernel, IrStmt, StorageType } from '../../kernels/lang/ir';
import { renderPtx } from '../../kernels/codegen/ptx';
import { compileFile } from '../../driver/source-host';
import { runProgram } from '../../driver/runner';
import { SimDevice } from '../../driver/sim/device';
import { DEFAULT_PROFILE, loadProfile } from '../../driver/profiles';
import { packArguments } from '../../driver/cuda/device';
import type { Device, DeviceBuffer, DeviceProgram, Dim3, LaunchArg, LaunchOptions } from '../../driver/device';
import { bf16BitsToF32, F16_TABLE } from '../../driver/sim/storage';
import { runLlama } from '../../kernels/llama/engine';
import { ensureTinyModel, tinyVocabulary, type TinyVariant } from '../../kernels/llama/tiny-model';
import { GlobalMemory, parsePtx, runPtx, type PtxKernel } from './interp';
import { assemble, findPtxas } from './ptxas';

const ROOT = join(__dirname, '../..');

/**
 * Float tolerance where a kernel uses approximate instructions or float atomics (docs/ptx.md, "Approximate math").
 * The interpreter models ex2/lg2/rsqrt/sin/cos/tanh.approx with double-precision Math rounded once, as the simulator
 * computes exp/log/…, so what remains is what the renderer builds around them: exp rounds x·log2 e first
 * (|x|·2⁻²⁴ relative, ≤ 5.3e-6 for |x| ≤ 88), log adds a rounding of lg2·ln 2, pow |b·log2|a||·2⁻²²; sums and
 * quotients of such values keep that relative size, so 2⁻¹⁶ ≈ 1.5e-5 leaves a factor of about 3.
 */
const APPROX_REL = 2 ** -16;
/** Absolute floor: sin/cos after the 2π reduction carry |x|·2⁻²⁴ absolute (|x| ≤ 16 here), and sums may cancel. */
const APPROX_ABS = 2 ** -20;
const APPROX_OPCODES = /^(ex2|lg2|rsqrt|sin|cos|tanh)\.approx\.f32$|^(atom|red)\.\w+\.add\.f32$/;
/** Lane-instructions per launch before the interpreter runs a spread slice of the blocks instead of all. */
const LAUNCH_BUDGET = 3_000_000;

/** Run blocks not run at all, as `file:run` → why. */
const SKIPPED_RUNS: Record<string, string> = {
  'saxpy.kern:saxpy_16m': 'one launch of 16M threads: the simulator alone takes seconds; the saxpy kernel is compared on a 5000-element launch instead',
  'saxpy.kern:saxpy_resident': 'ten launches of 16M threads: the simulator alone takes ~9 s; the saxpy kernel is compared on a 5000-element launch instead',
};

/** Launches not compared, as `file:run:kernel` → why. */
const SKIPPED: Record<string, string> = {
  'reduction.kern:sum_1m:block_sum': 'sum_5000 runs the same kernel over a whole grid; here 4096 blocks add into one atomic total, which a slice of blocks cannot reproduce',
};

interface LaunchRecord {
  kernel: IrKernel;
  grid: Dim3;
  block: Dim3;
  args: LaunchArg[];
  before: Map<number, Uint8Array>;
  after: Map<number, Uint8Array>;
}

interface Outcome {
  key: string;
  target: string;
  blocks: string;
  failures: string[];
  problems: string[];
  notes: string[];
}

// ---------------------------------------------------------------------------------------------- recording

/** The simulator, with each launch `want(kernel)` selects snapshotted before and after and handed to `compare`. */
function recordingDevice(sim: SimDevice, want: (kernel: IrKernel, grid: Dim3, block: Dim3, args: LaunchArg[]) => boolean, compare: (r: LaunchRecord) => void): Device {
  // Delegates to the simulator itself (not Object.create(sim): its counters would be written to the wrapper).
  const device: Device = {
    info: () => sim.info(),
    alloc: (bytes, placement, name) => sim.alloc(bytes, placement, name),
    free: (buf) => sim.free(buf),
    upload: (buf, data, source) => sim.upload(buf, data, source),
    download: (buf, source) => sim.download(buf, source),
    fill: (buf, byte) => sim.fill(buf, byte),
    compile: (kernel) => sim.compile(kernel),
    launch: () => Promise.reject(new Error('replaced below')),
    synchronize: () => sim.synchronize(),
    events: () => sim.events(),
    resetTrace: () => sim.resetTrace(),
    dispose: () => sim.dispose(),
  };
  device.launch = async (program: DeviceProgram, grid: Dim3, block: Dim3, args: LaunchArg[], options?: LaunchOptions) => {
    if (!want(program.kernel, grid, block, args)) return sim.launch(program, grid, block, args, options);
    const buffers = uniqueBuffers(args);
    const before = new Map<number, Uint8Array>();
    for (const b of buffers) before.set(b.id, await sim.download(b));
    await sim.launch(program, grid, block, args, options);
    const after = new Map<number, Uint8Array>();
    for (const b of buffers) after.set(b.id, await sim.download(b));
    compare({ kernel: program.kernel, grid: [...grid], block: [...block], args, before, after });
  };
  return device;
}

function uniqueBuffers(args: LaunchArg[]): DeviceBuffer[] {
  const seen = new Map<number, DeviceBuffer>();
  for (const a of args) if (a.kind === 'buffer' && !seen.has(a.buffer.id)) seen.set(a.buffer.id, a.buffer);
  return [...seen.values()];
}

function launchSignature(kernel: IrKernel, grid: Dim3, block: Dim3, args: LaunchArg[]): string {
  return JSON.stringify([kernel.name, grid, block, args.map((a) => (a.kind === 'scalar' ? a.value : `#${a.buffer.id}`))]);
}

// ---------------------------------------------------------------------------------------------- comparing

const ptxCache = new WeakMap<IrKernel, Map<string, PtxKernel>>();

function ptxKernel(kernel: IrKernel, target: string): PtxKernel {
  let byTarget = ptxCache.get(kernel);
  if (!byTarget) ptxCache.set(kernel, (byTarget = new Map()));
  let k = byTarget.get(target);
  if (!k) {
    k = parsePtx(renderPtx([kernel], { target })).kernels.get(kernel.name)!;
    byTarget.set(target, k);
  }
  return k;
}

/** Targets to run a kernel for: sm_80, plus sm_70 where its PTX differs (bf16 rounding by hand, tanh without tanh.approx). */
function targetsFor(kernel: IrKernel): string[] {
  const a = ptxKernel(kernel, 'sm_80').instructions.join('\n');
  const b = ptxKernel(kernel, 'sm_70').instructions.join('\n');
  return a === b ? ['sm_80'] : ['sm_80', 'sm_70'];
}

function walkExprs(stmts: IrStmt[], visit: (e: IrExpr) => void): void {
  const expr = (e: IrExpr): void => {
    visit(e);
    switch (e.op) {
      case 'binary': expr(e.left); expr(e.right); break;
      case 'unary': case 'convert': expr(e.operand); break;
      case 'math': e.args.forEach(expr); break;
      case 'select': expr(e.cond); expr(e.ifTrue); expr(e.ifFalse); break;
      case 'load': expr(e.index); break;
      default: break;
    }
  };
  for (const s of stmts) {
    switch (s.op) {
      case 'assign': expr(s.value); break;
      case 'store': expr(s.index); expr(s.value); break;
      case 'if': expr(s.cond); walkExprs(s.then, visit); walkExprs(s.else, visit); break;
      case 'loop': if (s.cond) expr(s.cond); walkExprs(s.body, visit); walkExprs(s.update, visit); break;
      case 'block': walkExprs(s.body, visit); break;
      case 'warp': expr(s.value); if (s.arg) expr(s.arg); break;
      case 'atomic': expr(s.index); expr(s.value); break;
      default: break;
    }
  }
}

/** Why floats of this kernel may differ from the simulator in the last bits (empty: they must be bit-identical). */
function inexactReasons(kernel: IrKernel, ptx: PtxKernel): string[] {
  const reasons = [...ptx.opcodes].filter((o) => APPROX_OPCODES.test(o));
  // f32 % is a − trunc(a / b)·b on the GPU, C's exact fmodf on the simulator (docs/ptx.md).
  walkExprs(kernel.body, (e) => { if (e.op === 'binary' && e.kind === '%' && e.operandType === 'f32') reasons.push('f32 %'); });
  return [...new Set(reasons)];
}

/** Buffer parameters an atomic writes (their totals depend on every block, so a slice of blocks cannot be compared). */
function atomicParams(kernel: IrKernel): Set<number> {
  const out = new Set<number>();
  const visit = (stmts: IrStmt[]): void => {
    for (const s of stmts) {
      if (s.op === 'atomic' && s.mem.space === 'global') out.add(s.mem.param);
      if (s.op === 'if') { visit(s.then); visit(s.else); }
      if (s.op === 'loop') { visit(s.body); visit(s.update); }
      if (s.op === 'block') visit(s.body);
    }
  };
  visit(kernel.body);
  return out;
}

function decode(elem: StorageType, bytes: Uint8Array): ArrayLike<number> {
  const copy = bytes.slice();
  switch (elem) {
    case 'f32': return new Float32Array(copy.buffer, 0, copy.length >> 2);
    case 'i32': return new Int32Array(copy.buffer, 0, copy.length >> 2);
    case 'u32': return new Uint32Array(copy.buffer, 0, copy.length >> 2);
    case 'i8': return new Int8Array(copy.buffer);
    case 'u8': return copy;
    case 'f16': return Array.from(new Uint16Array(copy.buffer, 0, copy.length >> 1), (h) => F16_TABLE[h]!);
    case 'bf16': return Array.from(new Uint16Array(copy.buffer, 0, copy.length >> 1), (h) => bf16BitsToF32(h));
  }
}

/** One unit in the last place of a stored f16 / bf16 near `v`: a tiny f32 difference may round the other way. */
function storageUlp(elem: StorageType, v: number): number {
  if (elem !== 'f16' && elem !== 'bf16') return 0;
  const mantissa = elem === 'f16' ? 10 : 7;
  const minExp = elem === 'f16' ? -14 : -126;
  const e = v === 0 || !Number.isFinite(v) ? minExp : Math.max(minExp, Math.floor(Math.log2(Math.abs(v))));
  return 2 ** (e - mantissa);
}

function sameFloat(a: number, b: number): boolean {
  return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
}

/** Runs one recorded launch through the interpreter and compares every buffer with the simulator's. */
function compareLaunch(key: string, r: LaunchRecord, target: string): Outcome {
  const kernel = r.kernel;
  const ptx = ptxKernel(kernel, target);
  const outcome: Outcome = { key, target, blocks: '', failures: [], problems: [], notes: [] };
  // The CUDA backend packs arguments at the offsets the PTX declares.
  const packed = packArguments(kernel, r.args);
  assert.deepEqual(packed.offsets, ptx.params.map((p) => p.offset), `${key}: packArguments offsets vs the .entry parameters`);
  const params = packed.bytes.slice();
  const memory = new GlobalMemory();
  const addressOf = new Map<number, number>();
  const elemOf = new Map<number, StorageType>();
  const paramsOf = new Map<number, number[]>();
  r.args.forEach((a, i) => {
    if (a.kind !== 'buffer') return;
    const p = kernel.params[i]!;
    if (p.kind !== 'buffer') return;
    if (!addressOf.has(a.buffer.id)) addressOf.set(a.buffer.id, memory.add(a.buffer.name, r.before.get(a.buffer.id)!));
    if (!elemOf.has(a.buffer.id) || p.mutable) elemOf.set(a.buffer.id, p.elem);
    paramsOf.set(a.buffer.id, [...(paramsOf.get(a.buffer.id) ?? []), i]);
  });
  for (const [offset, argIndex] of packed.buffers) {
    const a = r.args[argIndex]!;
    if (a.kind !== 'buffer') continue;
    const address = addressOf.get(a.buffer.id)!;
    const view = new DataView(params.buffer, params.byteOffset);
    view.setUint32(offset, address % 2 ** 32, true);
    view.setUint32(offset + 4, Math.floor(address / 2 ** 32), true);
  }

  // All blocks when they fit the budget; otherwise block 0 to measure, then a spread including the last.
  const [gx, gy, gz] = r.grid;
  const total = gx * gy * gz;
  const run = (pick: (linear: number) => boolean) => runPtx(ptx, {
    grid: r.grid, block: r.block, params, memory, runBlock: (x, y, z) => pick(x + gx * (y + gy * z)),
  });
  const first = run((b) => b === 0);
  let ran = 1;
  const problems = [...first.problems];
  const perBlock = Math.max(first.instructions, 1);
  const room = Math.floor(LAUNCH_BUDGET / perBlock);
  if (room >= total - 1) {
    const rest = run((b) => b !== 0);
    problems.push(...rest.problems);
    ran = total;
  } else if (total > 1) {
    const count = Math.max(1, room);
    const chosen = new Set<number>();
    for (let k = 1; k <= count; k++) chosen.add(Math.round((k * (total - 1)) / count));
    chosen.delete(0);
    const rest = run((b) => chosen.has(b));
    problems.push(...rest.problems);
    ran = 1 + chosen.size;
  }
  outcome.problems = [...new Set(problems)];
  const sliced = ran < total;
  outcome.blocks = sliced ? `${ran} of ${total} blocks` : `${total} block${total === 1 ? '' : 's'}`;
  const inexact = inexactReasons(kernel, ptx);
  if (inexact.length) outcome.notes.push(`within tolerance: ${inexact.join(', ')}`);
  const atomics = atomicParams(kernel);

  for (const [id, address] of addressOf) {
    const elem = elemOf.get(id)!;
    const names = paramsOf.get(id)!.map((i) => kernel.params[i]!.name).join('/');
    if (sliced && paramsOf.get(id)!.some((i) => atomics.has(i))) {
      outcome.notes.push(`${names} not compared (atomic totals over a slice of blocks)`);
      continue;
    }
    const got = decode(elem, memory.bytes(address));
    const want = decode(elem, r.after.get(id)!);
    const size = elem === 'f32' || elem === 'i32' || elem === 'u32' ? 4 : elem === 'f16' || elem === 'bf16' ? 2 : 1;
    const written = memory.written(address);
    const bad: string[] = [];
    let badCount = 0;
    for (let i = 0; i < want.length; i++) {
      if (sliced && !written[i * size]) continue;
      const g = got[i]!;
      const w = want[i]!;
      let ok: boolean;
      if (elem === 'f32' || elem === 'f16' || elem === 'bf16') {
        ok = sameFloat(g, w);
        // A value a few ulps off may round to the neighbouring f16 / bf16 when it is stored.
        if (!ok && inexact.length) ok = Math.abs(g - w) <= APPROX_ABS + APPROX_REL * Math.abs(w) + storageUlp(elem, w);
      } else ok = g === w;
      if (!ok) {
        badCount++;
        if (bad.length < 5) bad.push(`[${i}] ptx ${g} vs sim ${w}`);
      }
    }
    if (badCount) outcome.failures.push(`${names} (${elem}): ${badCount} of ${want.length} differ: ${bad.join(', ')}`);
  }
  return outcome;
}

// ---------------------------------------------------------------------------------------------- driving

function openSim(): SimDevice {
  return new SimDevice(loadProfile(DEFAULT_PROFILE));
}

/** One diagnostic line per kernel and target (launches of the same key counted), then asserts nothing differed. */
function report(t: TestContext, outcomes: Outcome[]): void {
  const groups = new Map<string, Outcome[]>();
  for (const o of outcomes) groups.set(`${o.key}|${o.target}`, [...(groups.get(`${o.key}|${o.target}`) ?? []), o]);
  for (const group of groups.values()) {
    const o = group[0]!;
    const status = group.some((g) => g.failures.length) ? 'FAIL' : group.some((g) => g.problems.length) ? 'UB' : 'same as sim:';
    const notes = [...new Set(group.flatMap((g) => g.notes))];
    const blocks = [...new Set(group.map((g) => g.blocks))].join(' / ');
    t.diagnostic(`${status} ${o.key}${group.length > 1 ? ` ×${group.length}` : ''} [${o.target}, ${blocks}]${notes.length ? ` (${notes.join('; ')})` : ''}`);
  }
  const failures = outcomes.flatMap((o) => o.failures.map((f) => `${o.key} [${o.target}]: ${f}`));
  const problems = [...new Set(outcomes.flatMap((o) => o.problems.map((p) => `${o.key} [${o.target}]: ${p}`)))];
  assert.deepEqual(failures, [], 'PTX results differ from the simulator');
  assert.deepEqual(problems, [], 'undefined behaviour in the PTX');
}

/** Runs every run block of a .kern program on the recording simulator and compares each (distinct) launch. */
async function compareProgram(t: TestContext, label: string, program: NonNullable<ReturnType<typeof compileFile>['program']>, baseDir: string): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const sim = openSim();
  try {
    for (const run of program.runs) {
      if (SKIPPED_RUNS[`${label}:${run.name}`]) continue;
      const compared = new Set<string>();
      const launches = new Map<string, number>();
      let current = '';
      const device = recordingDevice(
        sim,
        (kernel, grid, block, args) => {
          current = `${label}:${run.name}:${kernel.name}`;
          if (SKIPPED[current]) return false;
          const nth = launches.get(current) ?? 0;
          launches.set(current, nth + 1);
          if (nth > 0) current += ` #${nth + 1}`;
          const sig = launchSignature(kernel, grid, block, args);
          if (compared.has(sig)) return false; // a repeat block: the same launch again
          compared.add(sig);
          return true;
        },
        (r) => { for (const target of targetsFor(r.kernel)) outcomes.push(compareLaunch(current, r, target)); },
      );
      const [result] = await runProgram(program, device, { runName: run.name, baseDir });
      assert.equal(result!.error, null, `${label}:${run.name} runs on the simulator: ${result!.error?.message}`);
    }
  } finally {
    await sim.dispose();
  }
  for (const [key, why] of [...Object.entries(SKIPPED_RUNS), ...Object.entries(SKIPPED)]) if (key.startsWith(`${label}:`)) t.diagnostic(`skip ${key}: ${why}`);
  return outcomes;
}

for (const dir of ['kernels/examples', 'kernels/lib', 'kernels/llama']) {
  for (const file of readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.kern')).sort()) {
    test(`PTX matches the simulator: every launch of ${dir}/${file}`, async (t) => {
      const result = compileFile(join(ROOT, dir, file));
      assert.ok(result.program, `${file} checks`);
      const runs = result.program.runs.filter((r) => !SKIPPED_RUNS[`${file}:${r.name}`]);
      if (result.program.runs.length && !runs.length) {
        return t.skip(result.program.runs.map((r) => `${r.name}: ${SKIPPED_RUNS[`${file}:${r.name}`]}`).join('; '));
      }
      const outcomes = await compareProgram(t, file, result.program, join(ROOT, dir));
      if (runs.length) assert.ok(outcomes.length > 0, `${file}: launches compared`);
      report(t, outcomes);
    });
  }
}

/** Runs one launch of `kernel` on the recording simulator: buffers given as bytes, scalars as numbers. */
async function compareDirect(key: string, kernel: IrKernel, grid: Dim3, block: Dim3, args: (number | Uint8Array)[]): Promise<Outcome[]> {
  const sim = openSim();
  const outcomes: Outcome[] = [];
  try {
    const device = recordingDevice(sim, () => true, (r) => { for (const target of targetsFor(r.kernel)) outcomes.push(compareLaunch(key, r, target)); });
    const launchArgs: LaunchArg[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      const p = kernel.params[i]!;
      if (p.kind === 'scalar') {
        launchArgs.push({ kind: 'scalar', type: p.type, value: a as number });
        continue;
      }
      const bytes = a as Uint8Array;
      const buf = await device.alloc(bytes.length, 'device', p.name);
      await device.upload(buf, bytes);
      launchArgs.push({ kind: 'buffer', buffer: buf });
    }
    await device.launch(await device.compile(kernel), grid, block, launchArgs);
    await device.synchronize();
  } finally {
    await sim.dispose();
  }
  return outcomes;
}

function randomF32(n: number, seed: number): Uint8Array {
  let state = seed >>> 0;
  const values = Float32Array.from({ length: n }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
  return new Uint8Array(values.buffer);
}

test('PTX matches the simulator: saxpy (kernels/examples/saxpy.kern) on 5000 elements, a partial last block', async (t) => {
  const program = compileFile(join(ROOT, 'kernels/examples/saxpy.kern')).program;
  assert.ok(program);
  const saxpy = program.kernels.find((k) => k.name === 'saxpy')!;
  const n = 5000;
  const outcomes = await compareDirect('saxpy.kern:saxpy', saxpy, [Math.ceil(n / 256), 1, 1], [256, 1, 1], [n, 2, randomF32(n, 1), randomF32(n + 100, 2)]);
  assert.equal(outcomes.length, 1);
  report(t, outcomes);
});

test('regression: shuffle_down / shuffle_xor by 32 or more leave each lane its own value (PTX takes the offset mod 32)', (t) => {
  const path = '/virtual/shuffles.kern';
  const source = `
kernel shuffles(shift: u32, x: f32[], down: mut f32[], across: mut f32[], far: mut f32[]) {
  let i = thread.x;
  let v = x[i];
  down[i] = shuffle_down(v, lane + shift);
  across[i] = shuffle_xor(v, shift);
  far[i] = shuffle_down(v, 40);
}`;
  const r = checkProgram(path, { readFile: (p) => (p === path ? source : undefined), resolveImport: (_f, s) => s });
  assert.ok(r.program, r.diagnostics.map((d) => d.message).join('\n'));
  const kernel = r.program.kernels[0]!;
  const text = renderPtx([kernel]);
  // A register offset is checked against 32; a constant one past the warp needs no shuffle at all.
  assert.match(text, /shfl\.sync\.down\.b32 (%f\d+), (%v\d+), (%r\d+), 31, -1;\n\tsetp\.lt\.u32 (%p\d+), \3, 32;\n\tselp\.f32 %f\d+, \1, \2, \4;/);
  assert.equal(text.match(/shfl\.sync/g)?.length, 2);
  const ptxas = findPtxas();
  if (ptxas) for (const target of ['sm_75', 'sm_80', 'sm_90']) {
    const assembled = assemble(ptxas, renderPtx([kernel], { target }), target);
    assert.ok(assembled.ok, `ptxas ${target}: ${assembled.log}`);
  }
  const ptx = parsePtx(text).kernels.get('shuffles')!;
  for (const shift of [0, 1, 31, 32, 33, 0xffffffff]) {
    const memory = new GlobalMemory();
    const x = Float32Array.from({ length: 32 }, (_, l) => 100 + l);
    const addresses = [x, new Float32Array(32), new Float32Array(32), new Float32Array(32)].map((a, k) => memory.add(`b${k}`, new Uint8Array(a.buffer)));
    const params = new Uint8Array(ptx.paramBytes);
    const view = new DataView(params.buffer);
    view.setUint32(0, shift, true);
    ptx.params.slice(1).forEach((p, k) => { view.setUint32(p.offset, addresses[k]! % 2 ** 32, true); view.setUint32(p.offset + 4, Math.floor(addresses[k]! / 2 ** 32), true); });
    const report = runPtx(ptx, { grid: [1, 1, 1], block: [32, 1, 1], params, memory });
    assert.deepEqual(report.problems, []);
    const read = (k: number) => Array.from(new Float32Array(memory.bytes(addresses[k]!).slice().buffer));
    const lanes = Array.from({ length: 32 }, (_, l) => l);
    // The simulator's rule: the source lane is lane + d (or lane ^ m); past lane 31 a lane keeps its own value.
    const pick = (src: number, l: number) => (src < 32 ? 100 + src : 100 + l);
    assert.deepEqual(read(1), lanes.map((l) => pick(l + ((l + shift) >>> 0), l)), `shuffle_down by lane + ${shift}`);
    assert.deepEqual(read(2), lanes.map((l) => pick((l ^ shift) >>> 0, l)), `shuffle_xor by ${shift}`);
    assert.deepEqual(read(3), lanes.map((l) => 100 + l), 'shuffle_down by 40');
  }
  if (!ptxas) t.diagnostic('ptxas not found: the PTX was interpreted but not assembled');
});

const LLAMA_VARIANTS: TinyVariant[] = ['f32', 'f16', 'bf16', 'q8_0', 'q4_0'];

for (const variant of LLAMA_VARIANTS) {
  test(`PTX matches the simulator: the Llama engine on the tiny ${variant} model (prefill of 5 tokens, then a decode step)`, async (t) => {
    const model = ensureTinyModel(variant);
    const vocab = tinyVocabulary();
    const sim = openSim();
    const outcomes: Outcome[] = [];
    const kernels = new Set<string>();
    let step = 0;
    try {
      const device = recordingDevice(sim, () => true, (r) => {
        const launch = step++;
        kernels.add(r.kernel.name);
        for (const target of targetsFor(r.kernel)) {
          const o = compareLaunch(`llama ${variant} ${r.kernel.name}`, r, target);
          o.failures = o.failures.map((f) => `launch ${launch}: ${f}`);
          outcomes.push(o);
        }
      });
      const result = await runLlama({ model, device, promptTokens: [vocab.bosId, 40, 72, 101, 33], tokens: 2, context: 32 });
      assert.equal(result.tokens.length, 2);
    } finally {
      await sim.dispose();
    }
    t.diagnostic(`kernels: ${[...kernels].sort().join(', ')}`);
    report(t, outcomes);
  });
}

// ---------------------------------------------------------------------------------------------- built-ins

/** Every built-in on awkward values (NaN, ±0, halfway cases, zero divisors, out-of-range lanes), via a run block. */
const BUILTINS = `
kernel float_math(n: u32, x: f32[], y: f32[], out: mut f32[]) {
  let i = block.x * block_dim.x + thread.x;
  if i < n {
    let a = x[i];
    let b = y[i];
    let o = i * 26;
    out[o] = exp(a);
    out[o + 1] = exp2(a);
    out[o + 2] = log(abs(a));
    out[o + 3] = log2(abs(a));
    out[o + 4] = sqrt(abs(a));
    out[o + 5] = rsqrt(abs(a) + 0.5);
    out[o + 6] = sin(a);
    out[o + 7] = cos(a);
    out[o + 8] = tanh(a);
    out[o + 9] = floor(a) + ceil(b) * 0.5;
    out[o + 10] = round(a);
    out[o + 11] = pow(a, b);
    out[o + 12] = fma(a, b, 0.1);
    out[o + 13] = min(a, b) - max(a, b);
    out[o + 14] = clamp(a, -1.0, 1.0);
    out[o + 15] = a / b;
    out[o + 16] = a * 0.5 - b;
    out[o + 17] = select(a < b, a, b) + select(a != b, 1.0, 0.0);
    out[o + 18] = f32(i32(a * 1.0e9)) + f32(u32(a * 3.0e9));
    out[o + 19] = f16_bits(bitcast_u32(a)) + bf16_bits(bitcast_u32(b) >> 16);
    out[o + 20] = -a * b + a * b - a;
    out[o + 21] = select(a == b || a >= b, 1.0, 0.0) + select(a <= b && a > -b, 2.0, 0.0);
    out[o + 22] = pow(abs(a), 0.5) + pow(a, 0.0) + pow(a, 3.0);
    out[o + 23] = bitcast_f32(bitcast_u32(a) ^ 0x80000000);
    // Angles up to ~100: the 2π reduction's low constant matters (about k · 3.5e-7 if it were wrong).
    out[o + 24] = sin(a * 16.0) + cos(b * 30.0);
    // Equal operands: a quarter of the pairs tie, so <= and < (>= and >) must differ.
    let fa = floor(a * 0.5);
    let fb = floor(b);
    out[o + 25] = select(fa <= fb, 1.0, 0.0) + select(fa < fb, 2.0, 0.0) + select(fa >= fb, 4.0, 0.0) + select(fa > fb, 8.0, 0.0) + select(fa == fb, 16.0, 0.0) + select(fa != fb, 32.0, 0.0);
  }
}

kernel halves(n: u32, x: f32[], h: mut f16[], b: mut bf16[], back: mut f32[]) {
  let i = block.x * block_dim.x + thread.x;
  if i < n {
    h[i] = x[i];
    b[i] = x[i];
    back[i] = f32(h[i]) + f32(b[i]) * 2.0;
  }
}

kernel int_math(n: u32, a: i32[], b: i32[], out: mut i32[], uout: mut u32[], bytes: mut i8[], ubytes: mut u8[]) {
  let i = block.x * block_dim.x + thread.x;
  if i < n {
    let x = a[i];
    let y = b[i];
    let o = i * 16;
    out[o] = x / y;
    out[o + 1] = x % y;
    out[o + 2] = x << y;
    out[o + 3] = x >> y;
    out[o + 4] = ceil_div(x, y);
    out[o + 5] = x * y + x - y;
    out[o + 6] = abs(x) + min(x, y) - max(x, y);
    out[o + 7] = clamp(x, -5, 5) ^ (x & y) | ~y;
    out[o + 8] = select(x < y, 1, 0) + select(x >= y, 2, 0) + select(x == y, 4, 0) + select(x != y, 8, 0);
    out[o + 9] = -x;
    let ux = u32(x);
    let uy = u32(y);
    uout[o] = ux / uy;
    uout[o + 1] = ux % uy;
    uout[o + 2] = ux >> uy;
    uout[o + 3] = ceil_div(ux, uy);
    uout[o + 4] = ux * uy + select(ux < uy, 1, 0) + select(ux > uy, 2, 0);
    uout[o + 5] = min(ux, uy) + max(ux, uy) * 3;
    bytes[i] = x * 37;
    ubytes[i] = x * 13;
    out[o + 10] = i32(bytes[i]) + i32(ubytes[i]);
    let z = x % 4;
    let w = y % 4;
    out[o + 11] = select(z <= w, 1, 0) + select(z < w, 2, 0) + select(z >= w, 4, 0) + select(z > w, 8, 0) + select(z == w, 16, 0) + select(z != w, 32, 0);
    let uz = u32(z + 4);
    let uw = u32(w + 4);
    uout[o + 6] = select(uz <= uw, 1, 0) + select(uz < uw, 2, 0) + select(uz >= uw, 4, 0) + select(uz > uw, 8, 0) + select(uz == uw, 16, 0) + select(uz != uw, 32, 0);
  }
}

kernel lanes(shift: u32, x: f32[], down: mut f32[], across: mut f32[], from: mut f32[], total: mut f32[], top: mut i32[], low: mut u32[]) {
  let i = block.x * block_dim.x + thread.x;
  let v = x[i];
  down[i] = shuffle_down(v, lane + shift);
  across[i] = shuffle_xor(v, lane * shift);
  from[i] = broadcast(v, lane * 7 + shift);
  total[i] = warp_sum(v);
  top[i] = warp_max(i32(v * 10.0));
  low[i] = warp_min(u32(i) * 3);
}

kernel counts(n: u32, x: u32[], hist: mut u32[], sums: mut i32[], big: mut i32[], small: mut i32[]) {
  shared bins: u32[16];
  if thread.x < 16 {
    bins[thread.x] = 0;
  }
  barrier();
  let i = block.x * block_dim.x + thread.x;
  if i < n {
    atomic_add(bins[x[i] % 16], 1);
    let old = atomic_add(sums[0], 3);
    atomic_max(big[0], old);
    atomic_min(small[0], i32(x[i]) - 1000);
  }
  barrier();
  if thread.x < 16 {
    atomic_add(hist[thread.x], bins[thread.x]);
  }
}

run builtins {
  let n = 96;
  let x = buffer(f32, n, random(-6.0, 6.0, seed = 11));
  let y = buffer(f32, n, random(-3.0, 3.0, seed = 12));
  let out = buffer(f32, n * 26);
  launch float_math[3, 32](n, x, y, out);
  let ramp = buffer(f32, n, range(-1.0009765625, 0.000732421875));
  let h = buffer(f16, n);
  let b = buffer(bf16, n);
  let back = buffer(f32, n);
  launch halves[3, 32](n, ramp, h, b, back);
  let a = buffer(i32, n, random(-100000, 100000, seed = 13));
  let d = buffer(i32, n, random(-40, 40, seed = 14));
  let iout = buffer(i32, n * 16);
  let uout = buffer(u32, n * 16);
  let bytes = buffer(i8, n);
  let ubytes = buffer(u8, n);
  launch int_math[3, 32](n, a, d, iout, uout, bytes, ubytes);
  let lx = buffer(f32, 64, random(-1.0, 1.0, seed = 15));
  let down = buffer(f32, 64);
  let across = buffer(f32, 64);
  let from = buffer(f32, 64);
  let total = buffer(f32, 64);
  let top = buffer(i32, 64);
  let low = buffer(u32, 64);
  launch lanes[2, 32](0, lx, down, across, from, total, top, low);
  launch lanes[2, 32](3, lx, down, across, from, total, top, low);
  launch lanes[2, 32](32, lx, down, across, from, total, top, low);
  let keys = buffer(u32, 200, range(7, 5));
  let hist = buffer(u32, 16);
  let sums = buffer(i32, 1);
  let big = buffer(i32, 1, fill(-1));
  let small = buffer(i32, 1, fill(1000000));
  launch counts[4, 64](200, keys, hist, sums, big, small);
}
`;

test('PTX matches the simulator: every built-in on awkward values (sm_80 and sm_70)', async (t) => {
  const path = '/virtual/builtins.kern';
  const r = checkProgram(path, { readFile: (p) => (p === path ? BUILTINS : undefined), resolveImport: (_f, s) => s });
  assert.ok(r.program, r.diagnostics.map((d) => d.message).join('\n'));
  const outcomes = await compareProgram(t, 'builtins.kern', r.program, '/virtual');
  assert.ok(outcomes.length >= 8);
  report(t, outcomes);
});
