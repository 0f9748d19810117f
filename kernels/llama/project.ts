// The what-if: the simulator's timing model alone, run over the kernel sequence of engine.ts with the real
// shapes of a large model, with weights resident in VRAM vs streamed over the link every token.
import type { DeviceInfo } from '../../driver/device';
import type { LlamaConfig } from './model';
import { forwardStep, rowBytes, WEIGHT_FORMATS, type PlannedLaunch, type WeightFormat } from './plan';

/** Shapes of models the projection knows (shared/REFERENCE.md). */
export const KNOWN_MODELS: Record<string, { title: string; config: LlamaConfig; tiedOutput: boolean }> = {
  'llama-3.1-8b': {
    title: 'Llama 3.1 8B',
    config: { dim: 4096, layers: 32, heads: 32, kvHeads: 8, headDim: 128, ffn: 14336, vocab: 128256, context: 131072, ropeTheta: 500000, rmsEps: 1e-5 },
    tiedOutput: false,
  },
  'llama-3.2-1b': {
    title: 'Llama 3.2 1B',
    config: { dim: 2048, layers: 16, heads: 32, kvHeads: 8, headDim: 64, ffn: 8192, vocab: 128256, context: 131072, ropeTheta: 500000, rmsEps: 1e-5 },
    tiedOutput: true,
  },
};

export interface ProjectOptions {
  /** A KNOWN_MODELS key, or a config of your own. */
  model: string | { title: string; config: LlamaConfig; tiedOutput?: boolean };
  quant?: WeightFormat;
  device: DeviceInfo;
  /** Sequence position of the decoded token (attention reads this many cached keys). Default 128. */
  position?: number;
}

export interface TimeShare {
  /** Bytes crossing the link: streamed weights and the token read back. */
  link: number;
  /** Kernels moving bytes through device memory (or computing). */
  kernels: number;
  /** Fixed launch cost of every kernel. */
  launch: number;
  /** Host round trips: the read-back's fixed cost and any sync. */
  sync: number;
}

export interface ProjectionCase {
  decode_tok_s: number;
  ms_per_token: number;
  kernels_per_token: number;
  syncs_per_token: number;
  link_bytes_per_token: number;
  device_bytes_per_token: number;
  /** Time per token split by cause, in ms. */
  ms: TimeShare;
  /** The same as fractions of the token's time (sum to 1). */
  share: TimeShare;
}

export interface ProjectionResult {
  model: string;
  title: string;
  device: string;
  device_name: string;
  quant: WeightFormat;
  position: number;
  /** Weight bytes the decode step reads (every matrix once, one embedding row). */
  weight_bytes_per_token: number;
  resident: ProjectionCase;
  streamed: ProjectionCase;
  /** Two or three plain sentences saying what the numbers mean. */
  explanation: string[];
}

/** Bytes the decode step reads back (the next token id). */
const READBACK_BYTES = 4;

function timeCase(launches: PlannedLaunch[], info: DeviceInfo, streamed: boolean): ProjectionCase {
  const c = info.ceilings;
  const ms: TimeShare = { link: 0, kernels: 0, launch: 0, sync: 0 };
  let linkBytes = 0;
  let deviceBytes = 0;
  for (const k of launches) {
    const link = streamed ? k.weightBytes : 0;
    const device = k.bytes - link;
    const memoryUs = device / (c.memoryGBps * 1e3);
    const computeUs = k.flops / (c.fp32TFLOPS * 1e6);
    const linkUs = link / (c.linkH2DGBps * 1e3);
    ms.launch += c.launchLatencyUs / 1e3;
    if (linkUs > memoryUs && linkUs > computeUs) ms.link += linkUs / 1e3;
    else ms.kernels += Math.max(memoryUs, computeUs) / 1e3;
    linkBytes += link;
    deviceBytes += device;
  }
  // The greedy token id comes back with one device-to-host copy, which waits for the queue: one round trip.
  ms.link += READBACK_BYTES / (c.linkD2HGBps * 1e3) / 1e3;
  ms.sync += c.transferLatencyUs / 1e3;
  linkBytes += READBACK_BYTES;
  const total = ms.link + ms.kernels + ms.launch + ms.sync;
  return {
    decode_tok_s: 1000 / total,
    ms_per_token: total,
    kernels_per_token: launches.length,
    syncs_per_token: 1,
    link_bytes_per_token: linkBytes,
    device_bytes_per_token: deviceBytes,
    ms,
    share: { link: ms.link / total, kernels: ms.kernels / total, launch: ms.launch / total, sync: ms.sync / total },
  };
}

