// Real-GPU benchmark: pinned vs pageable copy bandwidth, kernel launch overhead through koffi, and an f16
// matvec's achieved GB/s against the device's memory bandwidth. Writes bench/results/cuda.json; without a GPU
// it reports "skipped: <reason>". Run: `node --import tsx bench/cuda.ts [--quick]` (or the `cuda` suite).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { probeCuda, openCudaDevice } from '../driver/cuda/index';
import { check, loadLibcuda, type LoadedCuda } from '../driver/cuda/libcuda';
import { CU_MEMHOSTALLOC_PORTABLE } from '../driver/cuda/bindings';
import { checkProgram } from '../kernels/lang/index';
import type { Device } from '../driver/device';
import type { BenchOptions, BenchSuite } from './index';

/** A warp per row; weights are f16 pairs packed in u32 so each lane reads 4 bytes per step. */
const MATVEC_F16 = `
kernel matvec_f16(rows: u32, pairs: u32, w: u32[], x: f32[], y: mut f32[]) {
  let warp = (block.x * block_dim.x + thread.x) / 32;
  let row = min(warp, rows - 1);
  var acc = 0.0;
  for p in lane..pairs step 32 {
    let packed = w[row * pairs + p];
    acc += f16_bits(packed) * x[2 * p] + f16_bits(packed >> 16) * x[2 * p + 1];
  }
  let total = warp_sum(acc);
  if warp < rows && lane == 0 {
    y[row] = total;
  }
}

kernel empty(n: u32) {
}
`;

interface CopyResult { direction: 'h2d' | 'd2h'; memory: 'pinned' | 'pageable'; bytes: number; gbps: number }

function best(times: number[]): number {
  return Math.min(...times);
}

/** Copy bandwidth measured with the driver directly (host wall time around copy + stream sync). */
function copyBandwidth(cuda: LoadedCuda, bytes: number, repeats: number): CopyResult[] {
  const { api, koffi } = cuda;
  const out: CopyResult[] = [];
  const dptr: [number | bigint] = [0];
  check(cuda, api.cuMemAlloc_v2(dptr, bytes), 'allocating the copy benchmark buffer');
  const device = Number(dptr[0]);
  const pinned: [unknown] = [null];
  check(cuda, api.cuMemHostAlloc(pinned, bytes, CU_MEMHOSTALLOC_PORTABLE), 'allocating pinned host memory');
  const pageable = Buffer.alloc(bytes, 1);
  const stream: [unknown] = [null];
  check(cuda, api.cuStreamCreate(stream, 1), 'creating the copy stream');
  try {
    for (const memory of ['pinned', 'pageable'] as const) {
      const host = memory === 'pinned' ? pinned[0] : pageable;
      for (const direction of ['h2d', 'd2h'] as const) {
        const times: number[] = [];
        for (let r = 0; r < repeats; r++) {
          const t0 = performance.now();
          if (direction === 'h2d') check(cuda, api.cuMemcpyHtoDAsync_v2(device, host, bytes, stream[0]), `copying ${memory} memory to the GPU`);
          else check(cuda, api.cuMemcpyDtoHAsync_v2(host, device, bytes, stream[0]), `copying to ${memory} memory`);
          check(cuda, api.cuStreamSynchronize(stream[0]), 'waiting for the copy');
          times.push(performance.now() - t0);
        }
        out.push({ direction, memory, bytes, gbps: bytes / (best(times) * 1e-3) / 1e9 });
      }
    }
  } finally {
    api.cuStreamDestroy_v2(stream[0]);
    api.cuMemFreeHost(pinned[0]);
    api.cuMemFree_v2(device);
  }
  void koffi;
  return out;
}

function compileSource(source: string) {
  const path = '/bench/matvec_f16.kern';
  const result = checkProgram(path, { readFile: (p) => (p === path ? source : undefined), resolveImport: (_f, spec) => spec });
  if (!result.program) throw new Error(`bench/cuda.ts: the benchmark kernels do not check: ${result.diagnostics.map((d) => d.message).join('; ')}`);
  return result.program;
}

/** Host cost of one cuLaunchKernel through koffi (an empty kernel, launches queued back to back). */
async function launchOverhead(device: Device, launches: number): Promise<{ launches: number; us_per_launch: number; gpu_us_per_kernel: number }> {
  const kernel = compileSource(MATVEC_F16).kernels.find((k) => k.name === 'empty')!;
  const program = await device.compile(kernel);
  const args = [{ kind: 'scalar' as const, type: 'u32' as const, value: 0 }];
  await device.launch(program, [1, 1, 1], [32, 1, 1], args);
  await device.synchronize();
  device.resetTrace();
  const t0 = performance.now();
  for (let i = 0; i < launches; i++) await device.launch(program, [1, 1, 1], [32, 1, 1], args);
  const hostMs = performance.now() - t0;
  await device.synchronize();
  const kernels = device.events().filter((e) => e.kind === 'kernel');
  const gpu = kernels.reduce((s, e) => s + e.duration_us, 0) / Math.max(1, kernels.length);
  return { launches, us_per_launch: (hostMs * 1e3) / launches, gpu_us_per_kernel: gpu };
}

