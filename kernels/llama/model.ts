// A Llama-architecture model as read from GGUF: its hyper-parameters (llama.* keys) and the tensors each
// layer needs, checked for presence, shape and a supported type before anything is uploaded.
import { findTensor, GGMLType, GGUFError, ggmlTypeName, metaNumber, metaString, requireNumber, SUPPORTED_TYPES, type GGUFFile, type GGUFTensorInfo } from './gguf';

export interface LlamaConfig {
  dim: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  ffn: number;
  vocab: number;
  context: number;
  ropeTheta: number;
  rmsEps: number;
}

export const LAYER_WEIGHTS = ['attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_gate', 'ffn_up', 'ffn_down'] as const;
export type LayerWeight = (typeof LAYER_WEIGHTS)[number];

export function readLlamaConfig(file: GGUFFile): LlamaConfig {
  const arch = metaString(file, 'general.architecture');
  if (arch !== 'llama') throw new GGUFError(`GGUF: general.architecture is ${JSON.stringify(arch ?? null)}; only "llama" models are supported`);
  const dim = requireNumber(file, 'llama.embedding_length');
  const heads = requireNumber(file, 'llama.attention.head_count');
  const kvHeads = metaNumber(file, 'llama.attention.head_count_kv') ?? heads;
  const embd = findTensor(file, 'token_embd.weight');
  if (!embd) throw new GGUFError('GGUF: tensor token_embd.weight is missing');
  const config: LlamaConfig = {
    dim,
    layers: requireNumber(file, 'llama.block_count'),
    heads,
    kvHeads,
    headDim: dim / heads,
    ffn: requireNumber(file, 'llama.feed_forward_length'),
    vocab: metaNumber(file, 'llama.vocab_size') ?? embd.dims[1] ?? 0,
    context: requireNumber(file, 'llama.context_length'),
    ropeTheta: metaNumber(file, 'llama.rope.freq_base') ?? 10000,
    rmsEps: metaNumber(file, 'llama.attention.layer_norm_rms_epsilon') ?? 1e-5,
  };
  if (!Number.isInteger(config.headDim) || config.headDim % 2 !== 0) throw new GGUFError(`GGUF: embedding_length ${dim} is not divisible into ${heads} heads of even size`);
  if (heads % kvHeads !== 0) throw new GGUFError(`GGUF: head_count ${heads} is not a multiple of head_count_kv ${kvHeads}`);
  const ropeDims = metaNumber(file, 'llama.rope.dimension_count');
  if (ropeDims !== undefined && ropeDims !== config.headDim) throw new GGUFError(`GGUF: rope.dimension_count ${ropeDims} differs from the head size ${config.headDim} (partial RoPE is not supported)`);
  return config;
}

export function layerTensorName(layer: number, weight: LayerWeight | 'attn_norm' | 'ffn_norm'): string {
  return `blk.${layer}.${weight}.weight`;
}

/** Expected ggml dims [row length, rows] of each weight. */
export function expectedDims(config: LlamaConfig, weight: LayerWeight): [number, number] {
  const kvDim = config.headDim * config.kvHeads;
  switch (weight) {
    case 'attn_q': return [config.dim, config.dim];
    case 'attn_k': return [config.dim, kvDim];
    case 'attn_v': return [config.dim, kvDim];
    case 'attn_output': return [config.dim, config.dim];
    case 'ffn_gate': return [config.dim, config.ffn];
    case 'ffn_up': return [config.dim, config.ffn];
    case 'ffn_down': return [config.ffn, config.dim];
  }
}

export interface LlamaTensors {
  embedding: GGUFTensorInfo;
  /** output.weight, or the embedding when the model ties them. */
  output: GGUFTensorInfo;
  outputNorm: GGUFTensorInfo;
  layers: { attnNorm: GGUFTensorInfo; ffnNorm: GGUFTensorInfo; weights: Record<LayerWeight, GGUFTensorInfo> }[];
}

function need(file: GGUFFile, name: string, dims: number[], types: readonly GGMLType[]): GGUFTensorInfo {
  const t = findTensor(file, name);
  if (!t) throw new GGUFError(`GGUF: tensor ${name} is missing`);
  if (t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i])) {
    throw new GGUFError(`GGUF: tensor ${name} has shape [${t.dims.join(', ')}], expected [${dims.join(', ')}]`);
  }
  if (!types.includes(t.type)) {
    throw new GGUFError(`GGUF: tensor ${name} has type ${ggmlTypeName(t.type)}, which is not supported (supported: ${types.map(ggmlTypeName).join(', ')})`);
  }
  return t;
}

/** Finds and checks every tensor the forward pass needs. */
export function llamaTensors(file: GGUFFile, config: LlamaConfig): LlamaTensors {
  const embedding = need(file, 'token_embd.weight', [config.dim, config.vocab], SUPPORTED_TYPES);
  const output = findTensor(file, 'output.weight') ? need(file, 'output.weight', [config.dim, config.vocab], SUPPORTED_TYPES) : embedding;
  const outputNorm = need(file, 'output_norm.weight', [config.dim], [GGMLType.F32]);
  const layers: LlamaTensors['layers'] = [];
  for (let l = 0; l < config.layers; l++) {
    const weights = {} as Record<LayerWeight, GGUFTensorInfo>;
    for (const w of LAYER_WEIGHTS) weights[w] = need(file, layerTensorName(l, w), expectedDims(config, w), SUPPORTED_TYPES);
    layers.push({
      attnNorm: need(file, layerTensorName(l, 'attn_norm'), [config.dim], [GGMLType.F32]),
      ffnNorm: need(file, layerTensorName(l, 'ffn_norm'), [config.dim], [GGMLType.F32]),
      weights,
    });
  }
  return { embedding, output, outputNorm, layers };
}
