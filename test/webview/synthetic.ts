// A synthetic decode-like trace of any size, summarised by the engine (driver/trace.ts). Pure: the
// browser test bundles it into the page so 100,000 events need not cross the DevTools protocol.
import type { DeviceInfo } from '../../driver/device';
import { computeRoofline, summarize, type TraceEvent } from '../../driver/trace';
import type { ProfileData } from '../../webview/protocol';

/**
 * A decode-like trace of exactly `count` events: per step a small upload, seven kernels, a readback and a
 * sync, with durations that vary so that merged pixel columns and wide events both occur.
 */
export function syntheticProfile(count: number, info: DeviceInfo): ProfileData {
  const kernels = ['rmsnorm', 'matvec_qkv', 'rope', 'attention', 'matvec_out', 'matvec_ffn', 'softmax'];
  const events: TraceEvent[] = [];
  let t = 0;
  let step = 0;
  const src = (line: number) => ({ file: '/projects/llama.kern', line, column: 3 });
  while (events.length < count) {
    const jitter = ((step * 2654435761) % 1000) / 1000;
    const push = (e: TraceEvent) => {
      if (events.length < count) events.push(e);
    };
    push({ kind: 'h2d', name: 'token', start_us: t, duration_us: 20.1, bytes: 4096, flops: 0, lane: 'h2d', source: src(40) });
    t += 20.1;
    for (let k = 0; k < kernels.length; k++) {
      const d = 15 + (k === 5 ? 120 * (1 + jitter) : 8 * k * jitter);
      const bytes = Math.round(d * 1.2e6);
      push({ kind: 'kernel', name: kernels[k]!, start_us: t, duration_us: d, bytes, flops: bytes / 2, lane: 'compute', grid: [128, 1, 1], block: [256, 1, 1], source: src(41 + k) });
      t += d;
    }
    push({ kind: 'd2h', name: 'logits', start_us: t, duration_us: 35, bytes: 512 * 1024, flops: 0, lane: 'd2h', source: src(49) });
    t += 35;
    push({ kind: 'sync', name: 'synchronize', start_us: t, duration_us: 30, bytes: 0, flops: 0, lane: 'host' });
    t += 30 + (step % 50 === 0 ? 400 : 0);
    step++;
  }
  return { device: info, runName: `synthetic_${count}`, file: '/projects/llama.kern', events, summary: summarize(events, info), roofline: computeRoofline(events, info) };
}
