// The kernel sequence of one forward step (prefill chunk or decode token), as data: which Kern kernel, on
// which buffers, with what geometry, and the bytes it moves. engine.ts launches it; project.ts times it.
import type { Dim3 } from '../../driver/device';
import type { LlamaConfig } from './model';

export type WeightFormat = 'f32' | 'f16' | 'bf16' | 'q8_0' | 'q4_0';
export const WEIGHT_FORMATS: readonly WeightFormat[] = ['f32', 'f16', 'bf16', 'q8_0', 'q4_0'];

/** Threads per block of the matmul kernels, tokens per thread, and the x tile staged in shared memory. */
export const MATMUL_BLOCK = 256;
export const MATMUL_TOKENS = 4;
export const ELEMENTWISE_BLOCK = 256;
/** Prompt tokens per prefill step (bounds the attention scratch buffer). */
export const PREFILL_CHUNK = 16;

export type PlanArg =
  | { kind: 'scalar'; type: 'u32' | 'f32'; value: number }
  | { kind: 'buffer'; buffer: string };

export interface PlannedLaunch {
  kernel: string;
  /** What it computes, in model terms: `blk.3.attn_q`, `output`, `argmax`. */
  label: string;
  grid: Dim3;
  block: Dim3;
  args: PlanArg[];
  /** Bytes the kernel loads and stores in global memory (as the simulator counts them). */
  bytes: number;
  /** Of those, bytes read from weight tensors (they cross the link when weights are host-mapped). */
  weightBytes: number;
  flops: number;
}

/** Bytes of one row of `cols` weights in a format. */
export function rowBytes(format: WeightFormat, cols: number): number {
  switch (format) {
    case 'f32': return cols * 4;
    case 'f16': case 'bf16': return cols * 2;
    case 'q8_0': return (cols / 32) * 34;
    case 'q4_0': return (cols / 32) * 18;
  }
}

/** Bytes the embedding kernel reads per element (quantised formats read the block scale with each element). */
function embedElementBytes(format: WeightFormat): number {
  switch (format) {
    case 'f32': return 4;
    case 'f16': case 'bf16': return 2;
    case 'q8_0': case 'q4_0': return 3;
  }
}

const u32 = (value: number): PlanArg => ({ kind: 'scalar', type: 'u32', value });
const f32 = (value: number): PlanArg => ({ kind: 'scalar', type: 'f32', value });
const buf = (buffer: string): PlanArg => ({ kind: 'buffer', buffer });
const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

/** Names of the weight buffers the plan refers to (GGUF tensor names). */
export function weightBufferNames(config: LlamaConfig, tiedOutput: boolean): string[] {
  const names = ['token_embd.weight', 'output_norm.weight'];
  if (!tiedOutput) names.push('output.weight');
  for (let l = 0; l < config.layers; l++) {
    for (const w of ['attn_norm', 'attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_norm', 'ffn_gate', 'ffn_up', 'ffn_down']) names.push(`blk.${l}.${w}.weight`);
  }
  return names;
}

export interface StepOptions {
  /** Format of the large matrices (norms are always f32). */
  format: WeightFormat;
  /** Format of the embedding table and of the output matrix (default: `format`). */
  embeddingFormat?: WeightFormat;
  outputFormat?: WeightFormat;
  /** Per-tensor format, for files that mix formats (overrides the three above). */
  formatOf?: (weight: string) => WeightFormat;
  /** Compute the logits of the last token (false for prefill chunks before the last). Default true. */
  withLogits?: boolean;
  /** True when output.weight is absent and the embedding is reused. */
  tiedOutput?: boolean;
  /** Position of the first token of this step in the sequence. */
  pos0: number;
  /** Tokens processed in this step (1 for decode). */
  ntok: number;
  /** Where the token ids are in the `tokens` buffer, and where the argmax writes the next one. */
  tokenSlot: number;
  /** Run the argmax on the device (greedy); otherwise the logits are read back and sampled on the host. */
  greedy: boolean;
}

