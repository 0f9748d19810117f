// The what-if: the simulator's timing model alone, run over the kernel sequence of engine.ts with the real
// shapes of a large model, with weights resident in VRAM vs streamed over the link every token.
import type { DeviceInfo } from '../../driver/device';
import { formatBytes } from '../../driver/trace';
import { bytesUs, kernelUs, transferUs } from '../../driver/sim/timing';
import type { LlamaConfig } from './model';
import { activationBuffers, forwardStep, rowBytes, WEIGHT_FORMATS, type PlannedLaunch, type WeightFormat } from './plan';

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
  /** Whether what this case keeps in device memory fits the profile's memoryBytes. When false, the times above are
   *  what the case would reach on a card with enough memory, and the report says it does not fit. */
  fits: boolean;
  /** Bytes this case keeps in device memory: the whole weight set when resident (none when streamed), plus the
   *  KV cache up to the position and the activations. No allowance for the driver's own reservation. */
  vram_bytes: number;
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
  /** The whole weight set in this format (embedding table and output included). */
  model_bytes: number;
  /** KV cache up to the position plus the activations: device memory either case needs. */
  cache_bytes: number;
  /** The profile's device memory. */
  memory_bytes: number;
  resident: ProjectionCase;
  streamed: ProjectionCase;
  /** Two or three plain sentences saying what the numbers mean. */
  explanation: string[];
}

/** Bytes the decode step reads back (the next token id). */
const READBACK_BYTES = 4;

