import { ensureTinyModel } from './kernels/llama/tiny-model';
import { ReferenceLlama } from './kernels/llama/reference';
import { openGGUF } from './kernels/llama/gguf';
import { Tokenizer } from './kernels/llama/tokenizer';
async function main() {
const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
const t0 = Date.now();
const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.warn });
console.log('getLlama', Date.now() - t0);
for (const v of ['f32', 'q8_0'] as const) {
  const path = ensureTinyModel(v);
  const model = await llama.loadModel({ modelPath: path });
  const ctx = await model.createContext({ contextSize: 256, threads: 1, batchSize: 64 });
  const seq = ctx.getSequence();
  const text = 'Once upon a time, the kernels were fast.';
  const theirs = model.tokenize(text, true);
  const file = openGGUF(path);
  const tok = Tokenizer.fromGGUF(file);
  const ours = tok.encode(text, { addBos: false });
  console.log(v, 'tok', JSON.stringify(theirs) === JSON.stringify(ours), theirs.slice(0, 10), ours.slice(0, 10));
  const prompt = tok.encode(text);
  const input: any[] = prompt.map((t, i) => i === prompt.length - 1 ? [t, { generateNext: { token: true, probabilities: true, options: { temperature: 0 } } }] : t);
  const res = await seq.controlledEvaluate(input);
  const last = res[prompt.length - 1]!;
  const probs = last.next.probabilities!;
  console.log('top', [...probs.entries()].slice(0, 4), probs.size);
  const ref = new ReferenceLlama(file);
  const g = ref.generate(prompt, 8);
  const lg = g.logits[0]!;
  const m = Math.max(...lg); const z = lg.reduce((a, x) => a + Math.exp(x - m), 0);
  const rp = Array.from(lg).map((x) => Math.exp(x - m) / z);
  const order = rp.map((p, i) => [i, p]).sort((a, b) => b[1]! - a[1]!).slice(0, 4);
  console.log('ref top', order);
  // greedy sequence
  await seq.clearHistory();
  const out: number[] = [];
  for await (const t of seq.evaluate(prompt, { temperature: 0 })) { out.push(t); if (out.length >= 8) break; }
  console.log('llama.cpp', out, 'ref', g.tokens);
  await ctx.dispose(); await model.dispose();
}

}
main();
