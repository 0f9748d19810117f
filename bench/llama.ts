// Llama benchmark: tiny-model decode on the simulator vs llama.cpp (CPU, 1 thread) on the same GGUF in the
// same run, and the matmul kernels' modelled GB/s against the profile's memory roof. Writes bench/results/llama.json.
// Run: node --import tsx bench/llama.ts [--quick]
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { loadProfile } from '../driver/profiles';
import { SimDevice } from '../driver/sim/device';
import type { DeviceInfo } from '../driver/device';
import { dequantize, GGMLType } from '../kernels/llama/gguf';
import { encodeTensor } from '../kernels/llama/gguf-write';
import { loadLlamaKernels, runLlama } from '../kernels/llama/engine';
import { forwardStep, rowBytes, type WeightFormat } from '../kernels/llama/plan';
import { KNOWN_MODELS } from '../kernels/llama/project';
import { ensureTinyModel, seededRandom, type TinyVariant } from '../kernels/llama/tiny-model';

const quick = process.argv.includes('--quick');
const TOKENS = quick ? 8 : 24;
const PROMPT = 'Once upon a time, the kernels were fast.';

interface DecodeRow {
  variant: TinyVariant;
  tokens: number;
  sim_wall_tok_s: number;
  sim_modelled_tok_s: number;
  llamacpp_tok_s: number | null;
  /** Simulator wall-clock decode speed as a fraction of llama.cpp's on the same CPU. */
  sim_vs_llamacpp: number | null;
  same_tokens: boolean | null;
}

