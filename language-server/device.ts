// The device profile kernel hovers compare against: the bundled rtx5090-usb4 by default, any profile
// JSON in driver/profiles/ (or extra folders) by id, or ceilings the client sends with kern/setDevice.
import * as fs from 'node:fs';
import * as path from 'node:path';
import defaultProfile from '../driver/profiles/rtx5090-usb4.json';
import type { DeviceLimits } from '../kernels/lang/limits';
import type { DeviceInfoResult, KernDeviceCeilings, SetDeviceParams } from './protocol';

export interface SelectedDevice extends DeviceInfoResult {
  limits?: DeviceLimits;
}

interface ProfileJson {
  id: string;
  name: string;
  ceilings: KernDeviceCeilings;
  limits?: DeviceLimits;
}

function fromProfile(p: ProfileJson): SelectedDevice {
  const c = p.ceilings;
  return {
    id: p.id,
    name: p.name,
    ceilings: { linkH2DGBps: c.linkH2DGBps, linkD2HGBps: c.linkD2HGBps, memoryGBps: c.memoryGBps, fp32TFLOPS: c.fp32TFLOPS },
    ...(p.limits ? { limits: p.limits } : {}),
  };
}

export const DEFAULT_DEVICE: SelectedDevice = fromProfile(defaultProfile as unknown as ProfileJson);

function isProfile(x: unknown): x is ProfileJson {
  const p = x as ProfileJson;
  return typeof p === 'object' && p !== null && typeof p.id === 'string' && typeof p.name === 'string'
    && typeof p.ceilings === 'object' && p.ceilings !== null
    && ['linkH2DGBps', 'memoryGBps', 'fp32TFLOPS'].every((k) => typeof (p.ceilings as unknown as Record<string, unknown>)[k] === 'number');
}

function readProfile(file: string): ProfileJson | null {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return isProfile(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/** Folders searched for profile JSON: the repository's (next to the source or the bundle) and extra ones. */
export function profileDirs(extra: string[] = []): string[] {
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  return [...extra, path.resolve(here, '../driver/profiles'), path.resolve(process.cwd(), 'driver/profiles')];
}

/** Resolves a kern/setDevice request; returns a message instead when the profile cannot be found. */
export function resolveDevice(params: SetDeviceParams, extraDirs: string[] = []): SelectedDevice | string {
  if (params.ceilings) {
    const c = params.ceilings;
    if (![c.linkH2DGBps, c.memoryGBps, c.fp32TFLOPS].every((v) => typeof v === 'number' && v > 0)) return 'kern/setDevice: ceilings need positive linkH2DGBps, memoryGBps and fp32TFLOPS';
    return { id: params.profile ?? 'custom', name: params.name ?? params.profile ?? 'custom device', ceilings: { ...c, linkD2HGBps: c.linkD2HGBps ?? c.linkH2DGBps } };
  }
  const spec = params.profile;
  if (!spec) return 'kern/setDevice: give a profile or ceilings';
  if (spec.endsWith('.json')) {
    const p = readProfile(spec);
    return p ? fromProfile(p) : `kern/setDevice: ${spec} is not a device profile`;
  }
  const id = spec.startsWith('sim:') ? spec.slice(4) : spec === 'sim' ? DEFAULT_DEVICE.id : spec;
  if (id === DEFAULT_DEVICE.id) return DEFAULT_DEVICE;
  for (const dir of profileDirs(extraDirs)) {
    const p = readProfile(path.join(dir, `${id}.json`));
    if (p) return fromProfile(p);
  }
  return `kern/setDevice: unknown device profile '${spec}'`;
}
