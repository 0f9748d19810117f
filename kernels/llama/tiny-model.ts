// A deterministic, Llama-architecture GGUF with random weights and a small byte-level BPE vocabulary
// (llama.cpp loads it): the demo's default model and the tests' fixture. The text it writes is noise.
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GGMLType } from './gguf';
import { encodeTensor, meta, writeGGUF, type GGUFWriteEntry, type GGUFWriteTensor } from './gguf-write';
import { BYTE_TO_CHAR, preTokenize, TokenType } from './tokenizer';

export type TinyVariant = 'f32' | 'f16' | 'bf16' | 'q8_0' | 'q4_0';

export interface TinyModelShape {
  dim: number;
  layers: number;
  heads: number;
  kvHeads: number;
  ffn: number;
  context: number;
  merges: number;
  ropeTheta: number;
  rmsEps: number;
  seed: number;
}

/** Dims are multiples of 32 (Q8_0/Q4_0 rows); GQA with half as many KV heads. */
export const TINY_SHAPE: TinyModelShape = {
  dim: 128, layers: 2, heads: 4, kvHeads: 2, ffn: 256, context: 256, merges: 64, ropeTheta: 10000, rmsEps: 1e-5, seed: 42,
};

/** Bump when the generator changes, so cached files are regenerated. */
const GENERATOR_VERSION = 1;

export const VARIANT_TYPE: Record<TinyVariant, GGMLType> = {
  f32: GGMLType.F32, f16: GGMLType.F16, bf16: GGMLType.BF16, q8_0: GGMLType.Q8_0, q4_0: GGMLType.Q4_0,
};
const FILE_TYPE: Record<TinyVariant, number> = { f32: 0, f16: 1, q4_0: 2, q8_0: 7, bf16: 32 };

const CORPUS = `The quick brown fox jumps over the lazy dog. Once upon a time there was a little GPU that lived
at the end of a long cable. Every token it made had to cross the link, and the link was slow. The kernels were
fast, the memory was fast, but the weights went over the wire again and again. Then the driver learned to keep
the weights in memory, and the tokens came quickly. This is the story of the bytes, the kernels and the time
between them: where it went, and how to get it back. In the beginning there were kernels, and they were good.`;

/** Deterministic 32-bit PRNG (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Learns `count` byte-level BPE merges from the corpus (most frequent pair first, ties by text). */
export function learnMerges(corpus: string, count: number): { merges: string[]; merged: string[] } {
  const words = new Map<string, number>();
  for (const w of preTokenize(corpus, 'llama-bpe')) words.set(w, (words.get(w) ?? 0) + 1);
  let split = [...words].map(([w, n]) => ({ symbols: Array.from(new TextEncoder().encode(w), (b) => BYTE_TO_CHAR[b]!), n }));
  const merges: string[] = [];
  const merged: string[] = [];
  for (let m = 0; m < count; m++) {
    const pairs = new Map<string, number>();
    for (const { symbols, n } of split) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = symbols[i] + ' ' + symbols[i + 1];
        pairs.set(key, (pairs.get(key) ?? 0) + n);
      }
    }
    let best = '';
    let bestCount = 0;
    for (const [key, n] of pairs) {
      if (n > bestCount || (n === bestCount && key < best)) {
        best = key;
        bestCount = n;
      }
    }
    if (bestCount < 2) break;
    const [left, right] = [best.slice(0, best.indexOf(' ', 1)), best.slice(best.indexOf(' ', 1) + 1)];
    merges.push(best);
    merged.push(left + right);
    split = split.map(({ symbols, n }) => {
      const out: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i + 1 < symbols.length && symbols[i] === left && symbols[i + 1] === right) {
          out.push(left + right);
          i++;
        } else out.push(symbols[i]!);
      }
      return { symbols: out, n };
    });
  }
  return { merges, merged };
}

export interface TinyVocabulary {
  tokens: string[];
  tokenTypes: number[];
  merges: string[];
  bosId: number;
  eosId: number;
}

export function tinyVocabulary(shape: TinyModelShape = TINY_SHAPE): TinyVocabulary {
  const { merges, merged } = learnMerges(CORPUS, shape.merges);
  const tokens = [...BYTE_TO_CHAR, ...merged, '<|begin_of_text|>', '<|end_of_text|>'];
  const tokenTypes = tokens.map((_, i) => (i >= tokens.length - 2 ? TokenType.control : TokenType.normal));
  return { tokens, tokenTypes, merges, bosId: tokens.length - 2, eosId: tokens.length - 1 };
}

