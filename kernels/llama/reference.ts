// A plain-TypeScript Llama forward pass over dequantised weights: the yardstick the Kern kernels and the
// decode loop are checked against (same operation order as the kernels; KV cache stored as f16 like them).
import { f16ToF32, readTensorF32, type GGUFFile } from './gguf';
import { f32ToF16 } from './gguf-write';
import { LAYER_WEIGHTS, llamaTensors, readLlamaConfig, type LayerWeight, type LlamaConfig } from './model';

export function rmsnorm(x: Float32Array, w: Float32Array, eps: number): Float32Array {
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += x[i]! * x[i]!;
  const r = 1 / Math.sqrt(ss / x.length + eps);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! * r * w[i]!;
  return out;
}

/** y = W x, W stored row-major [rows][cols]. */
export function matvec(w: Float32Array, x: Float32Array, rows: number, cols: number): Float32Array {
  const y = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let acc = 0;
    const base = r * cols;
    for (let c = 0; c < cols; c++) acc += w[base + c]! * x[c]!;
    y[r] = acc;
  }
  return y;
}

/** Llama (ggml NORM mode) rotary embedding over adjacent pairs of each head, in place. */
export function rope(v: Float32Array, pos: number, headDim: number, theta: number): void {
  for (let i = 0; i < v.length; i += 2) {
    const d = i % headDim;
    const angle = pos * Math.pow(theta, -d / headDim);
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    const x0 = v[i]!;
    const x1 = v[i + 1]!;
    v[i] = x0 * c - x1 * s;
    v[i + 1] = x0 * s + x1 * c;
  }
}

export function softmaxInPlace(v: Float32Array | number[]): void {
  let m = -Infinity;
  for (const x of v) m = Math.max(m, x);
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    v[i] = Math.exp(v[i]! - m);
    sum += v[i]!;
  }
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / sum;
}

export function silu(x: number): number {
  return x / (1 + Math.exp(-x));
}

export function argmax(v: Float32Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

const roundF16 = (x: number) => f16ToF32(f32ToF16(x));

/** The whole model in f32 with a KV cache; `forward(token, pos)` returns the logits for the next token. */
export class ReferenceLlama {
  readonly config: LlamaConfig;
  private readonly embedding: Float32Array;
  private readonly output: Float32Array;
  private readonly outputNorm: Float32Array;
  private readonly layers: { attnNorm: Float32Array; ffnNorm: Float32Array; w: Record<LayerWeight, Float32Array> }[];
  private readonly keys: Float32Array[];
  private readonly values: Float32Array[];

  constructor(file: GGUFFile) {
    this.config = readLlamaConfig(file);
    const t = llamaTensors(file, this.config);
    this.embedding = readTensorF32(file, t.embedding);
    this.output = t.output === t.embedding ? this.embedding : readTensorF32(file, t.output);
    this.outputNorm = readTensorF32(file, t.outputNorm);
    this.layers = t.layers.map((l) => {
      const w = {} as Record<LayerWeight, Float32Array>;
      for (const name of LAYER_WEIGHTS) w[name] = readTensorF32(file, l.weights[name]);
      return { attnNorm: readTensorF32(file, l.attnNorm), ffnNorm: readTensorF32(file, l.ffnNorm), w };
    });
    const kvDim = this.config.headDim * this.config.kvHeads;
    this.keys = this.layers.map(() => new Float32Array(this.config.context * kvDim));
    this.values = this.layers.map(() => new Float32Array(this.config.context * kvDim));
  }

  embed(token: number): Float32Array {
    const { dim } = this.config;
    return this.embedding.slice(token * dim, (token + 1) * dim);
  }

  forward(token: number, pos: number): Float32Array {
    const { dim, headDim, heads, kvHeads, ffn, vocab, rmsEps, ropeTheta } = this.config;
    if (pos >= this.config.context) throw new Error(`reference: position ${pos} is past the context of ${this.config.context}`);
    const kvDim = headDim * kvHeads;
    const group = heads / kvHeads;
    const x = this.embed(token);
    this.layers.forEach((layer, l) => {
      const xn = rmsnorm(x, layer.attnNorm, rmsEps);
      const q = matvec(layer.w.attn_q, xn, dim, dim);
      const k = matvec(layer.w.attn_k, xn, kvDim, dim);
      const v = matvec(layer.w.attn_v, xn, kvDim, dim);
      rope(q, pos, headDim, ropeTheta);
      rope(k, pos, headDim, ropeTheta);
      for (let i = 0; i < kvDim; i++) {
        this.keys[l]![pos * kvDim + i] = roundF16(k[i]!);
        this.values[l]![pos * kvDim + i] = roundF16(v[i]!);
      }
      const att = new Float32Array(dim);
      const scale = 1 / Math.sqrt(headDim);
      for (let h = 0; h < heads; h++) {
        const kvh = Math.floor(h / group);
        const scores: number[] = [];
        for (let p = 0; p <= pos; p++) {
          let s = 0;
          for (let d = 0; d < headDim; d++) s += q[h * headDim + d]! * this.keys[l]![p * kvDim + kvh * headDim + d]!;
          scores.push(s * scale);
        }
        softmaxInPlace(scores);
        for (let d = 0; d < headDim; d++) {
          let acc = 0;
          for (let p = 0; p <= pos; p++) acc += scores[p]! * this.values[l]![p * kvDim + kvh * headDim + d]!;
          att[h * headDim + d] = acc;
        }
      }
      const o = matvec(layer.w.attn_output, att, dim, dim);
      for (let i = 0; i < dim; i++) x[i] = x[i]! + o[i]!;
      const xn2 = rmsnorm(x, layer.ffnNorm, rmsEps);
      const g = matvec(layer.w.ffn_gate, xn2, ffn, dim);
      const u = matvec(layer.w.ffn_up, xn2, ffn, dim);
      const hidden = new Float32Array(ffn);
      for (let i = 0; i < ffn; i++) hidden[i] = silu(g[i]!) * u[i]!;
      const down = matvec(layer.w.ffn_down, hidden, dim, ffn);
      for (let i = 0; i < dim; i++) x[i] = x[i]! + down[i]!;
    });
    const xf = rmsnorm(x, this.outputNorm, rmsEps);
    return matvec(this.output, xf, vocab, dim);
  }

  /** Greedy generation: feeds the prompt, then `count` argmax tokens (stops after `stop` if given). */
  generate(prompt: number[], count: number, stop?: (id: number) => boolean): { tokens: number[]; logits: Float32Array[] } {
    let logits: Float32Array = new Float32Array(0);
    const all: Float32Array[] = [];
    prompt.forEach((tok, pos) => {
      logits = this.forward(tok, pos);
    });
    const tokens: number[] = [];
    let pos = prompt.length;
    for (let i = 0; i < count; i++) {
      all.push(logits);
      const next = argmax(logits);
      tokens.push(next);
      if (stop?.(next) || pos >= this.config.context) break;
      logits = this.forward(next, pos++);
    }
    return { tokens, logits: all };
  }
}