async function llamaCppDecode(path: string, prompt: number[], count: number): Promise<{ tokS: number; tokens: number[] } | string> {
  try {
    const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
    const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
    const model = await llama.loadModel({ modelPath: path });
    const context = await model.createContext({ contextSize: 256, threads: 1, batchSize: 64 });
    const sequence = context.getSequence();
    const tokens: number[] = [];
    let firstAt = 0;
    for await (const t of sequence.evaluate(prompt as Parameters<typeof sequence.evaluate>[0], { temperature: 0 })) {
      if (tokens.length === 0) firstAt = performance.now();
      tokens.push(t);
      if (tokens.length >= count) break;
    }
    const tokS = (tokens.length - 1) / ((performance.now() - firstAt) / 1000);
    await context.dispose();
    await model.dispose();
    await llama.dispose();
    return { tokS, tokens };
  } catch (err) {
    return `llama.cpp unavailable: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
  }
}

async function decodeRows(info: DeviceInfo, notes: string[]): Promise<DecodeRow[]> {
  const rows: DecodeRow[] = [];
  for (const variant of ['q8_0', 'f32'] as TinyVariant[]) {
    const path = ensureTinyModel(variant);
    const device = new SimDevice(info);
    try {
      await runLlama({ model: path, device, prompt: PROMPT, tokens: 2 }); // warm the worker and the JIT
      const r = await runLlama({ model: path, device, prompt: PROMPT, tokens: TOKENS });
      const decodeSteps = r.steps.filter((s) => s.kind === 'decode');
      const wallPerToken = decodeSteps.reduce((n, s) => n + s.wall_ms, 0) / Math.max(1, decodeSteps.length);
      const cpp = await llamaCppDecode(path, r.prompt_tokens, r.tokens.length);
      if (typeof cpp === 'string') notes.push(cpp);
      const simWall = 1000 / wallPerToken;
      rows.push({
        variant,
        tokens: r.tokens.length,
        sim_wall_tok_s: simWall,
        sim_modelled_tok_s: r.decode_tok_s,
        llamacpp_tok_s: typeof cpp === 'string' ? null : cpp.tokS,
        sim_vs_llamacpp: typeof cpp === 'string' ? null : simWall / cpp.tokS,
        same_tokens: typeof cpp === 'string' ? null : JSON.stringify(cpp.tokens) === JSON.stringify(r.tokens),
      });
    } finally {
      await device.dispose();
    }
  }
  return rows;
}

interface MatmulRow {
  format: WeightFormat;
  shape: string;
  bytes: number;
  modelled_us: number;
  /** Achieved GB/s over the kernel's modelled time (launch latency included). */
  achieved_gbps: number;
  percent_of_memory_roof: number;
  /** The same without the fixed launch latency: how close the kernel body is to the roof. */
  body_percent_of_memory_roof: number;
}

async function matmulRows(info: DeviceInfo): Promise<MatmulRow[]> {
  const kernels = await loadLlamaKernels();
  const rows = quick ? 512 : 2048;
  const cols = 4096;
  const random = seededRandom(1);
  const w = Float32Array.from({ length: rows * cols }, () => random() * 2 - 1);
  const x = Float32Array.from({ length: cols }, () => random() * 2 - 1);
  const out: MatmulRow[] = [];
  const device = new SimDevice(info);
  try {
    for (const [format, type] of [['f16', GGMLType.F16], ['q8_0', GGMLType.Q8_0], ['q4_0', GGMLType.Q4_0]] as [WeightFormat, GGMLType][]) {
      const raw = encodeTensor(type, w);
      void dequantize;
      const wb = await device.alloc(raw.length, 'device', 'w');
      const xb = await device.alloc(cols * 4, 'device', 'x');
      const yb = await device.alloc(rows * 4, 'device', 'y');
      await device.upload(wb, raw);
      await device.upload(xb, new Uint8Array(x.buffer));
      const program = await device.compile(kernels.get(`matmul_${format}`)!);
      device.resetTrace();
      const u32 = (value: number) => ({ kind: 'scalar' as const, type: 'u32' as const, value });
      await device.launch(program, [Math.ceil(rows / 256), 1, 1], [256, 1, 1], [u32(rows), u32(cols), u32(1), u32(0), { kind: 'buffer', buffer: wb }, { kind: 'buffer', buffer: xb }, { kind: 'buffer', buffer: yb }]);
      const e = device.events().find((ev) => ev.kind === 'kernel')!;
      const achieved = e.bytes / (e.duration_us * 1e3);
      const body = e.duration_us - info.ceilings.launchLatencyUs;
      out.push({
        format, shape: `${rows}x${cols}`, bytes: e.bytes, modelled_us: e.duration_us, achieved_gbps: achieved,
        percent_of_memory_roof: (100 * achieved) / info.ceilings.memoryGBps,
        body_percent_of_memory_roof: body > 0 ? (100 * e.bytes) / (body * 1e3) / info.ceilings.memoryGBps : 0,
      });
      for (const b of [wb, xb, yb]) await device.free(b);
    }
  } finally {
    await device.dispose();
  }
  return out;
}

/** The 8B decode step's matmuls on the profile (from the plan, same formulas as the sim). */
function projectedMatmuls(info: DeviceInfo): { format: WeightFormat; weight_share_of_bytes: number; achieved_gbps: number; percent_of_memory_roof: number }[] {
  const { config } = KNOWN_MODELS['llama-3.1-8b']!;
  return (['f16', 'q8_0', 'q4_0'] as WeightFormat[]).map((format) => {
    const plan = forwardStep(config, { format, pos0: 128, ntok: 1, tokenSlot: 128, greedy: true }).filter((l) => l.kernel.startsWith('matmul'));
    const bytes = plan.reduce((n, l) => n + l.bytes, 0);
    const us = plan.reduce((n, l) => n + info.ceilings.launchLatencyUs + l.bytes / (info.ceilings.memoryGBps * 1e3), 0);
    const weights = plan.reduce((n, l) => n + l.weightBytes, 0);
    void rowBytes;
    return { format, weight_share_of_bytes: weights / bytes, achieved_gbps: bytes / (us * 1e3), percent_of_memory_roof: (100 * bytes) / (us * 1e3) / info.ceilings.memoryGBps };
  });
}

async function main(): Promise<void> {
  const info = loadProfile('rtx5090-usb4');
  const notes: string[] = [];
  const decode = await decodeRows(info, notes);
  const matmul = await matmulRows(info);
  const projected = projectedMatmuls(info);
  console.log(`tiny model decode, ${TOKENS} tokens (sim wall clock vs llama.cpp CPU 1 thread on ${cpus()[0]?.model ?? 'this CPU'}):`);
  for (const r of decode) {
    console.log(`  ${r.variant.padEnd(5)} sim ${r.sim_wall_tok_s.toFixed(1)} tok/s wall (${r.sim_modelled_tok_s.toFixed(0)} modelled) · llama.cpp ${r.llamacpp_tok_s?.toFixed(0) ?? 'n/a'} tok/s · ratio ${r.sim_vs_llamacpp?.toExponential(2) ?? 'n/a'} · same tokens ${r.same_tokens ?? 'n/a'}`);
  }
  console.log(`matmul kernels on ${info.name} (memory roof ${info.ceilings.memoryGBps} GB/s):`);
  for (const r of matmul) {
    console.log(`  ${r.format.padEnd(5)} ${r.shape} ${(r.bytes / 1e6).toFixed(1)} MB in ${r.modelled_us.toFixed(1)} µs: ${r.achieved_gbps.toFixed(0)} GB/s = ${r.percent_of_memory_roof.toFixed(0)}% of roof (${r.body_percent_of_memory_roof.toFixed(0)}% without launch latency)`);
  }
  for (const r of projected) console.log(`  8B decode matmuls ${r.format.padEnd(5)}: ${r.achieved_gbps.toFixed(0)} GB/s = ${r.percent_of_memory_roof.toFixed(0)}% of roof (weights are ${(r.weight_share_of_bytes * 100).toFixed(1)}% of bytes)`);
  for (const n of notes) console.log(`  note: ${n}`);
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const result = { suite: 'llama', date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, quick, device: info.id, decode, matmul, projected_8b_matmuls: projected, notes };
  writeFileSync(join(dir, 'llama.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${join(dir, 'llama.json')}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