/** Builds the GGUF entries and tensors of the tiny model (same seed -> same bytes). */
export function buildTinyModel(variant: TinyVariant, shape: TinyModelShape = TINY_SHAPE): { entries: GGUFWriteEntry[]; tensors: GGUFWriteTensor[] } {
  const vocab = tinyVocabulary(shape);
  const nVocab = vocab.tokens.length;
  const headDim = shape.dim / shape.heads;
  const kvDim = headDim * shape.kvHeads;
  const entries: GGUFWriteEntry[] = [
    meta.str('general.architecture', 'llama'),
    meta.str('general.name', `egpu tiny llama (${variant}, random weights)`),
    meta.u32('general.file_type', FILE_TYPE[variant]),
    meta.u32('llama.context_length', shape.context),
    meta.u32('llama.embedding_length', shape.dim),
    meta.u32('llama.block_count', shape.layers),
    meta.u32('llama.feed_forward_length', shape.ffn),
    meta.u32('llama.attention.head_count', shape.heads),
    meta.u32('llama.attention.head_count_kv', shape.kvHeads),
    meta.f32('llama.rope.freq_base', shape.ropeTheta),
    meta.f32('llama.attention.layer_norm_rms_epsilon', shape.rmsEps),
    meta.u32('llama.rope.dimension_count', headDim),
    meta.u32('llama.vocab_size', nVocab),
    meta.str('tokenizer.ggml.model', 'gpt2'),
    meta.str('tokenizer.ggml.pre', 'llama-bpe'),
    meta.strings('tokenizer.ggml.tokens', vocab.tokens),
    meta.i32s('tokenizer.ggml.token_type', vocab.tokenTypes),
    meta.strings('tokenizer.ggml.merges', vocab.merges),
    meta.u32('tokenizer.ggml.bos_token_id', vocab.bosId),
    meta.u32('tokenizer.ggml.eos_token_id', vocab.eosId),
    meta.bool('tokenizer.ggml.add_bos_token', true),
  ];

  const random = seededRandom(shape.seed);
  const gaussian = () => {
    const u = Math.max(random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  const weightType = VARIANT_TYPE[variant];
  const tensors: GGUFWriteTensor[] = [];
  const matrix = (name: string, cols: number, rows: number, std: number) => {
    const values = new Float32Array(cols * rows);
    for (let i = 0; i < values.length; i++) values[i] = gaussian() * std;
    tensors.push({ name, dims: [cols, rows], type: weightType, data: encodeTensor(weightType, values) });
  };
  const norm = (name: string) => {
    const values = new Float32Array(shape.dim);
    for (let i = 0; i < values.length; i++) values[i] = 1 + 0.1 * gaussian();
    tensors.push({ name, dims: [shape.dim], type: GGMLType.F32, data: encodeTensor(GGMLType.F32, values) });
  };
  matrix('token_embd.weight', shape.dim, nVocab, 1);
  for (let l = 0; l < shape.layers; l++) {
    norm(`blk.${l}.attn_norm.weight`);
    matrix(`blk.${l}.attn_q.weight`, shape.dim, shape.dim, 1 / Math.sqrt(shape.dim));
    matrix(`blk.${l}.attn_k.weight`, shape.dim, kvDim, 1 / Math.sqrt(shape.dim));
    matrix(`blk.${l}.attn_v.weight`, shape.dim, kvDim, 1 / Math.sqrt(shape.dim));
    matrix(`blk.${l}.attn_output.weight`, shape.dim, shape.dim, 1 / Math.sqrt(shape.dim));
    norm(`blk.${l}.ffn_norm.weight`);
    matrix(`blk.${l}.ffn_gate.weight`, shape.dim, shape.ffn, 1 / Math.sqrt(shape.dim));
    matrix(`blk.${l}.ffn_up.weight`, shape.dim, shape.ffn, 1 / Math.sqrt(shape.dim));
    matrix(`blk.${l}.ffn_down.weight`, shape.ffn, shape.dim, 1 / Math.sqrt(shape.ffn));
  }
  norm('output_norm.weight');
  // Logits spread of ~3 standard deviations keeps greedy choices well separated (stable across engines).
  matrix('output.weight', shape.dim, nVocab, 3 / Math.sqrt(shape.dim));
  return { entries, tensors };
}

export function writeTinyModel(path: string, variant: TinyVariant, shape: TinyModelShape = TINY_SHAPE): void {
  const { entries, tensors } = buildTinyModel(variant, shape);
  const partial = `${path}.${process.pid}.partial`;
  writeGGUF(partial, entries, tensors);
  renameSync(partial, path);
}

/** Where the cached tiny model lives (regenerated when missing). */
export function tinyModelPath(variant: TinyVariant = 'q8_0', dir = join(tmpdir(), 'egpu-kernel-studio')): string {
  return join(dir, `tiny-llama-v${GENERATOR_VERSION}-${variant}.gguf`);
}

/** The tiny model's path, generating it first if it is not there. */
export function ensureTinyModel(variant: TinyVariant = 'q8_0', dir?: string): string {
  const path = tinyModelPath(variant, dir);
  if (!existsSync(path)) {
    mkdirSync(join(path, '..'), { recursive: true });
    writeTinyModel(path, variant);
  }
  return path;
}
