// The Kern kernels and the decode loop on the simulator, checked against reference.ts: each weight format's
// matmul and embedding, the kernels' own run blocks, greedy decode, batched prefill, streamed weights, and
// the plan's byte counts (which the 8B projection relies on) against what the simulator counted.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadProfile } from '../../driver/profiles';
import { runProgram } from '../../driver/runner';
import { SimDevice } from '../../driver/sim/device';
import { compileFile } from '../../driver/source-host';
import { dequantize, GGMLType } from '../../kernels/llama/gguf';
import { encodeTensor } from '../../kernels/llama/gguf-write';
import { loadLlamaKernels, runLlama, sampleToken } from '../../kernels/llama/engine';
import { forwardStep, type WeightFormat } from '../../kernels/llama/plan';
import { matvec, ReferenceLlama } from '../../kernels/llama/reference';
import { ensureTinyModel, seededRandom } from '../../kernels/llama/tiny-model';
import { openGGUF, closeGGUF } from '../../kernels/llama/gguf';

let device: SimDevice;
before(() => {
  device = new SimDevice(loadProfile('rtx5090-usb4'));
});
after(async () => {
  await device.dispose();
});

const FORMATS: [WeightFormat, GGMLType][] = [['f32', GGMLType.F32], ['f16', GGMLType.F16], ['bf16', GGMLType.BF16], ['q8_0', GGMLType.Q8_0], ['q4_0', GGMLType.Q4_0]];
const PROMPT = 'Once upon a time, the kernels were fast.';

test('matmul and embedding kernels match the reference for every weight format (5 tokens: two token groups)', async () => {
  const kernels = await loadLlamaKernels();
  const rows = 40;
  const cols = 1088; // more than one 1024-column tile, a whole number of 32-blocks
  const ntok = 5;
  const random = seededRandom(7);
  const w = Float32Array.from({ length: rows * cols }, () => random() * 2 - 1);
  const x = Float32Array.from({ length: ntok * cols }, () => random() * 2 - 1);
  for (const [fmt, type] of FORMATS) {
    const raw = encodeTensor(type, w);
    const wq = dequantize(type, raw, rows * cols);
    const wb = await device.alloc(raw.length, 'device', 'w');
    const xb = await device.alloc(x.byteLength, 'device', 'x');
    const yb = await device.alloc(ntok * rows * 4, 'device', 'y');
    await device.upload(wb, raw);
    await device.upload(xb, new Uint8Array(x.buffer));
    const matmul = await device.compile(kernels.get(`matmul_${fmt}`)!);
    const u32 = (value: number) => ({ kind: 'scalar' as const, type: 'u32' as const, value });
    await device.launch(matmul, [1, 2, 1], [256, 1, 1], [u32(rows), u32(cols), u32(ntok), u32(0), { kind: 'buffer', buffer: wb }, { kind: 'buffer', buffer: xb }, { kind: 'buffer', buffer: yb }]);
    const y = new Float32Array((await device.download(yb)).buffer.slice(0));
    for (let t = 0; t < ntok; t++) {
      const want = matvec(wq, x.subarray(t * cols, (t + 1) * cols), rows, cols);
      for (let r = 0; r < rows; r++) assert.ok(Math.abs(y[t * rows + r]! - want[r]!) < 1e-3, `${fmt} token ${t} row ${r}: ${y[t * rows + r]} vs ${want[r]}`);
    }
    // Embedding rows 3 and 0 of the same matrix (rows = vocabulary, cols = embedding width).
    const tokens = await device.alloc(8, 'device', 'tokens');
    await device.upload(tokens, new Uint8Array(Uint32Array.of(3, 0).buffer));
    const eb = await device.alloc(2 * cols * 4, 'device', 'x');
    const embed = await device.compile(kernels.get(`embed_${fmt}`)!);
    await device.launch(embed, [Math.ceil(cols / 256), 2, 1], [256, 1, 1], [u32(0), u32(cols), { kind: 'buffer', buffer: tokens }, { kind: 'buffer', buffer: wb }, { kind: 'buffer', buffer: eb }]);
    const e = new Float32Array((await device.download(eb)).buffer.slice(0));
    assert.deepEqual(Array.from(e.subarray(0, cols)), Array.from(wq.subarray(3 * cols, 4 * cols)), `${fmt} embedding row 3`);
    assert.deepEqual(Array.from(e.subarray(cols)), Array.from(wq.subarray(0, cols)), `${fmt} embedding row 0`);
    for (const b of [wb, xb, yb, tokens, eb]) await device.free(b);
  }
});

