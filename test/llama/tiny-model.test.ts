// The tiny model generator (deterministic, llama.cpp-shaped GGUF) and the plain-TypeScript reference pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeGGUF, GGMLType, memorySource, openGGUF, readGGUFFrom } from '../../kernels/llama/gguf';
import { encodeGGUF } from '../../kernels/llama/gguf-write';
import { llamaTensors, readLlamaConfig } from '../../kernels/llama/model';
import { argmax, ReferenceLlama, rope } from '../../kernels/llama/reference';
import { buildTinyModel, ensureTinyModel, TINY_SHAPE } from '../../kernels/llama/tiny-model';

const bytesOf = (variant: 'f32' | 'q8_0') => {
  const { entries, tensors } = buildTinyModel(variant);
  return encodeGGUF(entries, tensors);
};

test('the tiny model is deterministic and carries the llama.* keys llama.cpp reads', () => {
  const a = bytesOf('q8_0');
  const b = bytesOf('q8_0');
  assert.equal(createHash('sha256').update(a).digest('hex'), createHash('sha256').update(b).digest('hex'));
  const f = readGGUFFrom(memorySource(a));
  for (const key of ['llama.context_length', 'llama.embedding_length', 'llama.block_count', 'llama.feed_forward_length', 'llama.attention.head_count',
    'llama.attention.head_count_kv', 'llama.rope.freq_base', 'llama.attention.layer_norm_rms_epsilon', 'llama.rope.dimension_count', 'llama.vocab_size']) {
    assert.ok(f.metadata.has(key), key);
  }
  const config = readLlamaConfig(f);
  assert.deepEqual(config, { dim: 128, layers: 2, heads: 4, kvHeads: 2, headDim: 32, ffn: 256, vocab: 322, context: 256, ropeTheta: 10000, rmsEps: Math.fround(1e-5) });
  const t = llamaTensors(f, config);
  assert.equal(t.layers[1]!.weights.attn_k.dims.join('x'), '128x64');
  assert.equal(t.layers[0]!.weights.ffn_down.dims.join('x'), '256x128');
  assert.equal(t.embedding.type, GGMLType.Q8_0);
  assert.equal(t.outputNorm.type, GGMLType.F32);
  assert.equal(f.tensors.length, 3 + 9 * TINY_SHAPE.layers);
});

test('ensureTinyModel writes the file once into its cache folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tiny-'));
  const path = ensureTinyModel('f32', dir);
  assert.equal(ensureTinyModel('f32', dir), path);
  const f = openGGUF(path);
  try {
    assert.equal(f.tensors.find((t) => t.name === 'output.weight')?.type, GGMLType.F32);
  } finally {
    closeGGUF(f);
  }
});

test('RoPE at position 0 is the identity and preserves pair norms elsewhere', () => {
  const v = Float32Array.from({ length: 8 }, (_, i) => i + 1);
  const w = v.slice();
  rope(w, 0, 4, 10000);
  assert.deepEqual(Array.from(w), Array.from(v));
  rope(w, 7, 4, 10000);
  for (let i = 0; i < 8; i += 2) assert.ok(Math.abs(Math.hypot(w[i]!, w[i + 1]!) - Math.hypot(v[i]!, v[i + 1]!)) < 1e-5);
});

test('the reference forward pass is deterministic, and Q8_0 tracks F32 closely', () => {
  const f32 = new ReferenceLlama(readGGUFFrom(memorySource(bytesOf('f32'))));
  const q8 = new ReferenceLlama(readGGUFFrom(memorySource(bytesOf('q8_0'))));
  const prompt = [320, 79, 110, 99, 101];
  const a = f32.generate(prompt, 6);
  const b = new ReferenceLlama(readGGUFFrom(memorySource(bytesOf('f32')))).generate(prompt, 6);
  assert.deepEqual(a.tokens, b.tokens);
  const c = q8.generate(prompt, 1);
  const spread = Math.max(...a.logits[0]!) - Math.min(...a.logits[0]!);
  let worst = 0;
  for (let i = 0; i < a.logits[0]!.length; i++) worst = Math.max(worst, Math.abs(a.logits[0]![i]! - c.logits[0]![i]!));
  assert.ok(worst < 0.05 * spread, `Q8_0 logits within 5% of the spread (${worst} vs ${spread})`);
  assert.equal(argmax(c.logits[0]!), a.tokens[0]);
});
