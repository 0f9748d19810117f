// Simulator speed: the examples' saxpy, tiled matmul and softmax kernels executed in-process by the sim's
// executor, against the same computation written as plain JS loops; best of N, reported as a speed ratio.
import { join } from 'node:path';
import { compileFile } from '../driver/source-host';
import { compileKernel, executeKernel } from '../driver/sim/executor';
import type { ExecArg } from '../driver/sim/executor';
import { F16_TABLE, f32ToF16Bits } from '../driver/sim/storage';
import type { Dim3 } from '../driver/device';
import type { IrKernel } from '../kernels/lang/ir';
import { Xoshiro128 } from '../driver/runner';
import type { BenchOptions, BenchSuite } from './index';
import { repoRoot } from './index';

interface CaseResult {
  name: string;
  size: string;
  /** Best wall time of one execution, ms. */
  sim_ms: number;
  js_ms: number;
  /** Simulator speed as a fraction of hand-written JS (1 = as fast; the target is >= 0.5). */
  ratio: number;
  /** Largest difference between the two results (they compute the same thing). */
  max_abs_diff: number;
}

interface BenchCase {
  name: string;
  size: string;
  sim: () => void;
  js: () => void;
  /** Both outputs, compared after the timing runs. */
  outputs: () => [ArrayLike<number>, ArrayLike<number>];
}

function kernelFrom(file: string, name: string): IrKernel {
  const path = join(repoRoot(), 'kernels', 'examples', file);
  const result = compileFile(path);
  const kernel = result.program?.kernels.find((k) => k.name === name);
  if (!kernel) throw new Error(`bench: kernel ${name} not found in ${path} (${result.diagnostics.length} diagnostics)`);
  return kernel;
}

function randomF32(n: number, seed: number): Float32Array {
  const rng = new Xoshiro128(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround(-1 + (2 * rng.nextU32()) / 4294967296);
  return out;
}

const buf = (name: string, data: ArrayBufferView): ExecArg => ({ kind: 'buffer', name, data: data.buffer as ArrayBuffer, byteOffset: data.byteOffset, byteLength: data.byteLength, placement: 'device' });
const u32 = (value: number): ExecArg => ({ kind: 'scalar', type: 'u32', value });
const f32 = (value: number): ExecArg => ({ kind: 'scalar', type: 'f32', value });

function saxpyCase(n: number): BenchCase {
  const compiled = compileKernel(kernelFrom('saxpy.kern', 'saxpy'));
  const x = randomF32(n, 1);
  const ySim = new Float32Array(n).fill(1);
  const yJs = new Float32Array(n).fill(1);
  const grid: Dim3 = [Math.ceil(n / 256), 1, 1];
  const block: Dim3 = [256, 1, 1];
  const args = [u32(n), f32(2), buf('x', x), buf('y', ySim)];
  return {
    name: 'saxpy',
    size: `n = ${n}`,
    sim: () => executeKernel(compiled, grid, block, args),
    js: () => {
      const a = Math.fround(2);
      for (let i = 0; i < n; i++) yJs[i] = Math.fround(Math.fround(a * x[i]!) + yJs[i]!);
    },
    outputs: () => [ySim, yJs],
  };
}

function matmulCase(size: number): BenchCase {
  const compiled = compileKernel(kernelFrom('matmul_tiled.kern', 'matmul_tiled'));
  const m = size;
  const n = size;
  const k = size;
  const a = randomF32(m * k, 7);
  const b = randomF32(k * n, 8);
  const cSim = new Float32Array(m * n);
  const cJs = new Float32Array(m * n);
  const args = [u32(m), u32(n), u32(k), buf('a', a), buf('b', b), buf('c', cSim)];
  const grid: Dim3 = [Math.ceil(n / 16), Math.ceil(m / 16), 1];
  return {
    name: 'matmul_tiled',
    size: `${m}×${k} · ${k}×${n}`,
    sim: () => executeKernel(compiled, grid, [16, 16, 1], args),
    js: () => {
      for (let row = 0; row < m; row++) {
        for (let col = 0; col < n; col++) {
          let acc = 0;
          for (let kk = 0; kk < k; kk++) acc = Math.fround(acc + Math.fround(a[row * k + kk]! * b[kk * n + col]!));
          cJs[row * n + col] = acc;
        }
      }
    },
    outputs: () => [cSim, cJs],
  };
}

function softmaxCase(rows: number, cols: number): BenchCase {
  const compiled = compileKernel(kernelFrom('softmax_f16.kern', 'softmax_rows'));
  const rng = new Xoshiro128(3);
  const x = new Uint16Array(rows * cols);
  for (let i = 0; i < x.length; i++) x[i] = f32ToF16Bits(-4 + (8 * rng.nextU32()) / 4294967296);
  const ySim = new Uint16Array(rows * cols);
  const yJs = new Uint16Array(rows * cols);
  const args = [u32(cols), buf('x', x), buf('y', ySim)];
  return {
    name: 'softmax_f16',
    size: `${rows} rows × ${cols}`,
    sim: () => executeKernel(compiled, [rows, 1, 1], [256, 1, 1], args),
    js: () => {
      for (let r = 0; r < rows; r++) {
        const base = r * cols;
        let max = -3e38;
        for (let j = 0; j < cols; j++) max = Math.max(max, F16_TABLE[x[base + j]!]!);
        let sum = 0;
        for (let j = 0; j < cols; j++) sum = Math.fround(sum + Math.fround(Math.exp(Math.fround(F16_TABLE[x[base + j]!]! - max))));
        for (let j = 0; j < cols; j++) yJs[base + j] = f32ToF16Bits(Math.fround(Math.fround(Math.exp(Math.fround(F16_TABLE[x[base + j]!]! - max))) / sum));
      }
    },
    outputs: () => [Array.from(ySim, (h) => F16_TABLE[h]!), Array.from(yJs, (h) => F16_TABLE[h]!)],
  };
}

function bestOf(runs: number, fn: () => void): number {
  fn(); // warm-up: JIT and first-touch of the buffers
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

async function run(options: BenchOptions): Promise<Record<string, unknown>> {
  const runs = options.quick ? 2 : 5;
  const cases = options.quick
    ? [saxpyCase(1 << 20), matmulCase(128), softmaxCase(64, 1024)]
    : [saxpyCase(1 << 24), matmulCase(256), softmaxCase(256, 1024)];
  const results: CaseResult[] = [];
  for (const c of cases) {
    const sim_ms = bestOf(runs, c.sim);
    const js_ms = bestOf(runs, c.js);
    const [simOut, jsOut] = c.outputs();
    results.push({ name: c.name, size: c.size, sim_ms: round(sim_ms), js_ms: round(js_ms), ratio: round(js_ms / sim_ms), max_abs_diff: maxAbsDiff(simOut, jsOut) });
  }
  const table = [['kernel', 'size', 'sim ms', 'plain JS ms', 'sim speed vs JS', 'max |diff|']];
  for (const r of results) table.push([r.name, r.size, String(r.sim_ms), String(r.js_ms), `${r.ratio}×`, r.max_abs_diff.toExponential(1)]);
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) options.print(row.map((cell, i) => (i >= 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  '));
  options.print(`best of ${runs} after a warm-up run; speed ratio = plain JS time / sim time (target >= 0.5)`);
  return { runs, target_ratio: 0.5, results };
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

export const simSuite: BenchSuite = {
  name: 'sim',
  description: 'simulator execution speed vs hand-written JS (saxpy, tiled matmul, softmax)',
  run,
};