async function matvecBandwidth(device: Device, rows: number, cols: number, repeats: number) {
  const kernel = compileSource(MATVEC_F16).kernels.find((k) => k.name === 'matvec_f16')!;
  const program = await device.compile(kernel);
  const pairs = cols / 2;
  const weightBytes = rows * cols * 2;
  const w = await device.alloc(weightBytes, 'device', 'w');
  const x = await device.alloc(cols * 4, 'device', 'x');
  const y = await device.alloc(rows * 4, 'device', 'y');
  await device.fill(w, 0x3c); // 0x3c3c as f16 = 1.06
  await device.fill(x, 0);
  const block = 256;
  const grid = Math.ceil((rows * 32) / block);
  const args = [
    { kind: 'scalar' as const, type: 'u32' as const, value: rows }, { kind: 'scalar' as const, type: 'u32' as const, value: pairs },
    { kind: 'buffer' as const, buffer: w }, { kind: 'buffer' as const, buffer: x }, { kind: 'buffer' as const, buffer: y },
  ];
  await device.launch(program, [grid, 1, 1], [block, 1, 1], args);
  await device.synchronize();
  device.resetTrace();
  for (let r = 0; r < repeats; r++) await device.launch(program, [grid, 1, 1], [block, 1, 1], args);
  await device.synchronize();
  const durations = device.events().filter((e) => e.kind === 'kernel').map((e) => e.duration_us);
  const us = best(durations);
  const bytes = weightBytes + cols * 4 + rows * 4;
  const gbps = bytes / (us * 1e-6) / 1e9;
  const ceiling = device.info().ceilings.memoryGBps;
  for (const b of [w, x, y]) await device.free(b);
  return { rows, cols, bytes, best_us: us, gbps, memory_gbps: ceiling, percent_of_memory: ceiling ? (100 * gbps) / ceiling : 0 };
}

/** Runs the benchmark; `{ skipped }` without a GPU. */
export async function runCudaBench(options: BenchOptions): Promise<Record<string, unknown>> {
  const probe = await probeCuda();
  if (!probe.ok) {
    options.print(`skipped: ${probe.reason}`);
    return { skipped: probe.reason };
  }
  const loaded = loadLibcuda();
  if (!loaded.ok) return { skipped: loaded.reason };
  const info = probe.devices[0]!;
  options.print(`device: ${info.name}, ${info.link}, memory ${info.ceilings.memoryGBps} GB/s, link ${info.ceilings.linkH2DGBps} GB/s`);
  const device = await openCudaDevice(0, { timeLimitMs: 60_000 });
  try {
    const copyBytes = options.quick ? 16 << 20 : 256 << 20;
    const copies = copyBandwidth(loaded.cuda, copyBytes, options.quick ? 3 : 10);
    for (const c of copies) options.print(`${c.direction} ${c.memory.padEnd(8)} ${(c.bytes / 2 ** 20).toFixed(0)} MiB  ${c.gbps.toFixed(2)} GB/s`);
    const launch = await launchOverhead(device, options.quick ? 200 : 2000);
    options.print(`launch overhead through koffi: ${launch.us_per_launch.toFixed(2)} us/launch (GPU ${launch.gpu_us_per_kernel.toFixed(2)} us/kernel)`);
    const matvec = await matvecBandwidth(device, options.quick ? 4096 : 14336, 4096, options.quick ? 5 : 20);
    options.print(`f16 matvec ${matvec.rows}x${matvec.cols}: ${matvec.gbps.toFixed(1)} GB/s = ${matvec.percent_of_memory.toFixed(1)}% of ${matvec.memory_gbps} GB/s`);
    return { device: info, copies, launch, matvec };
  } finally {
    await device.dispose();
  }
}

export const cudaSuite: BenchSuite = {
  name: 'cuda',
  description: 'real GPU: pinned/pageable copy GB/s, launch overhead, f16 matvec GB/s vs memory bandwidth',
  run: runCudaBench,
};

// Standalone run (`node --import tsx bench/cuda.ts`); never when bundled into the CLI or imported by bench/index.ts.
if (/bench[\\/]cuda\.ts$/.test(process.argv[1] ?? '')) {
  const quick = process.argv.includes('--quick');
  runCudaBench({ quick, print: (line) => process.stdout.write(`${line}\n`) }).then((result) => {
    const dir = join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'cuda.json');
    writeFileSync(path, `${JSON.stringify({ suite: 'cuda', date: new Date().toISOString(), quick, ...result }, null, 2)}\n`);
    process.stdout.write(`results written to ${path}\n`);
  }, (err: unknown) => {
    process.stderr.write(`bench/cuda.ts: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