/** The launches of one forward step, in order. */
export function forwardStep(config: LlamaConfig, options: StepOptions): PlannedLaunch[] {
  const { dim, headDim, heads, kvHeads, ffn, vocab, context } = config;
  const { format, pos0, ntok } = options;
  const embeddingFormat = options.embeddingFormat ?? format;
  const outputFormat = options.outputFormat ?? format;
  const kvDim = headDim * kvHeads;
  const launches: PlannedLaunch[] = [];

  const matmul = (label: string, weight: string, defaultFormat: WeightFormat, rows: number, cols: number, n: number, accumulate: boolean, x: string, y: string) => {
    const fmt = options.formatOf?.(weight) ?? defaultFormat;
    const groups = ceilDiv(n, MATMUL_TOKENS);
    const blocks = ceilDiv(rows, MATMUL_BLOCK);
    const weightBytes = rows * rowBytes(fmt, cols) * groups;
    launches.push({
      kernel: `matmul_${fmt}`, label, grid: [blocks, groups, 1], block: [MATMUL_BLOCK, 1, 1],
      args: [u32(rows), u32(cols), u32(n), u32(accumulate ? 1 : 0), buf(weight), buf(x), buf(y)],
      bytes: weightBytes + blocks * n * cols * 4 + rows * n * 4 * (accumulate ? 2 : 1),
      weightBytes,
      flops: 2 * rows * cols * n,
    });
  };
  const rmsnorm = (label: string, weight: string, rows: number, row0: number) => {
    launches.push({
      kernel: 'rmsnorm', label, grid: [rows, 1, 1], block: [32, 1, 1],
      args: [u32(dim), u32(row0), f32(config.rmsEps), buf('x'), buf(weight), buf('xn')],
      bytes: rows * dim * 16, weightBytes: rows * dim * 4, flops: rows * dim * 5,
    });
  };

  const embedFormat = options.formatOf?.('token_embd.weight') ?? embeddingFormat;
  launches.push({
    kernel: `embed_${embedFormat}`, label: 'token_embd', grid: [ceilDiv(dim, ELEMENTWISE_BLOCK), ntok, 1], block: [ELEMENTWISE_BLOCK, 1, 1],
    args: [u32(options.tokenSlot), u32(dim), buf('tokens'), buf('token_embd.weight'), buf('x')],
    bytes: ntok * dim * (8 + embedElementBytes(embedFormat)), weightBytes: ntok * dim * embedElementBytes(embedFormat), flops: 0,
  });
  for (let l = 0; l < config.layers; l++) {
    const blk = `blk.${l}`;
    rmsnorm(`${blk}.attn_norm`, `${blk}.attn_norm.weight`, ntok, 0);
    matmul(`${blk}.attn_q`, `${blk}.attn_q.weight`, format, dim, dim, ntok, false, 'xn', 'q');
    matmul(`${blk}.attn_k`, `${blk}.attn_k.weight`, format, kvDim, dim, ntok, false, 'xn', 'k');
    matmul(`${blk}.attn_v`, `${blk}.attn_v.weight`, format, kvDim, dim, ntok, false, 'xn', 'v');
    launches.push({
      kernel: 'rope_kv', label: `${blk}.rope`, grid: [ceilDiv(dim / 2 + kvDim / 2, ELEMENTWISE_BLOCK), ntok, 1], block: [ELEMENTWISE_BLOCK, 1, 1],
      args: [u32(pos0), u32(dim), u32(kvDim), u32(headDim), f32(config.ropeTheta), buf('q'), buf('k'), buf('v'), buf(`${blk}.k_cache`), buf(`${blk}.v_cache`)],
      bytes: ntok * (8 * dim + 12 * kvDim), weightBytes: 0, flops: ntok * (dim + kvDim) * 3,
    });
    let attentionBytes = 0;
    let attentionFlops = 0;
    for (let t = 0; t < ntok; t++) {
      const n = pos0 + t + 1;
      attentionBytes += heads * (headDim * 8 + n * (8 * headDim + 12));
      attentionFlops += heads * n * (4 * headDim + 4);
    }
    launches.push({
      kernel: 'attention', label: `${blk}.attention`, grid: [heads, ntok, 1], block: [32, 1, 1],
      args: [u32(pos0), u32(dim), u32(kvDim), u32(headDim), u32(heads / kvHeads), u32(context), f32(1 / Math.sqrt(headDim)),
        buf('q'), buf(`${blk}.k_cache`), buf(`${blk}.v_cache`), buf('scores'), buf('att')],
      bytes: attentionBytes, weightBytes: 0, flops: attentionFlops,
    });
    matmul(`${blk}.attn_output`, `${blk}.attn_output.weight`, format, dim, dim, ntok, true, 'att', 'x');
    rmsnorm(`${blk}.ffn_norm`, `${blk}.ffn_norm.weight`, ntok, 0);
    matmul(`${blk}.ffn_gate`, `${blk}.ffn_gate.weight`, format, ffn, dim, ntok, false, 'xn', 'gate');
    matmul(`${blk}.ffn_up`, `${blk}.ffn_up.weight`, format, ffn, dim, ntok, false, 'xn', 'up');
    launches.push({
      kernel: 'swiglu', label: `${blk}.ffn_silu`, grid: [ceilDiv(ffn * ntok, ELEMENTWISE_BLOCK), 1, 1], block: [ELEMENTWISE_BLOCK, 1, 1],
      args: [u32(ffn * ntok), buf('gate'), buf('up'), buf('hidden')],
      bytes: ffn * ntok * 12, weightBytes: 0, flops: ffn * ntok * 4,
    });
    matmul(`${blk}.ffn_down`, `${blk}.ffn_down.weight`, format, dim, ffn, ntok, true, 'hidden', 'x');
  }
  if (options.withLogits === false) return launches;
  // Only the last token's logits are needed: normalise its row alone.
  rmsnorm('output_norm', 'output_norm.weight', 1, ntok - 1);
  matmul('output', options.tiedOutput ? 'token_embd.weight' : 'output.weight', outputFormat, vocab, dim, 1, false, 'xn', 'logits');
  if (options.greedy) {
    launches.push({
      kernel: 'argmax', label: 'argmax', grid: [1, 1, 1], block: [32, 1, 1],
      args: [u32(vocab), u32(options.tokenSlot + ntok), buf('logits'), buf('tokens'), buf('next')],
      bytes: vocab * 4 + 8, weightBytes: 0, flops: vocab,
    });
  }
  return launches;
}

/** Sizes in bytes of the activation and cache buffers the plan uses. */
export function activationBuffers(config: LlamaConfig, maxTokens: number): Record<string, number> {
  const kvDim = config.headDim * config.kvHeads;
  const sizes: Record<string, number> = {
    tokens: (config.context + 1) * 4,
    x: maxTokens * config.dim * 4,
    xn: maxTokens * config.dim * 4,
    q: maxTokens * config.dim * 4,
    k: maxTokens * kvDim * 4,
    v: maxTokens * kvDim * 4,
    att: maxTokens * config.dim * 4,
    gate: maxTokens * config.ffn * 4,
    up: maxTokens * config.ffn * 4,
    hidden: maxTokens * config.ffn * 4,
    scores: maxTokens * config.heads * config.context * 4,
    logits: config.vocab * 4,
    next: 4,
  };
  for (let l = 0; l < config.layers; l++) {
    sizes[`blk.${l}.k_cache`] = config.context * kvDim * 2;
    sizes[`blk.${l}.v_cache`] = config.context * kvDim * 2;
  }
  return sizes;
}
