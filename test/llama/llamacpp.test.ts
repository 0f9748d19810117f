// Cross-check against llama.cpp (node-llama-cpp, CPU, 1 thread) on the same tiny GGUF: tokenization, the
// greedy token sequence, and the next-token distributions of the first steps (tolerances in docs/llama.md).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadProfile } from '../../driver/profiles';
import { SimDevice } from '../../driver/sim/device';
import { closeGGUF, openGGUF } from '../../kernels/llama/gguf';
import { runLlama } from '../../kernels/llama/engine';
import { ensureTinyModel, type TinyVariant } from '../../kernels/llama/tiny-model';
import { Tokenizer } from '../../kernels/llama/tokenizer';

const PROMPT = 'Once upon a time, the kernels were fast.';
const STEPS = 8;
/** Largest allowed |Δ log p| over the tokens both sides give p ≥ 1e-3 (see docs/llama.md). */
const LOGPROB_TOLERANCE: Record<string, number> = { f32: 0.01, q8_0: 0.2 };

type LlamaModule = typeof import('node-llama-cpp');
let llamaModule: LlamaModule | null = null;
let llama: Awaited<ReturnType<LlamaModule['getLlama']>> | null = null;
let skipReason = '';
let device: SimDevice;

before(async () => {
  device = new SimDevice(loadProfile('rtx5090-usb4'));
  try {
    llamaModule = await import('node-llama-cpp');
    llama = await llamaModule.getLlama({ gpu: false, build: 'never', logLevel: llamaModule.LlamaLogLevel.error });
  } catch (err) {
    skipReason = `llama.cpp could not load: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
  }
});
after(async () => {
  await device.dispose();
  await llama?.dispose();
});

function logSoftmax(logits: Float32Array): Float64Array {
  let m = -Infinity;
  for (const v of logits) m = Math.max(m, v);
  let z = 0;
  for (const v of logits) z += Math.exp(v - m);
  return Float64Array.from(logits, (v) => v - m - Math.log(z));
}

for (const variant of ['f32', 'q8_0'] as TinyVariant[]) {
  test(`llama.cpp agrees with the sim on the tiny ${variant} model`, async (t) => {
    if (!llama) {
      t.skip(skipReason);
      return;
    }
    const path = ensureTinyModel(variant);
    const model = await llama.loadModel({ modelPath: path });
    const context = await model.createContext({ contextSize: 256, threads: 1, batchSize: 64 });
    try {
      const file = openGGUF(path);
      const tokenizer = Tokenizer.fromGGUF(file);
      closeGGUF(file);
      const ours = tokenizer.encode(PROMPT);
      assert.deepEqual(Array.from(model.tokenize(PROMPT, true)), ours.slice(1), 'tokenization');
      assert.equal(model.tokens.bos, tokenizer.bosId);
      assert.equal(model.tokens.eos, tokenizer.eosId);

      const sim = await runLlama({ model: path, device, promptTokens: ours, tokens: STEPS, keepLogits: 2 });

      const sequence = context.getSequence();
      const theirs: number[] = [];
      for await (const token of sequence.evaluate(ours as Parameters<typeof sequence.evaluate>[0], { temperature: 0 })) {
        theirs.push(token);
        if (theirs.length >= sim.tokens.length) break;
      }
      assert.deepEqual(theirs, sim.tokens, 'greedy tokens');

      // Next-token distributions after the prompt and after the first generated token.
      for (let step = 0; step < 2; step++) {
        await sequence.clearHistory();
        const input = [...ours, ...sim.tokens.slice(0, step)];
        const items = input.map((tok, i) => (i === input.length - 1 ? ([tok, { generateNext: { probabilities: true } }] as [number, { generateNext: { probabilities: boolean } }]) : tok));
        const out = await sequence.controlledEvaluate(items as Parameters<typeof sequence.controlledEvaluate>[0]);
        const probabilities = out[input.length - 1]?.next.probabilities;
        assert.ok(probabilities && probabilities.size > 0, 'llama.cpp returned probabilities');
        const ourLogProbs = logSoftmax(sim.logits[step]!);
        let worst = 0;
        let compared = 0;
        for (const [token, p] of probabilities) {
          if (p < 1e-3 || Math.exp(ourLogProbs[token]!) < 1e-3) continue;
          worst = Math.max(worst, Math.abs(Math.log(p) - ourLogProbs[token]!));
          compared++;
        }
        t.diagnostic(`${variant} step ${step}: max |Δ log p| ${worst.toExponential(2)} over ${compared} tokens`);
        assert.ok(compared >= 10, `enough tokens compared (${compared})`);
        assert.ok(worst <= LOGPROB_TOLERANCE[variant]!, `${variant} step ${step}: |Δ log p| ${worst} > ${LOGPROB_TOLERANCE[variant]}`);
      }
    } finally {
      await context.dispose();
      await model.dispose();
    }
  });
}
