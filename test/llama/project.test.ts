// The what-if projection (timing model over the 8B shapes) and the `egpu llama` / `egpu demo` faces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProfile } from '../../driver/profiles';
import { forwardStep } from '../../kernels/llama/plan';
import { KNOWN_MODELS, modelWeightBytes, projectLlama } from '../../kernels/llama/project';

const usb4 = loadProfile('rtx5090-usb4');
const root = join(__dirname, '..', '..');
const egpu = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'cli', 'main.ts'), ...args], { cwd: root, encoding: 'utf8' });

test('streamed Q4_0 Llama 3.1 8B on the USB4 5090 lands at the article\'s ~7.5 tok/s, for the link\'s reason', () => {
  const r = projectLlama({ model: 'llama-3.1-8b', quant: 'q4_0', device: usb4 });
  assert.ok(r.streamed.decode_tok_s > 7.2 && r.streamed.decode_tok_s < 7.8, `streamed ${r.streamed.decode_tok_s}`);
  assert.ok(r.weight_bytes_per_token > 4.1e9 && r.weight_bytes_per_token < 4.4e9, `weights ${r.weight_bytes_per_token}`);
  assert.ok(r.streamed.share.link > 0.9, 'the link dominates');
  assert.ok(r.resident.decode_tok_s > 100 && r.resident.decode_tok_s < 424, `resident ${r.resident.decode_tok_s}`);
  assert.ok(r.resident.share.launch > r.resident.share.kernels, 'with resident weights, launch latency is the next wall');
  for (const c of [r.resident, r.streamed]) {
    const sum = c.share.link + c.share.kernels + c.share.launch + c.share.sync;
    assert.ok(Math.abs(sum - 1) < 1e-9);
    assert.equal(c.kernels_per_token, 32 * 12 + 4);
  }
  assert.equal(r.explanation.length, 3);
  assert.match(r.explanation[0]!, /^Streamed: every token pulls 4\.2 GB of Q4_0 weights across the 33 GB\/s link/);
});

test('the projection reads the same kernel sequence and bytes as the engine\'s plan', () => {
  const { config } = KNOWN_MODELS['llama-3.1-8b']!;
  const plan = forwardStep(config, { format: 'f16', pos0: 0, ntok: 1, tokenSlot: 0, greedy: true });
  const matrices = plan.filter((l) => l.kernel === 'matmul_f16').reduce((n, l) => n + l.weightBytes, 0);
  // Every matrix once (all of output.weight; the embedding is a lookup, not a matmul).
  assert.equal(matrices, modelWeightBytes(config, 'f16', false) - 4096 * 128256 * 2 - (32 * 2 + 1) * 4096 * 4);
  const faster = projectLlama({ model: 'llama-3.1-8b', quant: 'q4_0', device: loadProfile('rtx5090-pcie5') });
  assert.ok(faster.streamed.decode_tok_s > 12, 'a faster link streams faster');
  assert.throws(() => projectLlama({ model: 'gpt-5', device: usb4 }), /unknown model 'gpt-5' for --project: known models are llama-3.1-8b, llama-3.2-1b/);
});

test('egpu llama --project --json has the documented shape', () => {
  const r = egpu('llama', '--project', 'llama-3.1-8b', '--quant', 'q4_0', '--device', 'sim:rtx5090-usb4', '--json');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.model, 'llama-3.1-8b');
  assert.equal(j.device, 'sim:rtx5090-usb4');
  assert.equal(j.quant, 'q4_0');
  for (const side of ['resident', 'streamed']) {
    assert.equal(typeof j[side].decode_tok_s, 'number');
    assert.deepEqual(Object.keys(j[side].share).sort(), ['kernels', 'launch', 'link', 'sync']);
  }
  const bad = egpu('llama', '--project', 'llama-3.1-8b', '--quant', 'q3');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--quant must be one of f32, f16, bf16, q8_0, q4_0, got 'q3'/);
});

test('egpu llama --json runs the tiny model on the sim and writes a trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'egpu-trace-'));
  const trace = join(dir, 't.json');
  const r = egpu('llama', '--tokens', '3', '--json', '--trace', trace);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  for (const key of ['model', 'device', 'tokens', 'text', 'load_ms', 'prompt_tok_s', 'decode_tok_s', 'ttft_ms', 'kernels_per_token', 'syncs_per_token', 'link_bytes_per_token']) assert.ok(key in j, key);
  assert.equal(j.tokens.length, 3);
  assert.equal(j.kernels_per_token, 28);
  assert.ok(Array.isArray(JSON.parse(readFileSync(trace, 'utf8')).traceEvents));
  const missing = egpu('llama', '--model', join(dir, 'nope.gguf'));
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^egpu llama: /);
});
