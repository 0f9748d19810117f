// `egpu devices`: the simulated device profiles and the CUDA devices found (or why there are none).
import { resolve } from 'node:path';
import { flagValue, parseArgs, UsageError } from '../args';
import { DEFAULT_PROFILE, listProfiles } from '../../driver/profiles';
import type { DeviceInfo } from '../../driver/device';
import { formatBytes, formatNumber } from '../../driver/trace';

type CudaProbe = { ok: true; devices: DeviceInfo[] } | { ok: false; reason: string };

export async function runDevices(argv: string[]): Promise<number> {
  let json: boolean;
  let extra: string[] = [];
  try {
    const args = parseArgs(argv, ['profile'], ['json']);
    if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
    json = args.flags.has('json');
    const profile = flagValue(args, 'profile');
    if (profile) extra = [resolve(profile)];
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`egpu devices: ${err.message}\nusage: egpu devices [--json] [--profile FILE.json]\n`);
      return 2;
    }
    throw err;
  }
  let sim: DeviceInfo[];
  try {
    sim = listProfiles(extra);
  } catch (err) {
    process.stderr.write(`egpu devices: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const cuda = await probe();
  if (json) {
    process.stdout.write(`${JSON.stringify({ default: `sim:${DEFAULT_PROFILE}`, sim, cuda }, null, 2)}\n`);
    return 0;
  }
  const rows = [['device', 'name', 'memory', 'link GB/s', 'memory GB/s', 'FP32 TFLOPS']];
  for (const d of sim) {
    rows.push([
      d.id + (d.id === `sim:${DEFAULT_PROFILE}` ? ' (default)' : ''),
      d.name,
      formatBytes(d.memoryBytes),
      d.ceilings.linkH2DGBps === d.ceilings.linkD2HGBps ? formatNumber(d.ceilings.linkH2DGBps, 4) : `${formatNumber(d.ceilings.linkH2DGBps, 4)}/${formatNumber(d.ceilings.linkD2HGBps, 4)}`,
      formatNumber(d.ceilings.memoryGBps, 4),
      formatNumber(d.ceilings.fp32TFLOPS, 4),
    ]);
  }
  if (cuda.ok) {
    for (const d of cuda.devices) {
      rows.push([d.id, d.name, formatBytes(d.memoryBytes), formatNumber(d.ceilings.linkH2DGBps, 4), formatNumber(d.ceilings.memoryGBps, 4), formatNumber(d.ceilings.fp32TFLOPS, 4)]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const right = new Set([2, 3, 4, 5]);
  for (const r of rows) process.stdout.write(`${r.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd()}\n`);
  if (!cuda.ok) process.stdout.write(`\ncuda: unavailable: ${cuda.reason}\n`);
  else if (cuda.devices.length === 0) process.stdout.write('\ncuda: no devices found\n');
  return 0;
}

async function probe(): Promise<CudaProbe> {
  try {
    const cuda = await import('../../driver/cuda/index');
    return await cuda.probeCuda();
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}