function resolveModel(model: ProjectOptions['model']): { id: string; title: string; config: LlamaConfig; tiedOutput: boolean } {
  if (typeof model !== 'string') return { id: model.title, title: model.title, config: model.config, tiedOutput: model.tiedOutput ?? false };
  const known = KNOWN_MODELS[model.toLowerCase()];
  if (!known) throw new Error(`unknown model '${model}' for --project: known models are ${Object.keys(KNOWN_MODELS).join(', ')}`);
  return { id: model.toLowerCase(), ...known };
}

const gb = (bytes: number) => `${(bytes / 1e9).toFixed(bytes >= 1e10 ? 0 : 1)} GB`;
const rate = (gbps: number) => (gbps >= 1000 ? `${(gbps / 1000).toFixed(2)} TB/s` : `${gbps} GB/s`);

/** Projects decode speed of a model on a device profile. Throws an Error with a user message for unknown models/quants. */
export function projectLlama(options: ProjectOptions): ProjectionResult {
  const { id, title, config, tiedOutput } = resolveModel(options.model);
  const quant = options.quant ?? 'q4_0';
  if (!WEIGHT_FORMATS.includes(quant)) throw new Error(`unknown --quant '${String(quant)}': use one of ${WEIGHT_FORMATS.join(', ')}`);
  const position = options.position ?? 128;
  const launches = forwardStep(config, { format: quant, tiedOutput, pos0: position, ntok: 1, tokenSlot: position, greedy: true });
  const info = options.device;
  const resident = timeCase(launches, info, false);
  const streamed = timeCase(launches, info, true);
  const weightBytes = launches.reduce((n, k) => n + k.weightBytes, 0);
  const c = info.ceilings;
  const explanation = [
    `Streamed: every token pulls ${gb(weightBytes)} of ${quant.toUpperCase()} weights across the ${rate(c.linkH2DGBps)} link ` +
      `(${streamed.ms.link.toFixed(0)} ms of ${streamed.ms_per_token.toFixed(0)} ms per token), so decode lands at ` +
      `${streamed.decode_tok_s.toFixed(2)} tok/s: the link, not the GPU, sets the speed.`,
    `Resident: with the weights kept in VRAM the same ${resident.kernels_per_token} kernels read them at ${rate(c.memoryGBps)} in ` +
      `${resident.ms.kernels.toFixed(1)} ms, ` +
      (resident.ms.launch > resident.ms.kernels
        ? `and ${resident.kernels_per_token} launches × ${c.launchLatencyUs} µs (${resident.ms.launch.toFixed(1)} ms) become the largest cost`
        : `plus ${resident.ms.launch.toFixed(1)} ms of launch latency (${resident.kernels_per_token} × ${c.launchLatencyUs} µs)`) +
      `: ${resident.decode_tok_s.toFixed(0)} tok/s, ${(resident.decode_tok_s / streamed.decode_tok_s).toFixed(0)}× faster.`,
    `A better driver keeps the weights on the GPU and then cuts launches and round trips (fused kernels, graphs) — ` +
      `the bandwidth-only ceiling is ${(c.memoryGBps * 1e9 / weightBytes).toFixed(0)} tok/s.`,
  ];
  return {
    model: id, title, device: info.id, device_name: info.name, quant, position,
    weight_bytes_per_token: weightBytes, resident, streamed, explanation,
  };
}

/** Bytes of the whole weight set of a model in a format (for reports). */
export function modelWeightBytes(config: LlamaConfig, format: WeightFormat, tiedOutput: boolean): number {
  const kvDim = config.headDim * config.kvHeads;
  const perLayer = rowBytes(format, config.dim) * (2 * config.dim + 2 * kvDim + 2 * config.ffn) + rowBytes(format, config.ffn) * config.dim + 8 * config.dim;
  return config.layers * perLayer + rowBytes(format, config.dim) * config.vocab * (tiedOutput ? 1 : 2) + 4 * config.dim;
}
