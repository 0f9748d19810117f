// Opens a device from the spec users type: `sim`, `sim:PROFILE`, `sim:path/to/profile.json` or `cuda:N`.
// Errors are one-line messages meant to be shown as they are.
import { DEFAULT_PROFILE, loadProfile, type ProfileSource } from './profiles';
import type { Device } from './device';

export interface OpenOptions {
  /** Kernel time limit, ms (sim and cuda). */
  timeLimitMs?: number;
  /** Extra profiles (files or inline objects) the `sim:ID` form may name. */
  profiles?: ProfileSource[];
}

/** The device a spec names; throws an Error with a one-line user message when it cannot be opened. */
export async function openDevice(spec: string, options: OpenOptions = {}): Promise<Device> {
  const trimmed = spec.trim();
  const deviceOptions = options.timeLimitMs !== undefined ? { timeLimitMs: options.timeLimitMs } : {};
  if (trimmed === 'sim' || trimmed.startsWith('sim:')) {
    const profile = trimmed === 'sim' ? DEFAULT_PROFILE : trimmed.slice(4);
    if (profile === '') throw new Error(`device 'sim:' needs a profile name, e.g. sim:${DEFAULT_PROFILE}`);
    const info = loadProfile(profile, options.profiles ?? []);
    const { SimDevice } = await import('./sim/device');
    return new SimDevice(info, deviceOptions);
  }
  if (trimmed === 'cuda' || trimmed.startsWith('cuda:')) {
    const ordinalText = trimmed === 'cuda' ? '0' : trimmed.slice(5);
    if (!/^\d+$/.test(ordinalText)) throw new Error(`device '${spec}': expected cuda:N with N a device number, e.g. cuda:0`);
    const ordinal = Number(ordinalText);
    const cuda = await import('./cuda/index');
    const probe = await cuda.probeCuda();
    if (!probe.ok) throw new Error(`CUDA is not available: ${probe.reason}`);
    if (ordinal >= probe.devices.length) {
      throw new Error(`no CUDA device ${ordinal}: found ${probe.devices.length} (${probe.devices.map((d) => `${d.id} ${d.gpu}`).join(', ')})`);
    }
    return cuda.openCudaDevice(ordinal, deviceOptions);
  }
  throw new Error(`unknown device '${spec}': use sim, sim:PROFILE, sim:path/to/profile.json or cuda:N`);
}