function timeCase(launches: PlannedLaunch[], info: DeviceInfo, streamed: boolean, vramBytes: number): ProjectionCase {
  const c = info.ceilings;
  const ms: TimeShare = { link: 0, kernels: 0, launch: 0, sync: 0 };
  let linkBytes = 0;
  let deviceBytes = 0;
  for (const k of launches) {
    const link = streamed ? k.weightBytes : 0;
    const device = k.bytes - link;
    // The simulator's own kernel formula (driver/sim/timing.ts); the split says which term set the time.
    const bodyUs = kernelUs({ bytes: device, flops: k.flops, linkReadBytes: link, linkWriteBytes: 0 }, c) - c.launchLatencyUs;
    const linkUs = bytesUs(link, c.linkH2DGBps);
    ms.launch += c.launchLatencyUs / 1e3;
    if (link > 0 && linkUs >= bodyUs) ms.link += bodyUs / 1e3;
    else ms.kernels += bodyUs / 1e3;
    linkBytes += link;
    deviceBytes += device;
  }
  // The greedy token id comes back with one device-to-host copy, which waits for the queue: one round trip.
  const readbackUs = transferUs(READBACK_BYTES, 'd2h', c);
  ms.link += (readbackUs - c.transferLatencyUs) / 1e3;
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
    fits: vramBytes <= info.memoryBytes,
    vram_bytes: vramBytes,
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

/** KV cache for `tokens` positions plus the decode step's activations, in bytes. */
export function cacheBytes(config: LlamaConfig, tokens: number): number {
  return Object.values(activationBuffers({ ...config, context: tokens }, 1)).reduce((a, b) => a + b, 0);
}

/** Why a case does not fit, e.g. `29.9 GiB of weights + 80 MiB of KV cache and activations > 24 GiB of VRAM`. */
export function doesNotFit(r: ProjectionResult, c: ProjectionCase): string {
  const cache = `${formatBytes(r.cache_bytes)} of KV cache and activations`;
  const what = c.vram_bytes > r.cache_bytes ? `${formatBytes(r.model_bytes)} of weights + ${cache}` : cache;
  return `${what} > ${formatBytes(r.memory_bytes)} of VRAM`;
}

/** Projects decode speed of a model on a device profile. Throws an Error with a user message for unknown models,
 *  quants and positions outside the model's context. */
export function projectLlama(options: ProjectOptions): ProjectionResult {
  const { id, title, config, tiedOutput } = resolveModel(options.model);
  const quant = options.quant ?? 'q4_0';
  if (!WEIGHT_FORMATS.includes(quant)) throw new Error(`unknown --quant '${String(quant)}': use one of ${WEIGHT_FORMATS.join(', ')}`);
  const position = options.position ?? 128;
  if (!Number.isInteger(position) || position < 0 || position >= config.context) {
    throw new Error(`--position ${position} is outside ${title}'s context of ${config.context} tokens (0 to ${config.context - 1})`);
  }
  const launches = forwardStep(config, { format: quant, tiedOutput, pos0: position, ntok: 1, tokenSlot: position, greedy: true });
  const info = options.device;
  const modelBytes = modelWeightBytes(config, quant, tiedOutput);
  const cache = cacheBytes(config, position + 1);
  const resident = timeCase(launches, info, false, modelBytes + cache);
  const streamed = timeCase(launches, info, true, cache);
  const weightBytes = launches.reduce((n, k) => n + k.weightBytes, 0);
  const result: ProjectionResult = {
    model: id, title, device: info.id, device_name: info.name, quant, position,
    weight_bytes_per_token: weightBytes, model_bytes: modelBytes, cache_bytes: cache, memory_bytes: info.memoryBytes,
    resident, streamed, explanation: [],
  };
  result.explanation = explain(result, config, tiedOutput, info);
  return result;
}

function explain(r: ProjectionResult, config: LlamaConfig, tiedOutput: boolean, info: DeviceInfo): string[] {
  const { resident, streamed, quant } = r;
  const c = info.ceilings;
  const Q = quant.toUpperCase();
  const vram = formatBytes(info.memoryBytes);
  const streamedSentence = streamed.fits
    ? `Streamed: every token pulls ${gb(r.weight_bytes_per_token)} of ${Q} weights across the ${rate(c.linkH2DGBps)} link ` +
      `(${streamed.ms.link.toFixed(0)} ms of ${streamed.ms_per_token.toFixed(0)} ms per token), so decode lands at ` +
      `${streamed.decode_tok_s.toFixed(2)} tok/s: the link, not the GPU, sets the speed.`
    : `Streamed: even with the weights in host memory, the KV cache and activations at position ${r.position} ` +
      `(${formatBytes(r.cache_bytes)}) do not fit in ${vram} of VRAM; were they to fit, the link would hold decode to ${streamed.decode_tok_s.toFixed(2)} tok/s.`;
  const residentTime = `the same ${resident.kernels_per_token} kernels read them at ${rate(c.memoryGBps)} in ${resident.ms.kernels.toFixed(1)} ms, ` +
    (resident.ms.launch > resident.ms.kernels
      ? `and ${resident.kernels_per_token} launches × ${c.launchLatencyUs} µs (${resident.ms.launch.toFixed(1)} ms) become the largest cost`
      : `plus ${resident.ms.launch.toFixed(1)} ms of launch latency (${resident.kernels_per_token} × ${c.launchLatencyUs} µs)`);
  const ceiling = `the bandwidth-only ceiling is ${(c.memoryGBps * 1e9 / r.weight_bytes_per_token).toFixed(0)} tok/s`;
  if (resident.fits) {
    return [
      streamedSentence,
      `Resident: with the weights kept in VRAM ${residentTime}: ${resident.decode_tok_s.toFixed(0)} tok/s, ` +
        `${(resident.decode_tok_s / streamed.decode_tok_s).toFixed(0)}× faster.`,
      `A better driver keeps the weights on the GPU and then cuts launches and round trips (fused kernels, graphs) — ${ceiling}.`,
    ];
  }
  // The widest format that would fit, so the advice names a real option.
  const smaller = WEIGHT_FORMATS.filter((f) => f !== quant && modelWeightBytes(config, f, tiedOutput) + r.cache_bytes <= info.memoryBytes)
    .sort((a, b) => modelWeightBytes(config, b, tiedOutput) - modelWeightBytes(config, a, tiedOutput));
  const advice = smaller.length
    ? `${smaller[0]!.toUpperCase()} (${formatBytes(modelWeightBytes(config, smaller[0]!, tiedOutput))}) is the widest format that fits this card`
    : `no weight format of this model fits this card`;
  return [
    streamedSentence,
    `Resident: the whole model is ${formatBytes(r.model_bytes)} of ${Q} weights (+ ${formatBytes(r.cache_bytes)} of KV cache and ` +
      `activations), more than this card's ${vram} of VRAM, so it cannot stay resident; on a card with enough memory ` +
      `${residentTime}: ${resident.decode_tok_s.toFixed(0)} tok/s.`,
    streamed.fits
      ? `Streaming is the only way this card runs ${Q} — ${advice}; with the weights on the GPU, ${ceiling}.`
      : `Neither case fits in ${vram}: an earlier --position or a card with more memory is needed — ${advice}.`,
  ];
}

/** Bytes of the whole weight set of a model in a format (for reports). */
export function modelWeightBytes(config: LlamaConfig, format: WeightFormat, tiedOutput: boolean): number {
  const kvDim = config.headDim * config.kvHeads;
  const perLayer = rowBytes(format, config.dim) * (2 * config.dim + 2 * kvDim + 2 * config.ffn) + rowBytes(format, config.ffn) * config.dim + 8 * config.dim;
  return config.layers * perLayer + rowBytes(format, config.dim) * config.vocab * (tiedOutput ? 1 : 2) + 4 * config.dim;
}
