// Profiles the panel test posts: a real saxpy run on the simulator when the pipeline is present, else a
// hand-written saxpy trace timed like the sim (the 100,000-event trace is in synthetic.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DeviceInfo } from '../../driver/device';
import { loadProfile } from '../../driver/profiles';
import { computeRoofline, summarize, type TraceEvent } from '../../driver/trace';
import type { ProfileData } from '../../webview/protocol';

const ROOT = join(__dirname, '..', '..');
export const SAXPY_FILE = join(ROOT, 'kernels', 'examples', 'saxpy.kern');

export function device(): DeviceInfo {
  return loadProfile('rtx5090-usb4');
}

/** Builds the panel's data from events the way the extension does: the engine summarises, the panel draws. */
export function profileFrom(events: TraceEvent[], info: DeviceInfo, runName: string, file: string): ProfileData {
  return { device: info, runName, file, events, summary: summarize(events, info), roofline: computeRoofline(events, info) };
}

/** saxpy_16m as the sim models it on rtx5090-usb4: two 64 MiB uploads, one kernel, one readback, a sync. */
export function handWrittenSaxpy(): ProfileData {
  const info = device();
  const c = info.ceilings;
  const n = 1 << 24;
  const bytes = n * 4;
  const copyUs = (b: number, gbps: number) => c.transferLatencyUs + b / (gbps * 1e3);
  const at = (line: number, column: number) => ({ file: SAXPY_FILE, line, column });
  const events: TraceEvent[] = [];
  let t = 0;
  for (const [name, line] of [['x', 14], ['y', 15]] as const) {
    const d = copyUs(bytes, c.linkH2DGBps);
    events.push({ kind: 'h2d', name, start_us: t, duration_us: d, bytes, flops: 0, lane: 'h2d', src_kind: 'pageable', dst_kind: 'device', source: at(line, 3) });
    t += d;
  }
  const kernelBytes = 3 * bytes;
  const kernelUs = c.launchLatencyUs + Math.max(kernelBytes / (c.memoryGBps * 1e3), (2 * n) / (c.fp32TFLOPS * 1e6));
  events.push({ kind: 'kernel', name: 'saxpy', start_us: t, duration_us: kernelUs, bytes: kernelBytes, flops: 2 * n, lane: 'compute', grid: [n / 256, 1, 1], block: [256, 1, 1], source: at(16, 3) });
  t += kernelUs;
  const d2h = copyUs(bytes, c.linkD2HGBps);
  events.push({ kind: 'd2h', name: 'y', start_us: t, duration_us: d2h, bytes, flops: 0, lane: 'd2h', src_kind: 'device', dst_kind: 'pageable', source: at(17, 3) });
  t += d2h;
  events.push({ kind: 'sync', name: 'synchronize', start_us: t, duration_us: c.syncLatencyUs, bytes: 0, flops: 0, lane: 'host' });
  const data = profileFrom(events, info, 'saxpy_16m', SAXPY_FILE);
  data.expects = [{ buffer: 'y', pass: true, checked: n, failed: 0, mismatches: [], loc: at(18, 3) }];
  return data;
}

/**
 * The real thing: compile saxpy.kern, run `saxpy_16m` on the simulated eGPU and package the result.
 * Returns a reason instead when the compiler, the simulator or the runner is not there yet.
 */
export async function simulatedSaxpy(): Promise<{ data: ProfileData } | { reason: string }> {
  const needed = ['driver/source-host.ts', 'driver/sim/device.ts', 'driver/runner.ts'];
  const missing = needed.filter((f) => !existsSync(join(ROOT, f)));
  if (missing.length) return { reason: `sim pipeline not present yet (${missing.join(', ')})` };
  try {
    // Specifiers in variables: these modules are written by other engineers and may not exist yet.
    const hostPath = join(ROOT, 'driver', 'source-host.ts');
    const simPath = join(ROOT, 'driver', 'sim', 'device.ts');
    const runnerPath = join(ROOT, 'driver', 'runner.ts');
    const { compileFile } = (await import(hostPath)) as { compileFile(p: string): { program: unknown; diagnostics: { message: string }[] } };
    const { SimDevice } = (await import(simPath)) as { SimDevice: new (info: DeviceInfo) => { dispose(): Promise<void> } };
    const { runProgram } = (await import(runnerPath)) as {
      runProgram(p: unknown, d: unknown, o: { runName: string }): Promise<{ name: string; events: TraceEvent[]; summary: ProfileData['summary']; roofline: ProfileData['roofline']; expects: NonNullable<ProfileData['expects']>; error: ProfileData['error'] }[]>;
    };
    const checked = compileFile(SAXPY_FILE);
    if (!checked.program) return { reason: `saxpy.kern did not compile: ${checked.diagnostics.map((d) => d.message).join('; ')}` };
    const info = device();
    const sim = new SimDevice(info);
    try {
      const [run] = await runProgram(checked.program, sim, { runName: 'saxpy_16m' });
      if (!run) return { reason: 'runProgram returned no run for saxpy_16m' };
      if (run.error) return { reason: `saxpy_16m failed on the sim: ${run.error.message}` };
      return { data: { device: info, runName: run.name, file: SAXPY_FILE, events: run.events, summary: run.summary, roofline: run.roofline, expects: run.expects, error: run.error } };
    } finally {
      await sim.dispose();
    }
  } catch (err) {
    return { reason: `sim pipeline failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}
