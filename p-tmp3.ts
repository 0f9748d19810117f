import { loadProfile } from './driver/profiles';
import { SimDevice } from './driver/sim/device';
import { runLlama } from './kernels/llama/engine';
import { forwardStep } from './kernels/llama/plan';
import { ensureTinyModel } from './kernels/llama/tiny-model';
async function main() {
  const device = new SimDevice(loadProfile('rtx5090-usb4'));
  try {
    for (const v of ['q4_0', 'bf16', 'f32', 'f16', 'q8_0'] as const) {
    const r = await runLlama({ model: ensureTinyModel(v), device, promptTokens: [320, 79, 110, 99], tokens: 3, weights: 'host' });
    const d = r.steps.find((s) => s.kind === 'decode')!;
    const evs = r.events.slice(d.first_event, d.end_event);
    const plan = forwardStep(r.config, { format: v, pos0: 4, ntok: 1, tokenSlot: 4, greedy: true });
    let i = 0;
    for (const e of evs) {
      if (e.kind !== 'kernel') { console.log(e.kind, e.name, e.bytes, e.duration_us); continue; }
      const p = plan[i++]!;
      if (p.bytes - p.weightBytes !== e.bytes || p.weightBytes !== (e.link_bytes ?? 0)) console.log('MISMATCH', p.label, p.kernel, e.name, p.bytes, e.bytes, p.weightBytes, e.link_bytes, p.flops, e.flops);
    }
    console.log(v, r.tokens, r.link_bytes_per_token, r.kernels_per_token, r.decode_tok_s);
    }
  } finally { await device.dispose(); }
}
main();