test('the run blocks of the library and llama kernels pass on the simulator', async () => {
  for (const file of ['lib/rmsnorm.kern', 'lib/rope.kern', 'lib/attention.kern', 'lib/softmax.kern', 'lib/matvec.kern', 'llama/embed.kern', 'llama/matmul.kern', 'llama/llama.kern']) {
    const checked = compileFile(join(__dirname, '..', '..', 'kernels', file));
    assert.ok(checked.program, `${file} compiles: ${checked.diagnostics.map((d) => d.message).join('; ')}`);
    for (const run of await runProgram(checked.program!, device)) {
      assert.equal(run.error, null, `${file} ${run.name}: ${run.error?.message}`);
      for (const ex of run.expects) assert.ok(ex.pass, `${file} ${run.name} expect ${ex.buffer}: ${JSON.stringify(ex.mismatches.slice(0, 3))}`);
    }
  }
});

test('greedy decode on the sim matches the reference forward pass (tokens and logits)', async () => {
  const model = ensureTinyModel('f32');
  const r = await runLlama({ model, device, prompt: PROMPT, tokens: 6, keepLogits: 2 });
  const file = openGGUF(model);
  try {
    const ref = new ReferenceLlama(file).generate(r.prompt_tokens, 6);
    assert.deepEqual(r.tokens, ref.tokens);
    for (let s = 0; s < 2; s++) {
      let worst = 0;
      ref.logits[s]!.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - r.logits[s]![i]!))));
      assert.ok(worst < 1e-3, `step ${s}: max logit difference ${worst}`);
    }
  } finally {
    closeGGUF(file);
  }
  assert.equal(r.prompt_tokens.length, 19);
  assert.equal(r.kernels_per_token, 28);
  assert.equal(r.syncs_per_token, 1);
  // Two steps read the logits back for the comparison (322 × 4 bytes), the other three only the token id.
  assert.equal(r.link_bytes_per_token, (322 * 4 + 4 * 4) / 5);
  assert.equal(r.decode_runs, 5);
  assert.ok(r.decode_tok_s > 0 && r.ttft_ms > 0 && r.load_ms > 0);
});

test('batched prefill over several chunks (Q4_0) gives the reference tokens', async () => {
  const model = ensureTinyModel('q4_0');
  const prompt = 'The kernels were fast, the memory was fast, but the weights went over the wire again.';
  const r = await runLlama({ model, device, prompt, tokens: 4 });
  assert.ok(r.prompt_tokens.length > 16, `prompt spans two prefill chunks (${r.prompt_tokens.length} tokens)`);
  const file = openGGUF(model);
  try {
    assert.deepEqual(r.tokens, new ReferenceLlama(file).generate(r.prompt_tokens, 4).tokens);
  } finally {
    closeGGUF(file);
  }
});

test('streamed (host-mapped) weights: same tokens, every weight byte crosses the link each token, counts match the plan', async () => {
  const model = ensureTinyModel('q8_0');
  const resident = await runLlama({ model, device, promptTokens: [320, 79, 110], tokens: 3 });
  const streamed = await runLlama({ model, device, promptTokens: [320, 79, 110], tokens: 3, weights: 'host' });
  assert.deepEqual(streamed.tokens, resident.tokens);
  const decode = streamed.steps.find((s) => s.kind === 'decode')!;
  const kernels = streamed.events.slice(decode.first_event, decode.end_event).filter((e) => e.kind === 'kernel');
  const plan = forwardStep(streamed.config, { format: 'q8_0', pos0: 3, ntok: 1, tokenSlot: 3, greedy: true });
  assert.deepEqual(kernels.map((e) => e.name), plan.map((p) => p.kernel));
  kernels.forEach((e, i) => {
    assert.equal(e.link_bytes ?? 0, plan[i]!.weightBytes, `${plan[i]!.label} link bytes`);
    assert.equal(e.bytes, plan[i]!.bytes - plan[i]!.weightBytes, `${plan[i]!.label} device bytes`);
  });
  const weightBytes = plan.reduce((n, p) => n + p.weightBytes, 0);
  assert.equal(streamed.link_bytes_per_token, weightBytes + 4);
  assert.ok(streamed.decode_ms_per_token > resident.decode_ms_per_token, 'streaming weights is slower');
});

test('sampling with a seed is reproducible and reads the logits back', async () => {
  const model = ensureTinyModel('q8_0');
  const a = await runLlama({ model, device, promptTokens: [320, 79], tokens: 5, temperature: 0.8, topP: 0.9, seed: 3 });
  const b = await runLlama({ model, device, promptTokens: [320, 79], tokens: 5, temperature: 0.8, topP: 0.9, seed: 3 });
  assert.deepEqual(a.tokens, b.tokens);
  assert.equal(a.link_bytes_per_token, 322 * 4 + (256 + 1) * 4, 'logits down, token ids up');
  const logits = Float32Array.of(0, 10, 9.5, -5);
  assert.equal(sampleToken(logits, 1, 0.5, () => 0.99), 1, 'top-p 0.5 keeps only the best token');
});
